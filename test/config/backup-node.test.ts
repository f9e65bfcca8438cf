/**
 * The backup node's gitlab.rb and boot settings, read back: Rails' configuration with the same data
 * stores as the Rails nodes and nothing that serves, archives staged on the staging volume and
 * uploaded to the backups bucket with its KMS key, and a boot that mounts the volume launched with
 * the instance and checks it reaches the repositories. (Every rendered gitlab.rb, this one among
 * them, also goes through `ruby -c` and the settings reference in gitlab-rb.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PORTS } from '../../src/catalog/ports.js';
import { backupNodeGitlabRb, repositoryServiceAddress } from '../../src/config/backup-node.js';
import { bucketOf } from '../../src/config/common.js';
import { railsGitlabRb } from '../../src/config/rails.js';
import { renderUserDataParts } from '../../src/config/user-data.js';
import { encryptionKeyAlias } from '../../src/plan/contracts.js';
import { BACKUP_STAGING_MOUNT_POINT } from '../../src/plan/resolve/backup-node.js';
import type { Plan, PlanNode } from '../../src/plan/types.js';
import { nodeOf, planFor } from '../fixtures/plans.js';
import { called, comments, entries, hasSetting, setting } from './rb-query.js';
import { endpointsFor } from './support.js';

const envValue = (env: string, name: string) => new RegExp(`^${name}='(.*)'$`, 'm').exec(env)?.[1];

describe('backup node configuration', () => {
  let cluster: Plan;
  let single: Plan;
  let node: PlanNode;
  beforeAll(() => {
    cluster = planFor({ architecture: { size: '3k' } });
    single = planFor({ architecture: { size: '2k' } });
    node = nodeOf(cluster, 'backup-1');
  });

  it("loads Rails' configuration with no process that serves: Sidekiq's role, Sidekiq off", () => {
    const rb = backupNodeGitlabRb(cluster, node, endpointsFor({ kind: 'node', node }));
    expect(called(rb, 'roles')).toEqual(['sidekiq_role']);
    expect(setting(rb, 'sidekiq', 'enable')).toBe(false);
    // The role leaves Puma, Workhorse, NGINX and KAS off: nothing listens for the load balancer.
    for (const name of ['puma', 'nginx', 'gitlab_workhorse', 'gitlab_kas'])
      expect(rb.list().filter((entry) => entry.kind === 'assign' && entry.name === name)).toEqual([]);
    expect(hasSetting(rb, 'gitlab_rails', 'nginx', 'listen_port')).toBe(false);
    expect(() =>
      backupNodeGitlabRb(cluster, nodeOf(cluster, 'gitaly-1'), endpointsFor({ kind: 'node', node })),
    ).toThrow('renders the backup node, not gitaly');
    expect(() =>
      backupNodeGitlabRb(
        cluster,
        { ...node, volumes: node.volumes.filter((volume) => volume.purpose === 'root') },
        endpointsFor({ kind: 'node', node }),
      ),
    ).toThrow('no backup-staging volume');
  });

  it('says in its comments what it is, what serves, and where archives go', () => {
    const rb = backupNodeGitlabRb(cluster, node, endpointsFor({ kind: 'node', node }));
    expect(comments(rb)).toEqual(
      expect.arrayContaining([
        `GitLab EE ${cluster.gitlab.version}, ${cluster.spec.name}: backup-1, runs gitlab-backup and serves nothing (written by gitlab-aws; edits are lost on the next boot)`,
        "Roles: GitLab Rails' configuration for the rake tasks; Sidekiq off, so no process serves",
        `Backups: staged on the data volume mounted at ${BACKUP_STAGING_MOUNT_POINT}`,
        "Uploaded with the bucket's own KMS key, named by its alias in this account",
      ]),
    );
  });

  it("reaches the repositories at Praefect's load balancer or the Gitaly node, and refuses a Plan with neither", () => {
    const { praefectLoadBalancerHost: _given, ...withoutHost } = endpointsFor({ kind: 'node', node });
    const internal = cluster.services.find(
      (service) => service.kind === 'nlb' && service.scheme === 'internal',
    );
    expect(repositoryServiceAddress(cluster, withoutHost)).toBe(
      `${internal?.kind === 'nlb' ? internal.dnsName : 'none'}:${PORTS.praefect}`,
    );
    const noBalancer = { ...cluster, services: cluster.services.filter((service) => service !== internal) };
    expect(() => repositoryServiceAddress(noBalancer, withoutHost)).toThrow(
      'a Gitaly Cluster needs the Praefect load balancer',
    );
    const gitalyOf = (plan: Plan) => plan.nodes.find((candidate) => candidate.role === 'gitaly')!;
    const unnamed = {
      ...single,
      nodes: single.nodes.map((candidate) =>
        candidate.role === 'gitaly' ? { ...candidate, privateDnsName: undefined } : candidate,
      ),
    };
    expect(() => repositoryServiceAddress(unnamed, withoutHost)).toThrow('the Plan has no named Gitaly node');
    expect(() =>
      repositoryServiceAddress(
        { ...single, nodes: single.nodes.filter((n) => n !== gitalyOf(single)) },
        withoutHost,
      ),
    ).toThrow('the Plan has no named Gitaly node');
  });

  it('uses the data stores and repositories the Rails nodes use', () => {
    const endpoints = endpointsFor({ kind: 'node', node });
    const rb = backupNodeGitlabRb(cluster, node, endpoints);
    const group = cluster.autoScalingGroups.find((candidate) => candidate.role === 'rails')!;
    const rails = railsGitlabRb(cluster, group, endpoints);
    for (const keys of [
      ['db_host'],
      ['db_database'],
      ['db_password'],
      ['redis_host'],
      ['repositories_storages'],
    ])
      expect(setting(rb, 'gitlab_rails', ...keys), keys.join()).toEqual(
        setting(rails, 'gitlab_rails', ...keys),
      );
    expect(setting(rb, 'gitlab_rails', 'auto_migrate')).toBe(false);
  });

  it('stages archives on its staging volume and uploads to the backups bucket with the instance profile and the KMS key', () => {
    const rb = backupNodeGitlabRb(cluster, node, endpointsFor({ kind: 'node', node }));
    expect(setting(rb, 'gitlab_rails', 'backup_path')).toBe(BACKUP_STAGING_MOUNT_POINT);
    expect(entries(setting(rb, 'gitlab_rails', 'backup_upload_connection'))).toMatchObject({
      provider: 'AWS',
      region: cluster.region,
      use_iam_profile: true,
    });
    expect(setting(rb, 'gitlab_rails', 'backup_upload_remote_directory')).toEqual(
      bucketOf(cluster, 'backups'),
    );
    expect(entries(setting(rb, 'gitlab_rails', 'backup_upload_storage_options'))).toEqual({
      server_side_encryption: 'aws:kms',
      server_side_encryption_kms_key_id: encryptionKeyAlias(cluster.spec.name, 'objectstorage'),
    });
  });

  it('boots with its staging volume found where it is attached, and checks it reaches the repositories', () => {
    const endpoints = endpointsFor({ kind: 'node', node });
    const parts = renderUserDataParts(cluster, { kind: 'node', node }, endpoints);
    expect(envValue(parts.env, 'GLA_DATA_MOUNT')).toBe(BACKUP_STAGING_MOUNT_POINT);
    expect(envValue(parts.env, 'GLA_DATA_DEVICE')).toBe('/dev/sdf');
    expect(envValue(parts.env, 'GLA_DATA_VOLUME_ATTACHED')).toBe('yes');
    expect(envValue(parts.env, 'GLA_DATA_VOLUME_ID')).toBe('');
    expect(envValue(parts.env, 'GLA_GITALY_ADDRESS')).toBe(
      `${endpoints.praefectLoadBalancerHost}:${PORTS.praefect}`,
    );
    // It reads the Rails code's secrets and installs gitlab-secrets.json, but serves no SSH and never migrates.
    expect(parts.needs).toMatchObject({ secretsJson: true, hostKeys: false, migrates: false, web: false });
    const singleNode = nodeOf(single, 'backup-1');
    const gitaly = nodeOf(single, 'gitaly-1');
    expect(repositoryServiceAddress(single, endpointsFor({ kind: 'node', node: singleNode }))).toBe(
      `${gitaly.privateDnsName}:${PORTS.gitaly}`,
    );
    // Other nodes keep taking their volume over, and check nothing.
    const gitalyParts = renderUserDataParts(
      single,
      { kind: 'node', node: gitaly },
      endpointsFor({ kind: 'node', node: gitaly }),
    );
    expect(envValue(gitalyParts.env, 'GLA_DATA_VOLUME_ATTACHED')).toBe('no');
    expect(envValue(gitalyParts.env, 'GLA_GITALY_ADDRESS')).toBe('');
  });
});
