import { type PlanRule, when } from '../rule.js';

export const redisServerless: PlanRule = {
  id: 'GLA-REDIS-SERVERLESS',
  level: 'error',
  category: 'support',
  description: 'ElastiCache Serverless is not validated by GitLab',
  guidance: 'elasticache-serverless',
  evaluate: ({ spec }) =>
    when(spec.redis.serverless, {
      field: 'redis.serverless',
      message:
        'ElastiCache Serverless is not validated for GitLab. Set redis.serverless: false to use a node-based replication group.',
    }),
};
