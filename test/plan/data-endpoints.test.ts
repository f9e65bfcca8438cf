/**
 * The data services' endpoints the data stack publishes and the boot scripts wait for: one
 * parameter per RDS instance and Redis, named after the environment, read by whoever holds the
 * service's credentials; read replicas by a stable name in the private zone instead.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dataEndpoint,
  dataEndpointParameterName,
  planDataEndpoints,
  readReplicaDnsName,
  stableHostOf,
} from '../../src/plan/data-endpoints.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

describe('data endpoints', () => {
  const plans: Record<string, Plan> = {};
  beforeAll(() => {
    plans['1k'] = planFor({ architecture: { size: '1k' } });
    plans['3k'] = planFor({ architecture: { size: '3k' } });
    plans['10k'] = planFor({ architecture: { size: '10k' } });
  });

  const readersOf = (plan: Plan, secret: string) =>
    plan.secrets.find((entry) => entry.id === secret)!.readers;

  it("publishes GitLab's database, Praefect's and the Redis of a 3k Plan, each read by its credentials' readers", () => {
    const plan = plans['3k']!;
    expect(planDataEndpoints(plan)).toEqual([
      {
        id: 'database',
        serviceId: 'postgres',
        kind: 'database',
        parameterName: '/gitlab-test/data-endpoints/database',
        stableHost: 'database.gitlab-test.internal',
        port: 5432,
        readers: readersOf(plan, 'database-password'),
      },
      {
        id: 'praefect-database',
        serviceId: 'praefect-postgres',
        kind: 'database',
        parameterName: '/gitlab-test/data-endpoints/praefect-database',
        stableHost: 'praefect-database.gitlab-test.internal',
        port: 5432,
        readers: readersOf(plan, 'praefect-database-password'),
      },
      {
        id: 'redis',
        serviceId: 'redis',
        kind: 'redis',
        parameterName: '/gitlab-test/data-endpoints/redis',
        port: 6379,
        readers: readersOf(plan, 'redis-auth-token'),
      },
    ]);
    expect(dataEndpoint(plan, 'praefect-database').readers).toEqual(['praefect']);
    expect(stableHostOf(plan, 'praefect-database')).toBe('praefect-database.gitlab-test.internal');
    // Redis is reached at ElastiCache's own endpoint, which its TLS certificate names.
    expect(() => stableHostOf(plan, 'redis')).toThrow('the redis service has no stable name');
    expect(dataEndpoint(plan, 'database').readers).toContain('rails');
  });

  it('publishes each Redis of a 10k Plan, and nothing for the 1k node, whose services are its own', () => {
    expect(planDataEndpoints(plans['10k']!).map((endpoint) => endpoint.id)).toEqual([
      'database',
      'praefect-database',
      'redis-cache',
      'redis-persistent',
    ]);
    for (const id of ['redis-cache', 'redis-persistent'] as const)
      expect(dataEndpoint(plans['10k']!, id).readers, id).toEqual(
        readersOf(plans['10k']!, 'redis-auth-token'),
      );
    expect(planDataEndpoints(plans['1k']!)).toEqual([]);
    expect(() => dataEndpoint(plans['1k']!, 'database')).toThrow('the Plan has no database service');
  });

  it('gives a service no reader when nobody holds its credentials', () => {
    const plan = plans['3k']!;
    const secrets = plan.secrets.filter((secret) => secret.id !== 'redis-auth-token');
    expect(dataEndpoint({ ...plan, secrets }, 'redis').readers).toEqual([]);
  });

  it('names the parameters and the replicas after the environment', () => {
    expect(dataEndpointParameterName({ spec: { name: 'prod' } } as Plan, 'redis-cache')).toBe(
      '/prod/data-endpoints/redis-cache',
    );
    expect(readReplicaDnsName(plans['10k']!, 'postgres-read-replica-2')).toBe(
      'postgres-read-replica-2.gitlab-test.internal',
    );
  });
});
