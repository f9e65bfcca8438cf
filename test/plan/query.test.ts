import { describe, expect, it } from 'vitest';
import { ROLE_IDS } from '../../src/catalog/types.js';
import {
  externalLoadBalancer,
  internalLoadBalancer,
  nodeRoles,
  nodesOf,
  serviceOf,
  servicesOf,
} from '../../src/plan/query.js';
import { planFor } from '../fixtures/plans.js';

describe('Plan lookups', () => {
  const cluster = planFor({ architecture: { size: '10k' } });
  const single = planFor({ architecture: { size: '2k' } });

  it('finds every service of a kind, typed by the kind, in Plan order', () => {
    const caches = servicesOf(cluster, 'elasticache');
    expect(caches.map((service) => service.nodeType)).toHaveLength(2);
    expect(caches).toEqual(cluster.services.filter((service) => service.kind === 'elasticache'));
    expect(servicesOf(single, 'eks')).toEqual([]);
  });

  it('finds the one service of a kind, or fails naming the kind', () => {
    expect(serviceOf(cluster, 'rds').instanceClass).toMatch(/^db\./);
    expect(() => serviceOf(single, 'eks')).toThrow(/no eks service/);
  });

  it('finds the nodes of a role and the roles that have nodes, in role order', () => {
    expect(nodesOf(cluster, 'praefect').map((node) => node.id)).toEqual([
      'praefect-1',
      'praefect-2',
      'praefect-3',
    ]);
    expect(nodesOf(single, 'praefect')).toEqual([]);
    const roles = nodeRoles(cluster);
    expect(new Set(roles)).toEqual(new Set(cluster.nodes.map((node) => node.role)));
    expect(roles.indexOf('rails')).toBeLessThan(roles.indexOf('gitaly'));
  });

  it('tells the load balancers apart: users reach the external one, Rails the Praefect one', () => {
    expect(externalLoadBalancer(cluster)).toMatchObject({
      scheme: 'internet-facing',
      dnsName: 'gitlab.example.com',
    });
    expect(internalLoadBalancer(cluster)).toMatchObject({
      scheme: 'internal',
      dnsName: 'praefect.gitlab-test.internal',
    });
    expect(internalLoadBalancer(single)).toBeUndefined();
  });

  it('finds no external load balancer where the Plan has only the internal one, whatever the order', () => {
    const balancers = servicesOf(cluster, 'nlb');
    const internalOnly = { services: balancers.filter((service) => service.scheme === 'internal') };
    expect(externalLoadBalancer(internalOnly)).toBeUndefined();
    expect(internalLoadBalancer({ services: [...balancers].reverse() })?.scheme).toBe('internal');
    expect(externalLoadBalancer({ services: [...balancers].reverse() })?.scheme).toBe('internet-facing');
  });

  it('lists roles in role order, each once', () => {
    const roles = nodeRoles(cluster);
    expect(new Set(roles).size).toBe(roles.length);
    const positions = roles.map((role) => ROLE_IDS.indexOf(role));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
