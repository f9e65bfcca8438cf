#!/usr/bin/env node
// Writes src/cost/data/spot-prices.json from a snapshot of AWS's Spot price feed, for every region
// gitlab-aws plans for and every instance type a runner fleet can be given, so that the table's
// numbers come from the file, never from a hand:
//   npm run build
//   node scripts/spot-prices.mjs <spot-price-data.json> --commit <sha> --fetched-at <ISO time>
// The file is github.com/alexei-led/spotinfo internal/spot/data/spot-price-data.json at <sha>;
// --fetched-at is the `fetched_at` of the spot-price-manifest.json next to it, whose `sha256` the
// printed digest must equal. Prints the region/type pairs the feed has no price for.
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
    'fetched-at': { type: 'string' },
    out: { type: 'string', default: join(root, 'src/cost/data/spot-prices.json') },
  },
});
const [file] = positionals;
if (!file || !values.commit || !values['fetched-at']) {
  console.error(
    'usage: node scripts/spot-prices.mjs <spot-price-data.json> --commit <sha> --fetched-at <ISO time>',
  );
  process.exit(2);
}

const { spotTableFromFeed, runnerCatalogInstanceTypes, missingSpotPrices } = await import(
  dist('cost/spot-feed.js')
);
const { REGIONS } = await import(dist('catalog/regions.js'));

const bytes = readFileSync(file);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const regions = Object.keys(REGIONS);
const types = runnerCatalogInstanceTypes();
const table = spotTableFromFeed(
  JSON.parse(bytes.toString('utf8')),
  {
    file: 'github.com/alexei-led/spotinfo internal/spot/data/spot-price-data.json',
    commit: values.commit,
    fetchedAt: values['fetched-at'],
    sha256,
  },
  regions,
  types,
);
writeFileSync(values.out, `${JSON.stringify(table, null, 2)}\n`);
const missing = missingSpotPrices(table, regions, types);
console.log(`sha256 ${sha256}`);
console.log(
  `wrote ${values.out}: ${regions.length} regions x ${types.length} types, ${missing.length} without a Spot price`,
);
for (const pair of missing) console.log(`  no Spot price: ${pair}`);
