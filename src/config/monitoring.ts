/**
 * gitlab.rb of the monitoring node: Prometheus scraping every GitLab node's exporters.
 *
 * Rails and Sidekiq nodes live in auto scaling groups, so their addresses are not in the Plan;
 * Prometheus finds every node through EC2 service discovery instead, by the environment and role
 * tags infra puts on every instance (the monitoring role may call ec2:DescribeInstances for this).
 * The reference architectures find them through Consul, which gitlab-aws does not run (RDS and
 * ElastiCache make it unnecessary).
 *
 * No Grafana: the reference architectures' monitoring node runs Prometheus only, and the bundled
 * Grafana is gone from the Linux package (the settings reference lists no `grafana[...]` setting).
 * No Alertmanager: alarms go through CloudWatch (infra's ops stack).
 *
 * Sources:
 * - "Configure Prometheus", skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md (monitoring_role, Prometheus listener,
 *   Kubernetes monitoring off, extra scrape configs, NGINX off).
 * - Job names and metrics paths follow the package's own scrape configs (gitlabhq/omnibus-gitlab
 *   440b1f835eb205885d22933ac074cc11c1148609, files/gitlab-cookbooks/monitoring/libraries/prometheus.rb),
 *   which also passes `prometheus['scrape_configs']` through to prometheus.yml unchanged. On a
 *   `monitoring_role` node the package adds its own `prometheus` job (Prometheus scraping itself)
 *   and a localhost `node` job unless a job of that name exists; no other job of its own, since the
 *   role runs only Prometheus, Alertmanager and node_exporter (package/libraries/config/services.rb,
 *   tag 19.3.0+ee.0, 8bae586ed153bd3598bf6f11dc4cfeaefd693a72).
 */
import { EXPORTER_PORTS } from '../catalog/ports.js';
import type { RoleId } from '../catalog/types.js';
import { ENVIRONMENT_TAG, ROLE_TAG } from '../plan/contracts.js';
import type { Plan, PlanNode } from '../plan/types.js';
import { hasSidekiqNodes, nodeExporterSettings } from './common.js';
import { GitlabRb, RubyHash, type RubyValue, strHash, sym } from './ruby.js';
import type { RuntimeEndpoints } from './types.js';

export interface ScrapeJob {
  readonly name: string;
  readonly roles: readonly RoleId[];
  readonly port: number;
  readonly metricsPath?: string;
}

/** Roles whose instances run the Linux package (bastions do not). */
const GITLAB_ROLES: readonly RoleId[] = ['gitlab', 'rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring'];

/** The scrape jobs for the roles the Plan has. */
export function scrapeJobs(plan: Plan): ScrapeJob[] {
  const present = new Set<RoleId>([
    ...plan.nodes.map((node) => node.role),
    ...plan.autoScalingGroups.map((group) => group.role),
  ]);
  const only = (roles: readonly RoleId[]) => roles.filter((role) => present.has(role));
  const web = only(['rails', 'gitlab']);
  const sidekiq = hasSidekiqNodes(plan) ? only(['sidekiq']) : web;
  const jobs: ScrapeJob[] = [
    // Named `node`, this job replaces the package's own localhost node_exporter job (prometheus.rb
    // adds that one only without a user job of the same name), so the monitoring node is in it too.
    { name: 'node', roles: only(GITLAB_ROLES), port: EXPORTER_PORTS.node },
    { name: 'gitlab-rails', roles: web, port: EXPORTER_PORTS.puma, metricsPath: '/-/metrics' },
    { name: 'gitlab-workhorse', roles: web, port: EXPORTER_PORTS.workhorse },
    { name: 'nginx', roles: web, port: EXPORTER_PORTS.nginxStatus },
    {
      name: 'gitlab_exporter_database',
      roles: web,
      port: EXPORTER_PORTS.gitlabExporter,
      metricsPath: '/database',
    },
    {
      name: 'gitlab_exporter_sidekiq',
      roles: web,
      port: EXPORTER_PORTS.gitlabExporter,
      metricsPath: '/sidekiq',
    },
    { name: 'gitlab_exporter_ruby', roles: web, port: EXPORTER_PORTS.gitlabExporter, metricsPath: '/ruby' },
    { name: 'gitlab-sidekiq', roles: sidekiq, port: EXPORTER_PORTS.sidekiq },
    { name: 'gitaly', roles: only(['gitaly']), port: EXPORTER_PORTS.gitaly },
    { name: 'praefect', roles: only(['praefect']), port: EXPORTER_PORTS.praefect },
  ];
  return jobs.filter((job) => job.roles.length > 0);
}

/** Prometheus's label for an EC2 tag: non-alphanumeric characters become underscores. */
const tagLabel = (tag: string) => `__meta_ec2_tag_${tag.replace(/[^a-zA-Z0-9_]/g, '_')}`;

function scrapeConfig(plan: Plan, job: ScrapeJob): RubyValue {
  // The template writes `'job_name':` (a symbol key) and string keys for the rest; so does this.
  return new RubyHash([
    [sym('job_name'), job.name],
    ...(job.metricsPath ? [['metrics_path', job.metricsPath] as const] : []),
    [
      'ec2_sd_configs',
      [
        strHash({
          region: plan.region,
          port: job.port,
          filters: [
            strHash({ name: `tag:${ENVIRONMENT_TAG}`, values: [plan.spec.name] }),
            strHash({ name: `tag:${ROLE_TAG}`, values: [...job.roles] }),
            strHash({ name: 'instance-state-name', values: ['running'] }),
          ],
        }),
      ],
    ],
    [
      'relabel_configs',
      [
        strHash({ source_labels: [tagLabel(ROLE_TAG)], target_label: 'role' }),
        strHash({ source_labels: ['__meta_ec2_instance_id'], target_label: 'instance_id' }),
      ],
    ],
  ]);
}

export function monitoringGitlabRb(plan: Plan, node: PlanNode, _endpoints: RuntimeEndpoints): GitlabRb {
  if (node.role !== 'monitoring')
    throw new Error(`renderMonitoring renders the monitoring node, not ${node.role}`);
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${node.id} (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.comment('Roles: Prometheus only').call('roles', ['monitoring_role']);
  rb.set('gitlab_rails', ['auto_migrate'], false)
    .set('prometheus', ['listen_address'], `0.0.0.0:${EXPORTER_PORTS.prometheus}`)
    .set('prometheus', ['monitor_kubernetes'], false)
    .set('alertmanager', ['enable'], false)
    .set('nginx', ['enable'], false);
  rb.comment('Every node of the environment, found by its EC2 tags');
  rb.set(
    'prometheus',
    ['scrape_configs'],
    scrapeJobs(plan).map((job) => scrapeConfig(plan, job)),
  );
  nodeExporterSettings(rb);
  return rb;
}

/** Renders the gitlab.rb text. */
export function renderMonitoring(plan: Plan, node: PlanNode, _endpoints: RuntimeEndpoints): string {
  return monitoringGitlabRb(plan, node, _endpoints).render();
}
