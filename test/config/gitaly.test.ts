/**
 * gitlab.rb of a Gitaly node, read back setting by setting: where it listens, which token it checks,
 * where repositories live and under which storage name, alone and as a Gitaly Cluster member.
 */
import { describe, expect, it } from 'vitest';
import { EXPORTER_PORTS, PORTS } from '../../src/catalog/ports.js';
import { REPOSITORIES_SUBDIR } from '../../src/config/common.js';
import { GIT_ACCOUNT_ID, gitalyGitlabRb, renderGitaly, repositoriesPath } from '../../src/config/gitaly.js';
import { NodeFact, type RubyHash, SecretValue } from '../../src/config/ruby.js';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import type { Plan } from '../../src/plan/types.js';
import { nodeOf as node, planFor } from '../fixtures/plans.js';
import { called, comments, entries, setting, symbolKeyed } from './rb-query.js';

const endpoints: RuntimeEndpoints = {
  signal: { stackName: 'compute', logicalId: 'GitalyBoot' },
};

const single = planFor({ architecture: { size: '2k' } });
const cluster = planFor({ architecture: { size: '3k' } });

function configuration(plan: Plan, id: string) {
  const value = setting(gitalyGitlabRb(plan, node(plan, id), endpoints), 'gitaly', 'configuration');
  expect(symbolKeyed(value)).toBe(true);
  return entries(value);
}

