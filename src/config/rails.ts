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
 * - The redirect to HTTPS: the package's own redirect server (`redirect_http_to_https`) is rendered
 *   only when NGINX itself listens with TLS (gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72,
 *   tag 19.3.0+ee.0, files/gitlab-cookbooks/gitlab/templates/default/nginx-gitlab-rails.conf.erb and
 *   recipes/nginx.rb, where `https` follows `listen_https`), so behind the TLS-ending load balancer a
 *   server of our own does it, through `nginx['custom_nginx_config']`, which the package writes into
 *   the `http` block (same commit, files/gitlab-cookbooks/nginx/templates/default/nginx.conf.erb).
 * - KAS on several nodes: the private API on an address the other nodes reach, and the address each
 *   KAS announces taken from the VPC range (`OWN_PRIVATE_API_CIDR`, "Option 2"); the shared secrets
 *   come with gitlab-secrets.json, which every node shares: skratsch-solutions/gitlabhq
 *   4168cfa9c028293f4e77107617ea564102f73e5f, doc/administration/clusters/kas.md; the package
 *   generates those secrets once and keeps them in gitlab-secrets.json
 *   (files/gitlab-cookbooks/gitlab-kas/libraries/gitlab_kas.rb, `parse_secrets`, at the
 *   omnibus-gitlab commit above).
 * - The container registry under the GitLab domain on port 5050 ("Configure container registry
 *   under an existing GitLab domain"): skratsch-solutions/gitlabhq 275660d58a4f9d790fce6048d2467cdd1ef20c38,
 *   doc/administration/packages/container_registry.md. S3 storage without keys uses the instance
 *   profile; the registry's metadata database stays off with an external PostgreSQL, where the
 *   package turns its `prefer` default to off (files/gitlab-cookbooks/gitlab/libraries/registry.rb at
 *   the omnibus-gitlab commit above), so garbage collection is the offline kind.
 */
import { EXPORTER_PORTS, PORTS } from '../catalog/ports.js';
import { externalLoadBalancer } from '../plan/query.js';
import type { AutoScalingGroupPlan, ExternalTargetGroup, Plan } from '../plan/types.js';
import { bucketOf, groupVcpu, hasSidekiqNodes, nodeExporterSettings, railsCodeSettings } from './common.js';
import { GitlabRb, strHash } from './ruby.js';
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
  kasSettings(rb, plan);
  registrySettings(rb, plan);
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

/**
 * The NGINX port behind one of the external load balancer's target groups, as the Plan's listeners
 * name it; the package's usual port when the Plan has no such listener.
 */
export function webTargetPort(plan: Plan, targetGroup: ExternalTargetGroup): number {
  const listener = externalLoadBalancer(plan)?.listeners.find(
    (candidate) => candidate.targetGroup === targetGroup,
  );
  if (listener) return listener.targetPort;
  const fallback: Record<ExternalTargetGroup, number> = {
    http: PORTS.http,
    'http-redirect': PORTS.httpRedirect,
    ssh: PORTS.ssh,
    registry: PORTS.registry,
  };
  return fallback[targetGroup];
}

/**
 * The NGINX server where the load balancer's plain HTTP lands: it answers every request, health
 * checks included, with a permanent redirect to the same path over HTTPS and proxies nothing.
 */
export function httpRedirectServer(plan: Plan): string {
  const host = new URL(plan.gitlab.externalUrl).host;
  return [
    'server {',
    `  listen *:${webTargetPort(plan, 'http-redirect')};`,
    '  server_tokens off;',
    `  return 301 https://${host}$request_uri;`,
    '}',
  ].join('\n');
}

/** NGINX serving plain HTTP behind the load balancer that ends TLS, and redirecting plain HTTP from users. */
export function webServerSettings(rb: GitlabRb, plan: Plan): void {
  const external = externalLoadBalancer(plan);
  const port = webTargetPort(plan, 'http');
  rb.comment(`TLS ends at the Network Load Balancer; NGINX serves GitLab in plain HTTP on port ${port}`)
    .set('letsencrypt', ['enable'], false)
    .set('gitlab_rails', ['nginx', 'listen_port'], port)
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
  rb.comment("Users' plain HTTP (the load balancer's port 80) gets a redirect to HTTPS, never GitLab").set(
    'nginx',
    ['custom_nginx_config'],
    httpRedirectServer(plan),
  );
}

/** KAS on every web node, each reachable by the others on its private API. */
function kasSettings(rb: GitlabRb, plan: Plan): void {
  rb.comment('KAS: the private API on the VPC address, so the KAS of each web node reaches the others')
    .set('gitlab_kas', ['private_api_listen_address'], `0.0.0.0:${PORTS.kasPrivateApi}`)
    .set(
      'gitlab_kas',
      ['env'],
      strHash({
        SSL_CERT_DIR: '/opt/gitlab/embedded/ssl/certs/',
        OWN_PRIVATE_API_CIDR: plan.network.vpcCidr,
      }),
    );
}

/** The container registry on the web nodes: its own port on the GitLab domain, images in S3. */
export function registrySettings(rb: GitlabRb, plan: Plan): void {
  rb.comment('Container registry: TLS ends at the load balancer; NGINX serves it in plain HTTP')
    .call('registry_external_url', plan.gitlab.registryUrl)
    .set('registry', ['nginx', 'listen_port'], webTargetPort(plan, 'registry'))
    .set('registry', ['nginx', 'listen_https'], false)
    .comment('Images in S3 through the instance profile (no keys)')
    .set(
      'registry',
      ['storage'],
      strHash({ s3: strHash({ bucket: bucketOf(plan, 'registry'), region: plan.region }) }),
    );
}

/** Renders the gitlab.rb text. */
export function renderRails(plan: Plan, group: AutoScalingGroupPlan, endpoints: RuntimeEndpoints): string {
  return railsGitlabRb(plan, group, endpoints).render();
}
