/**
 * gitlab.rb of the 1k node, read back setting by setting: every service on the one node, its data on
 * the data volume's mount point, Puma and Sidekiq as the Plan's memory budget sizes them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PORTS } from '../../src/catalog/ports.js';
import { renderSingleNode, singleNodeGitlabRb } from '../../src/config/gitlab.js';
import { type RubyHash, SecretValue } from '../../src/config/ruby.js';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import type { Plan, PlanNode } from '../../src/plan/types.js';
import { nodeOf, planFor } from '../fixtures/plans.js';
import { called, comments, entries, hasSetting, setting } from './rb-query.js';

const endpoints: RuntimeEndpoints = {
  signal: { stackName: 'compute', logicalId: 'Gitlab1' },
};

describe('1k node gitlab.rb', () => {
  let plan: Plan;
  let node: PlanNode;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '1k' } });
    node = nodeOf(plan, 'gitlab-1');
  });

  it('renders the 1k node only', () => {
    const threeK = planFor({ architecture: { size: '3k' } });
    expect(() => singleNodeGitlabRb(threeK, nodeOf(threeK, 'gitaly-1'), endpoints)).toThrow(
      'renderSingleNode renders the 1k node, not gitaly',
    );
    expect(() => singleNodeGitlabRb(plan, { ...node, processBudget: undefined }, endpoints)).toThrow(
      'no process budget',
    );
    expect(() =>
      singleNodeGitlabRb(
        plan,
        { ...node, volumes: node.volumes.filter((v) => v.purpose === 'root') },
        endpoints,
      ),
    ).toThrow('no gitlab-data volume');
  });

  it('runs every service of the package: no roles, nothing turned off, the database migrated at reconfigure', () => {
    const rb = singleNodeGitlabRb(plan, node, endpoints);
    expect(rb.list().some((entry) => entry.kind === 'call' && entry.name === 'roles')).toBe(false);
    expect(called(rb, 'external_url')).toBe(plan.gitlab.externalUrl);
    for (const service of ['postgresql', 'redis', 'gitaly', 'sidekiq', 'puma', 'prometheus'])
      expect(hasSetting(rb, service, 'enable'), service).toBe(false);
    expect(hasSetting(rb, 'gitlab_rails', 'auto_migrate')).toBe(false);
    expect(hasSetting(rb, 'gitlab_rails', 'db_host')).toBe(false);
    expect(hasSetting(rb, 'gitlab_rails', 'redis_host')).toBe(false);
  });

  it('keeps PostgreSQL, Redis and the repositories on the data volume', () => {
    const rb = singleNodeGitlabRb(plan, node, endpoints);
    const mount = node.volumes.find((volume) => volume.purpose === 'gitlab-data')!.mountPoint!;
    expect(setting(rb, 'postgresql', 'dir')).toBe(`${mount}/postgresql`);
    expect(setting(rb, 'redis', 'dir')).toBe(`${mount}/redis`);
    const storage = entries(setting(rb, 'gitaly', 'configuration')).storage as RubyHash[];
    expect(storage.map((entry) => entries(entry))).toEqual([
      { name: 'default', path: `${mount}/git-data/repositories` },
    ]);
  });

  it('heads the file with the version, environment and node, and every section with a heading', () => {
    const rb = singleNodeGitlabRb(plan, node, endpoints);
    const [head, ...rest] = comments(rb);
    expect(head).toBe(
      `GitLab EE ${plan.gitlab.version}, ${plan.spec.name}: gitlab-1, every GitLab service on one node (written by gitlab-aws; edits are lost on the next boot)`,
    );
    expect(rest).toContain('The first reconfigure creates the root user with this password');
    expect(rest).toContain('Data: every service on the data volume mounted at /var/opt/gitlab');
    expect(renderSingleNode(plan, node, endpoints)).toBe(rb.render());
  });

  it('names the storage as the Plan does, default when it names none', () => {
    const storageOf = (candidate: PlanNode) =>
      (
        entries(setting(singleNodeGitlabRb(plan, candidate, endpoints), 'gitaly', 'configuration'))
          .storage as RubyHash[]
      ).map((entry) => entries(entry).name);
    expect(storageOf({ ...node, gitalyStorage: 'main' })).toEqual(['main']);
    expect(storageOf({ ...node, gitalyStorage: undefined })).toEqual(['default']);
  });

  it('sizes Puma and Sidekiq by the Plan budget', () => {
    const rb = singleNodeGitlabRb(plan, node, endpoints);
    const budget = node.processBudget!;
    expect(setting(rb, 'puma', 'worker_processes')).toBe(budget.pumaWorkers);
    expect(setting(rb, 'sidekiq', 'concurrency')).toBe(budget.sidekiqConcurrency);
    expect(setting(rb, 'sidekiq', 'queue_groups')).toEqual(
      Array.from({ length: budget.sidekiqProcesses }, () => '*'),
    );
    const other = singleNodeGitlabRb(
      plan,
      { ...node, processBudget: { ...budget, pumaWorkers: 3 } },
      endpoints,
    );
    expect(setting(other, 'puma', 'worker_processes')).toBe(3);
  });

  it('serves plain HTTP behind the TLS-ending load balancer, seeds root from its secret, and uses S3', () => {
    const rb = singleNodeGitlabRb(plan, node, endpoints);
    expect(setting(rb, 'letsencrypt', 'enable')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'listen_port')).toBe(PORTS.http);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'listen_https')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'initial_root_password')).toEqual(new SecretValue('root-password'));
    expect(rb.secrets()).toEqual(['root-password']);
    expect(setting(rb, 'gitlab_rails', 'object_store', 'enabled')).toBe(true);
  });
});
