import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CachePrice,
  INSTANCE_KINDS,
  ITEMS,
  type ItemKind,
  loadPriceTable,
  MissingPriceError,
  type PriceTable,
  PriceTableSchema,
  priceOf,
  regionPrices,
  type ValkeyPrice,
} from '../../src/cost/prices.js';

const REQUIRED_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'];
const EC2_FAMILIES = [
  'c5',
  'c6i',
  'c7i',
  'm5',
  'm6i',
  'm7i',
  'r5',
  'r6i',
  'c6g',
  'c7g',
  'm6g',
  'm7g',
  'r6g',
  'r7g',
];
// db.m7i is left out: no sourced PostgreSQL price for it (the table's RDS snapshot predates it).
const RDS_FAMILIES = ['db.m5', 'db.m6i', 'db.r6i', 'db.m6g', 'db.m7g', 'db.r6g', 'db.r7g'];
const CACHE_FAMILIES = ['cache.m5', 'cache.m6g', 'cache.m7g', 'cache.r5', 'cache.r6g', 'cache.r7g'];
/** The bastion host types. */
const BASTION_TYPES = ['t2.micro', 't3.micro', 't4g.micro'];

/** Size of each instance size in "large" units (AWS normalization factor / 4). */
const SIZE_UNITS: Record<string, number> = {
  large: 1,
  xlarge: 2,
  '2xlarge': 4,
  '4xlarge': 8,
  '8xlarge': 16,
  '9xlarge': 18,
  '12xlarge': 24,
  '16xlarge': 32,
  '18xlarge': 36,
  '24xlarge': 48,
};

const DIST_MODULE = new URL('../../dist/cost/prices.js', import.meta.url);

const rawJson = (): unknown =>
  JSON.parse(readFileSync(new URL('../../src/cost/data/aws-prices.json', import.meta.url), 'utf8'));

function familyOf(type: string): { family: string; size: string } {
  const dot = type.lastIndexOf('.');
  return { family: type.slice(0, dot), size: type.slice(dot + 1) };
}

/**
 * Every size of a family must cost (xlarge price / 2) x its size in "large" units. AWS rounds each
 * published price, so allow 1% plus a tenth of a cent; a mistyped digit is far outside that.
 */
function linearityProblems(prices: Record<string, number>): string[] {
  const families = new Map<string, Map<string, number>>();
  for (const [type, price] of Object.entries(prices)) {
    const { family, size } = familyOf(type);
    if (!(size in SIZE_UNITS)) continue;
    if (!families.has(family)) families.set(family, new Map());
    families.get(family)!.set(size, price);
  }
  const problems: string[] = [];
  for (const [family, sizes] of families) {
    const base = sizes.get('xlarge');
    if (base === undefined) {
      problems.push(`${family}: no xlarge to compare sizes against`);
      continue;
    }
    for (const [size, price] of sizes) {
      const expected = (base / 2) * SIZE_UNITS[size]!;
      if (Math.abs(price - expected) > expected * 0.01 + 0.001) {
        problems.push(
          `${family}.${size}: ${price}, expected about ${expected.toFixed(4)} from ${family}.xlarge`,
        );
      }
    }
  }
  return problems;
}

function pick<T>(entries: Record<string, T>, field: (e: T) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, field(v)]));
}

