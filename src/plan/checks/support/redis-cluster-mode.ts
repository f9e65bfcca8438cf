import { type PlanRule, when } from '../rule.js';

export const redisClusterMode: PlanRule = {
  id: 'GLA-REDIS-CLUSTER-MODE',
  level: 'error',
  category: 'support',
  description: 'Redis cluster mode is not supported by GitLab',
  guidance: 'elasticache-cluster-mode-enabled',
  evaluate: ({ spec }) =>
    when(spec.redis.clusterMode, {
      field: 'redis.clusterMode',
      message:
        'GitLab does not support Redis cluster mode. Set redis.clusterMode: false; gitlab-aws uses a replication group (one primary, replicas in other AZs, automatic failover).',
    }),
};
