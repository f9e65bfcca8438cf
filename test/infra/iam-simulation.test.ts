/**
 * IAM, simulated: every instance role's identity policies, resolved from the synthesized templates
 * into a fake account, evaluated by an IAM policy evaluator (@cloud-copilot/iam-simulate, offline)
 * against the calls its machines make (each must be allowed) and the calls they must never make.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartTargetGroupBindings } from '../../src/plan/chart.js';
import { runCommandLogGroupName } from '../../src/plan/contracts.js';
import { nodesOf } from '../../src/plan/query.js';
import type { SecretId } from '../../src/plan/types.js';
import { EXTRA_SETTINGS_OVERRIDES } from '../fixtures/extra-settings.js';
import { allPlans, planFor } from '../fixtures/plans.js';
import {
  ACCOUNT,
  type AwsCall,
  allowedCalls,
  type Caller,
  deniedCalls,
  type FakeWorld,
  otherEnvironmentKeyArn,
} from './iam-calls.js';
import { decide, OIDC_ISSUER, resolver } from './iam-resolve.js';
import { identityPoliciesOf, type Json, resourcesOf, type Synthesized, synthesize } from './synth.js';

/** Every instance role of the compute stack with its callers and resolved identity policies. */
function principals(synth: Synthesized) {
  const { resolve } = resolver(synth);
  const compute = synth.environment.stacks.compute;
  const roles = synth.environment.instanceRoles;
  const logicalId = (role: { node: { defaultChild?: unknown } }) =>
    compute.getLogicalId(role.node.defaultChild as never);
  const policiesOf = (roleId: string) =>
    identityPoliciesOf(synth.json.compute)
      .filter(([, policy]) => (policy.Properties!.Roles as Json[]).some((entry) => entry.Ref === roleId))
      .map(([id, policy]) => ({
        name: id,
        policy: resolve('compute', policy.Properties!.PolicyDocument) as Json,
      }));
  const found: { roleId: string; caller: Caller; policies: ReturnType<typeof policiesOf> }[] = [];
  for (const group of synth.plan.autoScalingGroups) {
    const role = roles.roles.get(group.role);
    if (!role) continue; // Kubernetes pools
    const roleId = logicalId(role);
    found.push({
      roleId,
      caller: { kind: 'group', role: group.role, groupId: group.id },
      policies: policiesOf(roleId),
    });
  }
  for (const node of synth.plan.nodes.filter((candidate) => candidate.autoScalingGroup === undefined)) {
    const roleId = logicalId(roles.ofNode(node));
    found.push({ roleId, caller: { kind: 'node', role: node.role, node }, policies: policiesOf(roleId) });
  }
  return found;
}

function world(synth: Synthesized): FakeWorld {
  const { resolve, ref } = resolver(synth);
  const region = synth.plan.region;
  const dataId = (construct: { node: { defaultChild?: unknown } }) =>
    synth.environment.stacks.data.getLogicalId(construct.node.defaultChild as never);
  const keys = synth.environment.dataStack.keys;
  const keyArn = (key: { node: { defaultChild?: unknown } }) =>
    resolve('data', { 'Fn::GetAtt': [dataId(key), 'Arn'] }) as string;
  const nginx = resourcesOf(synth.json.compute, 'AWS::Logs::LogGroup').find(([, group]) =>
    JSON.stringify(group.Properties?.LogGroupName).includes('/nginx'),
  );
  const volumes = synth.environment.dataStack.gitalyVolumes;
  const aliasOf = (arn: string) => {
    const alias = resourcesOf(synth.json.data, 'AWS::KMS::Alias').find(
      ([, resource]) => resolve('data', resource.Properties!.TargetKeyId) === arn,
    );
    if (!alias) throw new Error(`no alias for ${arn}`);
    return alias[1].Properties!.AliasName as string;
  };
  return {
    region,
    stackArn: `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${synth.environment.stacks.compute.stackName}/fake`,
    secretArn: (id: SecretId) => {
      const smtp = synth.plan.email?.credentialsSecret;
      const external =
        smtp?.id === id
          ? { secret: smtp.name }
          : synth.plan.externalSecrets?.find((secret) => secret.id === id);
      if (!external) return ref('data', dataId(synth.environment.secrets.secret(id)));
      // Secrets Manager appends six characters to the name of every secret's ARN.
      return external.secret.startsWith('arn:')
        ? external.secret
        : `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${external.secret}-XyZ123`;
    },
    keys: {
      secrets: keyArn(keys.secrets),
      volumes: keyArn(keys.volumes),
      objectStorage: keyArn(keys.objectStorage),
    },
    // As the data template names them, so a grant by alias is checked against the real alias.
    keyAliases: {
      secrets: aliasOf(keyArn(keys.secrets)),
      volumes: aliasOf(keyArn(keys.volumes)),
      objectStorage: aliasOf(keyArn(keys.objectStorage)),
    },
    volumeArn: (nodeId) =>
      `arn:aws:ec2:${region}:${ACCOUNT}:volume/${ref('data', dataId(volumes.volume(nodeId)))}`,
    instanceArn: (instanceId) => `arn:aws:ec2:${region}:${ACCOUNT}:instance/${instanceId}`,
    webTargetGroupArns: resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([id]) =>
      ref('edge', id),
    ),
    ...(nginx ? { nginxLogGroup: ref('compute', nginx[0]) } : {}),
    runCommandLogGroup: runCommandLogGroupName(synth.plan),
  };
}