function valkeyEntries(entries: Record<string, CachePrice>): Record<string, ValkeyPrice> {
  return Object.fromEntries(
    Object.entries(entries).flatMap(([k, v]) => (v.valkey ? [[k, v.valkey] as const] : [])),
  );
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('AWS price table', () => {
  const table = loadPriceTable();

  it('parses with the schema, both through the loader and straight from the file', () => {
    expect(() => PriceTableSchema.parse(rawJson())).not.toThrow();
    expect(table.schemaVersion).toBe(1);
    expect(table.currency).toBe('USD');
    expect(table.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(loadPriceTable()).toBe(table);
  });

  it('names a source with a location and a date for every price block', () => {
    for (const source of table.sources) {
      expect(source.where.length).toBeGreaterThan(10);
      expect(source.date).toMatch(/^\d{4}-\d{2}-\d{2}/);
    }
    expect(new Set(table.sources.map((s) => s.id)).size).toBe(table.sources.length);
  });

  it('rejects a zero price and an unknown source id', () => {
    const zero = rawJson() as PriceTable;
    zero.regions['us-east-1']!.ec2['m6i.xlarge']!.onDemandHourly = 0;
    expect(PriceTableSchema.safeParse(zero).success).toBe(false);
    const unsourced = rawJson() as PriceTable;
    unsourced.regions['us-east-1']!.ebs.source = 'nowhere';
    expect(PriceTableSchema.safeParse(unsourced).success).toBe(false);
    const unsourcedValkey = rawJson() as PriceTable;
    unsourcedValkey.regions['us-east-1']!.elasticache['cache.r7g.large']!.valkey!.source = 'nowhere';
    expect(PriceTableSchema.safeParse(unsourcedValkey).success).toBe(false);
  });

  it('covers the required regions', () => {
    for (const region of REQUIRED_REGIONS) expect(Object.keys(table.regions)).toContain(region);
  });

  it('has every non-instance item in every region', () => {
    for (const region of Object.keys(table.regions)) {
      for (const kind of Object.keys(ITEMS) as ItemKind[]) {
        for (const key of ITEMS[kind]) {
          const price = priceOf(table, region, kind, key as never);
          expect(price, `${region} ${kind}.${key}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('has the instance families the planner sizes with in every required region', () => {
    for (const region of REQUIRED_REGIONS) {
      const block = regionPrices(table, region);
      expect(priceOf(table, region, 'ec2', 't3.medium').onDemandHourly).toBeGreaterThan(0);
      for (const type of BASTION_TYPES) {
        expect(priceOf(table, region, 'ec2', type).onDemandHourly, `${region} ${type}`).toBeGreaterThan(0);
      }
      for (const family of EC2_FAMILIES) {
        for (const size of ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge']) {
          if (family === 'c5' && (size === '8xlarge' || size === '16xlarge')) continue; // c5 has 9xlarge/18xlarge
          expect(block.ec2, `${region} ${family}.${size}`).toHaveProperty([`${family}.${size}`]);
        }
      }
      for (const family of RDS_FAMILIES) {
        for (const size of ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge']) {
          expect(block.rds, `${region} ${family}.${size}`).toHaveProperty([`${family}.${size}`]);
        }
      }
      for (const family of CACHE_FAMILIES) {
        for (const size of ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge']) {
          expect(block.elasticache, `${region} ${family}.${size}`).toHaveProperty([`${family}.${size}`]);
        }
      }
    }
  });

  it('throws an error naming a missing region', () => {
    const error = catchError(() => priceOf(table, 'xx-nowhere-9', 'ec2', 'm6i.xlarge'));
    expect(error).toBeInstanceOf(MissingPriceError);
    expect((error as Error).message).toContain("'xx-nowhere-9'");
    expect((error as MissingPriceError).region).toBe('xx-nowhere-9');
  });

  it('throws an error naming a missing instance type and its region, never returning 0', () => {
    for (const [kind, key] of [
      ['ec2', 'm6i.3xlarge'],
      ['rds', 'db.m6i.3xlarge'],
      ['elasticache', 'cache.m6g.3xlarge'],
    ] as const) {
      const error = catchError(() => priceOf(table, 'eu-west-1', kind, key));
      expect(error).toBeInstanceOf(MissingPriceError);
      expect((error as Error).message).toContain(`'${key}'`);
      expect((error as Error).message).toContain("'eu-west-1'");
      expect((error as MissingPriceError).key).toBe(key);
    }
  });

  it('throws an error naming a missing item', () => {
    const error = catchError(() => priceOf(table, 'us-east-1', 'network', 'transitGatewayHourly' as never));
    expect(error).toBeInstanceOf(MissingPriceError);
    expect((error as Error).message).toContain("'transitGatewayHourly'");
    expect((error as Error).message).toContain("'us-east-1'");
    // Bookkeeping fields are not prices.
    expect(() => priceOf(table, 'us-east-1', 'network', 'source' as never)).toThrow(MissingPriceError);
  });

  it('returns the sourced numbers', () => {
    expect(priceOf(table, 'us-east-1', 'ec2', 'm6i.xlarge').onDemandHourly).toBe(0.192);
    expect(priceOf(table, 'us-east-1', 'rds', 'db.m6i.large').multiAzHourly).toBe(0.356);
    expect(priceOf(table, 'us-east-1', 'elasticache', 'cache.m6g.large').onDemandHourly).toBe(0.149);
    expect(priceOf(table, 'us-east-1', 'elasticache', 'cache.r5.large').commitment1yHourly).toBe(0.147);
    expect(priceOf(table, 'us-east-1', 'elasticache', 'cache.r5.large').valkey?.onDemandHourly).toBe(0.1728);
    expect(priceOf(table, 'us-east-1', 'ec2', 't3.micro').onDemandHourly).toBe(0.0104);
    expect(priceOf(table, 'us-east-1', 'ebs', 'gp3GBMonth')).toBe(0.08);
    expect(priceOf(table, 'us-east-1', 'network', 'natGatewayHourly')).toBe(0.045);
  });

  it('is linear in each instance family (catches a mistyped price)', () => {
    for (const [region, block] of Object.entries(table.regions)) {
      const series: Record<string, Record<string, number>> = {
        'ec2 on-demand': pick(block.ec2, (e) => e.onDemandHourly),
        'ec2 commitment': pick(block.ec2, (e) => e.commitment1yHourly),
        'rds single-AZ': pick(block.rds, (e) => e.singleAzHourly),
        'rds multi-AZ': pick(block.rds, (e) => e.multiAzHourly),
        'rds commitment': pick(block.rds, (e) => e.commitment1yHourly),
        'rds multi-AZ commitment': pick(block.rds, (e) => e.commitment1yMultiAzHourly),
        'elasticache on-demand': pick(block.elasticache, (e) => e.onDemandHourly),
        'elasticache commitment': pick(block.elasticache, (e) => e.commitment1yHourly),
        'valkey on-demand': pick(valkeyEntries(block.elasticache), (e) => e.onDemandHourly),
        'valkey commitment': pick(valkeyEntries(block.elasticache), (e) => e.commitment1yHourly),
      };
      for (const [name, prices] of Object.entries(series)) {
        expect(linearityProblems(prices), `${region} ${name}`).toEqual([]);
      }
    }
  });

  it('the linearity check does catch a typo', () => {
    const prices = pick(table.regions['us-east-1']!.ec2, (e) => e.onDemandHourly);
    prices['m6i.2xlarge'] = 0.483; // 0.384 with two digits swapped
    expect(linearityProblems(prices)).toEqual([expect.stringContaining('m6i.2xlarge')]);
  });

  it('prices Multi-AZ RDS at about twice Single-AZ', () => {
    for (const [region, block] of Object.entries(table.regions)) {
      for (const [type, p] of Object.entries(block.rds)) {
        expect(p.multiAzHourly / p.singleAzHourly, `${region} ${type}`).toBeCloseTo(2, 1);
        expect(p.commitment1yMultiAzHourly / p.commitment1yHourly, `${region} ${type}`).toBeCloseTo(2, 1);
      }
      expect(block.rdsStorage.gp3MultiAzGBMonth / block.rdsStorage.gp3GBMonth).toBeCloseTo(2, 2);
    }
  });

  it('makes every commitment cheaper than on-demand', () => {
    for (const [region, block] of Object.entries(table.regions)) {
      for (const kind of INSTANCE_KINDS) {
        for (const [type, p] of Object.entries(block[kind])) {
          const onDemand = 'onDemandHourly' in p ? p.onDemandHourly : p.singleAzHourly;
          expect(p.commitment1yHourly, `${region} ${type}`).toBeLessThan(onDemand);
          if ('multiAzHourly' in p) expect(p.commitment1yMultiAzHourly).toBeLessThan(p.multiAzHourly);
        }
      }
    }
  });

  it('prices Valkey nodes below Redis OSS, for every node type in the required regions', () => {
    for (const region of REQUIRED_REGIONS) {
      for (const [type, p] of Object.entries(regionPrices(table, region).elasticache)) {
        expect(p.valkey, `${region} ${type}`).toBeDefined();
        expect(p.valkey!.onDemandHourly, `${region} ${type}`).toBeLessThan(p.onDemandHourly);
        expect(p.valkey!.commitment1yHourly, `${region} ${type}`).toBeLessThan(p.commitment1yHourly);
        expect(p.valkey!.commitment1yHourly, `${region} ${type}`).toBeLessThan(p.valkey!.onDemandHourly);
      }
    }
  });

  it('marks derived entries with what they were derived from', () => {
    for (const block of Object.values(table.regions)) {
      for (const kind of INSTANCE_KINDS) {
        for (const p of Object.values(block[kind])) {
          if (p.derived !== undefined) expect(p.derived).toMatch(/from /);
        }
      }
      for (const kind of Object.keys(ITEMS) as ItemKind[]) {
        for (const key of Object.keys(block[kind].derived ?? {})) {
          expect(ITEMS[kind] as readonly string[]).toContain(key);
        }
      }
    }
  });

  // `npm test` builds first; the built module must find the table that tsc copied next to it.
  it.skipIf(!existsSync(DIST_MODULE))('loads the same table from the built package', async () => {
    expect(existsSync(new URL('../../dist/cost/data/aws-prices.json', import.meta.url))).toBe(true);
    const built = (await import(DIST_MODULE.href)) as typeof import('../../src/cost/prices.js');
    expect(built.loadPriceTable()).toEqual(table);
  });
});
