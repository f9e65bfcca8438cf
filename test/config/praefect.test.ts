/**
 * gitlab.rb of a Praefect node, read back setting by setting: only Praefect runs, one deploy node
 * migrates, the database and virtual storage come from the Plan, and the addresses and tokens agree
 * with what Rails dials and what each Gitaly node listens on and checks.
 */
import { describe, expect, it } from 'vitest';
import { EXPORTER_PORTS, PORTS } from '../../src/catalog/ports.js';
import { gitalyGitlabRb } from '../../src/config/gitaly.js';
import {
  praefectDeployNode,
  praefectGitlabRb,
  REPLICATION_FACTOR,
  renderPraefect,
} from '../../src/config/praefect.js';
import { railsGitlabRb } from '../../src/config/rails.js';
import { NodeFact, type RubyHash, SecretValue } from '../../src/config/ruby.js';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import { dataEndpoint } from '../../src/plan/data-endpoints.js';
import type { Plan, PlanNode } from '../../src/plan/types.js';
import { nodeOf as node, planFor } from '../fixtures/plans.js';
import { comments, entries, setting, symbolKeyed } from './rb-query.js';

const endpoints: RuntimeEndpoints = {
  praefectLoadBalancerHost: 'praefect.example.internal',
  signal: { stackName: 'compute', logicalId: 'PraefectBoot' },
};

const cluster = planFor({ architecture: { size: '3k' } });

function configuration(plan: Plan, id: string) {
  const value = setting(praefectGitlabRb(plan, node(plan, id), endpoints), 'praefect', 'configuration');
  expect(symbolKeyed(value)).toBe(true);
  return entries(value);
}

function virtualStorages(plan: Plan, id: string) {
  return (configuration(plan, id).virtual_storage as RubyHash[]).map(entries);
}

const gitalyIds = (plan: Plan) =>
  plan.nodes.filter((entry) => entry.role === 'gitaly').map((entry) => entry.id);

