/**
 * AWS's Spot price feed -> the Spot price table `cost` reads (data/spot-prices.json). Pure: the
 * script scripts/spot-prices.mjs reads the feed's file and writes the table with it, so that every
 * number in the table can be produced again from the same file.
 *
 * The feed is the JSON the AWS Spot pricing page renders (website.spot.ec2.aws.a2z.com/spot.json),
 * as github.com/alexei-led/spotinfo keeps a snapshot of it (internal/spot/data/spot-price-data.json):
 * `config.regions[].instanceTypes[].sizes[].valueColumns[]`, one column per operating system with
 * its price per instance-hour as a string (`"0.0759"`, `"9.0E-4"`, or `"N/A*"` where the type is not
 * sold for that system). A few older regions carry names of their own; spotinfo's
 * internal/spot/data.go (awsSpotPricingRegions, commit 05e933139449b888c78795b28af8e9370429a031)
 * maps them to region codes, as does this module.
 */
import { DEFAULT_RUNNER_INSTANCE_TYPES } from '../catalog/gitlab-runner.js';
import { INSTANCE_TYPES } from '../catalog/instance-types.js';
import { parseSpotTable, type SpotPriceTable } from './runner-fleet.js';

/** The feed's own names of older regions, by the region code they stand for. */
export const FEED_REGION_ALIASES: Readonly<Record<string, string>> = {
  'us-east': 'us-east-1',
  'us-west': 'us-west-1',
  'eu-ireland': 'eu-west-1',
  'apac-sin': 'ap-southeast-1',
  'apac-syd': 'ap-southeast-2',
  'apac-tokyo': 'ap-northeast-1',
};

/** The operating system column the table takes: the job instances run Ubuntu. */
const LINUX_COLUMN = 'linux';

interface FeedColumn {
  readonly name?: unknown;
  readonly prices?: { readonly USD?: unknown };
}
interface FeedSize {
  readonly size?: unknown;
  readonly valueColumns?: readonly FeedColumn[];
}
interface FeedRegion {
  readonly region?: unknown;
  readonly instanceTypes?: readonly { readonly sizes?: readonly FeedSize[] }[];
}

/** Linux Spot prices per region code and instance type, as the feed lists them. */
export function linuxSpotPrices(feed: unknown): Map<string, Map<string, number>> {
  const regions = (feed as { config?: { regions?: unknown } } | null)?.config?.regions;
  if (!Array.isArray(regions)) throw new Error('not a Spot price feed: it has no config.regions list');
  const prices = new Map<string, Map<string, number>>();
  for (const entry of regions as FeedRegion[]) {
    if (typeof entry.region !== 'string') throw new Error('a region of the feed has no name');
    const region = FEED_REGION_ALIASES[entry.region] ?? entry.region;
    const types = prices.get(region) ?? new Map<string, number>();
    prices.set(region, types);
    for (const size of (entry.instanceTypes ?? []).flatMap((group) => group.sizes ?? [])) {
      const text = size.valueColumns?.find((column) => column.name === LINUX_COLUMN)?.prices?.USD;
      if (typeof size.size !== 'string' || typeof text !== 'string') continue;
      const price = Number(text);
      // "N/A*": not sold here; the feed lists no price, so the table has none either.
      if (!(Number.isFinite(price) && price > 0)) continue;
      const earlier = types.get(size.size);
      if (earlier !== undefined && earlier !== price) {
        throw new Error(`the feed prices ${size.size} in ${region} twice, at ${earlier} and ${price}`);
      }
      types.set(size.size, price);
    }
  }
  return prices;
}

/** Where the feed's file was read, written into the table's source. */
export interface SpotFeedOrigin {
  /** Repository and path of the file, e.g. github.com/alexei-led/spotinfo internal/spot/data/spot-price-data.json. */
  readonly file: string;
  /** Commit the file was read at. */
  readonly commit: string;
  /** When the snapshot was taken from AWS (the repository's manifest says), ISO 8601. */
  readonly fetchedAt: string;
  /** SHA-256 of the file, to compare with the repository's manifest. */
  readonly sha256: string;
}

export const SPOT_FEED_SOURCE_ID = 'aws-spot-feed-snapshot';

/**
 * The Spot table for `regions` x `instanceTypes`, from the feed. A pair the feed has no price for
 * is left out (the table never guesses); `missingSpotPrices` says which those are.
 */
export function spotTableFromFeed(
  feed: unknown,
  origin: SpotFeedOrigin,
  regions: readonly string[],
  instanceTypes: readonly string[],
): SpotPriceTable {
  const prices = linuxSpotPrices(feed);
  const table = Object.fromEntries(
    regions.map((region) => {
      const regional = prices.get(region);
      const entries = instanceTypes.flatMap((type) => {
        const spotHourly = regional?.get(type);
        return spotHourly === undefined ? [] : [[type, { spotHourly, source: SPOT_FEED_SOURCE_ID }] as const];
      });
      return [region, Object.fromEntries(entries)];
    }),
  );
  return parseSpotTable({
    schemaVersion: 1,
    currency: 'USD',
    sources: [
      {
        id: SPOT_FEED_SOURCE_ID,
        what: 'Linux Spot price per instance-hour per region and type, as the AWS Spot pricing page renders it (https://website.spot.ec2.aws.a2z.com/spot.json)',
        where: `${origin.file} @ ${origin.commit} (sha256 ${origin.sha256}; fetched from AWS ${origin.fetchedAt})`,
        date: origin.fetchedAt.slice(0, 10),
      },
    ],
    notes: [
      'A Spot price is the regional price of one instance-hour at the time of the snapshot; Spot prices move with supply and demand, so the estimate is a snapshot, never a quote.',
      'Written by scripts/spot-prices.mjs from the file named in sources; run it again on a newer snapshot rather than editing an entry. A region and type the feed has no price for is left out, and `cost` counts it at on demand, the most a Spot instance can cost.',
    ],
    regions: table,
  });
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

/** `region instanceType` of every pair the table has no Spot price for. */
export function missingSpotPrices(
  table: SpotPriceTable,
  regions: readonly string[],
  instanceTypes: readonly string[],
): string[] {
  return regions.flatMap((region) =>
    instanceTypes
      .filter((type) => table.regions[region]?.[type] === undefined)
      .map((type) => `${region} ${type}`),
  );
}
