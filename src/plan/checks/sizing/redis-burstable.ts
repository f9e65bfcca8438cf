import { isBurstableInstanceType } from '../../../catalog/instance-types.js';
import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const redisBurstable: PlanRule = {
  id: 'GLA-REDIS-BURSTABLE',
  level: 'error',
  category: 'sizing',
  description: 'Burstable cache node types throttle GitLab under sustained load',
  guidance: 'elasticache-burstable-node-types',
  evaluate: ({ plan }) =>
    servicesOf(plan, 'elasticache')
      .filter((service) => isBurstableInstanceType(service.nodeType))
      .map((service) => ({
        field: 'redis.nodeType',
        message: `${service.nodeType} is a burstable node type: it runs out of CPU credits under GitLab's steady load. Use cache.m6g.large or larger (or remove the override).`,
      })),
};