describe('Praefect gitlab.rb', () => {
  it('renders Praefect nodes only, and only with the Praefect database in the Plan', () => {
    expect(() => praefectGitlabRb(cluster, node(cluster, 'gitaly-1'), endpoints)).toThrow(
      'renderPraefect renders Praefect nodes, not gitaly',
    );
    const withoutDb: Plan = {
      ...cluster,
      services: cluster.services.map((service) =>
        service.kind === 'rds'
          ? { ...service, databases: service.databases.filter((db) => db.role !== 'praefect-postgres') }
          : service,
      ),
    };
    expect(() => praefectGitlabRb(withoutDb, node(withoutDb, 'praefect-1'), endpoints)).toThrow(
      'a Gitaly Cluster needs the Praefect database in the Plan',
    );
  });

  it('the deploy node is the one the Plan names, and none without a cluster', () => {
    expect(cluster.deployNodes.praefect).toBe('praefect-1');
    expect(praefectDeployNode(cluster)).toBe(node(cluster, 'praefect-1'));
    const moved = { ...cluster, deployNodes: { ...cluster.deployNodes, praefect: 'praefect-2' } };
    expect(praefectDeployNode(moved)?.id).toBe('praefect-2');
    expect(praefectDeployNode(planFor({ architecture: { size: '2k' } }))).toBeUndefined();
  });

  it('runs Praefect and nothing else', () => {
    const rb = praefectGitlabRb(cluster, node(cluster, 'praefect-2'), endpoints);
    expect(setting(rb, 'praefect', 'enable')).toBe(true);
    for (const service of [
      'gitaly',
      'postgresql',
      'redis',
      'nginx',
      'puma',
      'sidekiq',
      'gitlab_workhorse',
      'prometheus',
      'alertmanager',
      'gitlab_exporter',
      'gitlab_kas',
    ]) {
      expect(setting(rb, service, 'enable'), service).toBe(false);
    }
    const enabled = rb.list().filter((entry) => entry.kind === 'assign' && entry.keys[0] === 'enable');
    expect(enabled).toHaveLength(12);
    expect(rb.list().some((entry) => entry.kind === 'call')).toBe(false);
  });

  it('migrates the Praefect database on the deploy node only, and never the GitLab one', () => {
    for (const id of ['praefect-1', 'praefect-2', 'praefect-3']) {
      const rb = praefectGitlabRb(cluster, node(cluster, id), endpoints);
      expect(setting(rb, 'praefect', 'auto_migrate'), id).toBe(id === cluster.deployNodes.praefect);
      expect(setting(rb, 'gitlab_rails', 'auto_migrate'), id).toBe(false);
    }
    const moved = { ...cluster, deployNodes: { ...cluster.deployNodes, praefect: 'praefect-3' } };
    expect(
      setting(praefectGitlabRb(moved, node(moved, 'praefect-3'), endpoints), 'praefect', 'auto_migrate'),
    ).toBe(true);
    expect(
      setting(praefectGitlabRb(moved, node(moved, 'praefect-1'), endpoints), 'praefect', 'auto_migrate'),
    ).toBe(false);
  });

  it('migrates on no Praefect node when the Plan names no deploy node', () => {
    const { praefect: _, ...others } = cluster.deployNodes;
    const unnamed: Plan = { ...cluster, deployNodes: others };
    expect(praefectDeployNode(unnamed)).toBeUndefined();
    for (const id of ['praefect-1', 'praefect-2']) {
      const rb = praefectGitlabRb(unnamed, node(unnamed, id), endpoints);
      expect(setting(rb, 'praefect', 'auto_migrate'), id).toBe(false);
    }
  });

  it('says in its headings which node migrates and which Gitaly nodes it routes to', () => {
    const deploy = comments(praefectGitlabRb(cluster, node(cluster, 'praefect-1'), endpoints));
    const other = comments(praefectGitlabRb(cluster, node(cluster, 'praefect-2'), endpoints));
    expect(deploy).toContain('Deploy node: runs the Praefect database migrations');
    expect(other).toContain('Migrations run on the deploy node (praefect-1) only');
    expect(other).toContain(`Virtual storage default: ${gitalyIds(cluster).join(', ')}`);
    expect(other[0]).toContain(`GitLab ${cluster.gitlab.edition.toUpperCase()} ${cluster.gitlab.version}`);
    expect(other[0]).toContain(`${cluster.spec.name}: praefect-2 (`);
    for (const text of [...deploy, ...other]) expect(text.trim().length).toBeGreaterThan(10);
  });

  it('listens for gRPC on its private address, for Prometheus on every address, with the external token', () => {
    const config = configuration(cluster, 'praefect-2');
    const listen = config.listen_addr as NodeFact;
    expect(listen).toBeInstanceOf(NodeFact);
    expect([listen.name, listen.prefix, listen.suffix]).toEqual(['private-ipv4', '', `:${PORTS.praefect}`]);
    expect(config.prometheus_listen_addr).toBe(`0.0.0.0:${EXPORTER_PORTS.praefect}`);
    expect(entries(config.auth!)).toEqual({ token: new SecretValue('praefect-external-token') });
  });

  it("connects to its own database on Praefect's own RDS instance over TLS, the password from the secret file", () => {
    const rds = cluster.services.find(
      (service) => service.kind === 'rds' && service.role === 'praefect-postgres',
    )!;
    const db = rds.kind === 'rds' ? rds.databases[0] : undefined;
    expect(db?.role).toBe('praefect-postgres');
    const database = entries(configuration(cluster, 'praefect-1').database!);
    const endpoint = dataEndpoint(cluster, 'praefect-database');
    expect(endpoint.parameterName).toBe('/gitlab-test/data-endpoints/praefect-database');
    // Its stable name in the private zone, never GitLab's instance.
    expect(database.host).toBe('praefect-database.gitlab-test.internal');
    expect(database.host).toBe(endpoint.stableHost);
    expect(database.port).toBe(5432);
    expect(database.dbname).toBe(db?.name);
    expect(database.user).toBe(db?.user);
    expect(database.password).toEqual(new SecretValue('praefect-database-password'));
    expect(database.sslmode).toBe('require');
    const rb = praefectGitlabRb(cluster, node(cluster, 'praefect-1'), endpoints);
    expect(rb.secrets().sort()).toEqual([
      'gitaly-token',
      'praefect-database-password',
      'praefect-external-token',
    ]);
    // Named in advance: nothing is read at boot.
    expect(rb.facts().size).toBe(0);
    expect(rb.dataEndpoints()).toEqual([]);
    const withoutPraefectDatabase: Plan = {
      ...cluster,
      services: cluster.services.filter(
        (service) => service.kind !== 'rds' || service.role !== 'praefect-postgres',
      ),
    };
    expect(() => dataEndpoint(withoutPraefectDatabase, 'praefect-database')).toThrow(
      'the Plan has no praefect-database service',
    );
  });

  it('routes the storage Rails dials to every Gitaly node, where each listens, with the token each checks', () => {
    const [storage] = virtualStorages(cluster, 'praefect-1');
    const rails = railsGitlabRb(
      cluster,
      cluster.autoScalingGroups.find((entry) => entry.role === 'rails')!,
      endpoints,
    );
    const dialled = entries(setting(rails, 'gitlab_rails', 'repositories_storages'));
    expect(Object.keys(dialled)).toEqual([storage!.name]);
    const railsSide = entries(dialled[storage!.name as string]!);
    const praefectListen = configuration(cluster, 'praefect-1').listen_addr as NodeFact;
    expect((railsSide.gitaly_address as NodeFact).suffix).toBe(praefectListen.suffix);
    expect(railsSide.gitaly_token).toEqual(entries(configuration(cluster, 'praefect-1').auth!).token);

    const members = (storage!.node as RubyHash[]).map(entries);
    expect(members.map((member) => member.storage)).toEqual(gitalyIds(cluster));
    for (const member of members) {
      const gitalyNode = node(cluster, member.storage as string);
      const gitaly = entries(
        setting(gitalyGitlabRb(cluster, gitalyNode, endpoints), 'gitaly', 'configuration'),
      );
      expect(member.storage).toBe(entries((gitaly.storage as RubyHash[])[0]!).name);
      expect(member.address).toBe(
        `tcp://${gitalyNode.privateDnsName}${(gitaly.listen_addr as NodeFact).suffix}`,
      );
      expect(member.token).toEqual(entries(gitaly.auth!).token);
    }
  });

  it.each([
    [2, 2],
    [3, 3],
    [5, REPLICATION_FACTOR],
  ])('with %i Gitaly nodes keeps %i copies of each repository', (nodes, copies) => {
    expect(REPLICATION_FACTOR).toBe(3);
    const plan = planFor({ architecture: { size: '3k' }, gitaly: { mode: 'cluster', nodes } });
    const storages = virtualStorages(plan, 'praefect-1');
    expect(storages).toHaveLength(1);
    expect(storages[0]!.default_replication_factor).toBe(copies);
    expect(storages[0]!.node as RubyHash[]).toHaveLength(nodes);
  });

  it('refuses Gitaly nodes the Plan gives no private name or storage', () => {
    const without = (change: Partial<PlanNode>): Plan => ({
      ...cluster,
      nodes: cluster.nodes.map((entry) => (entry.id === 'gitaly-2' ? { ...entry, ...change } : entry)),
    });
    for (const change of [{ privateDnsName: undefined }, { gitalyStorage: undefined }]) {
      const plan = without(change);
      expect(() => praefectGitlabRb(plan, node(plan, 'praefect-1'), endpoints)).toThrow(
        'Gitaly node gitaly-2 has no private name or storage in the Plan',
      );
    }
  });

  it('renderPraefect is the rendered builder', () => {
    const praefect = node(cluster, 'praefect-1');
    const text = renderPraefect(cluster, praefect, endpoints);
    expect(text).toBe(praefectGitlabRb(cluster, praefect, endpoints).render());
    expect(text).toContain("praefect['enable'] = true");
  });
});
