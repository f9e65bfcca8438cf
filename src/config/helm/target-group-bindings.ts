/**
 * TargetGroupBindings: the AWS Load Balancer Controller's custom resource that registers the pods
 * behind a Kubernetes Service in a target group made outside Kubernetes, here by CloudFormation
 * (src/infra/edge.ts). One per target group the Plan binds (`chartTargetGroupBindings`): GitLab
 * Shell's on the Network Load Balancer, webservice, the registry and KAS on the Application Load
 * Balancer. IP targets: the controller registers each ready pod's address on the port behind the
 * Service port, and deregisters it before the pod goes.
 *
 * No `networking` section: the security groups from the load balancers to the nodes' pods are
 * CloudFormation's too (src/catalog/network-paths.ts), so the controller changes none.
 *
 * Source: the controller's TargetGroupBinding guide and specification (`elbv2.k8s.aws/v1beta1`:
 * `serviceRef` name and port, `targetGroupARN`, `targetType`),
 * kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/targetgroupbinding
 * and .../targetgroupbinding/spec. The CRD ships with the controller's chart, installed before them.
 */
import { type ChartTargetGroupBinding, chartTargetGroupBindings } from '../../plan/chart.js';
import type { Plan } from '../../plan/types.js';
import { GITLAB_NAMESPACE } from './names.js';
import type { Values } from './types.js';

/** ARN of each bound target group, by its name in the Plan (tokens when infra renders them). */
export type BoundTargetGroupArns = Readonly<Partial<Record<ChartTargetGroupBinding['targetGroup'], string>>>;

/** The TargetGroupBinding manifests of a Plan, each naming its target group's ARN. */
export function targetGroupBindingManifests(
  plan: Pick<Plan, 'services' | 'spec'>,
  arns: BoundTargetGroupArns,
): Values[] {
  return chartTargetGroupBindings(plan).map(({ targetGroup, binding }) => {
    const arn = arns[targetGroup];
    if (!arn)
      throw new Error(`no ARN for the ${targetGroup} target group the chart's ${binding.service} binds`);
    return {
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'TargetGroupBinding',
      metadata: {
        name: `${plan.spec.name}-${targetGroup}`,
        namespace: GITLAB_NAMESPACE,
      },
      spec: {
        serviceRef: { name: binding.service, port: binding.servicePort },
        targetGroupARN: arn,
        targetType: 'ip',
      },
    };
  });
}

/** Placeholders for `synth`'s review copy: each names the edge stack output the ARN comes from. */
export function reviewTargetGroupArns(plan: Pick<Plan, 'services'>, edgeStack: string): BoundTargetGroupArns {
  return Object.fromEntries(
    chartTargetGroupBindings(plan).map(({ targetGroup }) => [
      targetGroup,
      `<${targetGroup} target group, ${edgeStack}>`,
    ]),
  );
}
