import { MOST_INTERRUPTED_BAND, SPOT_INTERRUPTIONS } from '../../../catalog/spot-interruption.js';
import type { PlanRule } from '../rule.js';

/**
 * A Spot job instance AWS reclaims fails its job as a runner system failure; types in the Spot
 * Instance Advisor's highest band are reclaimed most. Only the types bought at Spot count: a fleet
 * all on demand is never reclaimed.
 */
export const runnerSpotInterruptions: PlanRule = {
  id: 'GLA-RUNNER-SPOT-INTERRUPTIONS',
  level: 'warning',
  category: 'aws',
  description: `Runner job instance types AWS reclaims most often at Spot (${MOST_INTERRUPTED_BAND} interruption band)`,
  evaluate: ({ plan }) => {
    const fleet = plan.runners?.fleet;
    if (!fleet || fleet.onDemandPercentageAboveBase === 100) return [];
    const reclaimed = fleet.instanceTypes
      .filter((type) => type.spotInterruption === MOST_INTERRUPTED_BAND)
      .map((type) => type.instanceType);
    if (reclaimed.length === 0) return [];
    return [
      {
        field: 'runners.instanceTypes',
        message: `${reclaimed.join(', ')} ${reclaimed.length === 1 ? 'is' : 'are'} in the ${MOST_INTERRUPTED_BAND} Spot interruption band in ${plan.region} (AWS Spot Instance Advisor, ${SPOT_INTERRUPTIONS.source.date}): their jobs fail more often as runner system failures. Choose types with lower interruption frequency in runners.instanceTypes, or set runners.spot: false.`,
      },
    ];
  },
};
