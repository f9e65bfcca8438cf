/**
 * gitlab.rb of the backup node (`backup`, src/plan/resolve/backup-node.ts): GitLab's Rails code with
 * the data stores every Rails node uses, and no service that takes traffic. It exists for
 * `gitlab-backup`, which the scheduled association and `gitlab-aws backup create` run on it with
 * the script of src/config/backup.ts (`SKIP=` object storage and `remote`,
 * `REPOSITORIES_SERVER_SIDE=true`, the archive uploaded by the script beside its secrets).
 *
 * Sources:
 * - The node GitLab asks for (persistent, Rails installed, room for the archive) and the backup
 *   settings (`backup_path`, `backup_upload_connection` with an IAM profile, SSE-KMS through
 *   `backup_upload_storage_options`): skratsch-solutions/gitlabhq
 *   0c6669526da9d644449ab36d4ec3a681976387e6, doc/administration/backup_restore/backup_gitlab.md
 *   ("Backup command", "Upload backups to a remote (cloud) storage", "S3 Encrypted Buckets", "Skip
 *   uploading backups to remote storage"). The page names the KMS key by its ARN; S3 takes a key
 *   alias as well, resolved in the caller's account, which is the bucket's (Amazon S3 API
 *   Reference, PutObject, `x-amz-server-side-encryption-aws-kms-key-id`), so gitlab.rb names the
 *   object storage key by the alias the data stack gives it and needs no value from that stack.
 * - Roles: `sidekiq_role` turns on GitLab Rails' configuration and Sidekiq only (besides the system
 *   services logrotate and node_exporter), and a service's own `enable` set in gitlab.rb wins over
 *   its role, so `sidekiq['enable'] = false` leaves Rails' configuration, for the rake tasks, with
 *   no process serving anything: no Puma, Workhorse or NGINX, nothing in a target group.
 *   gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (tag 19.3.0+ee.0),
 *   files/gitlab-cookbooks/package/libraries/config/roles/sidekiq.rb, config/services.rb and
 *   helpers/services_helper.rb (`Services.enabled?`).
 * - Setting names: src/catalog/gitlab-rb-reference (the settings check runs on this file too).
 */
import { PORTS } from '../catalog/ports.js';
import { encryptionKeyAlias } from '../plan/contracts.js';
import { internalLoadBalancer, nodesOf } from '../plan/query.js';
import type { Plan, PlanNode } from '../plan/types.js';
import { railsCodeSettings, registryClientSettings } from './common.js';
import { GitlabRb, strHash } from './ruby.js';
import type { RuntimeEndpoints } from './types.js';

/** Where `gitlab-backup` writes on the backup node: its staging volume's mount point. */
export function backupPathOf(node: PlanNode): string {
  const staging = node.volumes.find((volume) => volume.purpose === 'backup-staging');
  if (!staging?.mountPoint)
    throw new Error(`the backup node ${node.id} has no backup-staging volume with a mount point`);
  return staging.mountPoint;
}

/**
 * Where the backup node reaches the repositories, `host:port`: Praefect's load balancer with a
 * Gitaly Cluster, else the one Gitaly node, as `repositories_storages` names them.
 */
export function repositoryServiceAddress(plan: Plan, endpoints: RuntimeEndpoints): string {
  if (plan.architecture.gitalyMode === 'cluster') {
    const host = endpoints.praefectLoadBalancerHost ?? internalLoadBalancer(plan)?.dnsName;
    if (!host) throw new Error('a Gitaly Cluster needs the Praefect load balancer');
    return `${host}:${PORTS.praefect}`;
  }
  const gitaly = nodesOf(plan, 'gitaly')[0];
  if (!gitaly?.privateDnsName) throw new Error('the Plan has no named Gitaly node');
  return `${gitaly.privateDnsName}:${PORTS.gitaly}`;
}

export function backupNodeGitlabRb(plan: Plan, node: PlanNode, endpoints: RuntimeEndpoints): GitlabRb {
  if (node.role !== 'backup') throw new Error(`backupNodeGitlabRb renders the backup node, not ${node.role}`);
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${node.id}, runs gitlab-backup and serves nothing (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.comment("Roles: GitLab Rails' configuration for the rake tasks; Sidekiq off, so no process serves")
    .call('roles', ['sidekiq_role'])
    .set('sidekiq', ['enable'], false);
  railsCodeSettings(rb, plan, endpoints);
  registryClientSettings(rb, plan);
  rb.comment(`Backups: staged on the data volume mounted at ${backupPathOf(node)}`)
    .set('gitlab_rails', ['backup_path'], backupPathOf(node))
    .comment("Uploaded with the bucket's own KMS key, named by its alias in this account")
    .set(
      'gitlab_rails',
      ['backup_upload_storage_options'],
      strHash({
        server_side_encryption: 'aws:kms',
        server_side_encryption_kms_key_id: encryptionKeyAlias(plan.spec.name, 'objectstorage'),
      }),
    );
  return rb;
}
