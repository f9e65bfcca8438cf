import { type PlanRule, when } from '../rule.js';

export const notHa: PlanRule = {
  id: 'GLA-NOT-HA',
  level: 'info',
  category: 'ha',
  description: 'The architecture is not highly available by design',
  evaluate: ({ plan }) =>
    when(!plan.architecture.highAvailability, {
      field: 'architecture.size',
      message: `The ${plan.architecture.size} layout is not highly available (a single Gitaly or a single Rails node). Use 3k or larger with Gitaly Cluster for HA.`,
    }),
};
