import { MOST_INTERRUPTED_BAND, SPOT_INTERRUPTIONS } from '../../../catalog/spot-interruption.js';
import type { PlanRule } from '../rule.js';

/**
 * A Spot job instance AWS reclaims fails its job as a runner system failure. The fleet buys with
 * price-capacity-optimized, which launches from the pools with the most spare capacity (the ones
 * least likely to be reclaimed) among its types, so one type in the Spot Instance Advisor's highest
 * band is a pool it can avoid. The risk is a fleet with no other pool: every type it may launch in
 * the highest band. A type without a band is not counted as reclaimed; a fleet all on demand is never
 * reclaimed.
 */
export const runnerSpotInterruptions: PlanRule = {
  id: 'GLA-RUNNER-SPOT-INTERRUPTIONS',
  level: 'warning',
  category: 'aws',
  description: `Every runner job instance type is one AWS reclaims most often at Spot (${MOST_INTERRUPTED_BAND} interruption band)`,
  evaluate: ({ plan }) => {
    const fleet = plan.runners?.fleet;
    if (!fleet || fleet.onDemandPercentageAboveBase === 100) return [];
    const types = fleet.instanceTypes;
    if (types.length === 0 || types.some((type) => type.spotInterruption !== MOST_INTERRUPTED_BAND))
      return [];
    return [
      {
        field: 'runners.instanceTypes',
        message: `every runner job instance type (${types.map((type) => type.instanceType).join(', ')}) is in the ${MOST_INTERRUPTED_BAND} Spot interruption band in ${plan.region} (AWS Spot Instance Advisor, ${SPOT_INTERRUPTIONS.source.date}), so Spot allocation has no less-reclaimed pool to choose: jobs fail more often as runner system failures. Add types with lower interruption frequency to runners.instanceTypes (plan shows each type's band), or set runners.spot: false.`,
      },
    ];
  },
};