/** The key policies of the data stack's KMS keys, by key ARN: KMS needs the key policy to allow too. */
function keyPolicies(synth: Synthesized): Map<string, Json> {
  const { resolve } = resolver(synth);
  return new Map(
    resourcesOf(synth.json.data, 'AWS::KMS::Key').map(([id, key]) => [
      resolve('data', { 'Fn::GetAtt': [id, 'Arn'] }) as string,
      resolve('data', key.Properties!.KeyPolicy) as Json,
    ]),
  );
}

/** Every `aws <service> <command>` the boot scripts run, as the IAM action it needs. */
function scriptActions(): string[] {
  const scripts = ['boot-node.sh', 'run-under-deploy-lock.sh'].map((file) =>
    readFileSync(new URL(`../../src/config/scripts/${file}`, import.meta.url), 'utf8'),
  );
  const actions = new Set<string>();
  for (const line of scripts.join('\n').split('\n')) {
    if (/^\s*#/.test(line)) continue;
    for (const [, service, command, waiter] of line.matchAll(
      /\baws ([a-z0-9-]+) ([a-z-]+)(?: ([a-z-]+))?/g,
    )) {
      // `aws ec2 wait volume-available` polls DescribeVolumes.
      const operation = command === 'wait' ? `describe-${waiter!.split('-')[0]}s` : command!;
      // The CLI's service names that differ from IAM's prefixes.
      const prefix = service === 'elbv2' ? 'elasticloadbalancing' : service;
      actions.add(`${prefix}:${operation.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`);
    }
  }
  return [...actions];
}

describe('instance role policies, simulated', () => {
  it('list every AWS call the boot scripts make', () => {
    // 3k has every kind of node but the 1k one, which registers itself with the load balancer.
    const listed = new Set(
      ['3k', '1k'].flatMap((size) => {
        const synth = synthesize(allPlans().find(({ combination }) => combination.size === size)!.plan);
        return principals(synth).flatMap(({ caller }) =>
          allowedCalls(synth.plan, caller, world(synth)).map((call) => call.action),
        );
      }),
    );
    const actions = scriptActions();
    expect(actions).toContain('ec2:AttachVolume');
    expect(actions).toContain('elasticloadbalancing:RegisterTargets');
    for (const action of actions) expect(listed, action).toContain(action);
  });

  it.each([
    ...allPlans().map(({ combination, plan }) => ({ ...combination, plan })),
    // The user's own settings reference secrets of theirs.
    ...(['1k', '3k'] as const).map((size) => ({
      size: `${size} with extra settings`,
      type: 'linux-package',
      availabilityZones: 3,
      plan: planFor({ ...EXTRA_SETTINGS_OVERRIDES, architecture: { size } }),
    })),
  ])('$size $type in $availabilityZones AZs: allows what nodes do, denies the rest', async ({ plan }) => {
    const synth = synthesize(plan);
    const fake = world(synth);
    const resourcePolicies = keyPolicies(synth);
    // Another environment's key has the same key policy: only the identity policies tell them apart.
    resourcePolicies.set(otherEnvironmentKeyArn(fake), resourcePolicies.get(fake.keys.secrets)!);
    const failures: string[] = [];
    let checked = 0;
    for (const { roleId, caller, policies } of principals(synth)) {
      const who = caller.kind === 'node' ? caller.node.id : caller.groupId;
      for (const call of allowedCalls(plan, caller, fake)) {
        const result = await decide(policies, call, resourcePolicies);
        checked++;
        if (result !== 'Allowed')
          failures.push(`${who} (${roleId}) ${call.why}: ${call.action} ${call.resource} ${result}`);
      }
      for (const call of deniedCalls(plan, caller, fake)) {
        const result = await decide(policies, call, resourcePolicies);
        checked++;
        if (result === 'Allowed' || result.startsWith('error'))
          failures.push(`${who} (${roleId}) must not ${call.why}: ${call.action} ${call.resource} ${result}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(nodesOf(plan, 'gitaly').length * 10);
  });
});

describe('Kubernetes add-on roles (IRSA), simulated', () => {
  let synth: Synthesized;
  let region: string;
  let cluster: string;
  let roles: Map<string, { policies: { name: string; policy: Json }[]; trust: Json }>;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } }));
    region = synth.plan.region;
    const eks = synth.plan.services.find((service) => service.kind === 'eks')!;
    cluster = eks.kind === 'eks' ? eks.clusterName : '';
    const { resolve } = resolver(synth);
    const kubernetes = synth.environment.kubernetes!;
    const compute = synth.environment.stacks.compute;
    const logicalId = (role: { node: { defaultChild?: unknown } }) =>
      compute.getLogicalId(role.node.defaultChild as never);
    const named = new Map([
      ['aws-load-balancer-controller', kubernetes.releaseRoles.get('aws-load-balancer-controller')!],
      ['cluster-autoscaler', kubernetes.releaseRoles.get('cluster-autoscaler')!],
      ['aws-ebs-csi-driver', kubernetes.ebsCsiDriverRole],
    ]);
    roles = new Map(
      [...named].map(([name, role]) => {
        const roleId = logicalId(role);
        const policies = identityPoliciesOf(synth.json.compute)
          .filter(([, policy]) => (policy.Properties!.Roles as Json[]).some((entry) => entry.Ref === roleId))
          .map(([id, policy]) => ({
            name: id,
            policy: resolve('compute', policy.Properties!.PolicyDocument) as Json,
          }));
        const trust = JSON.parse(
          resolve(
            'compute',
            synth.json.compute.Resources[roleId]!.Properties!.AssumeRolePolicyDocument,
          ) as string,
        ) as Json;
        return [name, { policies, trust }];
      }),
    );
  });

  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
  const decideFor = async (role: string, call: AwsCall) => decide(roles.get(role)!.policies, call, new Map());

  it('trusts exactly one service account of this cluster, through its OIDC provider', () => {
    const issuer = OIDC_ISSUER(region);
    const accounts = {
      'aws-load-balancer-controller': 'kube-system:aws-load-balancer-controller',
      'cluster-autoscaler': 'kube-system:cluster-autoscaler',
      'aws-ebs-csi-driver': 'kube-system:ebs-csi-controller-sa',
    };
    for (const [role, account] of Object.entries(accounts)) {
      const statements = roles.get(role)!.trust.Statement as Json[];
      expect(statements, role).toEqual([
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${issuer}:sub`]: `system:serviceaccount:${account}`,
              [`${issuer}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ]);
    }
  });

  it('lets the load balancer controller register pods in the chart target groups only', async () => {
    const world = resolver(synth);
    const groups = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const ofType = (type: string) =>
      groups
        .filter(([, group]) => group.Properties!.TargetType === type)
        .map(([id]) => world.ref('edge', id));
    // The groups a TargetGroupBinding names (pod IPs), and the NLB's groups that hold the ALB.
    const podGroups = ofType('ip');
    expect(podGroups).toHaveLength(chartTargetGroupBindings(synth.plan).length);
    const controller = 'aws-load-balancer-controller';
    // What a binding's reconcile calls: the group and its targets, the VPC the pod IPs belong to.
    for (const action of [
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeTargetHealth',
      'ec2:DescribeVpcs',
    ]) {
      expect(await decideFor(controller, { action, resource: '*', why: 'reconcile a binding' }), action).toBe(
        'Allowed',
      );
    }
    for (const group of podGroups) {
      for (const action of ['RegisterTargets', 'DeregisterTargets']) {
        const call = { action: `elasticloadbalancing:${action}`, resource: group, why: 'bind a pod' };
        expect(await decideFor(controller, call), `${action} ${group}`).toBe('Allowed');
      }
    }
    // The ALB is CloudFormation's target in those; the controller may not add to or take from them.
    const albGroups = ofType('alb');
    expect(albGroups.length).toBeGreaterThan(0);
    for (const group of albGroups) {
      const call = { action: 'elasticloadbalancing:DeregisterTargets', resource: group, why: 'x' };
      expect(await decideFor(controller, call), group).not.toBe('Allowed');
    }
    const praefect = arn('elasticloadbalancing', 'targetgroup/praefect/0123456789abcdef');
    expect(
      await decideFor(controller, {
        action: 'elasticloadbalancing:RegisterTargets',
        resource: praefect,
        why: 'x',
      }),
    ).not.toBe('Allowed');
    expect(
      await decideFor(controller, {
        action: 'elasticloadbalancing:DescribeTargetHealth',
        resource: '*',
        why: 'watch targets',
      }),
    ).toBe('Allowed');
    // A load balancer it did not create (the edge's, untagged) it may not delete.
    const edge = arn('elasticloadbalancing', 'loadbalancer/net/gitlab-external/0123456789abcdef');
    expect(
      await decideFor(controller, {
        action: 'elasticloadbalancing:DeleteLoadBalancer',
        resource: edge,
        why: 'x',
      }),
    ).not.toBe('Allowed');
    expect(
      await decideFor(controller, {
        action: 'elasticloadbalancing:DeleteLoadBalancer',
        resource: edge,
        context: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': cluster },
        why: 'delete its own',
      }),
    ).toBe('Allowed');
  });

  it('lets the EBS CSI driver manage its own volumes on this cluster, never a Gitaly volume', async () => {
    const ebs = 'aws-ebs-csi-driver';
    const own = { 'aws:ResourceTag/ebs.csi.aws.com/cluster': 'true' };
    const volume = arn('ec2', 'volume/vol-0pvc');
    const node = {
      resource: arn('ec2', 'instance/i-0node'),
      context: { 'aws:ResourceTag/eks:cluster-name': cluster },
    };
    const allowed: AwsCall[] = [
      {
        action: 'ec2:CreateVolume',
        resource: volume,
        context: { 'aws:RequestTag/ebs.csi.aws.com/cluster': 'true' },
        why: 'provision',
      },
      { action: 'ec2:AttachVolume', resource: volume, context: own, why: 'attach its volume' },
      { action: 'ec2:AttachVolume', ...node, why: 'to a node of the cluster' },
      { action: 'ec2:DeleteVolume', resource: volume, context: own, why: 'delete its volume' },
      { action: 'ec2:DescribeVolumes', resource: '*', why: 'list' },
    ];
    const gitaly = arn('ec2', 'volume/vol-0gitaly');
    const denied: AwsCall[] = [
      { action: 'ec2:CreateVolume', resource: volume, why: 'an untagged volume' },
      ...['AttachVolume', 'DetachVolume', 'ModifyVolume', 'DeleteVolume', 'CreateSnapshot', 'DeleteTags'].map(
        (action) => ({ action: `ec2:${action}`, resource: gitaly, why: 'a Gitaly volume' }),
      ),
      { action: 'ec2:AttachVolume', resource: arn('ec2', 'instance/i-0gitaly'), why: 'to a Gitaly instance' },
      {
        action: 'ec2:AttachVolume',
        resource: arn('ec2', 'instance/i-0other'),
        context: { 'aws:ResourceTag/eks:cluster-name': 'another' },
        why: 'to another cluster',
      },
    ];
    for (const call of allowed) expect(await decideFor(ebs, call), call.why).toBe('Allowed');
    for (const call of denied) expect(await decideFor(ebs, call), call.why).not.toBe('Allowed');
  });

  it("lets the autoscaler resize this cluster's node groups only", async () => {
    const autoscaler = 'cluster-autoscaler';
    const group = arn('autoscaling', 'autoScalingGroup:0:autoScalingGroupName/eks-webservice-pool');
    const tags = {
      'aws:ResourceTag/k8s.io/cluster-autoscaler/enabled': 'true',
      [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: 'owned',
    };
    for (const action of ['SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup']) {
      const call = { action: `autoscaling:${action}`, resource: group, context: tags, why: action };
      expect(await decideFor(autoscaler, call), action).toBe('Allowed');
      expect(await decideFor(autoscaler, { ...call, context: {} }), `${action} untagged`).not.toBe('Allowed');
      expect(
        await decideFor(autoscaler, {
          ...call,
          context: {
            'aws:ResourceTag/k8s.io/cluster-autoscaler/enabled': 'true',
            'aws:ResourceTag/k8s.io/cluster-autoscaler/other': 'owned',
          },
        }),
        `${action} of another cluster`,
      ).not.toBe('Allowed');
    }
    expect(
      await decideFor(autoscaler, {
        action: 'autoscaling:DescribeAutoScalingGroups',
        resource: '*',
        why: 'discover',
      }),
    ).toBe('Allowed');
    expect(
      await decideFor(autoscaler, {
        action: 'autoscaling:UpdateAutoScalingGroup',
        resource: group,
        context: tags,
        why: 'x',
      }),
    ).not.toBe('Allowed');
  });
});
