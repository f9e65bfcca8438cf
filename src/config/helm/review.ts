/**
 * Endpoints for `synth`'s review copy of the values: each names where the deployed value comes
 * from, since endpoints and ARNs exist only once AWS has created them.
 */
import { stackName } from '../../plan/stacks.js';
import type { Plan } from '../../plan/types.js';
import { CHART_SERVICE_ACCOUNTS } from './names.js';
import type { ChartEndpoints } from './types.js';

export function reviewChartEndpoints(plan: Plan): ChartEndpoints {
  const data = stackName(plan, 'data');
  const compute = stackName(plan, 'compute');
  return {
    databaseHost: `<RDS endpoint, ${data}>`,
    redisHosts: Object.fromEntries(
      plan.services.flatMap((service) =>
        service.kind === 'elasticache' ? [[service.role, `<${service.role} primary endpoint, ${data}>`]] : [],
      ),
    ),
    accountId: '<account id>',
    serviceAccountRoles: Object.fromEntries(
      Object.keys(CHART_SERVICE_ACCOUNTS).map((account) => [account, `<IAM role of ${account}, ${compute}>`]),
    ) as ChartEndpoints['serviceAccountRoles'],
  };
}
