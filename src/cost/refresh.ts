/**
 * Rebuilds a region's instance prices (EC2, RDS for PostgreSQL, ElastiCache) from the AWS Price List
 * Query API (pricing:GetProducts): on-demand hourly and the 1-year No Upfront standard reserved
 * hourly rate, the same facts the bundled table holds. The region's other blocks (EBS, RDS storage,
 * network, other) are carried over from the base table: their Price List products are spread over
 * several services and usage types, and the bundled figures say where each came from.
 *
 * The SDK is loaded only here, and only by `gitlab-aws cost refresh`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import { INSTANCE_TYPES } from '../catalog/instance-types.js';
import { type InstanceKind, type PriceTable, PriceTableSchema } from './prices.js';

/** Types the Plan can choose that the catalog does not list: the bastion hosts (plan/resolve/bastion.ts). */
const BASTION_TYPES = ['t3.micro', 't4g.micro'];

const SERVICE_CODES: Record<InstanceKind, string> = {
  ec2: 'AmazonEC2',
  rds: 'AmazonRDS',
  elasticache: 'AmazonElastiCache',
};

/** Server-side filters; the parser checks the same attributes again. */
function filtersFor(kind: InstanceKind, region: string) {
  const term = (Field: string, Value: string) => ({ Type: 'TERM_MATCH' as const, Field, Value });
  const common = [term('regionCode', region)];
  switch (kind) {
    case 'ec2':
      return [
        ...common,
        term('operatingSystem', 'Linux'),
        term('tenancy', 'Shared'),
        term('preInstalledSw', 'NA'),
        term('capacitystatus', 'Used'),
        term('licenseModel', 'No License required'),
      ];
    case 'rds':
      return [...common, term('databaseEngine', 'PostgreSQL')];
    case 'elasticache':
      return [...common, term('cacheEngine', 'Redis')];
  }
}

/** One product of a GetProducts answer, as far as this module reads it. */
interface PriceListProduct {
  readonly product: { readonly sku: string; readonly attributes: Record<string, string | undefined> };
  readonly terms: {
    readonly OnDemand?: Record<string, PriceListTerm>;
    readonly Reserved?: Record<string, PriceListTerm>;
  };
  readonly publicationDate?: string;
}

interface PriceListTerm {
  readonly termAttributes: Record<string, string | undefined>;
  readonly priceDimensions: Record<
    string,
    { readonly unit: string; readonly pricePerUnit: { USD?: string } }
  >;
}

