/** ElastiCache replication groups: one Redis, or from 10k a cache and a persistent instance. */
import { REDIS_ENGINE } from '../../catalog/gitlab-requirements.js';
import type { CatalogRole } from '../../catalog/types.js';
import type { ElastiCacheService } from '../types.js';
import { type BuildContext, fallbackRole } from './context.js';
import { archOf, serviceClass } from './machines.js';

export function planRedis(context: BuildContext): Omit<ElastiCacheService, 'members'>[] {
  const { spec, reference } = context;
  const isRedis = (
    role: CatalogRole,
  ): role is CatalogRole & { role: 'redis' | 'redis-cache' | 'redis-persistent' } =>
    role.backing === 'elasticache' && ['redis', 'redis-cache', 'redis-persistent'].includes(role.role);
  const ownRedis = reference.roles.filter(isRedis);
  const redisRoles = ownRedis.length > 0 ? ownRedis : [fallbackRole('redis', spec)].filter(isRedis);
  return redisRoles.map((role) => {
    const nodeType = serviceClass(spec, role);
    // The page's Redis nodes are a primary and its replicas; keep at least one replica for failover.
    const replicas = Math.max(role.nodes - 1, 1);
    return {
      kind: 'elasticache',
      id: role.role,
      role: role.role,
      engine: REDIS_ENGINE.engine,
      engineVersion: REDIS_ENGINE.version,
      nodeType,
      arch: archOf(nodeType),
      replicas,
      count: replicas + 1,
      multiAz: true,
      automaticFailover: true,
      clusterMode: false,
      transitEncryption: true,
      atRestEncryption: true,
      // The cache instance holds only what GitLab can rebuild; the others hold sessions and job queues.
      snapshotRetentionDays: role.role === 'redis-cache' ? 0 : 7,
    };
  });
}
