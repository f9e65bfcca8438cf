/**
 * What Rails and Sidekiq are told about PostgreSQL: GitLab's instance over TLS, and from 10k
 * database load balancing over the primary and every read replica the Plan pays for.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  databaseLoadBalancingSettings,
  databaseOf,
  databaseSettings,
  gitlabDatabaseService,
} from '../../src/config/common.js';
import { renderUserDataParts } from '../../src/config/index.js';
import { GitlabRb, renderValue, SecretValue } from '../../src/config/ruby.js';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import { dataEndpoint } from '../../src/plan/data-endpoints.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { comments, entries, hasSetting, setting } from './rb-query.js';

const endpoints: RuntimeEndpoints = { signal: { stackName: 'compute', logicalId: 'Boot' } };

function rendered(plan: Plan): GitlabRb {
  const rb = new GitlabRb();
  databaseSettings(rb, plan);
  return rb;
}

describe('database settings of the nodes running Rails code', () => {
  const plans: Record<string, Plan> = {};
  beforeAll(() => {
    plans['3k'] = planFor({ architecture: { size: '3k' } });
    plans['10k'] = planFor({ architecture: { size: '10k' } });
    plans['10k-none'] = planFor({ architecture: { size: '10k' }, database: { readReplicas: 0 } });
    plans['5k-three'] = planFor({ architecture: { size: '5k' }, database: { readReplicas: 3 } });
  });

  it("connects to GitLab's database on GitLab's instance, never Praefect's", () => {
    const rb = rendered(plans['3k']!);
    expect(setting(rb, 'gitlab_rails', 'db_database')).toBe('gitlabhq_production');
    expect(setting(rb, 'gitlab_rails', 'db_username')).toBe('gitlab');
    expect(setting(rb, 'gitlab_rails', 'db_sslmode')).toBe('require');
    // Its stable name in the private zone, which the data stack points at the instance once RDS has
    // created it, and which that stack's endpoint parameter (what the boot waits for) holds too.
    expect(setting(rb, 'gitlab_rails', 'db_host')).toBe('database.gitlab-test.internal');
    expect(dataEndpoint(plans['3k']!, 'database')).toMatchObject({
      parameterName: '/gitlab-test/data-endpoints/database',
      stableHost: 'database.gitlab-test.internal',
      port: 5432,
    });
    expect(gitlabDatabaseService(plans['3k']!).role).toBe('postgres');
    expect(databaseOf(plans['3k']!, 'praefect-postgres')).toEqual({
      name: 'praefect_production',
      role: 'praefect-postgres',
      user: 'praefect',
    });
    expect(databaseOf(planFor({ architecture: { size: '2k' } }), 'praefect-postgres')).toBeUndefined();
  });

  it('turns the bundled PostgreSQL off and never migrates at reconfigure', () => {
    const rb = rendered(plans['3k']!);
    expect(setting(rb, 'postgresql', 'enable')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'db_adapter')).toBe('postgresql');
    expect(setting(rb, 'gitlab_rails', 'db_encoding')).toBe('unicode');
    expect(setting(rb, 'gitlab_rails', 'db_port')).toBe(5432);
    // Known before RDS exists: nothing is read at boot for it.
    expect(rb.facts().size).toBe(0);
    expect(rb.dataEndpoints()).toEqual([]);
    expect(setting(rb, 'gitlab_rails', 'db_password')).toEqual(new SecretValue('database-password'));
    expect(setting(rb, 'gitlab_rails', 'auto_migrate')).toBe(false);
    expect(comments(rb)).toEqual([
      'PostgreSQL: Amazon RDS (the bundled PostgreSQL is off)',
      'Only the boot script migrates, one node at a time, under a lock.',
    ]);
  });

  it("finds GitLab's instance by its role, wherever the Plan lists it, and refuses a Plan without it", () => {
    const plan = plans['3k']!;
    const reversed: Plan = { ...plan, services: [...plan.services].reverse() };
    expect(reversed.services.find((service) => service.kind === 'rds')?.role).toBe('praefect-postgres');
    expect(gitlabDatabaseService(reversed).role).toBe('postgres');
    expect(setting(rendered(reversed), 'gitlab_rails', 'db_database')).toBe('gitlabhq_production');
    const withoutGitLab: Plan = {
      ...plan,
      services: plan.services.filter((service) => service.kind !== 'rds' || service.role !== 'postgres'),
    };
    expect(() => gitlabDatabaseService(withoutGitLab)).toThrow('the Plan has no GitLab database');
    expect(() => rendered(withoutGitLab)).toThrow('the Plan has no GitLab database');
    expect(databaseOf(withoutGitLab, 'postgres')).toBeUndefined();
  });

  it('balances reads over the primary and each read replica, each replica by its stable name in the private zone', () => {
    for (const [name, replicas] of [
      ['10k', 2],
      ['5k-three', 3],
    ] as const) {
      const rb = rendered(plans[name]!);
      const balancing = entries(setting(rb, 'gitlab_rails', 'db_load_balancing'));
      expect(Object.keys(balancing), name).toEqual(['hosts']);
      expect(balancing.hosts, name).toEqual([
        'database.gitlab-test.internal',
        ...Array.from(
          { length: replicas },
          (_, index) => `postgres-read-replica-${index + 1}.gitlab-test.internal`,
        ),
      ]);
      // Every host is named: nothing is read at boot.
      expect(rb.dataEndpoints()).toEqual([]);
      expect(comments(rb).join('\n')).toContain(
        `Database load balancing: reads over the primary and ${Array.from(
          { length: replicas },
          (_, index) => `postgres-read-replica-${index + 1}`,
        ).join(', ')}`,
      );
    }
    // What gitlab.rb says, in Ruby: the primary and the replicas by name.
    const hosts = (entries(setting(rendered(plans['10k']!), 'gitlab_rails', 'db_load_balancing')).hosts ??
      []) as string[];
    expect(renderValue(hosts)).toBe(
      "['database.gitlab-test.internal', 'postgres-read-replica-1.gitlab-test.internal', 'postgres-read-replica-2.gitlab-test.internal']",
    );
  });

  it('balances nothing without read replicas', () => {
    for (const name of ['3k', '10k-none']) {
      expect(hasSetting(rendered(plans[name]!), 'gitlab_rails', 'db_load_balancing'), name).toBe(false);
    }
    const rb = new GitlabRb();
    databaseLoadBalancingSettings(rb, plans['3k']!);
    expect(rb.list()).toEqual([]);
  });

  it('gives every Rails and Sidekiq node of a Plan with replicas the same hosts', () => {
    const plan = plans['10k']!;
    for (const group of plan.autoScalingGroups) {
      const parts = renderUserDataParts(
        plan,
        { kind: 'group', group },
        {
          ...endpoints,
          praefectLoadBalancerHost: 'praefect.example.internal',
        },
      );
      expect(parts.gitlabRb, group.id).toContain("gitlab_rails['db_load_balancing'] = {");
      expect(parts.gitlabRb, group.id).toContain("'postgres-read-replica-2.gitlab-test.internal'");
      expect(parts.gitlabRb, group.id).not.toContain('postgres-read-replica-3');
      // The boot waits for the primary's parameter only, before the step that first connects.
      expect(parts.env, group.id).toContain(
        `database|/gitlab-test/data-endpoints/database|-|-|${group.runsDatabaseMigrations ? 'bootstrap' : 'start'}`,
      );
      expect(parts.env, group.id).not.toContain('read-replica');
    }
  });
});
