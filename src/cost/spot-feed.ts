/**
 * AWS's Spot Instance Advisor feed -> the Spot price table `cost` reads (data/spot-prices.json) and
 * the interruption bands the Plan carries (src/catalog/data/spot-interruption.json). Pure: the
 * script scripts/spot-prices.mjs reads the feed's file and writes both tables with it, so that
 * every number in them can be produced again from the same file.
 *
 * The feed is the JSON behind the Spot Instance Advisor page
 * (https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json), as github.com/alexei-led/spotinfo
 * embeds it (internal/spot/data/spot-advisor-data.json): `spot_advisor[region].Linux[type]` is
 * `{ s, r }`, `s` the average saving of Spot over on demand AWS advertises, in percent, and `r` the
 * index into `ranges`, whose `label` is the interruption frequency band (`<5%` ... `>20%`).
 *
 * The feed has no prices, only savings, so a Spot price here is an estimate: the on-demand Linux
 * price of the project's price table (data/aws-prices.json) less that saving. It is AWS's advertised
 * average over the trailing month, not a quote; a pair without an on-demand price gets no Spot
 * price, and the table lists it among its gaps with the reason.
 */

import { DEFAULT_RUNNER_INSTANCE_TYPES } from '../catalog/gitlab-runner.js';
import { INSTANCE_TYPES } from '../catalog/instance-types.js';
import {
  parseSpotInterruptionTable,
  SPOT_INTERRUPTION_BANDS,
  type SpotInterruptionBand,
  type SpotInterruptionTable,
} from '../catalog/spot-interruption.js';
import type { PriceTable } from './prices.js';
import { parseSpotTable, type SpotPriceTable } from './runner-fleet.js';

