/**
 * The Plan's external load balancer for every size x type x AZ count. Linux package: plain HTTP
 * lands on its own target port (the redirect), GitLab and the registry only behind TLS, one target
 * port per target group, and the web nodes registered with every group the listeners use. Cloud
 * Native Hybrid: SSH to GitLab Shell's pods, HTTP(S) passed to an ALB whose rules route each host of
 * the Plan's URLs to its chart Service.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_SERVICE_ENDPOINTS } from '../../src/catalog/gitlab-chart-services.js';
import { PORTS } from '../../src/catalog/ports.js';
import { chartTargetGroupBindings } from '../../src/plan/chart.js';
import { publicHosts, publicUrls } from '../../src/plan/resolve/load-balancers.js';
import type { LoadBalancerService, Plan } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';

const externalOf = (plan: Plan) =>
  plan.services.find(
    (service): service is LoadBalancerService =>
      service.kind === 'nlb' && service.scheme === 'internet-facing',
  )!;

describe('the external load balancer of every Linux package plan', () => {
  let plans: { name: string; plan: Plan }[] = [];
  beforeAll(() => {
    plans = allPlans()
      .filter(({ combination }) => combination.type === 'linux-package')
      .map(({ combination, plan }) => ({
        name: `${combination.size} ${combination.type} ${combination.availabilityZones}az`,
        plan,
      }));
  });

  it('sends port 80 to the redirect port and nothing else there; GitLab and the registry only behind TLS', () => {
    for (const { name, plan } of plans) {
      const listeners = externalOf(plan).listeners;
      const http = listeners.filter((listener) => listener.port === PORTS.http);
      expect(http, name).toEqual([
        expect.objectContaining({
          protocol: 'TCP',
          targetGroup: 'http-redirect',
          targetPort: PORTS.httpRedirect,
        }),
      ]);
      const byGroup = (group: string) => listeners.filter((listener) => listener.targetGroup === group);
      expect(
        byGroup('http').map((l) => [l.port, l.protocol, l.targetPort]),
        name,
      ).toEqual([[PORTS.https, 'TLS', PORTS.http]]);
      expect(
        byGroup('registry').map((l) => [l.port, l.protocol, l.targetPort]),
        name,
      ).toEqual([[Number(new URL(plan.gitlab.registryUrl).port), 'TLS', PORTS.registry]]);
      expect(
        byGroup('ssh').map((l) => [l.port, l.protocol, l.targetPort]),
        name,
      ).toEqual([[PORTS.ssh, 'TCP', PORTS.ssh]]);
    }
  });

  it('gives each target group one target port, and each target port one group', () => {
    for (const { name, plan } of plans) {
      const pairs = new Set(externalOf(plan).listeners.map((l) => `${l.targetGroup}:${l.targetPort}`));
      const groups = new Set(externalOf(plan).listeners.map((l) => l.targetGroup));
      const ports = new Set(externalOf(plan).listeners.map((l) => l.targetPort));
      expect(pairs.size, name).toBe(groups.size);
      expect(ports.size, name).toBe(groups.size);
    }
  });

  it('health-checks GitLab at its readiness, the redirect at its port, SSH and the registry by TCP', () => {
    for (const { name, plan } of plans) {
      const check = (group: string) =>
        externalOf(plan).listeners.find((listener) => listener.targetGroup === group)!.healthCheck;
      expect(check('http'), name).toEqual({ protocol: 'HTTP', port: PORTS.http, path: '/-/readiness' });
      expect(check('http-redirect'), name).toEqual({ protocol: 'HTTP', port: PORTS.httpRedirect, path: '/' });
      expect(check('ssh'), name).toEqual({ protocol: 'TCP', port: PORTS.ssh });
      expect(check('registry'), name).toEqual({ protocol: 'TCP', port: PORTS.registry });
    }
  });

  it('registers the web nodes with every target group the listeners use, and no other group', () => {
    for (const { name, plan } of plans) {
      const used = [...new Set(externalOf(plan).listeners.map((listener) => listener.targetGroup))].sort();
      const web = plan.autoScalingGroups.filter((group) => group.targetGroups.length > 0);
      const target = externalOf(plan).listeners[0]!.targetRole;
      for (const group of web) {
        expect([...group.targetGroups].sort(), name).toEqual(used);
        expect(group.role, name).toBe(target);
      }
      for (const listener of externalOf(plan).listeners) expect(listener.targetRole, name).toBe(target);
      expect(externalOf(plan).dnsName, name).toBe(new URL(plan.gitlab.externalUrl).hostname);
    }
  });

  it('keeps the Praefect load balancer to its one group', () => {
    const { plan } = plans.find(({ plan }) => plan.architecture.gitalyMode === 'cluster')!;
    const internal = plan.services.find(
      (service): service is LoadBalancerService => service.kind === 'nlb' && service.scheme === 'internal',
    )!;
    expect(internal).toEqual({
      kind: 'nlb',
      id: 'praefect',
      role: 'internal-load-balancer',
      scheme: 'internal',
      subnet: 'private',
      count: 1,
      listeners: [
        {
          port: PORTS.praefect,
          protocol: 'TCP',
          targetPort: PORTS.praefect,
          targetGroup: 'praefect',
          targetRole: 'praefect',
          healthCheck: { protocol: 'TCP', port: PORTS.praefect },
        },
      ],
      proxyProtocol: false,
      dnsName: `praefect.${plan.privateDnsZone}`,
    });
  });

  it('is one internet-facing load balancer in the public subnets, in front of the web role of the architecture', () => {
    for (const { name, plan } of plans) {
      const external = externalOf(plan);
      expect(
        { id: external.id, role: external.role, subnet: external.subnet, count: external.count },
        name,
      ).toEqual({ id: 'external', role: 'external-load-balancer', subnet: 'public', count: 1 });
      expect(external.proxyProtocol, name).toBe(plan.spec.edge.proxyProtocol);
      const expectedRole =
        plan.architecture.type === 'cloud-native-hybrid'
          ? 'webservice-pool'
          : plan.architecture.size === '1k'
            ? 'gitlab'
            : 'rails';
      for (const listener of external.listeners) expect(listener.targetRole, name).toBe(expectedRole);
    }
  });
});

describe('the edge of every Cloud Native Hybrid plan', () => {
  let plans: { name: string; plan: Plan }[] = [];
  beforeAll(() => {
    plans = allPlans()
      .filter(({ combination }) => combination.type === 'cloud-native-hybrid')
      .map(({ combination, plan }) => ({
        name: `${combination.size} ${combination.availabilityZones}az`,
        plan,
      }));
  });

  it('puts the registry and KAS at hosts of their own below the domain, on 443', () => {
    expect(plans.length).toBeGreaterThan(0);
    for (const { name, plan } of plans) {
      const domain = plan.spec.domain.name;
      expect(plan.gitlab.registryUrl, name).toBe(`https://registry.${domain}`);
      expect(plan.gitlab.kasUrl, name).toBe(`wss://kas.${domain}`);
    }
  });

  it('takes SSH at the domain to GitLab Shell, passes 80 and 443 to the ALB, and nothing else', () => {
    for (const { name, plan } of plans) {
      const edge = externalOf(plan);
      expect(edge.dnsName, name).toBe(plan.spec.domain.name);
      expect(
        edge.listeners.map((l) => [l.port, l.protocol, l.targetPort, l.targetGroup, l.forwardsTo ?? 'pods']),
        name,
      ).toEqual([
        [PORTS.ssh, 'TCP', CHART_SERVICE_ENDPOINTS['gitlab-shell'].podPort, 'ssh', 'pods'],
        [PORTS.http, 'TCP', PORTS.http, 'http-redirect', 'application-load-balancer'],
        [PORTS.https, 'TCP', PORTS.https, 'http', 'application-load-balancer'],
      ]);
      expect(edge, name).toMatchObject({
        kind: 'nlb',
        id: 'external',
        role: 'external-load-balancer',
        scheme: 'internet-facing',
        subnet: 'public',
        count: 1,
      });
      // GitLab Shell by TCP on its pods; the ALB's HTTPS listener asks GitLab's readiness.
      expect(
        edge.listeners.map((l) => [l.healthCheck, l.targetRole]),
        name,
      ).toEqual([
        [{ protocol: 'TCP', port: CHART_SERVICE_ENDPOINTS['gitlab-shell'].podPort }, 'supporting-pool'],
        [{ protocol: 'HTTP', port: PORTS.http, path: '/' }, 'webservice-pool'],
        [{ protocol: 'HTTPS', port: PORTS.https, path: '/-/readiness' }, 'webservice-pool'],
      ]);
      const ssh = edge.listeners[0]!;
      expect(ssh.binding, name).toEqual({ service: 'gitlab-gitlab-shell', servicePort: PORTS.ssh });
      expect(ssh.targetRole, name).toBe('supporting-pool');
      // The ALB's HTTP listener redirects: a 3xx is its health. No PROXY header anywhere.
      expect(edge.listeners[1]!.healthCheck, name).toEqual({ protocol: 'HTTP', port: PORTS.http, path: '/' });
      expect(edge.proxyProtocol, name).toBe(false);
      expect(edge.applicationLoadBalancer, name).toMatchObject({
        httpsPort: PORTS.https,
        httpPort: PORTS.http,
        scheme: 'internet-facing',
        subnet: 'public',
      });
    }
  });

  it("routes each host of the Plan's URLs to its chart Service, KAS's API proxy before KAS's catch-all", () => {
    for (const { name, plan } of plans) {
      const routes = externalOf(plan).applicationLoadBalancer!.routes;
      const registry = new URL(plan.gitlab.registryUrl).hostname;
      const kas = new URL(plan.gitlab.kasUrl).hostname;
      expect(
        routes.map((r) => [
          r.host,
          r.pathPrefix ?? '*',
          r.binding.service,
          r.binding.servicePort,
          r.targetPort,
        ]),
        name,
      ).toEqual([
        [plan.spec.domain.name, '*', 'gitlab-webservice-default', 8181, 8181],
        [registry, '*', 'gitlab-registry', 5000, 5000],
        [kas, '/k8s-proxy/', 'gitlab-kas', 8154, 8154],
        [kas, '*', 'gitlab-kas', 8150, 8150],
      ]);
      expect(
        routes.map((route) => route.targetRole),
        name,
      ).toEqual(['webservice-pool', 'supporting-pool', 'supporting-pool', 'supporting-pool']);
      expect(new Set(routes.map((route) => route.targetGroup)).size, name).toBe(routes.length);
      // Each Service's pods where the chart's readiness probe asks them.
      expect(
        routes.map((route) => route.healthCheck),
        name,
      ).toEqual([
        { protocol: 'HTTP', port: 8181, path: '/-/readiness' },
        { protocol: 'HTTP', port: 5001, path: '/debug/health' },
        { protocol: 'HTTP', port: 8151, path: '/readiness' },
        { protocol: 'HTTP', port: 8151, path: '/readiness' },
      ]);
    }
  });

  it('lists every target group the controller fills, and none on a Linux package plan', () => {
    const { plan } = plans[0]!;
    expect(chartTargetGroupBindings(plan).map((b) => [b.targetGroup, b.loadBalancer, b.targetPort])).toEqual([
      ['ssh', 'network', CHART_SERVICE_ENDPOINTS['gitlab-shell'].podPort],
      ['webservice', 'application', 8181],
      ['registry', 'application', 5000],
      ['kas-k8s-api', 'application', 8154],
      ['kas', 'application', 8150],
    ]);
  });
});

describe('public URLs', () => {
  it('keep the Linux package registry on the domain port and KAS under the domain path', () => {
    const { spec } = planFor({ domain: { name: 'git.example.org', hostedZone: 'example.org' } });
    expect(publicUrls(spec)).toEqual({
      registryUrl: `https://git.example.org:${PORTS.registry}`,
      kasUrl: 'wss://git.example.org/-/kubernetes-agent/',
    });
    expect(publicHosts(spec)).toEqual({ gitlab: 'git.example.org' });
  });
});
