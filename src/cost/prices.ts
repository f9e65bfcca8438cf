/**
 * The dated AWS price table the cost module reads.
 *
 * The numbers live in `data/aws-prices.json`, copied from public snapshots of AWS's own price
 * feeds; that file lists where each number came from and when it was published. This module only
 * validates the file and looks prices up. A price that is not in the table is an error that names
 * the region and the missing instance type or item: it is never read as 0.
 *
 * The JSON is imported (not read from disk) so that `tsc` copies it next to the compiled module in
 * `dist/cost/data/`, and the same code works under vitest from `src/` and from the built package.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import rawPriceTable from './data/aws-prices.json' with { type: 'json' };

/** Items priced per region outside the instance tables, by block. Keys are part of the file format. */
export const EBS_ITEMS = [
  'gp3GBMonth',
  'gp3IopsMonth',
  'gp3ThroughputMiBpsMonth',
  'io1GBMonth',
  'io1IopsMonth',
  'io2GBMonth',
  'io2IopsMonth',
  'snapshotGBMonth',
] as const;
export const RDS_STORAGE_ITEMS = [
  'gp3GBMonth',
  'gp3MultiAzGBMonth',
  'gp3IopsMonth',
  'gp3ThroughputMiBpsMonth',
  'io1GBMonth',
  'io1IopsMonth',
  'backupGBMonth',
] as const;
export const NETWORK_ITEMS = [
  'natGatewayHourly',
  'natGatewayPerGB',
  'nlbHourly',
  'nlbLcuHourly',
  'albHourly',
  'albLcuHourly',
  'publicIpv4Hourly',
  'dataTransferOutPerGB',
] as const;
export const OTHER_ITEMS = [
  's3StandardGBMonth',
  'route53HostedZoneMonth',
  'secretsManagerSecretMonth',
  'cloudwatchAlarmMonth',
  'cloudwatchLogsIngestPerGB',
  'eksClusterHourly',
  'eksExtendedSupportClusterHourly',
] as const;

export const ITEMS = {
  ebs: EBS_ITEMS,
  rdsStorage: RDS_STORAGE_ITEMS,
  network: NETWORK_ITEMS,
  other: OTHER_ITEMS,
} as const;

export type ItemKind = keyof typeof ITEMS;
export type ItemKey<K extends ItemKind> = (typeof ITEMS)[K][number];
export const INSTANCE_KINDS = ['ec2', 'rds', 'elasticache'] as const;
export type InstanceKind = (typeof INSTANCE_KINDS)[number];
export type PriceKind = InstanceKind | ItemKind;

/** A price in USD: finite and above zero. A free item is left out of the table, never written as 0. */
const usd = z.number().finite().positive();
const sourceRef = z.string().min(1);
/** Present only on an entry computed from another one (for example linear in family); says from what. */
const derivedNote = z.string().min(1).optional();

const ec2PriceSchema = z.strictObject({
  onDemandHourly: usd,
  commitment1yHourly: usd,
  source: sourceRef,
  derived: derivedNote,
});

const rdsPriceSchema = z.strictObject({
  singleAzHourly: usd,
  multiAzHourly: usd,
  commitment1yHourly: usd,
  commitment1yMultiAzHourly: usd,
  source: sourceRef,
  derived: derivedNote,
});

/** The same node type running Valkey (node-based), priced below Redis OSS. Optional: absent when unsourced. */
const valkeyPriceSchema = z.strictObject({
  onDemandHourly: usd,
  commitment1yHourly: usd,
  source: sourceRef,
  derived: derivedNote,
});

/** `onDemandHourly` and `commitment1yHourly` are the Redis OSS prices; `valkey` holds the Valkey ones. */
const cachePriceSchema = z.strictObject({
  onDemandHourly: usd,
  commitment1yHourly: usd,
  source: sourceRef,
  derived: derivedNote,
  valkey: valkeyPriceSchema.optional(),
});

function itemBlock<const K extends readonly string[]>(keys: K) {
  const shape = Object.fromEntries(keys.map((k) => [k, usd])) as { [P in K[number]]: typeof usd };
  return z.strictObject({
    ...shape,
    source: sourceRef,
    /** Which source each item came from, when a block mixes sources. */
    sourceByKey: z.record(z.string(), sourceRef).optional(),
    /** How each computed item was computed, keyed by item. */
    derived: z.record(z.string(), z.string().min(1)).optional(),
  });
}

