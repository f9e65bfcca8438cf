import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPriceTable, PriceTableSchema, priceOf } from '../../src/cost/prices.js';
import { credentialSource, refreshRegion } from '../../src/cost/refresh.js';
import { runCli, tempDir } from '../cli/run-cli.js';
import { CACHE_PAGES, EC2_PAGES, RDS_PAGES } from './fixtures/price-list.js';

const pricing = mockClient(PricingClient);
afterEach(() => pricing.reset());

function answerFromFixtures(): void {
  pricing
    .on(GetProductsCommand, { ServiceCode: 'AmazonEC2' })
    .resolves(EC2_PAGES[0]!)
    .on(GetProductsCommand, { ServiceCode: 'AmazonEC2', NextToken: 'page-2' })
    .resolves(EC2_PAGES[1]!)
    .on(GetProductsCommand, { ServiceCode: 'AmazonRDS' })
    .resolves(RDS_PAGES[0]!)
    .on(GetProductsCommand, { ServiceCode: 'AmazonElastiCache' })
    .resolves(CACHE_PAGES[0]!);
}

describe('cost refresh', () => {
  it('rebuilds the region from recorded GetProducts answers, following pages', async () => {
    answerFromFixtures();
    const base = loadPriceTable();
    const result = await refreshRegion(
      new PricingClient({ region: 'us-east-1' }),
      base,
      'us-west-2',
      '2026-01-02',
    );
    const region = result.table.regions['us-west-2']!;
    expect(region.ec2).toEqual({
      'c7g.large': { onDemandHourly: 0.0725, commitment1yHourly: 0.0457, source: 'price-list-api-us-west-2' },
      'm6i.xlarge': { onDemandHourly: 0.192, commitment1yHourly: 0.127, source: 'price-list-api-us-west-2' },
    });
    expect(region.rds['db.m7g.large']).toEqual({
      singleAzHourly: 0.168,
      multiAzHourly: 0.336,
      commitment1yHourly: 0.115,
      commitment1yMultiAzHourly: 0.23,
      source: 'price-list-api-us-west-2',
    });
    expect(priceOf(result.table, 'us-west-2', 'elasticache', 'cache.r7g.large').onDemandHourly).toBe(0.219);
    // Items and other regions are the base table's; types the API did not price are reported.
    expect(region.ebs).toEqual(base.regions['us-west-2']!.ebs);
    expect(result.table.regions['eu-west-1']).toEqual(base.regions['eu-west-1']);
    expect(result.missing).toContain('t3.micro');
    expect(result.priced).toBe(4);
    expect(result.table.retrieved).toBe('2026-01-02');
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(4);
    expect(pricing.commandCalls(GetProductsCommand)[0]!.args[0].input.Filters).toContainEqual({
      Type: 'TERM_MATCH',
      Field: 'regionCode',
      Value: 'us-west-2',
    });
  });

  it('writes a table that round-trips through the schema', async () => {
    answerFromFixtures();
    const { table } = await refreshRegion(
      new PricingClient({ region: 'us-east-1' }),
      loadPriceTable(),
      'us-west-2',
      '2026-01-02',
    );
    const reread = PriceTableSchema.parse(JSON.parse(JSON.stringify(table)));
    expect(reread).toEqual(table);
    expect(reread.sources.map((source) => source.id)).toContain('price-list-api-us-west-2');
  });

  it('refuses a region the base table has no item prices for', async () => {
    answerFromFixtures();
    await expect(
      refreshRegion(new PricingClient({ region: 'us-east-1' }), loadPriceTable(), 'sa-east-1', '2026-01-02'),
    ).rejects.toThrow(/region 'sa-east-1' has no EBS, network and service item prices/);
  });

  it('fails fast with one line when there are no credentials', async () => {
    const home = tempDir();
    expect(credentialSource({}, home)).toBeUndefined();
    expect(credentialSource({ AWS_PROFILE: 'prices' }, home)).toBe('profile prices');
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), '[default]\n');
    expect(credentialSource({}, home)).toBe(join(home, '.aws', 'config'));
    const result = await runCli(['cost', 'refresh', '--region', 'us-west-2'], {
      env: { HOME: tempDir(), AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: cost refresh needs AWS credentials/);
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(0);
  });
});
