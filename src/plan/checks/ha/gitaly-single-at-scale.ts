import { SPEC_SIZES, type SpecSize } from '../../../catalog/types.js';
import { type PlanRule, when } from '../rule.js';

const atLeast = (size: SpecSize, minimum: SpecSize) =>
  SPEC_SIZES.indexOf(size) >= SPEC_SIZES.indexOf(minimum);

export const gitalySingleAtScale: PlanRule = {
  id: 'GLA-GITALY-SINGLE-AT-SCALE',
  level: 'warning',
  category: 'ha',
  description: 'A single Gitaly at 3k or more is a single point of failure',
  evaluate: ({ plan }) =>
    when(atLeast(plan.architecture.size, '3k') && plan.architecture.gitalyMode === 'single', {
      field: 'gitaly.mode',
      message: `A ${plan.architecture.size} environment on one Gitaly server is not highly available: losing that node stops all Git access. Set gitaly.mode: cluster (or auto) for Gitaly Cluster.`,
    }),
};
