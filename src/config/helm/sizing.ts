/**
 * Replicas, resources, autoscaling and disruption budgets from GitLab's pod sizing for the size
 * (the catalog's CHART_SIZING, read from the chart's `examples/ref/<size>.yaml`), and the node pool
 * each workload runs in: webservice and Sidekiq on their pools, everything else on the supporting
 * pool, selected by the `workload` label the Plan's node groups carry (src/infra/eks.ts).
 */
import { CHART_SIZING, type ChartPodSizing, type HybridSize } from '../../catalog/gitlab-chart.js';
import { serviceOf } from '../../plan/query.js';
import type { EksNodeGroupPlan, Plan } from '../../plan/types.js';
import type { Values } from './types.js';

/** Node label naming a node's pool. */
export const POOL_LABEL = 'workload';

/** Sizing of the Plan's size; throws for sizes without a published Cloud Native Hybrid. */
export function chartSizingOf(plan: Pick<Plan, 'architecture'>) {
  const sizing = CHART_SIZING[plan.architecture.size as HybridSize];
  if (!sizing) throw new Error(`GitLab publishes no Cloud Native Hybrid for ${plan.architecture.size}`);
  return sizing;
}

function pods(pod: ChartPodSizing): Values {
  return {
    minReplicas: pod.minReplicas,
    maxReplicas: pod.maxReplicas,
    resources: {
      requests: { cpu: pod.cpuRequest, memory: pod.memoryRequest },
      limits: { memory: pod.memoryLimit },
    },
    hpa: { cpu: { targetAverageValue: pod.hpaCpuTargetAverageValue } },
  };
}

export function sizingValues(plan: Pick<Plan, 'architecture' | 'services'>): Values {
  const sizing = chartSizingOf(plan);
  const pools = new Set(serviceOf(plan, 'eks').nodeGroups.map((group) => group.role));
  const on = (pool: EksNodeGroupPlan['role']) => {
    if (!pools.has(pool)) throw new Error(`the Plan's EKS cluster has no ${pool}`);
    return { [POOL_LABEL]: pool };
  };
  const { webservice, sidekiq } = sizing;
  return {
    global: { nodeSelector: on('supporting-pool') },
    gitlab: {
      webservice: {
        ...pods(webservice),
        workerProcesses: webservice.workerProcesses,
        // The disruption budget: a rollout or node drain takes at most this many pods down.
        ...(webservice.maxUnavailable !== undefined ? { maxUnavailable: webservice.maxUnavailable } : {}),
        nodeSelector: on('webservice-pool'),
      },
      sidekiq: { ...pods(sidekiq), nodeSelector: on('sidekiq-pool') },
    },
  };
}
