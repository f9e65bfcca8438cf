/**
 * The runner fleet's cost: the manager (always on, on demand) and its root volume, in the bill; the
 * job instances as what they cost idle (the instances the policy keeps waiting, all month) and
 * busy (every instance all month, the most the fleet can cost), at Spot and at on-demand prices.
 *
 * Spot prices come from a dated table of its own (data/spot-prices.json, with its source): estimates,
 * the on-demand price less the average saving AWS advertises (src/cost/spot-feed.ts says how). The
 * fleet's Spot price is the mean over its instance types: price-capacity-optimized picks among them
 * by capacity as much as by price. A type the table has no Spot price for counts at on-demand, the
 * most a Spot instance can cost, and the result says which types those were. Each type carries the
 * interruption band the Plan decided for it, so that the price is read next to how often AWS
 * reclaims such an instance.
 */
import { z } from 'zod';
import type { SpotInterruptionBand } from '../catalog/spot-interruption.js';
import type { Plan, RunnerFleetPlan } from '../plan/types.js';
import rawSpotTable from './data/spot-prices.json' with { type: 'json' };
import { type PriceTable, priceOf } from './prices.js';

/** AWS bills hourly items for 730 hours a month (as bom.ts). */
const HOURS = 730;

/** Built per parse, like the table it checks: nothing of this module runs at import. */
const spotTableSchema = () =>
  z.strictObject({
    schemaVersion: z.literal(1),
    currency: z.literal('USD'),
    sources: z
      .array(
        z.strictObject({
          id: z.string(),
          what: z.string(),
          where: z.string(),
          date: z.string(),
          /** SHA-256 of the file the entries were written from. */
          sha256: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
        }),
      )
      .min(1),
    notes: z.array(z.string()),
    regions: z.record(
      z.string(),
      z.record(
        z.string(),
        z.strictObject({
          spotHourly: z.number().positive(),
          /** The saving over on demand the estimate applied, in percent. */
          savingsPercent: z.number().gt(-100).lt(100).optional(),
          source: z.string(),
        }),
      ),
    ),
    /** Region and type pairs without a Spot price, and why. */
    gaps: z.array(z.strictObject({ region: z.string(), instanceType: z.string(), reason: z.string() })),
  });
export type SpotPriceTable = z.output<ReturnType<typeof spotTableSchema>>;

/** Validates a Spot table: every entry names one of its sources. */
export function parseSpotTable(raw: unknown): SpotPriceTable {
  const table = spotTableSchema().parse(raw);
  const ids = new Set(table.sources.map((source) => source.id));
  for (const [region, types] of Object.entries(table.regions)) {
    for (const [type, entry] of Object.entries(types)) {
      if (!ids.has(entry.source))
        throw new Error(`spot price ${region} ${type} names unknown source ${entry.source}`);
    }
  }
  return table;
}

let shipped: SpotPriceTable | undefined;

/** The Spot table shipped with gitlab-aws, validated on first use. */
export function loadSpotTable(): SpotPriceTable {
  shipped ??= parseSpotTable(rawSpotTable);
  return shipped;
}

export interface RunnerTypePrice {
  readonly instanceType: string;
  readonly onDemandHourly: number;
  /** Absent where the Spot table has no price for the type in the region. */
  readonly spotHourly?: number;
  /** How often AWS reclaims the type's Spot instances here (the Plan's band); absent where unknown. */
  readonly spotInterruption?: SpotInterruptionBand;
}

/** Where the Spot prices used came from: a source of the Spot table. */
export type SpotPriceSource = SpotPriceTable['sources'][number];

/** A month of the job instances, at Spot (where priced) and on demand. */
export interface RunnerFleetMonth {
  readonly instances: number;
  readonly spot: number;
  readonly onDemand: number;
}

export interface RunnerFleetCost {
  readonly manager: { readonly instanceType: string; readonly monthly: number };
  readonly types: readonly RunnerTypePrice[];
  /** Hourly price of one job instance: the mean over the types. */
  readonly hourly: { readonly spot: number; readonly onDemand: number };
  /** The instances kept idle, all month (the on-demand base and Spot above it as the Plan buys them). */
  readonly idle: RunnerFleetMonth;
  /** Every instance all month: the most the fleet can cost. */
  readonly busy: RunnerFleetMonth;
  /** Types priced at on-demand for want of a Spot price. */
  readonly withoutSpotPrice: readonly string[];
  /** The sources of the Spot prices used, once each (none when no type has one). */
  readonly spotSources: readonly SpotPriceSource[];
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** What `instances` cost a month when the first `onDemandBase` are on demand and the rest as the Plan buys them. */
function month(
  fleet: RunnerFleetPlan['fleet'],
  hourly: RunnerFleetCost['hourly'],
  instances: number,
): RunnerFleetMonth {
  const base = Math.min(instances, fleet.onDemandBaseCapacity);
  const above = instances - base;
  const aboveHourly = fleet.onDemandPercentageAboveBase === 100 ? hourly.onDemand : hourly.spot;
  return {
    instances,
    spot: (base * hourly.onDemand + above * aboveHourly) * HOURS,
    onDemand: instances * hourly.onDemand * HOURS,
  };
}

export function runnerFleetCost(
  plan: Plan,
  table: PriceTable,
  spotTable: SpotPriceTable = loadSpotTable(),
): RunnerFleetCost | undefined {
  const runners = plan.runners;
  if (!runners) return undefined;
  const regional = spotTable.regions[plan.region] ?? {};
  const entries = runners.fleet.instanceTypes.map(({ instanceType }) => regional[instanceType]);
  const types: RunnerTypePrice[] = runners.fleet.instanceTypes.map(
    ({ instanceType, spotInterruption }, index) => {
      const spot = entries[index]?.spotHourly;
      return {
        instanceType,
        onDemandHourly: priceOf(table, plan.region, 'ec2', instanceType).onDemandHourly,
        ...(spot !== undefined ? { spotHourly: spot } : {}),
        ...(spotInterruption !== undefined ? { spotInterruption } : {}),
      };
    },
  );
  const usedSources = new Set(entries.flatMap((entry) => (entry ? [entry.source] : [])));
  const hourly = {
    spot: mean(types.map((type) => type.spotHourly ?? type.onDemandHourly)),
    onDemand: mean(types.map((type) => type.onDemandHourly)),
  };
  return {
    manager: {
      instanceType: runners.manager.instanceType,
      monthly: priceOf(table, plan.region, 'ec2', runners.manager.instanceType).onDemandHourly * HOURS,
    },
    types,
    hourly,
    idle: month(runners.fleet, hourly, runners.idleCount),
    busy: month(runners.fleet, hourly, runners.fleet.maxCapacity),
    withoutSpotPrice: types.filter((type) => type.spotHourly === undefined).map((type) => type.instanceType),
    spotSources: spotTable.sources.filter((source) => usedSources.has(source.id)),
  };
}
