/** Choices GitLab does not support or has not validated on AWS. */
import type { PlanRule } from './rule.js';
import { chartGitalyStorage } from './support/chart-gitaly-storage.js';
import { chartObjectStorage } from './support/chart-object-storage.js';
import { chartRedisHost } from './support/chart-redis-host.js';
import { dbAurora } from './support/db-aurora.js';
import { dbMultiAzCluster } from './support/db-multi-az-cluster.js';
import { dbProxy } from './support/db-proxy.js';
import { gitalyEfs } from './support/gitaly-efs.js';
import { gitlabVersion } from './support/gitlab-version.js';
import { redisClusterMode } from './support/redis-cluster-mode.js';
import { redisServerless } from './support/redis-serverless.js';

export const SUPPORT_RULES: readonly PlanRule[] = [
  dbAurora,
  dbMultiAzCluster,
  dbProxy,
  redisClusterMode,
  redisServerless,
  gitalyEfs,
  gitlabVersion,
  chartGitalyStorage,
  chartRedisHost,
  chartObjectStorage,
];
