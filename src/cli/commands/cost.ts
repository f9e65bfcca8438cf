import { resolve } from 'node:path';
import { billOfMaterials } from '../../cost/bom.js';
import { compareWithReference } from '../../cost/compare.js';
import {
  loadPriceTable,
  MissingPriceError,
  type PriceTable,
  parsePriceTable,
  priceTableAgeWarning,
} from '../../cost/prices.js';
import { hasErrors } from '../../plan/index.js';
import { renderBom, renderBomCsv, renderComparison, renderComparisonCsv } from '../../report/bom.js';
import type { CliCommand, CliInvocation } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';
import { readUserJson } from '../user-files.js';

function priceTableFrom(invocation: CliInvocation): PriceTable {
  const file = invocation.values.prices as string | undefined;
  if (file === undefined) return loadPriceTable();
  return parsePriceTable(readUserJson('--prices', file, invocation.io.cwd), file);
}

async function showCost(invocation: CliInvocation): Promise<number> {
  const { values, io } = invocation;
  if (values.json && values.csv) throw new UserError('--json and --csv exclude each other', 2);
  const plan = planFromArgs(invocation);
  const table = priceTableFrom(invocation);
  // A bill for a plan that cannot be deployed as it stands: shown, but not a success (as with plan).
  const failed = hasErrors(plan);
  if (failed) {
    const errors = plan.checks.filter((check) => check.level === 'error').length;
    io.err(`error: the plan has ${errors} error(s); run gitlab-aws plan to see them and how to fix them\n`);
  }
  const stale = priceTableAgeWarning(table, isoToday(), plan.region);
  /** Said after the bill, once there is one to warn about. */
  const done = (): number => {
    if (stale) io.err(`${stale}\n`);
    return failed ? 1 : 0;
  };
  try {
    if (values.compare) {
      const comparison = compareWithReference(plan, table);
      if (values.json) io.out(`${JSON.stringify(comparison, null, 2)}\n`);
      else if (values.csv) io.out(renderComparisonCsv(comparison));
      else io.out(`${renderComparison(comparison)}\n`);
      return done();
    }
    const bom = billOfMaterials(plan, table);
    if (values.json) io.out(`${JSON.stringify(bom, null, 2)}\n`);
    else if (values.csv) io.out(renderBomCsv(bom));
    else io.out(`${renderBom(bom)}\n`);
    return done();
  } catch (error) {
    if (error instanceof MissingPriceError) throw new UserError(error.message, 1);
    throw error;
  }
}

/** `cost refresh`: rebuild a region's instance prices from the Price List API into a new table file. */
async function refresh(invocation: CliInvocation): Promise<number> {
  const { values, io } = invocation;
  const region = values.region as string | undefined;
  if (!region) throw new UserError('cost refresh needs --region REGION (see gitlab-aws cost --help)', 2);
  const { credentialSource, refreshRegion } = await import('../../cost/refresh.js');
  const source = credentialSource(io.env, io.env.HOME);
  if (!source) {
    throw new UserError(
      'cost refresh needs AWS credentials (pricing:GetProducts): none found in AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws/credentials or ~/.aws/config',
    );
  }
  const { PricingClient } = await import('@aws-sdk/client-pricing');
  // The Price List API answers from us-east-1 for every region's prices.
  const client = new PricingClient({ region: 'us-east-1' });
  const out = resolve(io.cwd, (values.out as string | undefined) ?? 'aws-prices.json');
  try {
    const result = await refreshRegion(client, priceTableFrom(invocation), region, isoToday());
    const { writeFileSync } = await import('node:fs');
    writeFileSync(out, `${JSON.stringify(result.table, null, 2)}\n`);
    io.out(`Priced ${result.priced} instance types in ${region} (credentials: ${source}); wrote ${out}\n`);
    if (result.missing.length > 0) io.out(`Not priced by the API (left out): ${result.missing.join(', ')}\n`);
    io.out(`Use it with: gitlab-aws cost --prices ${out}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UserError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new UserError(`cost refresh: ${message.split('\n')[0]}`);
  } finally {
    client.destroy();
  }
}

function isoToday(): string {
  return new Date().toISOString().slice(0, 10);
}

export const command: CliCommand = {
  name: 'cost',
  async run(invocation) {
    const [subcommand] = invocation.positionals;
    switch (subcommand) {
      case undefined:
        return showCost(invocation);
      case 'refresh':
        return refresh(invocation);
      default:
        throw new UserError(
          `unknown cost subcommand "${subcommand}": use refresh, or estimate's new name \`gitlab-aws estimate\``,
          2,
        );
    }
  },
};
