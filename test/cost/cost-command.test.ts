import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../src/cost/prices.js';
import { runCli, tempDir } from '../cli/run-cli.js';

/** A spec choosing a real node type the price table does not carry. */
const UNPRICED_SPEC =
  'name: gitlab\nregion: us-west-2\ndomain: { name: gitlab.example.com }\nredis: { nodeType: cache.m6g.3xlarge }\n';

describe('gitlab-aws cost and plan', () => {
  it('plan shows the bill of materials by role with both totals and the assumptions', async () => {
    const result = await runCli(['plan', '--size', '3k', '--cpu', 'graviton']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Bill of materials \(us-west-2, USD, AWS prices retrieved 2025-04-05, 730 h a month\)/,
    );
    expect(result.stdout).toMatch(/ {2}rails\s+EC2 c7g\.2xlarge\s+3 instances\s+\$0\.29\/h\s+\$635\.10\s+\$/);
    expect(result.stdout).toMatch(/Monthly total on demand: +\$[\d,]+\.\d\d/);
    expect(result.stdout).toMatch(/Monthly total with commitments: +\$[\d,]+\.\d\d/);
    expect(result.stdout).toContain('GiB stored in S3 Standard: 1000 (cost.storageGiB, default 1000)');
    // The BOM sits before the checks.
    expect(result.stdout.indexOf('Bill of materials')).toBeLessThan(result.stdout.indexOf('Checks:'));
  });

  it('plan still shows the plan, with one line naming the missing price', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), UNPRICED_SPEC);
    const result = await runCli(['plan'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Compute nodes');
    expect(result.stdout).toContain(
      "Bill of materials: not available. No AWS price for ElastiCache node type 'cache.m6g.3xlarge' in region 'us-west-2'",
    );
  });

  it('plan --json stays the Plan', async () => {
    const plan = JSON.parse((await runCli(['plan', '--size', 'poc', '--json'])).stdout);
    expect(plan.schemaVersion).toBe(1);
    expect(plan).not.toHaveProperty('bom');
  });

  it('cost --json prints the bill whose total is the sum of its lines', async () => {
    const result = await runCli(['cost', '--size', 'poc', '--json']);
    expect(result.code).toBe(0);
    const bom = JSON.parse(result.stdout);
    const sum = bom.lines.reduce((total: number, line: { monthly: number }) => total + line.monthly, 0);
    expect(bom.total.monthly).toBeCloseTo(sum, 6);
    expect(bom.priceTableRetrieved).toBe(loadPriceTable().retrieved);
  });

  it('cost --csv has one row per line item', async () => {
    const json = JSON.parse((await runCli(['cost', '--size', 'poc', '--json'])).stdout);
    const csv = (await runCli(['cost', '--size', 'poc', '--csv'])).stdout.trim().split('\n');
    expect(csv[0]).toBe(
      'role,item,quantity,unit,billing,unit_price_usd,commitment_unit_price_usd,monthly_usd,monthly_committed_usd,assumption',
    );
    expect(csv).toHaveLength(json.lines.length + 1);
    expect(csv[1]).toMatch(/^rails,EC2 c5\.2xlarge,2,instance,hourly,0\.34,/);
  });

  it('cost --compare prints reference and configured side by side', async () => {
    const result = await runCli(['cost', '--compare', '--size', '2k', '--cpu', 'graviton']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ROLE\s+REFERENCE \(DOCS\)\s+AS CONFIGURED\s+RATIO/);
    expect(result.stdout).toMatch(/total on demand\s+\$[\d,.]+\s+\$[\d,.]+\s+x0\.\d\d/);
  });

  it('cost fails with exit 1 and the missing price; bad flags exit 2', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), UNPRICED_SPEC);
    const missing = await runCli(['cost'], { cwd });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(
      /^Spec: .*gitlab-aws\.yaml\nerror: No AWS price for ElastiCache node type 'cache\.m6g\.3xlarge'/,
    );
    expect((await runCli(['cost', '--json', '--csv'])).code).toBe(2);
    expect((await runCli(['cost', 'refesh'])).stderr).toMatch(/unknown cost subcommand "refesh"/);
  });

  it('cost --prices reads a refreshed table and rejects an invalid one', async () => {
    const cwd = tempDir();
    const table = structuredClone(loadPriceTable()) as {
      regions: Record<string, { ec2: Record<string, { onDemandHourly: number }> }>;
    };
    table.regions['us-west-2']!.ec2['c5.2xlarge']!.onDemandHourly = 1;
    writeFileSync(join(cwd, 'prices.json'), JSON.stringify(table));
    const bom = JSON.parse(
      (await runCli(['cost', '--size', 'poc', '--json', '--prices', 'prices.json'], { cwd })).stdout,
    );
    expect(bom.lines[0]).toMatchObject({ item: 'EC2 c5.2xlarge', unitPrice: 1, monthly: 2 * 730 });
    writeFileSync(join(cwd, 'bad.json'), '{"schemaVersion": 2}');
    const bad = await runCli(['cost', '--prices', 'bad.json'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json is not a valid gitlab-aws price table/);
  });

  it('plan --diagram writes an SVG and refuses other formats', async () => {
    const cwd = tempDir();
    const result = await runCli(['plan', '--size', 'poc', '--diagram', 'gitlab.svg'], { cwd });
    expect(result.stdout).toContain(`Diagram written to ${join(cwd, 'gitlab.svg')}`);
    const wrong = await runCli(['plan', '--diagram', 'gitlab.pdf'], { cwd });
    expect(wrong).toMatchObject({
      code: 2,
      stderr: 'error: --diagram gitlab.pdf: use a file name ending in .svg or .png\n',
    });
  });
});
