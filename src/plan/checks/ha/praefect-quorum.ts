import { nodesOf } from '../../query.js';
import { type PlanRule, when } from '../rule.js';

export const praefectQuorum: PlanRule = {
  id: 'GLA-PRAEFECT-QUORUM',
  level: 'error',
  category: 'ha',
  description: 'Praefect needs at least 3 nodes',
  evaluate: ({ plan }) => {
    const count = nodesOf(plan, 'praefect').length;
    return when(plan.architecture.gitalyMode === 'cluster' && count < 3, {
      field: 'gitaly.praefectNodes',
      message: `Gitaly Cluster has ${count} Praefect node(s); Praefect needs at least 3 so that the loss of one keeps a majority. Set gitaly.praefectNodes: 3 (or remove the override).`,
    });
  },
};