const instanceTypeName = (prefix: '' | 'db.' | 'cache.') =>
  z.string().regex(new RegExp(`^${prefix.replace('.', '\\.')}[a-z][a-z0-9-]*\\.[a-z0-9]+$`));

const regionSchema = z.strictObject({
  ec2: z.record(instanceTypeName(''), ec2PriceSchema),
  rds: z.record(instanceTypeName('db.'), rdsPriceSchema),
  elasticache: z.record(instanceTypeName('cache.'), cachePriceSchema),
  ebs: itemBlock(EBS_ITEMS),
  rdsStorage: itemBlock(RDS_STORAGE_ITEMS),
  network: itemBlock(NETWORK_ITEMS),
  other: itemBlock(OTHER_ITEMS),
});

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const PriceTableSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    currency: z.literal('USD'),
    /** Date of the snapshots the instance and commitment prices come from. */
    retrieved: isoDate,
    publishedRange: z.strictObject({ oldest: isoDate, newest: isoDate }).optional(),
    /** What "commitment1y" means for each instance kind. */
    commitments: z.strictObject({
      ec2: z.string().min(1),
      rds: z.string().min(1),
      elasticache: z.string().min(1),
    }),
    sources: z
      .array(
        z.strictObject({
          id: z.string().min(1),
          what: z.string().min(1),
          where: z.string().min(1),
          date: z.string().min(1),
        }),
      )
      .min(1),
    notes: z.array(z.string().min(1)),
    regions: z.record(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/), regionSchema),
  })
  .superRefine((table, ctx) => {
    const ids = new Set(table.sources.map((s) => s.id));
    const check = (ref: string, path: (string | number)[]) => {
      for (const id of ref.split(',').map((s) => s.trim())) {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `unknown source id '${id}'`, path });
      }
    };
    for (const [region, block] of Object.entries(table.regions)) {
      for (const kind of INSTANCE_KINDS) {
        for (const [type, entry] of Object.entries(block[kind]))
          check(entry.source, ['regions', region, kind, type]);
      }
      for (const [type, entry] of Object.entries(block.elasticache)) {
        if (entry.valkey) check(entry.valkey.source, ['regions', region, 'elasticache', type, 'valkey']);
      }
      for (const kind of Object.keys(ITEMS) as ItemKind[]) {
        const items = block[kind];
        check(items.source, ['regions', region, kind, 'source']);
        for (const [key, ref] of Object.entries(items.sourceByKey ?? {})) {
          if (!(ITEMS[kind] as readonly string[]).includes(key)) {
            ctx.addIssue({
              code: 'custom',
              message: `sourceByKey names unknown item '${key}'`,
              path: ['regions', region, kind],
            });
          }
          check(ref, ['regions', region, kind, 'sourceByKey', key]);
        }
      }
    }
  });

export type PriceTable = z.infer<typeof PriceTableSchema>;
export type RegionPrices = PriceTable['regions'][string];
export type Ec2Price = z.infer<typeof ec2PriceSchema>;
export type RdsPrice = z.infer<typeof rdsPriceSchema>;
export type CachePrice = z.infer<typeof cachePriceSchema>;
export type ValkeyPrice = z.infer<typeof valkeyPriceSchema>;

/** Thrown when the table has no price for a region, instance type or item. */
export class MissingPriceError extends Error {
  override readonly name = 'MissingPriceError';
  constructor(
    message: string,
    readonly region: string,
    readonly kind: PriceKind | undefined,
    readonly key: string | undefined,
  ) {
    super(message);
  }
}

let cached: PriceTable | undefined;

/**
 * The bundled price table. It is validated against the schema by the test suite (and by
 * `parsePriceTable` for a table the user supplies), not at every start: validating 200 KB of
 * prices cost `plan` a third of its run time.
 */
export function loadPriceTable(): PriceTable {
  cached ??= rawPriceTable as PriceTable;
  return cached;
}

/** Regions the table has prices for. */
export function pricedRegions(table: PriceTable): string[] {
  return Object.keys(table.regions);
}

