/**
 * Gitaly stays on the Plan's VMs: the chart's own Gitaly and Praefect are off, and its one external
 * storage is Praefect's virtual storage `default` behind the internal load balancer (or the single
 * Gitaly node). Rails presents Praefect's external token, or Gitaly's token without Praefect.
 * Source: the chart's external Gitaly settings (`global.gitaly.external`, `examples/ref/<size>.yaml`),
 * integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41.
 */
import { chartGitalyStorages } from '../../plan/chart.js';
import type { Plan } from '../../plan/types.js';
import { CHART_SECRETS } from './names.js';
import type { Values } from './types.js';

export function gitalyValues(plan: Pick<Plan, 'architecture' | 'services' | 'nodes'>): Values {
  return {
    global: {
      gitaly: {
        enabled: false,
        authToken: { secret: CHART_SECRETS.gitalyToken.name, key: CHART_SECRETS.gitalyToken.key },
        external: chartGitalyStorages(plan).map((storage) => ({
          name: storage.name,
          hostname: storage.hostname,
          port: storage.port,
          tlsEnabled: false,
        })),
      },
      praefect: { enabled: false },
      shell: { authToken: { secret: CHART_SECRETS.shellSecret.name, key: CHART_SECRETS.shellSecret.key } },
    },
  };
}
