/**
 * Redis: the Plan's ElastiCache replication groups, over TLS (`rediss`) with the AUTH token from
 * Secrets Manager. Where the size splits Redis, the cache instance is `global.redis.cache` and the
 * persistent one serves everything else.
 * Source: the chart's external Redis settings (`global.redis`, `doc/advanced/external-redis`) as
 * `examples/ref/10k.yaml` splits them, integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41.
 */
import { PORTS } from '../../catalog/ports.js';
import { chartRedis } from '../../plan/chart.js';
import type { Plan } from '../../plan/types.js';
import { CHART_SECRETS } from './names.js';
import type { ChartEndpoints, Values } from './types.js';

export function redisValues(
  plan: Pick<Plan, 'services'>,
  endpoints: Pick<ChartEndpoints, 'redisHosts'>,
): Values {
  const { persistent, cache } = chartRedis(plan);
  if (!persistent) throw new Error("the Plan has no Redis for GitLab's chart");
  const hostOf = (role: 'redis' | 'redis-cache' | 'redis-persistent') => {
    const host = endpoints.redisHosts[role];
    if (!host) throw new Error(`no endpoint for ${role}`);
    return host;
  };
  const secret = { secret: CHART_SECRETS.redisPassword.name, key: CHART_SECRETS.redisPassword.key };
  return {
    global: {
      redis: {
        host: hostOf(persistent.role),
        port: PORTS.redis,
        scheme: persistent.transitEncryption ? 'rediss' : 'redis',
        auth: { enabled: true, ...secret },
        ...(cache
          ? { cache: { host: hostOf(cache.role), port: PORTS.redis, password: { enabled: true, ...secret } } }
          : {}),
      },
    },
    redis: { install: false },
  };
}
