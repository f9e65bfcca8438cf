import { chartRedis, runsChart } from '../../chart.js';
import type { PlanRule } from '../rule.js';

/**
 * GitLab's chart installs no Redis of its own here, and then refuses to render without an external
 * Redis host (`global.redis.host`, the Redis check in `templates/_checkConfig.tpl`,
 * integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41).
 */
export const chartRedisHost: PlanRule = {
  id: 'GLA-CHART-REDIS-HOST',
  level: 'error',
  category: 'support',
  description: "GitLab's chart needs an external Redis host: an ElastiCache replication group",
  evaluate: ({ plan }) =>
    runsChart(plan) && !chartRedis(plan).persistent
      ? [
          {
            field: 'redis',
            message:
              "The Plan has no ElastiCache replication group for GitLab's chart to use as global.redis.host. Set redis.serverless: false and redis.clusterMode: false so that the Plan creates one.",
          },
        ]
      : [],
};