/** What the Advisor says of one instance type in one region, for Linux. */
export interface AdvisorFigure {
  /** Average saving of Spot over on demand, in percent. */
  readonly savingsPercent: number;
  readonly interruption: SpotInterruptionBand;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The feed's interruption bands by index, each one of the bands the catalog knows. */
function bandsOf(ranges: unknown): Map<number, SpotInterruptionBand> {
  if (!Array.isArray(ranges)) throw new Error('not a Spot Instance Advisor feed: it has no ranges list');
  return new Map(
    ranges.map((range: unknown) => {
      const { index, label } = isObject(range) ? range : {};
      if (typeof index !== 'number' || !SPOT_INTERRUPTION_BANDS.includes(label as SpotInterruptionBand))
        throw new Error(
          `the feed has an interruption range gitlab-aws does not know: ${JSON.stringify(range)}`,
        );
      return [index, label as SpotInterruptionBand];
    }),
  );
}

/** The Advisor's Linux figures per region code and instance type. */
export function linuxAdvisorFigures(feed: unknown): Map<string, Map<string, AdvisorFigure>> {
  const advisor = isObject(feed) ? feed.spot_advisor : undefined;
  if (!isObject(advisor)) throw new Error('not a Spot Instance Advisor feed: it has no spot_advisor object');
  const bands = bandsOf((feed as { ranges?: unknown }).ranges);
  const figures = new Map<string, Map<string, AdvisorFigure>>();
  for (const [region, systems] of Object.entries(advisor)) {
    const linux = isObject(systems) ? systems.Linux : undefined;
    const types = new Map<string, AdvisorFigure>();
    figures.set(region, types);
    for (const [type, figure] of Object.entries(isObject(linux) ? linux : {})) {
      const { s, r } = isObject(figure) ? figure : {};
      const interruption = bands.get(r as number);
      // A saving below 0 is in the feed (a Spot price above on demand); 100 or more would make Spot free.
      if (typeof s !== 'number' || !(s > -100 && s < 100) || interruption === undefined)
        throw new Error(
          `the feed's figure for ${type} in ${region} is not {s, r}: ${JSON.stringify(figure)}`,
        );
      types.set(type, { savingsPercent: s, interruption });
    }
  }
  return figures;
}

/** Where the feed's file was read, written into both tables' sources. */
export interface AdvisorFeedOrigin {
  /** Repository and path of the file, e.g. github.com/alexei-led/spotinfo internal/spot/data/spot-advisor-data.json. */
  readonly file: string;
  /** Commit the file was last changed in. */
  readonly commit: string;
  /** That commit's date, YYYY-MM-DD: the feed is as AWS published it then. */
  readonly date: string;
  /** SHA-256 of the file, to check a re-run against. */
  readonly sha256: string;
}

export const SPOT_ADVISOR_SOURCE_ID = 'aws-spot-advisor';

/**
 * A Spot price as an estimate: the on-demand price less the advertised saving, to a hundredth of a
 * cent. A negative saving counts as none: the fleet's Spot maximum price is the on-demand price, so
 * it never pays more.
 */
export const estimatedSpotHourly = (onDemandHourly: number, savingsPercent: number): number =>
  Math.round(onDemandHourly * (100 - Math.max(savingsPercent, 0)) * 100) / 10_000;

/** Both tables for `regions` x `instanceTypes`, and the pairs each has no figure for. */
export interface AdvisorTables {
  readonly spotPrices: SpotPriceTable;
  readonly interruptions: SpotInterruptionTable;
}

/**
 * The Spot price table and the interruption bands for `regions` x `instanceTypes`, from the feed
 * and the on-demand `prices`. A pair left out of a table is listed in its `gaps` with the reason
 * (the tables never guess).
 */
export function spotTablesFromAdvisor(
  feed: unknown,
  origin: AdvisorFeedOrigin,
  prices: PriceTable,
  regions: readonly string[],
  instanceTypes: readonly string[],
): AdvisorTables {
  const figures = linuxAdvisorFigures(feed);
  const where = `${origin.file} @ ${origin.commit} (sha256 ${origin.sha256}), a copy of https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json`;
  const spotRegions: Record<string, Record<string, SpotPriceTable['regions'][string][string]>> = {};
  const bandRegions: Record<string, Record<string, SpotInterruptionBand>> = {};
  const spotGaps: { region: string; instanceType: string; reason: string }[] = [];
  const bandGaps: { region: string; instanceType: string; reason: string }[] = [];
  for (const region of regions) {
    spotRegions[region] = {};
    bandRegions[region] = {};
    for (const instanceType of instanceTypes) {
      const figure = figures.get(region)?.get(instanceType);
      if (figure === undefined) {
        const reason = 'the Spot Instance Advisor feed has no Linux figure for it';
        spotGaps.push({ region, instanceType, reason });
        bandGaps.push({ region, instanceType, reason });
        continue;
      }
      bandRegions[region][instanceType] = figure.interruption;
      const onDemand = prices.regions[region]?.ec2[instanceType]?.onDemandHourly;
      if (onDemand === undefined) {
        spotGaps.push({ region, instanceType, reason: 'the on-demand price table has no price for it' });
        continue;
      }
      spotRegions[region][instanceType] = {
        spotHourly: estimatedSpotHourly(onDemand, figure.savingsPercent),
        savingsPercent: figure.savingsPercent,
        source: SPOT_ADVISOR_SOURCE_ID,
      };
    }
  }
  const rerun =
    'Written by scripts/spot-prices.mjs from the file named in sources (its sha256 checks a re-run); run it again on a newer file, or after the on-demand table changes, rather than editing an entry.';
  const spotPrices = parseSpotTable({
    schemaVersion: 1,
    currency: 'USD',
    sources: [
      {
        id: SPOT_ADVISOR_SOURCE_ID,
        what: 'the on-demand price less the average saving AWS advertised in its Spot Instance Advisor; an estimate, not a quote',
        where,
        date: origin.date,
        sha256: origin.sha256,
      },
    ],
    notes: [
      `spotHourly = on-demand Linux hourly price of src/cost/data/aws-prices.json (retrieved ${prices.retrieved}) x (1 - savingsPercent / 100), to a hundredth of a cent. savingsPercent is the Spot Instance Advisor's "savings over On-Demand" (its s): the average AWS advertises for the trailing month, not a price anyone quoted; Spot prices move with supply and demand.`,
      rerun,
      '`cost` counts a type without a Spot price at on demand, the most a Spot instance can cost, and says which types those were. The interruption band of each type is in src/catalog/data/spot-interruption.json, from the same file.',
    ],
    regions: spotRegions,
    gaps: spotGaps,
  });
  const interruptions = parseSpotInterruptionTable({
    schemaVersion: 1,
    source: {
      what: "interruption frequency band of Linux Spot instances (Spot Instance Advisor's ranges[r].label): the share AWS reclaimed over the trailing month",
      where,
      date: origin.date,
      sha256: origin.sha256,
    },
    notes: [rerun],
    regions: bandRegions,
    gaps: bandGaps,
  });
  return { spotPrices, interruptions };
}

/**
 * The instance types a runner fleet can be given: the catalog's defaults of both architectures and
 * every EC2 type the catalog sizes that earns no CPU credits (what `runners.instanceTypes` accepts
 * and its error message offers).
 */
export function runnerCatalogInstanceTypes(): string[] {
  const offered = Object.values(INSTANCE_TYPES)
    .filter((type) => type.service === 'ec2' && !type.burstable)
    .map((type) => type.name);
  return [...new Set([...Object.values(DEFAULT_RUNNER_INSTANCE_TYPES).flat(), ...offered])].sort();
}

/** A table keyed by region and instance type, with the pairs it lists as gaps. */
interface RegionTypeTable {
  readonly regions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly gaps: readonly { readonly region: string; readonly instanceType: string }[];
}

/** `region instanceType` of every pair the table has no figure for, whether or not it lists it as a gap. */
export function missingFigures(
  table: RegionTypeTable,
  regions: readonly string[],
  instanceTypes: readonly string[],
): string[] {
  return regions.flatMap((region) =>
    instanceTypes
      .filter((type) => table.regions[region]?.[type] === undefined)
      .map((type) => `${region} ${type}`),
  );
}

/** `region instanceType` of every pair the table neither has a figure for nor lists as a gap. */
export function unexplainedGaps(
  table: RegionTypeTable,
  regions: readonly string[],
  instanceTypes: readonly string[],
): string[] {
  const listed = new Set(table.gaps.map((gap) => `${gap.region} ${gap.instanceType}`));
  return missingFigures(table, regions, instanceTypes).filter((pair) => !listed.has(pair));
}
