/**
 * gitlab.rb of the 1k node (`gitlab`): the whole Linux package on one instance, as GitLab's 1k page
 * runs it, behind the Network Load Balancer that ends TLS. Every service keeps the package's
 * default place under /var/opt/gitlab, which is the mount point of the node's data volume (the
 * Plan's `gitlab-data` volume), so repositories, PostgreSQL's and Redis's data and Prometheus all
 * outlive the instance. The settings below name those directories so the file says where the data
 * is; they are the package's defaults.
 *
 * Sources:
 * - The single node and its components: pavankalisetti009/gitlab 519fdd30763ed34004f13924f50d2e4c27d8f803,
 *   doc/administration/reference_architectures/1k_users.md.
 * - One EC2 instance with a snapshot strategy up to 1,000 users: skratsch-solutions/gitlabhq
 *   462401833261e0523def242cd7f5650407a43351, doc/install/aws/_index.md.
 * - Setting names and defaults (`postgresql['dir']`, `redis['dir']`, `gitaly['configuration']`
 *   storage, `gitlab_rails['initial_root_password']`, `puma['worker_processes']`,
 *   `sidekiq['concurrency']`): test/fixtures/gitlab-rb-reference (omnibus-gitlab
 *   440b1f835eb205885d22933ac074cc11c1148609, files/gitlab-config-template/gitlab.rb.template).
 * - Migrations: a single node keeps `gitlab_rails['auto_migrate']` at its default (on), so every
 *   reconfigure, the first and each after an upgrade, migrates the bundled database; nothing else
 *   shares it, so there is no deploy node and no lock.
 */
import type { Plan, PlanNode } from '../plan/types.js';
import { monitoringAccessSettings, objectStorageSettings, REPOSITORIES_SUBDIR } from './common.js';
import { registrySettings, webServerSettings } from './rails.js';
import { GitlabRb, secret, symHash } from './ruby.js';
import { combinedProcessSettings } from './sidekiq.js';
import type { RuntimeEndpoints } from './types.js';

/** The node's data volume mount point (the Plan's `gitlab-data` volume). */
export function dataMountPoint(node: PlanNode): string {
  const data = node.volumes.find((volume) => volume.purpose === 'gitlab-data');
  if (!data?.mountPoint)
    throw new Error(`the 1k node ${node.id} has no gitlab-data volume with a mount point`);
  return data.mountPoint;
}

export function singleNodeGitlabRb(plan: Plan, node: PlanNode, _endpoints: RuntimeEndpoints): GitlabRb {
  if (node.role !== 'gitlab') throw new Error(`renderSingleNode renders the 1k node, not ${node.role}`);
  if (!node.processBudget) throw new Error(`the 1k node ${node.id} has no process budget in the Plan`);
  const data = dataMountPoint(node);
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${node.id}, every GitLab service on one node (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.call('external_url', plan.gitlab.externalUrl);
  webServerSettings(rb, plan);
  registrySettings(rb, plan);
  rb.comment('The first reconfigure creates the root user with this password').set(
    'gitlab_rails',
    ['initial_root_password'],
    secret('root-password'),
  );
  rb.comment(`Data: every service on the data volume mounted at ${data}`)
    .set('postgresql', ['dir'], `${data}/postgresql`)
    .set('redis', ['dir'], `${data}/redis`)
    .set(
      'gitaly',
      ['configuration'],
      symHash({
        storage: [
          symHash({ name: node.gitalyStorage ?? 'default', path: `${data}/git-data/${REPOSITORIES_SUBDIR}` }),
        ],
      }),
    );
  objectStorageSettings(rb, plan);
  monitoringAccessSettings(rb, plan);
  combinedProcessSettings(rb, node.processBudget);
  return rb;
}

/** Renders the gitlab.rb text. */
export function renderSingleNode(plan: Plan, node: PlanNode, endpoints: RuntimeEndpoints): string {
  return singleNodeGitlabRb(plan, node, endpoints).render();
}
