/**
 * The TargetGroupBindings the install applies after the chart: one per target group the Plan binds,
 * each naming that group's ARN, the chart Service and its port, with IP targets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  reviewTargetGroupArns,
  targetGroupBindingManifests,
} from '../../src/config/helm/target-group-bindings.js';
import { chartTargetGroupBindings } from '../../src/plan/chart.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

type Any = ReturnType<typeof JSON.parse>;

describe('TargetGroupBinding manifests', () => {
  let plan: Plan;
  let arns: Record<string, string>;
  let manifests: Any[];
  beforeAll(() => {
    plan = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    arns = Object.fromEntries(
      chartTargetGroupBindings(plan).map(({ targetGroup }, index) => [
        targetGroup,
        `arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/${targetGroup}/${index}`,
      ]),
    );
    manifests = targetGroupBindingManifests(plan, arns);
  });

  it("bind GitLab Shell on the NLB and each of the ALB's chart Services, by IP", () => {
    expect(
      manifests.map((manifest) => [manifest.spec.serviceRef.name, manifest.spec.serviceRef.port]),
    ).toEqual([
      ['gitlab-gitlab-shell', 22],
      ['gitlab-webservice-default', 8181],
      ['gitlab-registry', 5000],
      ['gitlab-kas', 8154],
      ['gitlab-kas', 8150],
    ]);
    for (const manifest of manifests) {
      expect(manifest.apiVersion).toBe('elbv2.k8s.aws/v1beta1');
      expect(manifest.kind).toBe('TargetGroupBinding');
      expect(manifest.metadata.namespace).toBe('gitlab');
      expect(manifest.spec.targetType).toBe('ip');
      // No networking section: CloudFormation owns the security group rules.
      expect(Object.keys(manifest.spec).sort()).toEqual(['serviceRef', 'targetGroupARN', 'targetType']);
    }
  });

  it('name each target group by its own ARN, each binding once', () => {
    const bindings = chartTargetGroupBindings(plan);
    expect(manifests.map((manifest) => manifest.spec.targetGroupARN)).toEqual(
      bindings.map(({ targetGroup }) => arns[targetGroup]),
    );
    expect(new Set(manifests.map((manifest) => manifest.metadata.name)).size).toBe(manifests.length);
    expect(new Set(manifests.map((manifest) => manifest.spec.targetGroupARN)).size).toBe(manifests.length);
  });

  it('refuse a binding without its ARN, and bind nothing without the chart', () => {
    const { kas: _dropped, ...withoutKas } = arns;
    expect(() => targetGroupBindingManifests(plan, withoutKas)).toThrow(/kas target group/);
    const linux = planFor({ architecture: { size: '3k' } });
    expect(chartTargetGroupBindings(linux)).toEqual([]);
    expect(targetGroupBindingManifests(linux, {})).toEqual([]);
    expect(reviewTargetGroupArns(plan, 'gitlab-edge').webservice).toBe(
      '<webservice target group, gitlab-edge>',
    );
  });
});
