/**
 * How often AWS reclaims Spot instances of a type in a region: the interruption frequency band of
 * AWS's Spot Instance Advisor, per region and instance type a runner fleet can be given. The Plan
 * carries the band of each type of the fleet, so that `plan` can warn about a fleet bought on types
 * AWS reclaims most, and `cost` can show the band next to the type's Spot price.
 *
 * The numbers live in data/spot-interruption.json, written by scripts/spot-prices.mjs from the
 * Advisor's feed (src/cost/spot-feed.ts converts it; the table's source names the file, its commit
 * and digest). A band is the share of instances AWS reclaimed over the trailing month before the
 * feed was read: history, not a forecast.
 */
import rawSpotInterruptions from './data/spot-interruption.json' with { type: 'json' };

/** The Advisor's interruption frequency bands, least reclaimed first (its `ranges[].label`). */
export const SPOT_INTERRUPTION_BANDS = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;
export type SpotInterruptionBand = (typeof SPOT_INTERRUPTION_BANDS)[number];
/** The band whose types AWS reclaims most: a fleet on them fails more jobs as runner system failures. */
export const MOST_INTERRUPTED_BAND: SpotInterruptionBand = '>20%';

/** A region and type a table has no figure for, and why (written by the same script as the figures). */
export interface TableGap {
  readonly region: string;
  readonly instanceType: string;
  readonly reason: string;
}

export interface SpotInterruptionTable {
  readonly schemaVersion: 1;
  readonly source: {
    readonly what: string;
    readonly where: string;
    readonly date: string;
    /** SHA-256 of the file the table was written from. */
    readonly sha256: string;
  };
  readonly notes: readonly string[];
  /** Band by region, then by instance type. */
  readonly regions: Readonly<Record<string, Readonly<Record<string, SpotInterruptionBand>>>>;
  readonly gaps: readonly TableGap[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `value` is an object with exactly `keys`, each a string. */
const isStrings = (value: unknown, keys: readonly string[]): boolean =>
  isRecord(value) &&
  Object.keys(value).sort().join() === [...keys].sort().join() &&
  keys.every((key) => typeof value[key] === 'string');

/** What is wrong with a table of interruption bands, or undefined when nothing is. */
function problemOf(raw: unknown): string | undefined {
  if (!isRecord(raw)) return 'it is not an object';
  const keys = ['schemaVersion', 'source', 'notes', 'regions', 'gaps'];
  if (Object.keys(raw).sort().join() !== [...keys].sort().join())
    return `its keys are not ${keys.join(', ')}`;
  if (raw.schemaVersion !== 1) return 'its schemaVersion is not 1';
  const { source, notes, regions, gaps } = raw;
  if (!isStrings(source, ['what', 'where', 'date', 'sha256']))
    return 'its source is not {what, where, date, sha256}';
  if (!/^[0-9a-f]{64}$/.test((source as { sha256: string }).sha256))
    return "its source's sha256 is not a SHA-256";
  if (!Array.isArray(notes) || !notes.every((note) => typeof note === 'string'))
    return 'its notes are not strings';
  if (!Array.isArray(gaps) || !gaps.every((gap) => isStrings(gap, ['region', 'instanceType', 'reason'])))
    return 'its gaps are not {region, instanceType, reason}';
  if (!isRecord(regions)) return 'its regions are not an object';
  for (const [region, types] of Object.entries(regions)) {
    if (!isRecord(types)) return `region ${region} is not an object`;
    for (const [type, band] of Object.entries(types)) {
      if (!SPOT_INTERRUPTION_BANDS.includes(band as SpotInterruptionBand))
        return `${region} ${type} has ${JSON.stringify(band)}, not a band of the Spot Instance Advisor`;
    }
  }
  return undefined;
}

/** Validates a table of interruption bands. */
export function parseSpotInterruptionTable(raw: unknown): SpotInterruptionTable {
  const problem = problemOf(raw);
  if (problem !== undefined) throw new Error(`not a table of Spot interruption bands: ${problem}`);
  return raw as SpotInterruptionTable;
}

/** The table shipped with gitlab-aws. */
export const SPOT_INTERRUPTIONS: SpotInterruptionTable = parseSpotInterruptionTable(rawSpotInterruptions);

/** The band of `instanceType` in `region`, or undefined where the table has none. */
export function spotInterruptionBand(
  region: string,
  instanceType: string,
  table: SpotInterruptionTable = SPOT_INTERRUPTIONS,
): SpotInterruptionBand | undefined {
  const regional = Object.hasOwn(table.regions, region) ? table.regions[region] : undefined;
  return regional && Object.hasOwn(regional, instanceType) ? regional[instanceType] : undefined;
}