/** The hourly USD rate of a term ("Hrs" dimension), or undefined. */
function hourlyRate(term: PriceListTerm | undefined): number | undefined {
  if (!term) return undefined;
  const hourly = Object.values(term.priceDimensions).find((dimension) => dimension.unit === 'Hrs');
  const value = Number(hourly?.pricePerUnit.USD);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function onDemandHourly(product: PriceListProduct): number | undefined {
  return hourlyRate(Object.values(product.terms.OnDemand ?? {})[0]);
}

/** The 1-year No Upfront standard reserved term (RDS and ElastiCache reserved offers are all standard). */
function reservedHourly(product: PriceListProduct): number | undefined {
  const term = Object.values(product.terms.Reserved ?? {}).find(
    (candidate) =>
      candidate.termAttributes.LeaseContractLength === '1yr' &&
      candidate.termAttributes.PurchaseOption === 'No Upfront' &&
      (candidate.termAttributes.OfferingClass ?? 'standard') === 'standard',
  );
  return hourlyRate(term);
}

/** Every product of a service and region, following NextToken. */
export async function fetchProducts(
  client: PricingClient,
  kind: InstanceKind,
  region: string,
): Promise<PriceListProduct[]> {
  const products: PriceListProduct[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetProductsCommand({
        ServiceCode: SERVICE_CODES[kind],
        Filters: filtersFor(kind, region),
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    for (const item of page.PriceList ?? []) {
      products.push(JSON.parse(typeof item === 'string' ? item : JSON.stringify(item)) as PriceListProduct);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return products;
}

function isWanted(
  kind: InstanceKind,
  attributes: Record<string, string | undefined>,
  region: string,
): boolean {
  if (attributes.regionCode !== region) return false;
  switch (kind) {
    case 'ec2':
      return (
        attributes.operatingSystem === 'Linux' &&
        attributes.tenancy === 'Shared' &&
        attributes.preInstalledSw === 'NA' &&
        attributes.capacitystatus === 'Used' &&
        attributes.licenseModel === 'No License required'
      );
    case 'rds':
      // 'Multi-AZ' is a Multi-AZ DB instance; Multi-AZ DB clusters ('readable standbys') are not used.
      return (
        attributes.databaseEngine === 'PostgreSQL' &&
        (attributes.deploymentOption === 'Single-AZ' || attributes.deploymentOption === 'Multi-AZ')
      );
    case 'elasticache':
      return attributes.cacheEngine === 'Redis';
  }
}

export interface RefreshResult {
  readonly table: PriceTable;
  /** Instance types the base table or the catalog wanted that the API did not price fully. */
  readonly missing: readonly string[];
  readonly priced: number;
}

/** Types to price per kind: those of the base table's region, the catalog's and the bastions'. */
function wantedTypes(base: PriceTable, region: string, kind: InstanceKind): string[] {
  const fromBase = Object.keys(base.regions[region]?.[kind] ?? {});
  const fromCatalog = Object.values(INSTANCE_TYPES)
    .filter((spec) => spec.service === kind)
    .map((spec) => spec.name);
  return [...new Set([...fromBase, ...fromCatalog, ...(kind === 'ec2' ? BASTION_TYPES : [])])].sort();
}

/**
 * `base` with `region`'s instance prices rebuilt from the API. Throws when the base table has no
 * item prices for the region (a refresh only rebuilds instance prices).
 */
export async function refreshRegion(
  client: PricingClient,
  base: PriceTable,
  region: string,
  today: string,
): Promise<RefreshResult> {
  const baseRegion = base.regions[region];
  if (!baseRegion) {
    throw new Error(
      `region '${region}' has no EBS, network and service item prices in the base table; ` +
        `cost refresh rebuilds instance prices only (regions: ${Object.keys(base.regions).join(', ')})`,
    );
  }
  const sourceId = `price-list-api-${region}`;
  const missing: string[] = [];
  const byType = async (kind: InstanceKind) => {
    const products = (await fetchProducts(client, kind, region)).filter((product) =>
      isWanted(kind, product.product.attributes, region),
    );
    return { products, wanted: wantedTypes(base, region, kind) };
  };
  const find = (products: PriceListProduct[], type: string, deployment?: string) =>
    products.find(
      (product) =>
        product.product.attributes.instanceType === type &&
        (deployment === undefined || product.product.attributes.deploymentOption === deployment),
    );

  const ec2 = await byType('ec2');
  const ec2Prices: PriceTable['regions'][string]['ec2'] = {};
  for (const type of ec2.wanted) {
    const product = find(ec2.products, type);
    const onDemand = product && onDemandHourly(product);
    const commitment = product && reservedHourly(product);
    if (onDemand && commitment) {
      ec2Prices[type] = { onDemandHourly: onDemand, commitment1yHourly: commitment, source: sourceId };
    } else missing.push(type);
  }

  const rds = await byType('rds');
  const rdsPrices: PriceTable['regions'][string]['rds'] = {};
  for (const type of rds.wanted) {
    const single = find(rds.products, type, 'Single-AZ');
    const multi = find(rds.products, type, 'Multi-AZ');
    const values = [single && onDemandHourly(single), multi && onDemandHourly(multi)];
    const commitments = [single && reservedHourly(single), multi && reservedHourly(multi)];
    const [singleAzHourly, multiAzHourly] = values;
    const [commitment1yHourly, commitment1yMultiAzHourly] = commitments;
    if (singleAzHourly && multiAzHourly && commitment1yHourly && commitment1yMultiAzHourly) {
      rdsPrices[type] = {
        singleAzHourly,
        multiAzHourly,
        commitment1yHourly,
        commitment1yMultiAzHourly,
        source: sourceId,
      };
    } else missing.push(type);
  }

  const cache = await byType('elasticache');
  const cachePrices: PriceTable['regions'][string]['elasticache'] = {};
  for (const type of cache.wanted) {
    const product = find(cache.products, type);
    const onDemand = product && onDemandHourly(product);
    const commitment = product && reservedHourly(product);
    if (onDemand && commitment) {
      cachePrices[type] = { onDemandHourly: onDemand, commitment1yHourly: commitment, source: sourceId };
    } else missing.push(type);
  }

  const table: PriceTable = {
    ...base,
    retrieved: today,
    ...(base.publishedRange ? { publishedRange: { ...base.publishedRange, newest: today } } : {}),
    sources: [
      ...base.sources.filter((source) => source.id !== sourceId),
      {
        id: sourceId,
        what: `EC2 Linux shared-tenancy, RDS for PostgreSQL Single-AZ and Multi-AZ, ElastiCache Redis OSS: on-demand hourly and 1-year No Upfront standard reserved hourly (${region})`,
        where: 'AWS Price List Query API, pricing:GetProducts (AmazonEC2, AmazonRDS, AmazonElastiCache)',
        date: today,
      },
    ],
    notes: [
      ...base.notes,
      `Instance prices for ${region} were rebuilt from the AWS Price List Query API on ${today}; its other blocks are the base table's.`,
    ],
    regions: {
      ...base.regions,
      [region]: { ...baseRegion, ec2: ec2Prices, rds: rdsPrices, elasticache: cachePrices },
    },
  };
  return {
    table: PriceTableSchema.parse(table),
    missing,
    priced: Object.keys(ec2Prices).length + Object.keys(rdsPrices).length + Object.keys(cachePrices).length,
  };
}

/**
 * Where the SDK could find credentials without a network call: environment variables, a profile or
 * shared files, or a container credentials endpoint. Instance roles are not probed (that needs the
 * network); on EC2 set AWS_EC2_METADATA_DISABLED=false to try them anyway.
 */
export function credentialSource(
  env: Readonly<Record<string, string | undefined>>,
  home = homedir(),
): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'AWS_ACCESS_KEY_ID';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'AWS_WEB_IDENTITY_TOKEN_FILE';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return 'container credentials';
  }
  if (env.AWS_EC2_METADATA_DISABLED === 'false') return 'instance metadata';
  const files = { credentials: 'AWS_SHARED_CREDENTIALS_FILE', config: 'AWS_CONFIG_FILE' } as const;
  for (const [file, variable] of Object.entries(files)) {
    const path = env[variable] ?? join(home, '.aws', file);
    if (existsSync(path)) return path;
  }
  return undefined;
}