describe('Gitaly gitlab.rb', () => {
  it('renders Gitaly nodes only, and only those the Plan names a storage for', () => {
    expect(() => gitalyGitlabRb(cluster, node(cluster, 'praefect-1'), endpoints)).toThrow(
      'renderGitaly renders Gitaly nodes, not praefect',
    );
    const unnamed = { ...node(cluster, 'gitaly-2'), gitalyStorage: undefined };
    expect(() => gitalyGitlabRb(cluster, unnamed, endpoints)).toThrow(
      'Gitaly node gitaly-2 has no storage name in the Plan',
    );
  });

  it('keeps repositories below the data volume mount point', () => {
    const gitaly = node(single, 'gitaly-1');
    const data = gitaly.volumes.find((volume) => volume.purpose === 'git-data')!;
    expect(data.mountPoint).toBeTruthy();
    expect(repositoriesPath(gitaly)).toBe(`${data.mountPoint}/${REPOSITORIES_SUBDIR}`);
    const noData = { ...gitaly, volumes: gitaly.volumes.filter((volume) => volume.purpose !== 'git-data') };
    expect(() => repositoriesPath(noData)).toThrow(
      'Gitaly node gitaly-1 has no git-data volume with a mount point',
    );
    const unmounted = {
      ...gitaly,
      volumes: gitaly.volumes.map((volume) => ({ ...volume, mountPoint: undefined })),
    };
    expect(() => repositoriesPath(unmounted)).toThrow('no git-data volume with a mount point');
  });

  it('runs the Gitaly role only and never migrates the database', () => {
    const rb = gitalyGitlabRb(single, node(single, 'gitaly-1'), endpoints);
    expect(called(rb, 'roles')).toEqual(['gitaly_role']);
    expect(setting(rb, 'gitlab_rails', 'auto_migrate')).toBe(false);
    expect(setting(rb, 'node_exporter', 'listen_address')).toBe(`0.0.0.0:${EXPORTER_PORTS.node}`);
  });

  it('gives the git account the same uid and gid on every Gitaly node, the data volume moving between them', () => {
    const ids = new Set<string>();
    for (const plan of [single, cluster, planFor({ architecture: { size: '10k' } })]) {
      for (const gitaly of plan.nodes.filter((entry) => entry.role === 'gitaly')) {
        const rb = gitalyGitlabRb(plan, gitaly, endpoints);
        ids.add(`${String(setting(rb, 'user', 'uid'))}:${String(setting(rb, 'user', 'gid'))}`);
      }
    }
    expect([...ids]).toEqual([`${GIT_ACCOUNT_ID}:${GIT_ACCOUNT_ID}`]);
    // Outside Ubuntu's system account range, where the package would otherwise pick one.
    expect(GIT_ACCOUNT_ID).toBeGreaterThan(999);
  });

  it('heads the file with the version, environment and node, and every section with a heading', () => {
    const rb = gitalyGitlabRb(cluster, node(cluster, 'gitaly-2'), endpoints);
    const head = comments(rb)[0]!;
    expect(rb.list()[0]!.kind).toBe('comment');
    expect(head).toContain(`GitLab ${cluster.gitlab.edition.toUpperCase()} ${cluster.gitlab.version}`);
    expect(head).toContain(`${cluster.spec.name}: gitaly-2 (`);
    for (const text of comments(rb)) expect(text.trim().length).toBeGreaterThan(10);
    expect(comments(rb)).toContain('Gitaly Cluster member: storage gitaly-2, reached by Praefect only');
    const alone = comments(gitalyGitlabRb(single, node(single, 'gitaly-1'), endpoints));
    expect(alone).toContain('The one Gitaly server: storage default, reached by Rails and Sidekiq');
  });

  it('listens for gRPC on its private address and for Prometheus on every address', () => {
    const config = configuration(single, 'gitaly-1');
    const listen = config.listen_addr as NodeFact;
    expect(listen).toBeInstanceOf(NodeFact);
    expect([listen.name, listen.prefix, listen.suffix, listen.value]).toEqual([
      'private-ipv4',
      '',
      `:${PORTS.gitaly}`,
      undefined,
    ]);
    expect(config.prometheus_listen_addr).toBe(`0.0.0.0:${EXPORTER_PORTS.gitaly}`);
  });

  it('checks the token from the secret file, never an inline value', () => {
    const auth = entries(configuration(cluster, 'gitaly-3').auth!);
    expect(auth.token).toEqual(new SecretValue('gitaly-token'));
    expect(gitalyGitlabRb(cluster, node(cluster, 'gitaly-3'), endpoints).secrets()).toEqual(['gitaly-token']);
  });

  it('streams server-side repository backups to the backups bucket of its own account, in its region', () => {
    for (const [plan, id] of [
      [single, 'gitaly-1'],
      [cluster, 'gitaly-3'],
    ] as const) {
      const sink = entries(configuration(plan, id).backup!).go_cloud_url as NodeFact;
      expect(sink).toBeInstanceOf(NodeFact);
      expect(sink.name).toBe('account-id');
      const bucket = plan.services
        .flatMap((service) => (service.kind === 's3' ? service.buckets : []))
        .find((entry) => entry.purpose === 'backups')!;
      expect(`${sink.prefix}123456789012${sink.suffix}`).toBe(
        `s3://${nameInAccount(bucket.bucketName, '123456789012')}?region=${plan.region}`,
      );
      // The Plan lets the Gitaly nodes write there (infra grants what it lists).
      expect(bucket.accessRoles).toContain('gitaly');
    }
  });

  it("takes GitLab Shell's token from Secrets Manager in Cloud Native Hybrid, and from gitlab-secrets.json otherwise", () => {
    for (const size of ['3k', '2k'] as const) {
      const hybrid = planFor({ architecture: { size, type: 'cloud-native-hybrid' } });
      const rb = gitalyGitlabRb(hybrid, node(hybrid, 'gitaly-1'), endpoints);
      expect(setting(rb, 'gitaly', 'gitlab_secret')).toEqual(new SecretValue('gitlab-shell-secret'));
      expect(rb.secrets()).toContain('gitlab-shell-secret');
    }
    // The Linux package environments copy gitlab-secrets.json from the Rails nodes instead.
    const rb = gitalyGitlabRb(cluster, node(cluster, 'gitaly-1'), endpoints);
    expect(rb.render()).not.toContain('gitlab_secret');
    expect(rb.secrets()).not.toContain('gitlab-shell-secret');
  });

  it('caches pack-objects and calls GitLab back at its external URL', () => {
    const config = configuration(single, 'gitaly-1');
    expect(entries(config.pack_objects_cache!)).toEqual({ enabled: true });
    expect(entries(config.gitlab!)).toEqual({ url: single.gitlab.externalUrl });
  });

  it.each([
    ['single', single, 'gitaly-1', 'default'],
    ['cluster', cluster, 'gitaly-2', 'gitaly-2'],
  ] as const)('stores repositories under the Plan storage name (%s)', (_mode, plan, id, name) => {
    const gitaly = node(plan, id);
    expect(gitaly.gitalyStorage).toBe(name);
    const storage = configuration(plan, id).storage as RubyHash[];
    expect(storage).toHaveLength(1);
    expect(entries(storage[0]!)).toEqual({ name, path: repositoriesPath(gitaly) });
  });

  it('renderGitaly is the rendered builder', () => {
    const gitaly = node(single, 'gitaly-1');
    const text = renderGitaly(single, gitaly, endpoints);
    expect(text).toBe(gitalyGitlabRb(single, gitaly, endpoints).render());
    expect(text).toContain("roles(['gitaly_role'])");
  });
});
