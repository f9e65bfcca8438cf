/**
 * gitlab.rb of the web nodes, read back setting by setting: what NGINX behind the TLS-ending load
 * balancer, Sidekiq and the exporters are told, for plans with and without Sidekiq nodes.
 */
import { describe, expect, it } from 'vitest';
import { documentedNetworkPaths } from '../../src/catalog/network-paths.js';
import { EXPORTER_PORTS, PORTS } from '../../src/catalog/ports.js';
import { bucketNameOnNode } from '../../src/config/common.js';
import { gitalyGitlabRb } from '../../src/config/gitaly.js';
import { singleNodeGitlabRb } from '../../src/config/gitlab.js';
import { httpRedirectServer, railsGitlabRb, renderRails } from '../../src/config/rails.js';
import { type NodeFact, type RubyHash, SecretValue } from '../../src/config/ruby.js';
import { sidekiqGitlabRb } from '../../src/config/sidekiq.js';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import type { AutoScalingGroupPlan, Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { called, comments, entries, hasSetting, keysOf, setting } from './rb-query.js';

const endpoints: RuntimeEndpoints = {
  praefectLoadBalancerHost: 'praefect.example.internal',
  signal: { stackName: 'compute', logicalId: 'RailsBoot' },
};

function group(plan: Plan, role: AutoScalingGroupPlan['role']): AutoScalingGroupPlan {
  const found = plan.autoScalingGroups.find((entry) => entry.role === role);
  if (!found) throw new Error(`no ${role} group`);
  return found;
}

const threeK = planFor({ architecture: { size: '3k' } });
const poc = planFor({ architecture: { size: 'poc' } });

describe('Rails gitlab.rb', () => {
  it('renders web groups only', () => {
    expect(() => railsGitlabRb(threeK, group(threeK, 'sidekiq'), endpoints)).toThrow(
      'renderRails renders web groups, not sidekiq',
    );
    const gitlabGroup: AutoScalingGroupPlan = { ...group(poc, 'rails'), id: 'gitlab', role: 'gitlab' };
    expect(() => railsGitlabRb(poc, gitlabGroup, endpoints)).toThrow(
      'renderRails renders web groups, not gitlab',
    );
  });

  it('runs the application role and leaves Gitaly to the Gitaly nodes', () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    expect(called(rb, 'roles')).toEqual(['application_role']);
    expect(called(rb, 'external_url')).toBe(threeK.gitlab.externalUrl);
    expect(setting(rb, 'gitaly', 'enable')).toBe(false);
  });

  it('heads the file with the version, environment and group, and every section with a heading', () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    const head = comments(rb)[0]!;
    expect(head).toContain(`GitLab ${threeK.gitlab.edition.toUpperCase()} ${threeK.gitlab.version}`);
    expect(head).toContain(`${threeK.spec.name}: rails nodes`);
    expect(head).toContain('edits are lost on the next boot');
    for (const text of comments(rb)) expect(text.trim().length).toBeGreaterThan(10);
    expect(rb.list()[0]!.kind).toBe('comment');
  });

  it('serves plain HTTP on the load balancer target port and trusts the VPC for the client address', () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    expect(setting(rb, 'letsencrypt', 'enable')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'listen_port')).toBe(PORTS.http);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'listen_https')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'real_ip_trusted_addresses')).toEqual([
      threeK.network.vpcCidr,
    ]);
  });

  it('reads the PROXY protocol header only when the load balancer sends it', () => {
    const off = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    expect(hasSetting(off, 'gitlab_rails', 'nginx', 'proxy_protocol')).toBe(false);
    const plan = planFor({ architecture: { size: '3k' }, edge: { proxyProtocol: true } });
    const on = railsGitlabRb(plan, group(plan, 'rails'), endpoints);
    expect(setting(on, 'gitlab_rails', 'nginx', 'proxy_protocol')).toBe(true);
    expect(comments(on).some((text) => text.includes('PROXY protocol'))).toBe(true);
  });

  it('leaves Sidekiq to the Sidekiq nodes when the Plan has them', () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    expect(setting(rb, 'sidekiq', 'enable')).toBe(false);
    expect(keysOf(rb, 'sidekiq')).toEqual(['enable']);
  });

  it('runs Sidekiq on the poc web nodes within their memory budget, not one process per vCPU', () => {
    const web = group(poc, 'rails');
    const budget = web.processBudget!;
    const rb = railsGitlabRb(poc, web, endpoints);
    expect(setting(rb, 'sidekiq', 'enable')).toBe(true);
    expect(setting(rb, 'sidekiq', 'queue_groups')).toEqual(
      Array.from({ length: budget.sidekiqProcesses }, () => '*'),
    );
    expect(setting(rb, 'sidekiq', 'concurrency')).toBe(budget.sidekiqConcurrency);
    expect(setting(rb, 'puma', 'worker_processes')).toBe(budget.pumaWorkers);
    const vcpu = poc.nodes.find((node) => node.autoScalingGroup === web.id)!.vcpu;
    expect(budget.sidekiqProcesses + budget.pumaWorkers).toBeLessThanOrEqual(vcpu);
    expect(setting(rb, 'sidekiq', 'listen_port')).toBe(EXPORTER_PORTS.sidekiq);
    expect(comments(rb).some((text) => text.startsWith('Sidekiq runs on these nodes too'))).toBe(true);
  });

  it('runs one Sidekiq process per vCPU on web nodes without a budget', () => {
    const web: AutoScalingGroupPlan = { ...group(threeK, 'rails') };
    const alone: Plan = { ...threeK, autoScalingGroups: [web] };
    const rb = railsGitlabRb(alone, web, endpoints);
    const vcpu = threeK.nodes.find((node) => node.autoScalingGroup === web.id)!.vcpu;
    expect(setting(rb, 'sidekiq', 'queue_groups')).toEqual(Array.from({ length: vcpu }, () => '*'));
    expect(hasSetting(rb, 'puma', 'worker_processes')).toBe(false);
  });

  it('renders without an internet-facing load balancer, then without the PROXY protocol', () => {
    const internalOnly: Plan = {
      ...threeK,
      services: threeK.services.filter(
        (service) => !(service.kind === 'nlb' && service.scheme === 'internet-facing'),
      ),
    };
    const rb = railsGitlabRb(internalOnly, group(internalOnly, 'rails'), endpoints);
    expect(hasSetting(rb, 'gitlab_rails', 'nginx', 'proxy_protocol')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'listen_port')).toBe(PORTS.http);
  });

  it('exposes the exporters on the ports the monitoring node scrapes, status page to the VPC only', () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    expect(setting(rb, 'node_exporter', 'listen_address')).toBe(`0.0.0.0:${EXPORTER_PORTS.node}`);
    expect(setting(rb, 'puma', 'listen')).toBe('0.0.0.0');
    expect(setting(rb, 'puma', 'port')).toBe(EXPORTER_PORTS.puma);
    expect(setting(rb, 'gitlab_workhorse', 'prometheus_listen_addr')).toBe(
      `0.0.0.0:${EXPORTER_PORTS.workhorse}`,
    );
    expect(setting(rb, 'gitlab_exporter', 'listen_address')).toBe('0.0.0.0');
    expect(setting(rb, 'gitlab_exporter', 'listen_port')).toBe(String(EXPORTER_PORTS.gitlabExporter));
    expect(setting(rb, 'nginx', 'status', 'options', 'allow')).toEqual([
      '127.0.0.0/8',
      threeK.network.vpcCidr,
    ]);
  });

  it('dials the one Gitaly node where it listens, with the token Gitaly checks', () => {
    const rails = railsGitlabRb(poc, group(poc, 'rails'), endpoints);
    const gitalyNode = poc.nodes.find((node) => node.role === 'gitaly')!;
    const gitaly = entries(setting(gitalyGitlabRb(poc, gitalyNode, endpoints), 'gitaly', 'configuration'));
    const storages = entries(setting(rails, 'gitlab_rails', 'repositories_storages'));
    const storageName = entries((gitaly.storage as RubyHash[])[0]!).name;
    expect(Object.keys(storages)).toEqual([storageName]);
    const dialled = entries(storages[storageName as string]!);
    const listen = gitaly.listen_addr as NodeFact;
    expect(listen.name).toBe('private-ipv4');
    expect(dialled.gitaly_address).toBe(`tcp://${gitalyNode.privateDnsName}${listen.suffix}`);
    expect(dialled.gitaly_token).toEqual(entries(gitaly.auth!).token);
    expect(dialled.gitaly_token).toBeInstanceOf(SecretValue);
  });

  it('renderRails is the rendered builder', () => {
    const web = group(threeK, 'rails');
    const text = renderRails(threeK, web, endpoints);
    expect(text).toBe(railsGitlabRb(threeK, web, endpoints).render());
    expect(text).toContain("roles(['application_role'])");
  });

  it('runs KAS for several nodes: private API on every address, announced from the VPC range, opened between web nodes', () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    const listen = setting(rb, 'gitlab_kas', 'private_api_listen_address') as string;
    const [host, port] = listen.split(':');
    expect(host).toBe('0.0.0.0');
    const env = entries(setting(rb, 'gitlab_kas', 'env'));
    expect(env.OWN_PRIVATE_API_CIDR).toBe(threeK.network.vpcCidr);
    expect(env.SSL_CERT_DIR).toBe('/opt/gitlab/embedded/ssl/certs/');
    // The security groups open exactly that port between the web nodes.
    const opened = documentedNetworkPaths({
      gitalyMode: 'cluster',
      type: 'linux-package',
      monitoring: true,
    }).filter((path) => path.port === Number(port));
    expect(opened.map((path) => `${path.from}>${path.to}`)).toEqual(['rails>rails']);
  });

  it.each([
    ['3k', 'rails'],
    ['1k', 'gitlab'],
  ] as const)(
    'runs the container registry on the %s web nodes, at its URL, behind the TLS listener, in its S3 bucket',
    (size, role) => {
      const plan = planFor({ architecture: { size } });
      const single = plan.nodes.find((node) => node.id === plan.deployNodes.singleNode);
      const rb = single
        ? singleNodeGitlabRb(plan, single, endpoints)
        : railsGitlabRb(plan, group(plan, role), endpoints);
      expect(called(rb, 'registry_external_url')).toBe(plan.gitlab.registryUrl);
      const listener = plan.services
        .flatMap((service) => (service.kind === 'nlb' ? service.listeners : []))
        .find((candidate) => candidate.targetGroup === 'registry')!;
      expect(listener.protocol).toBe('TLS');
      expect(listener.port).toBe(Number(new URL(plan.gitlab.registryUrl).port));
      expect(setting(rb, 'registry', 'nginx', 'listen_port')).toBe(listener.targetPort);
      expect(setting(rb, 'registry', 'nginx', 'listen_https')).toBe(false);
      const bucket = plan.services
        .flatMap((service) => (service.kind === 's3' ? service.buckets : []))
        .find((candidate) => candidate.purpose === 'registry')!;
      const s3 = entries(entries(setting(rb, 'registry', 'storage')).s3!);
      expect(s3).toEqual({ bucket: bucketNameOnNode(bucket.bucketName), region: plan.region });
      expect(bucket.accessRoles).toContain(role);
    },
  );

  it('points Sidekiq nodes at the registry API through its URL, without running a registry there', () => {
    const rb = sidekiqGitlabRb(threeK, group(threeK, 'sidekiq'), endpoints);
    const url = new URL(threeK.gitlab.registryUrl);
    expect(setting(rb, 'registry', 'enable')).toBe(false);
    expect(setting(rb, 'gitlab_rails', 'registry_enabled')).toBe(true);
    expect(setting(rb, 'gitlab_rails', 'registry_api_url')).toBe(url.origin);
    expect(
      `${setting(rb, 'gitlab_rails', 'registry_host')}:${setting(rb, 'gitlab_rails', 'registry_port')}`,
    ).toBe(url.host);
  });

  it("answers the load balancer's plain HTTP with a redirect-only server on the port its listener targets", () => {
    const rb = railsGitlabRb(threeK, group(threeK, 'rails'), endpoints);
    const text = setting(rb, 'nginx', 'custom_nginx_config') as string;
    expect(text).toBe(httpRedirectServer(threeK));
    expect(text.split('\n')).toEqual([
      'server {',
      `  listen *:${PORTS.httpRedirect};`,
      '  server_tokens off;',
      `  return 301 ${threeK.gitlab.externalUrl}$request_uri;`,
      '}',
    ]);
  });

  it("listens where the Plan's listeners send their traffic", () => {
    // The same Plan with every external target port moved: NGINX follows the listeners.
    const moved: Plan = {
      ...threeK,
      services: threeK.services.map((service) =>
        service.kind === 'nlb' && service.scheme === 'internet-facing'
          ? {
              ...service,
              listeners: service.listeners.map((listener) => ({
                ...listener,
                targetPort: listener.targetPort + 1000,
              })),
            }
          : service,
      ),
    };
    const rb = railsGitlabRb(moved, group(moved, 'rails'), endpoints);
    expect(setting(rb, 'gitlab_rails', 'nginx', 'listen_port')).toBe(PORTS.http + 1000);
    expect(setting(rb, 'registry', 'nginx', 'listen_port')).toBe(PORTS.registry + 1000);
    expect(setting(rb, 'nginx', 'custom_nginx_config')).toContain(`listen *:${PORTS.httpRedirect + 1000};`);
  });
});
