/**
 * The Plan's external load balancer for every size x type x AZ count: plain HTTP lands on its own
 * target port (the redirect), GitLab and the registry only behind TLS, one target port per target
 * group, and the web nodes registered with every group the listeners use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PORTS } from '../../src/catalog/ports.js';
import type { LoadBalancerService, Plan } from '../../src/plan/types.js';
import { allPlans } from '../fixtures/plans.js';

const externalOf = (plan: Plan) =>
  plan.services.find(
    (service): service is LoadBalancerService =>
      service.kind === 'nlb' && service.scheme === 'internet-facing',
  )!;

describe('the external load balancer of every plan', () => {
  let plans: { name: string; plan: Plan }[] = [];
  beforeAll(() => {
    plans = allPlans().map(({ combination, plan }) => ({
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
