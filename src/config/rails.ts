/**
 * gitlab.rb of a web node: GitLab Rails (Puma, Workhorse, NGINX, GitLab Shell) behind the external
 * Network Load Balancer, which ends TLS with the ACM certificate and forwards plain HTTP on port 80.
 * The web nodes of a Plan without Sidekiq nodes (the poc) run Sidekiq too, as the 3k page's
 * "Combining select nodes" allows, within the Plan's memory budget (plan/resolve/process-budget.ts).
 *
 * Sources:
 * - "Configure GitLab Rails": skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md (application role, exporters listening
 *   for the monitoring node, `nginx['status']` allowlist, Sidekiq off on Rails-only nodes).
 * - Proxied SSL (`gitlab_rails['nginx']['listen_port']` 80, `listen_https` false), the real_ip
 *   trusted addresses and the PROXY protocol: gitlabhq/omnibus-gitlab
 *   440b1f835eb205885d22933ac074cc11c1148609, doc/settings/ssl/_index.md ("Configure a reverse proxy
 *   or load balancer SSL termination") and doc/settings/nginx.md. Since 19.2 the main site's NGINX
 *   keys live under `gitlab_rails['nginx']`; with `proxy_protocol` on, the package sets the real IP
 *   header itself (files/gitlab-cookbooks/gitlab/libraries/gitlab_rails.rb, same commit).
 * - Let's Encrypt off because TLS ends at the load balancer: doc/install/aws/_index.md at
 *   skratsch-solutions/gitlabhq 462401833261e0523def242cd7f5650407a43351.
 */
import { EXPORTER_PORTS, PORTS } from '../catalog/ports.js';
import { externalLoadBalancer } from '../plan/query.js';
import type { AutoScalingGroupPlan, Plan } from '../plan/types.js';
import { groupVcpu, hasSidekiqNodes, nodeExporterSettings, railsCodeSettings } from './common.js';
import { GitlabRb } from './ruby.js';
import { combinedProcessSettings, sidekiqProcessSettings } from './sidekiq.js';
import type { RuntimeEndpoints } from './types.js';

/** Renders gitlab.rb for the members of a web group. */
export function railsGitlabRb(
  plan: Plan,
  group: AutoScalingGroupPlan,
  endpoints: RuntimeEndpoints,
): GitlabRb {
  if (group.role !== 'rails') throw new Error(`renderRails renders web groups, not ${group.role}`);
  const runsSidekiq = !hasSidekiqNodes(plan);
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${group.id} nodes (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.comment('Roles: GitLab Rails only').call('roles', ['application_role']);
  railsCodeSettings(rb, plan, endpoints);
  webServerSettings(rb, plan);
  rb.comment('Services that run elsewhere').set('gitaly', ['enable'], false);
  if (runsSidekiq) {
    rb.comment('Sidekiq runs on these nodes too (no Sidekiq nodes in this architecture)');
    rb.set('sidekiq', ['enable'], true);
    if (group.processBudget) combinedProcessSettings(rb, group.processBudget);
    else sidekiqProcessSettings(rb, Math.max(1, Math.floor(groupVcpu(plan, group.id))));
  } else {
    rb.set('sidekiq', ['enable'], false);
  }
  rb.comment('Exporters, listening where the monitoring node can scrape them');
  nodeExporterSettings(rb);
  rb.set('puma', ['listen'], '0.0.0.0')
    .set('puma', ['port'], EXPORTER_PORTS.puma)
    .set('gitlab_workhorse', ['prometheus_listen_addr'], `0.0.0.0:${EXPORTER_PORTS.workhorse}`)
    .set('gitlab_exporter', ['listen_address'], '0.0.0.0')
    .set('gitlab_exporter', ['listen_port'], String(EXPORTER_PORTS.gitlabExporter))
    .set('nginx', ['status', 'options', 'allow'], ['127.0.0.0/8', plan.network.vpcCidr]);
  return rb;
}

/** NGINX serving plain HTTP behind the load balancer that ends TLS. */
export function webServerSettings(rb: GitlabRb, plan: Plan): void {
  const external = externalLoadBalancer(plan);
  rb.comment('TLS ends at the Network Load Balancer; NGINX serves plain HTTP on port 80')
    .set('letsencrypt', ['enable'], false)
    .set('gitlab_rails', ['nginx', 'listen_port'], PORTS.http)
    .set('gitlab_rails', ['nginx', 'listen_https'], false)
    .comment('The load balancer and its health checks come from the VPC')
    .set('gitlab_rails', ['nginx', 'real_ip_trusted_addresses'], [plan.network.vpcCidr]);
  if (external?.proxyProtocol) {
    rb.comment('The load balancer sends the client address with the PROXY protocol').set(
      'gitlab_rails',
      ['nginx', 'proxy_protocol'],
      true,
    );
  }
}

/** Renders the gitlab.rb text. */
export function renderRails(plan: Plan, group: AutoScalingGroupPlan, endpoints: RuntimeEndpoints): string {
  return railsGitlabRb(plan, group, endpoints).render();
}
