import { nodesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const gitalyEven: PlanRule = {
  id: 'GLA-GITALY-EVEN',
  level: 'warning',
  category: 'ha',
  description: 'An even number of Gitaly or Praefect nodes adds cost without tolerating more failures',
  evaluate: ({ plan }) =>
    plan.architecture.gitalyMode === 'cluster'
      ? (['gitaly', 'praefect'] as const)
          .map((role) => ({ role, count: nodesOf(plan, role).length }))
          .filter(({ count }) => count >= 3 && count % 2 === 0)
          .map(({ role, count }) => ({
            field: role === 'gitaly' ? 'gitaly.nodes' : 'gitaly.praefectNodes',
            message: `${count} ${role} nodes tolerate no more failures than ${count - 1}; use an odd count.`,
          }))
      : [],
};
