/**
 * The AWS regions gitlab-aws plans for, with their Availability Zones, as AWS documents them.
 *
 * What this table can promise: the number of AZs in each region and their AZ ids (`use1-az1`),
 * which name the same physical zone in every account. What it cannot promise: which zone *name*
 * (`us-east-1a`) an account sees. In the oldest regions (`namesVaryByAccount`) AWS maps names to
 * zones independently per account for accounts created before November 2025; accounts created
 * since then, and every account in the other regions, get one uniform mapping. The names below are
 * the region's letters in order, which exist in every account of a uniformly mapped region; for the
 * others the plan uses them as its best guess, and a deploy that looks the names up
 * (EC2 DescribeAvailabilityZones) passes them to `resolvePlan` instead (`availabilityZoneNames`).
 *
 * Source: AWS Regions and Availability Zones, "AWS Availability Zones" and "AZ IDs"
 * (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html and
 * .../az-ids.html), read 2026-11-29; us-west-1's two zones also in the EFS One Zone table
 * (docs.aws.amazon.com/efs/latest/ug/OneZoneAZs.html: usw1-az1, usw1-az3).
 */

export interface RegionZones {
  /** AZ ids, fixed across accounts. */
  readonly zoneIds: readonly string[];
  /** Zone names in the plan's order (see above for what they promise). */
  readonly zoneNames: readonly string[];
  /** True where AWS maps zone names to zones per account (accounts created before November 2025). */
  readonly namesVaryByAccount: boolean;
}

/** When the table was read from AWS's pages. */
export const REGIONS_READ_ON = '2026-11-29';

const letters = (region: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => `${region}${String.fromCharCode(97 + index)}`);
const ids = (prefix: string, numbers: readonly number[]): string[] => numbers.map((n) => `${prefix}-az${n}`);

/** Regions with prices in the cost table, plus us-west-1 (two AZs) and sa-east-1. */
export const REGIONS: Readonly<Record<string, RegionZones>> = {
  'us-east-1': {
    zoneIds: ids('use1', [1, 2, 3, 4, 5, 6]),
    zoneNames: letters('us-east-1', 6),
    namesVaryByAccount: true,
  },
  'us-west-1': {
    zoneIds: ids('usw1', [1, 3]),
    zoneNames: letters('us-west-1', 2),
    namesVaryByAccount: true,
  },
  'us-west-2': {
    zoneIds: ids('usw2', [1, 2, 3, 4]),
    zoneNames: letters('us-west-2', 4),
    namesVaryByAccount: false,
  },
  'eu-west-1': {
    zoneIds: ids('euw1', [1, 2, 3]),
    zoneNames: letters('eu-west-1', 3),
    namesVaryByAccount: false,
  },
  'eu-central-1': {
    zoneIds: ids('euc1', [1, 2, 3]),
    zoneNames: letters('eu-central-1', 3),
    namesVaryByAccount: false,
  },
  'ap-southeast-1': {
    zoneIds: ids('apse1', [1, 2, 3]),
    zoneNames: letters('ap-southeast-1', 3),
    namesVaryByAccount: false,
  },
  'sa-east-1': {
    zoneIds: ids('sae1', [1, 2, 3]),
    zoneNames: letters('sa-east-1', 3),
    namesVaryByAccount: false,
  },
};
