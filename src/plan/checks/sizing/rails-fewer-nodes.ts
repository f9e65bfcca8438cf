import { catalogRole } from '../../../catalog/index.js';
import { type PlanRule, when } from '../rule.js';

export const railsFewerNodes: PlanRule = {
  id: 'GLA-RAILS-FEWER-NODES',
  level: 'warning',
  category: 'sizing',
  description: 'Fewer Rails nodes than the reference architecture',
  evaluate: ({ spec, reference }) => {
    const documented = catalogRole(reference, 'rails');
    const minNodes = spec.rails.minNodes;
    return when(Boolean(documented && minNodes !== undefined && minNodes < documented.nodes), {
      field: 'rails.minNodes',
      message: `rails.minNodes ${minNodes} is below the ${reference.size} reference of ${documented?.nodes} Rails nodes; raise it or expect lower throughput.`,
    });
  },
};
