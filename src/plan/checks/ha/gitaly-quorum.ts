import { nodesOf } from '../../query.js';
import { type PlanRule, when } from '../rule.js';

export const gitalyQuorum: PlanRule = {
  id: 'GLA-GITALY-QUORUM',
  level: 'error',
  category: 'ha',
  description: 'Gitaly Cluster needs at least 3 Gitaly nodes',
  evaluate: ({ plan }) => {
    const count = nodesOf(plan, 'gitaly').length;
    return when(plan.architecture.gitalyMode === 'cluster' && count < 3, {
      field: 'gitaly.nodes',
      message: `Gitaly Cluster has ${count} Gitaly node(s); voting replication needs an odd quorum of at least 3. Set gitaly.nodes: 3 (or remove the override).`,
    });
  },
};
