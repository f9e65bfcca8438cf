/**
 * The Plan's secrets: which exist in each kind of environment, who reads each, and which Secrets
 * Manager generates up front rather than the first node that boots.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan, SecretPlan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const byId = (plan: Plan) => new Map<string, SecretPlan>(plan.secrets.map((secret) => [secret.id, secret]));
const readers = (plan: Plan, id: string) => [...(byId(plan).get(id)?.readers ?? [])].sort();

describe('secrets of the Plan', () => {
  let hybrid: Plan;
  let cluster: Plan;
  let single: Plan;
  let oneNode: Plan;
  beforeAll(() => {
    hybrid = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    cluster = planFor({ architecture: { size: '3k' } });
    single = planFor({ architecture: { size: '2k' } });
    oneNode = planFor({ architecture: { size: '1k' } });
  });

  it('generates everything a hybrid environment shares up front, GitLab Shell token included', () => {
    expect([...byId(hybrid).keys()].sort()).toEqual(
      [
        'root-password',
        'gitlab-shell-secret',
        'database-password',
        'redis-auth-token',
        'praefect-database-password',
        'gitaly-token',
        'praefect-external-token',
        'rails-secrets',
      ].sort(),
    );
    // What the VMs share is generated up front; Rails' secrets are the chart's, kept by its install.
    expect(
      hybrid.secrets
        .filter((secret) => secret.id !== 'rails-secrets')
        .every((secret) => secret.generatedBy === 'secrets-manager'),
    ).toBe(true);
    expect(byId(hybrid).get('rails-secrets')).toMatchObject({
      generatedBy: 'chart-install',
      readers: [],
      retainOnDelete: true,
    });
    expect(readers(hybrid, 'gitlab-shell-secret')).toEqual(['gitaly', 'sidekiq-pool', 'webservice-pool']);
    expect(readers(hybrid, 'root-password')).toEqual(['webservice-pool']);
  });

  it('has the first Rails node write gitlab-secrets.json and the host keys in a Linux package environment', () => {
    const secrets = byId(cluster);
    expect(secrets.get('gitlab-secrets-json')!.generatedBy).toBe('first-boot');
    expect(secrets.get('ssh-host-keys')!.generatedBy).toBe('first-boot');
    expect(secrets.has('gitlab-shell-secret')).toBe(false);
    expect(readers(cluster, 'gitlab-secrets-json')).toEqual(['backup', 'gitaly', 'rails', 'sidekiq']);
    expect(readers(cluster, 'ssh-host-keys')).toEqual(['rails']);
    expect(readers(cluster, 'database-password')).toEqual(['backup', 'rails', 'sidekiq']);
    expect(readers(cluster, 'redis-auth-token')).toEqual(['backup', 'rails', 'sidekiq']);
    // The backup node runs the rake task only: no root password, no host keys, no e-mail.
    expect(readers(cluster, 'root-password')).toEqual(['rails']);
  });

  it('gives Praefect its own database and tokens with a Gitaly Cluster, and Rails the Gitaly token without', () => {
    expect(readers(cluster, 'praefect-database-password')).toEqual(['praefect']);
    expect(readers(cluster, 'gitaly-token')).toEqual(['gitaly', 'praefect']);
    expect(readers(cluster, 'praefect-external-token')).toEqual(['backup', 'praefect', 'rails', 'sidekiq']);
    expect(readers(single, 'gitaly-token')).toEqual(['backup', 'gitaly', 'rails', 'sidekiq']);
    expect(byId(single).has('praefect-external-token')).toBe(false);
    expect(byId(single).has('praefect-database-password')).toBe(false);
  });

  it('keeps only what the single node cannot regenerate when it runs everything', () => {
    expect(oneNode.secrets.map((secret) => [secret.id, secret.generatedBy, [...secret.readers]])).toEqual([
      ['root-password', 'secrets-manager', ['gitlab']],
      ['gitlab-secrets-json', 'first-boot', ['gitlab']],
      ['ssh-host-keys', 'first-boot', ['gitlab']],
    ]);
  });

  it('names each secret under the environment, describes it, and keeps it when the stack goes', () => {
    for (const plan of [hybrid, cluster, single, oneNode]) {
      for (const secret of plan.secrets) {
        expect(secret.name).toBe(`${plan.spec.name}/${secret.id}`);
        expect(secret.retainOnDelete).toBe(true);
        expect(secret.description.length, secret.id).toBeGreaterThan(15);
      }
      const descriptions = plan.secrets.map((secret) => secret.description);
      expect(new Set(descriptions).size).toBe(descriptions.length);
    }
  });
});
