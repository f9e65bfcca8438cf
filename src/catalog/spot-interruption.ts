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
import { z } from 'zod';
import rawSpotInterruptions from './data/spot-interruption.json' with { type: 'json' };

/** The Advisor's interruption frequency bands, least reclaimed first (its `ranges[].label`). */
export const SPOT_INTERRUPTION_BANDS = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;
export type SpotInterruptionBand = (typeof SPOT_INTERRUPTION_BANDS)[number];
/** The band whose types AWS reclaims most: a fleet on them fails more jobs as runner system failures. */
export const MOST_INTERRUPTED_BAND: SpotInterruptionBand = '>20%';

/** A region and type a table has no figure for, and why (written by the same script as the figures). */
export const tableGapSchema = z.strictObject({
  region: z.string(),
  instanceType: z.string(),
  reason: z.string(),
});

const spotInterruptionSchema = z.strictObject({
  schemaVersion: z.literal(1),
  source: z.strictObject({
    what: z.string(),
    where: z.string(),
    date: z.string(),
    /** SHA-256 of the file the table was written from. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  notes: z.array(z.string()),
  regions: z.record(z.string(), z.record(z.string(), z.enum(SPOT_INTERRUPTION_BANDS))),
  gaps: z.array(tableGapSchema),
});
export type SpotInterruptionTable = z.output<typeof spotInterruptionSchema>;

/** Validates a table of interruption bands. */
export function parseSpotInterruptionTable(raw: unknown): SpotInterruptionTable {
  return spotInterruptionSchema.parse(raw);
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
