/**
 * gitlab.rb of a Praefect node: the router of the Gitaly Cluster, behind the internal load balancer.
 * Its database is the Plan's `praefect-postgres` database on Praefect's own RDS instance, created
 * with the instance and owned by Praefect, its master user. Praefect migrations run on the Plan's Praefect deploy node only (GitLab's
 * zero-downtime procedure names one), in its reconfigure (the Linux package runs `praefect sql-migrate`
 * when `praefect['auto_migrate']` is on: gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72,
 * tag 19.3.0+ee.0, files/gitlab-cookbooks/praefect/recipes/enable.rb and database_migrations.rb); the
 * others set it to false. CloudFormation creates every Praefect instance at once; the others
 * reconfigure meanwhile, then wait in their boot script until Praefect reports no migration pending
 * and restart it (the Plan's boot order, src/plan/boot-order.ts).
 *
 * Sources:
 * - "Configure Praefect", skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md (services off, gRPC listener, external
 *   token, database settings, virtual storage `default` listing every Gitaly node with the internal
 *   token, Prometheus listener, one deploy node running migrations).
 * - Praefect deploy node: skratsch-solutions/gitlabhq d08a1508d191015791d908b4d42036623e6603ae,
 *   doc/update/zero_downtime.md ("Upgrade Gitaly Cluster (Praefect) nodes").
 * - Replication factor: without `default_replication_factor` every repository is stored on every
 *   Gitaly node; with it, on that many (gitlab-org/gitaly merge request 3091). gitlab-aws asks for
 *   3 copies, the template's example value (omnibus-gitlab 440b1f835eb205885d22933ac074cc11c1148609),
 *   which is every node of the default 3-node cluster and keeps larger clusters from storing each
 *   repository on every node.
 */
import { EXPORTER_PORTS, PORTS } from '../catalog/ports.js';
import { dataEndpoint, stableHostOf } from '../plan/data-endpoints.js';
import { nodesOf } from '../plan/query.js';
import type { Plan, PlanNode } from '../plan/types.js';
import { databaseOf, nodeExporterSettings } from './common.js';
import { GitlabRb, nodeFact, secret, symHash } from './ruby.js';
import type { RuntimeEndpoints } from './types.js';

/** Copies of each repository the cluster keeps. */
export const REPLICATION_FACTOR = 3;

/** The Praefect node that runs Praefect's database migrations: the Plan's deploy node. */
export function praefectDeployNode(plan: Plan): PlanNode | undefined {
  return plan.nodes.find((node) => node.id === plan.deployNodes.praefect);
}

// Takes the endpoints as every role's renderer does; Praefect's database has a stable name in the Plan.
export function praefectGitlabRb(plan: Plan, node: PlanNode, _endpoints: RuntimeEndpoints): GitlabRb {
  if (node.role !== 'praefect') throw new Error(`renderPraefect renders Praefect nodes, not ${node.role}`);
  const praefectDb = databaseOf(plan, 'praefect-postgres');
  if (!praefectDb) throw new Error('a Gitaly Cluster needs the Praefect database in the Plan');
  const endpoint = dataEndpoint(plan, 'praefect-database');
  const gitalyNodes = nodesOf(plan, 'gitaly');
  const deployNode = praefectDeployNode(plan)?.id === node.id;
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${node.id} (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.comment('Only Praefect runs here');
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
    rb.set(service, ['enable'], false);
  }
  rb.set('praefect', ['enable'], true);
  rb.comment(
    deployNode
      ? 'Deploy node: runs the Praefect database migrations'
      : `Migrations run on the deploy node (${praefectDeployNode(plan)?.id}) only`,
  )
    .set('praefect', ['auto_migrate'], deployNode)
    .set('gitlab_rails', ['auto_migrate'], false);
  rb.comment(`Virtual storage default: ${gitalyNodes.map((gitaly) => gitaly.id).join(', ')}`);
  rb.set(
    'praefect',
    ['configuration'],
    symHash({
      listen_addr: nodeFact('private-ipv4', '', `:${PORTS.praefect}`),
      prometheus_listen_addr: `0.0.0.0:${EXPORTER_PORTS.praefect}`,
      auth: symHash({ token: secret('praefect-external-token') }),
      database: symHash({
        host: stableHostOf(plan, endpoint.id),
        port: endpoint.port,
        dbname: praefectDb.name,
        user: praefectDb.user,
        password: secret('praefect-database-password'),
        sslmode: 'require',
      }),
      virtual_storage: [
        symHash({
          name: 'default',
          default_replication_factor: Math.min(REPLICATION_FACTOR, gitalyNodes.length),
          node: gitalyNodes.map((gitaly) => {
            if (!gitaly.privateDnsName || !gitaly.gitalyStorage) {
              throw new Error(`Gitaly node ${gitaly.id} has no private name or storage in the Plan`);
            }
            return symHash({
              storage: gitaly.gitalyStorage,
              address: `tcp://${gitaly.privateDnsName}:${PORTS.gitaly}`,
              token: secret('gitaly-token'),
            });
          }),
        }),
      ],
    }),
  );
  rb.comment('Exporters, listening where the monitoring node can scrape them');
  nodeExporterSettings(rb);
  return rb;
}

/** Renders the gitlab.rb text. */
export function renderPraefect(plan: Plan, node: PlanNode, endpoints: RuntimeEndpoints): string {
  return praefectGitlabRb(plan, node, endpoints).render();
}
