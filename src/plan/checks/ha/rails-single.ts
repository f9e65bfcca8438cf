import type { PlanRule } from '../rule.js';

export const railsSingle: PlanRule = {
  id: 'GLA-RAILS-SINGLE',
  level: 'warning',
  category: 'ha',
  description: 'One Rails node cannot be replaced without downtime',
  evaluate: ({ plan }) =>
    plan.autoScalingGroups
      .filter((group) => group.targetGroups.includes('http') && group.minCapacity < 2)
      .map(() => ({
        field: 'rails.minNodes',
        message:
          'The Rails group has a minimum of 1 node: a rolling update or a lost AZ takes GitLab down. Set rails.minNodes: 2 or more.',
      })),
};
