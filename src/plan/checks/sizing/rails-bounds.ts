import { type PlanRule, when } from '../rule.js';

export const railsBounds: PlanRule = {
  id: 'GLA-RAILS-BOUNDS',
  level: 'error',
  category: 'sizing',
  description: 'The Rails group maximum is below its minimum',
  evaluate: ({ spec }) =>
    when(
      spec.rails.minNodes !== undefined &&
        spec.rails.maxNodes !== undefined &&
        spec.rails.maxNodes < spec.rails.minNodes,
      {
        field: 'rails.maxNodes',
        message: `rails.maxNodes (${spec.rails.maxNodes}) is below rails.minNodes (${spec.rails.minNodes}); set it at least as high.`,
      },
    ),
};
