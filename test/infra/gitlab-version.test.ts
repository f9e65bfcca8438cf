/**
 * The GitLab version parameter: infra creates it, the boot scripts are told its name, the instance
 * roles of every node that installs GitLab may read it, and `upgrade` writes the same name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import { planUpgrade } from '../../src/lifecycle/upgrade.js';
import { planFor } from '../fixtures/plans.js';
import { identityPoliciesOf, type Json, resourcesOf, type Synthesized, synthesize } from './synth.js';

describe('GitLab version parameter (10k with Gitaly Cluster, bastions)', () => {
  const seen: RuntimeEndpoints[] = [];
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '10k' }, access: { admin: 'bastion' } }), {
      renderUserData: (_plan, _target, endpoints) => {
        seen.push(endpoints);
        return '#!/bin/sh\n';
      },
    });
  });

  it('lives in the network stack, which exists before any instance boots, with the spec version', () => {
    const parameters = resourcesOf(synth.json.network, 'AWS::SSM::Parameter');
    expect(parameters.map(([, parameter]) => parameter.Properties)).toContainEqual(
      expect.objectContaining({ Name: '/gitlab-test/gitlab-version', Value: synth.plan.gitlab.version }),
    );
  });

  it('is named to every boot script', () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((endpoints) => endpoints.gitlabVersionParameter))).toEqual(
      new Set(['/gitlab-test/gitlab-version']),
    );
  });

  it('is readable by the Rails, Sidekiq, Gitaly, Praefect and monitoring roles, not by bastions', () => {
    // Every IAM role of the Plan role: the shared one, or one per node (Gitaly).
    const roleIdsOf = (role: string) =>
      resourcesOf(synth.json.compute, 'AWS::IAM::Role')
        .filter(([, resource]) =>
          (resource.Properties!.Description as string).startsWith(`gitlab-test ${role} instances`),
        )
        .map(([id]) => id);
    const canReadAs = (roleId: string) =>
      identityPoliciesOf(synth.json.compute).some(
        ([, policy]) =>
          (policy.Properties!.Roles as Json[]).some((ref) => ref.Ref === roleId) &&
          (policy.Properties!.PolicyDocument as Json).Statement.some(
            (statement: Json) =>
              [statement.Action].flat().includes('ssm:GetParameter') &&
              JSON.stringify(statement.Resource).includes(':parameter/gitlab-test/gitlab-version'),
          ),
      );
    const canRead = (role: string) => {
      const ids = roleIdsOf(role);
      return ids.length > 0 && ids.every(canReadAs);
    };
    for (const role of ['rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring']) {
      expect(canRead(role), role).toBe(true);
    }
    expect(canRead('bastion')).toBe(false);
  });

  it('is the parameter upgrade writes', () => {
    const steps = planUpgrade(synth.plan, { from: '18.2.0', to: '18.2.1', backup: false });
    const setVersion = steps.find((step) => step.kind === 'set-version');
    const names = resourcesOf(synth.json.network, 'AWS::SSM::Parameter').map(
      ([, parameter]) => parameter.Properties!.Name,
    );
    expect(names).toContain(setVersion && 'parameterName' in setVersion ? setVersion.parameterName : '');
  });
});
