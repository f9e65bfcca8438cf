/** Endpoints as AWS would give them, for rendering the chart's values in tests. */
import type { ChartEndpoints } from '../../src/config/helm/index.js';
import { CHART_SERVICE_ACCOUNTS } from '../../src/config/helm/index.js';
import type { Plan } from '../../src/plan/types.js';

export const TEST_ACCOUNT = '111111111111';

export function chartEndpoints(plan: Plan): ChartEndpoints {
  return {
    databaseHost: `${plan.spec.name}-postgres.abcdefghijkl.${plan.region}.rds.amazonaws.com`,
    redisHosts: Object.fromEntries(
      plan.services.flatMap((service) =>
        service.kind === 'elasticache'
          ? [[service.role, `master.${service.id}.abc123.usw2.cache.amazonaws.com`]]
          : [],
      ),
    ),
    accountId: TEST_ACCOUNT,
    serviceAccountRoles: Object.fromEntries(
      Object.keys(CHART_SERVICE_ACCOUNTS).map((account) => [
        account,
        `arn:aws:iam::${TEST_ACCOUNT}:role/${plan.spec.name}-${account}`,
      ]),
    ) as ChartEndpoints['serviceAccountRoles'],
  };
}
