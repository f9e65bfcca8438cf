#!/usr/bin/env node
// Writes src/cost/data/spot-prices.json (estimated Spot prices) and
// src/catalog/data/spot-interruption.json (interruption bands) from AWS's Spot Instance Advisor
// feed, for every region gitlab-aws plans for and every instance type a runner fleet can be given,
// so that the tables' numbers come from the file, never from a hand:
//   npm run build
//   node scripts/spot-prices.mjs <spot-advisor-data.json> --commit <sha> --date <YYYY-MM-DD>
// The file is github.com/alexei-led/spotinfo internal/spot/data/spot-advisor-data.json as last
// changed in <sha> on <date>. The Spot prices apply the feed's savings to the on-demand prices of
// src/cost/data/aws-prices.json (as built into dist/). Prints the input's digest and the
// region/type pairs each table has no figure for.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => pathToFileURL(join(root, 'dist', path)).href;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    commit: { type: 'string' },
    date: { type: 'string' },
    out: { type: 'string', default: join(root, 'src/cost/data/spot-prices.json') },
    'interruptions-out': { type: 'string', default: join(root, 'src/catalog/data/spot-interruption.json') },
  },
});
const [file] = positionals;
if (!file || !values.commit || !/^\d{4}-\d{2}-\d{2}$/.test(values.date ?? '')) {
  console.error(
    'usage: node scripts/spot-prices.mjs <spot-advisor-data.json> --commit <sha> --date <YYYY-MM-DD>',
  );
  process.exit(2);
}

const { spotTablesFromAdvisor, runnerCatalogInstanceTypes } = await import(dist('cost/spot-feed.js'));
const { loadPriceTable } = await import(dist('cost/prices.js'));
const { REGIONS } = await import(dist('catalog/regions.js'));

const bytes = readFileSync(file);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const regions = Object.keys(REGIONS);
const types = runnerCatalogInstanceTypes();
const { spotPrices, interruptions } = spotTablesFromAdvisor(
  JSON.parse(bytes.toString('utf8')),
  {
    file: 'github.com/alexei-led/spotinfo internal/spot/data/spot-advisor-data.json',
    commit: values.commit,
    date: values.date,
    sha256,
  },
  loadPriceTable(),
  regions,
  types,
);
console.log(`sha256 ${sha256}`);
for (const [out, table, what] of [
  [values.out, spotPrices, 'Spot price'],
  [values['interruptions-out'], interruptions, 'interruption band'],
]) {
  writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
  console.log(
    `wrote ${out}: ${regions.length} regions x ${types.length} types, ${table.gaps.length} with no ${what}`,
  );
  for (const gap of table.gaps)
    console.log(`  no ${what}: ${gap.region} ${gap.instanceType} (${gap.reason})`);
}