/** The prices for one region, or a MissingPriceError naming the region. */
export function regionPrices(table: PriceTable, region: string): RegionPrices {
  const block = Object.hasOwn(table.regions, region) ? table.regions[region] : undefined;
  if (!block) {
    throw new MissingPriceError(
      `No AWS prices for region '${region}' in the price table (retrieved ${table.retrieved}); ` +
        `priced regions: ${pricedRegions(table).join(', ')}.`,
      region,
      undefined,
      undefined,
    );
  }
  return block;
}

const KIND_WORDS: Record<PriceKind, string> = {
  ec2: 'EC2 instance type',
  rds: 'RDS instance class',
  elasticache: 'ElastiCache node type',
  ebs: 'EBS item',
  rdsStorage: 'RDS storage item',
  network: 'network item',
  other: 'item',
};

/**
 * Looks one price up. For `ec2`, `rds` and `elasticache` the key is an instance type (`m6i.xlarge`,
 * `db.r6g.large`, `cache.r7g.large`) and the whole entry is returned; for the other kinds the key is
 * an item name and the number is returned. Throws MissingPriceError naming the region and the key.
 */
export function priceOf(table: PriceTable, region: string, kind: 'ec2', key: string): Ec2Price;
export function priceOf(table: PriceTable, region: string, kind: 'rds', key: string): RdsPrice;
export function priceOf(table: PriceTable, region: string, kind: 'elasticache', key: string): CachePrice;
export function priceOf(
  table: PriceTable,
  region: string,
  kind: InstanceKind,
  key: string,
): Ec2Price | RdsPrice | CachePrice;
export function priceOf<K extends ItemKind>(
  table: PriceTable,
  region: string,
  kind: K,
  key: ItemKey<K>,
): number;
export function priceOf(
  table: PriceTable,
  region: string,
  kind: PriceKind,
  key: string,
): Ec2Price | RdsPrice | CachePrice | number {
  const block = regionPrices(table, region);
  if (!Object.hasOwn(block, kind)) {
    throw new MissingPriceError(`Unknown price kind '${kind}' (region '${region}').`, region, undefined, key);
  }
  const prices = block[kind] as Record<string, unknown>;
  const isItemKind = !(INSTANCE_KINDS as readonly string[]).includes(kind);
  const isPriceKey = isItemKind ? (ITEMS[kind as ItemKind] as readonly string[]).includes(key) : true;
  const value = isPriceKey && Object.hasOwn(prices, key) ? prices[key] : undefined;
  const found = isItemKind ? typeof value === 'number' && value > 0 : value !== undefined;
  if (!found) {
    throw new MissingPriceError(
      `No AWS price for ${KIND_WORDS[kind]} '${key}' in region '${region}' ` +
        `(price table retrieved ${table.retrieved}).`,
      region,
      kind,
      key,
    );
  }
  return value as Ec2Price | RdsPrice | CachePrice | number;
}

/**
 * Validates a price table read from elsewhere (a file written by `gitlab-aws cost refresh`). `origin`
 * names it in the error.
 */
export function parsePriceTable(raw: unknown, origin: string): PriceTable {
  const parsed = PriceTableSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(
      `${origin} is not a valid gitlab-aws price table:\n${z.prettifyError(parsed.error)}`,
      2,
    );
  }
  return parsed.data;
}

/** How old a price table may be before `plan` and `cost` say its prices may have changed. */
export const PRICE_TABLE_MAX_AGE_MONTHS = 6;

/**
 * A warning when the table was retrieved more than PRICE_TABLE_MAX_AGE_MONTHS before `today`
 * (YYYY-MM-DD), saying how to get current prices; undefined while it is recent enough.
 */
export function priceTableAgeWarning(table: PriceTable, today: string, region: string): string | undefined {
  const expires = new Date(`${table.retrieved}T00:00:00Z`);
  expires.setUTCMonth(expires.getUTCMonth() + PRICE_TABLE_MAX_AGE_MONTHS);
  if (new Date(`${today}T00:00:00Z`) <= expires) return undefined;
  return `warning: the AWS prices were retrieved ${table.retrieved}, more than ${PRICE_TABLE_MAX_AGE_MONTHS} months before today (${today}), and may have changed; \`gitlab-aws cost refresh --region ${region}\` writes a current table to use with --prices FILE`;
}
