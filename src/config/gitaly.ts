/**
 * gitlab.rb of a Gitaly node: the Gitaly role only, listening on its private address, repositories
 * on the node's data volume. With a Gitaly Cluster the storage carries the name Praefect routes to
 * (`gitaly-N` from the Plan) and the token is the one Praefect presents (the Plan's `gitaly-token`
 * plays the role the docs call the Praefect internal token).
 *
 * Sources:
 * - "Configure Gitaly", skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md (gitaly_role, the gRPC and Prometheus
 *   listeners on the ports in catalog/ports.ts, auth token, pack-objects cache, one storage per node, gitlab-secrets.json copied from
 *   the Rails nodes so Git hooks can call GitLab back).
 * - The callback URL: `gitaly['configuration'][:gitlab][:url]` is merged over the derived
 *   internal API URL (gitlabhq/omnibus-gitlab 440b1f835eb205885d22933ac074cc11c1148609,
 *   files/gitlab-cookbooks/gitaly/recipes/enable.rb); `gitlab_rails['internal_api_url']`, which the
 *   docs show, is not among the template's settings, so the listed nested key is used instead.
 * - Cloud Native Hybrid: no Rails VM shares gitlab-secrets.json, so GitLab Shell's token comes from
 *   the Plan's `gitlab-shell-secret` as `gitaly['gitlab_secret']` (17.5 and later; "Configure
 *   authentication", method 2, skratsch-solutions/gitlabhq f76fbdcd8b8bddc2022d324a7b38fdf63b6be15c,
 *   doc/administration/gitaly/configure_gitaly.md).
 * - The git account's ids: `user['uid']` and `user['gid']` ("Specify numeric user and group
 *   identifiers", gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (19.3.0+ee.0),
 *   doc/settings/configuration.md). The data volume moves to the node that replaces this one, and
 *   without fixed ids the package gives git the next free ones, which need not own the repositories.
 * - The server-side backup sink: `gitaly['configuration'][:backup][:go_cloud_url]`, an `s3://` URL of
 *   the backups bucket with its region, the node authenticating through its instance profile (the
 *   default AWS session) ("Configure server-side backups", skratsch-solutions/gitlabhq
 *   f76fbdcd8b8bddc2022d324a7b38fdf63b6be15c, doc/administration/gitaly/configure_gitaly.md). The
 *   package writes `gitaly['configuration']` into Gitaly's config.toml as it is
 *   (gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (19.3.0+ee.0),
 *   files/gitlab-cookbooks/gitaly/templates/default/gitaly-config.toml.erb).
 */
import { EXPORTER_PORTS, PORTS } from '../catalog/ports.js';
import { ACCOUNT_ID_PLACEHOLDER } from '../plan/contracts.js';
import { serviceOf } from '../plan/query.js';
import type { Plan, PlanNode } from '../plan/types.js';
import { nodeExporterSettings, REPOSITORIES_SUBDIR } from './common.js';
import { GitlabRb, nodeFact, type RubyValue, secret, symHash } from './ruby.js';
import type { RuntimeEndpoints } from './types.js';

/**
 * The git account's uid and gid on every Gitaly node: outside the range Ubuntu gives system accounts
 * (100-999), which other packages draw from, and well above its default user's 1000.
 */
export const GIT_ACCOUNT_ID = 1100;

/** Where the node keeps repositories: the data volume's mount point from the Plan. */
export function repositoriesPath(node: PlanNode): string {
  const data = node.volumes.find((volume) => volume.purpose === 'git-data');
  if (!data?.mountPoint) throw new Error(`Gitaly node ${node.id} has no git-data volume with a mount point`);
  return `${data.mountPoint}/${REPOSITORIES_SUBDIR}`;
}

/** Where Gitaly streams server-side repository backups: the backups bucket, named on the node with its account. */
export function backupSinkUrl(plan: Plan): RubyValue {
  const bucket = serviceOf(plan, 's3').buckets.find((entry) => entry.purpose === 'backups');
  if (!bucket) throw new Error('the Plan has no backups bucket');
  const [before = '', after = ''] = bucket.bucketName.split(ACCOUNT_ID_PLACEHOLDER);
  return nodeFact('account-id', `s3://${before}`, `${after}?region=${plan.region}`);
}

export function gitalyGitlabRb(plan: Plan, node: PlanNode, _endpoints: RuntimeEndpoints): GitlabRb {
  if (node.role !== 'gitaly') throw new Error(`renderGitaly renders Gitaly nodes, not ${node.role}`);
  if (!node.gitalyStorage) throw new Error(`Gitaly node ${node.id} has no storage name in the Plan`);
  const cluster = plan.architecture.gitalyMode === 'cluster';
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${node.id} (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.comment('Roles: Gitaly only').call('roles', ['gitaly_role']);
  rb.set('gitlab_rails', ['auto_migrate'], false);
  rb.comment('The git account owns the repositories on the data volume, which moves to a replacing node')
    .set('user', ['uid'], GIT_ACCOUNT_ID)
    .set('user', ['gid'], GIT_ACCOUNT_ID);
  rb.comment(
    cluster
      ? `Gitaly Cluster member: storage ${node.gitalyStorage}, reached by Praefect only`
      : 'The one Gitaly server: storage default, reached by Rails and Sidekiq',
  );
  rb.set(
    'gitaly',
    ['configuration'],
    symHash({
      listen_addr: nodeFact('private-ipv4', '', `:${PORTS.gitaly}`),
      prometheus_listen_addr: `0.0.0.0:${EXPORTER_PORTS.gitaly}`,
      auth: symHash({ token: secret('gitaly-token') }),
      pack_objects_cache: symHash({ enabled: true }),
      gitlab: symHash({ url: plan.gitlab.externalUrl }),
      storage: [symHash({ name: node.gitalyStorage, path: repositoriesPath(node) })],
      backup: symHash({ go_cloud_url: backupSinkUrl(plan) }),
    }),
  );
  if (plan.secrets.some((entry) => entry.id === 'gitlab-shell-secret' && entry.readers.includes('gitaly'))) {
    rb.comment(
      "GitLab Shell's token for the hooks' calls back to GitLab, from Secrets Manager: no Rails VM shares gitlab-secrets.json here",
    ).set('gitaly', ['gitlab_secret'], secret('gitlab-shell-secret'));
  }
  rb.comment('Exporters, listening where the monitoring node can scrape them');
  nodeExporterSettings(rb);
  return rb;
}

/** Renders the gitlab.rb text. */
export function renderGitaly(plan: Plan, node: PlanNode, _endpoints: RuntimeEndpoints): string {
  return gitalyGitlabRb(plan, node, _endpoints).render();
}
