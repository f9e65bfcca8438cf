import { type PlanRule, when } from '../rule.js';

export const gitalyCluster2az: PlanRule = {
  id: 'GLA-GITALY-CLUSTER-2AZ',
  level: 'warning',
  category: 'ha',
  description: 'With 2 AZs, losing the AZ holding most Gitaly/Praefect nodes loses quorum',
  guidance: 'odd-availability-zones',
  evaluate: ({ plan }) =>
    when(plan.availabilityZones.length === 2 && plan.architecture.gitalyMode === 'cluster', {
      field: 'availabilityZones',
      message:
        'Gitaly Cluster over 2 AZs: one AZ holds 2 of the 3 Gitaly and Praefect nodes, so losing that AZ loses quorum. Use availabilityZones: 3 where the region has them.',
    }),
};
