import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_INSTANCE_TYPES } from '../../src/catalog/gitlab-runner.js';
import { INSTANCE_TYPES } from '../../src/catalog/instance-types.js';
import { REGIONS } from '../../src/catalog/regions.js';
import { parseSpotTable, SPOT_PRICES } from '../../src/cost/runner-fleet.js';
import {
  FEED_REGION_ALIASES,
  linuxSpotPrices,
  missingSpotPrices,
  runnerCatalogInstanceTypes,
  SPOT_FEED_SOURCE_ID,
  spotTableFromFeed,
} from '../../src/cost/spot-feed.js';

/** One size in the feed's shape: a Linux and a Windows column of USD strings. */
const size = (name: string, linux: string, mswin = '1.0') => ({
  size: name,
  valueColumns: [
    { name: 'linux', prices: { USD: linux } },
    { name: 'mswin', prices: { USD: mswin } },
  ],
});
const region = (name: string, ...groups: ReturnType<typeof size>[][]) => ({
  region: name,
  footnotes: { '*': 'notAvailableForCCorCGPU' },
  instanceTypes: groups.map((sizes, index) => ({ type: `group${index}`, sizes })),
});

const ORIGIN = {
  file: 'github.com/alexei-led/spotinfo internal/spot/data/spot-price-data.json',
  commit: '69bcec6705869f89302ee456159dfe39f8dc2b7b',
  fetchedAt: '2026-08-10T06:54:02Z',
  sha256: 'cafdfff877df03265127b0b7615b92de79bc4e53b20eef3f2bb37181160fdbee',
};

let feed: unknown;
beforeAll(() => {
  feed = {
    vers: 0.01,
    config: {
      rate: 'perhr',
      valueColumns: ['linux', 'mswin'],
      currencies: ['USD'],
      regions: [
        region(
          'us-west-2',
          [size('m7g.xlarge', '0.0547', 'N/A*'), size('t3.nano', '9.0E-4')],
          [size('c7g.xlarge', '0.061'), size('c6g.xlarge', 'N/A*')],
        ),
        region('eu-ireland', [size('m7g.xlarge', '0.05')]),
        region('us-west-2-lax-1', [size('m7g.xlarge', '0.9')]),
      ],
    },
  };
});

describe('the Spot price feed', () => {
  it('reads Linux prices per region code, leaving out what is not sold', () => {
    const prices = linuxSpotPrices(feed);
    expect([...prices.keys()]).toEqual(['us-west-2', 'eu-west-1', 'us-west-2-lax-1']);
    expect(Object.fromEntries(prices.get('us-west-2')!)).toEqual({
      'm7g.xlarge': 0.0547,
      't3.nano': 0.0009,
      'c7g.xlarge': 0.061,
    });
    expect(prices.get('eu-west-1')?.get('m7g.xlarge')).toBe(0.05);
  });

  it('maps every older region name of the feed to a region code', () => {
    for (const [alias, code] of Object.entries(FEED_REGION_ALIASES)) {
      const prices = linuxSpotPrices({ config: { regions: [region(alias, [size('m7g.xlarge', '0.1')])] } });
      expect([...prices.keys()]).toEqual([code]);
    }
  });

  it('refuses what is not the feed, and a type priced twice at two prices', () => {
    expect(() => linuxSpotPrices({})).toThrow(/no config.regions/);
    expect(() => linuxSpotPrices(null)).toThrow(/no config.regions/);
    expect(() => linuxSpotPrices({ config: { regions: [{}] } })).toThrow(/no name/);
    const twice = (second: string) => ({
      config: { regions: [region('us-west-2', [size('m7g.xlarge', '0.1'), size('m7g.xlarge', second)])] },
    });
    expect(() => linuxSpotPrices(twice('0.2'))).toThrow(/m7g.xlarge in us-west-2 twice, at 0.1 and 0.2/);
    expect(linuxSpotPrices(twice('0.1')).get('us-west-2')?.get('m7g.xlarge')).toBe(0.1);
  });

  it('becomes a valid table of the regions and types asked for, with its source', () => {
    const table = spotTableFromFeed(
      feed,
      ORIGIN,
      ['us-west-2', 'eu-west-1', 'sa-east-1'],
      ['m7g.xlarge', 'c6g.xlarge'],
    );
    expect(parseSpotTable(table)).toEqual(table);
    expect(table.regions).toEqual({
      'us-west-2': { 'm7g.xlarge': { spotHourly: 0.0547, source: SPOT_FEED_SOURCE_ID } },
      'eu-west-1': { 'm7g.xlarge': { spotHourly: 0.05, source: SPOT_FEED_SOURCE_ID } },
      'sa-east-1': {},
    });
    expect(table.sources).toHaveLength(1);
    const [source] = table.sources;
    expect(source!.id).toBe(SPOT_FEED_SOURCE_ID);
    expect(source!.date).toBe('2026-08-10');
    for (const part of [ORIGIN.file, ORIGIN.commit, ORIGIN.sha256, ORIGIN.fetchedAt])
      expect(source!.where).toContain(part);
    expect(missingSpotPrices(table, ['us-west-2', 'sa-east-1'], ['m7g.xlarge', 'c6g.xlarge'])).toEqual([
      'us-west-2 c6g.xlarge',
      'sa-east-1 m7g.xlarge',
      'sa-east-1 c6g.xlarge',
    ]);
  });
});

describe('the runner catalog', () => {
  it('offers the default types of both architectures and every sized EC2 type without CPU credits', () => {
    const types = runnerCatalogInstanceTypes();
    for (const name of Object.values(DEFAULT_RUNNER_INSTANCE_TYPES).flat()) expect(types).toContain(name);
    for (const type of Object.values(INSTANCE_TYPES)) {
      expect(types.includes(type.name), type.name).toBe(type.service === 'ec2' && !type.burstable);
    }
    expect(types).toEqual([...new Set(types)].sort());
  });
});

describe('the shipped Spot table', () => {
  it('is empty, as its notes say, or has every runner type in every supported region', () => {
    const missing = missingSpotPrices(SPOT_PRICES, Object.keys(REGIONS), runnerCatalogInstanceTypes());
    if (Object.keys(SPOT_PRICES.regions).length === 0) {
      expect(SPOT_PRICES.notes.join(' ')).toMatch(/No entry yet/);
    } else {
      expect(missing).toEqual([]);
    }
  });
});

describe('scripts/spot-prices.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitlab-aws-spot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the table the module makes from the file, with the file digest', () => {
    const input = join(dir, 'spot-price-data.json');
    const out = join(dir, 'spot-prices.json');
    writeFileSync(input, JSON.stringify(feed));
    const script = resolve(import.meta.dirname, '../../scripts/spot-prices.mjs');
    const run = spawnSync(
      process.execPath,
      [script, input, '--commit', ORIGIN.commit, '--fetched-at', ORIGIN.fetchedAt, '--out', out],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    const digest = createHash('sha256').update(readFileSync(input)).digest('hex');
    expect(run.stdout).toContain(`sha256 ${digest}`);
    const expected = spotTableFromFeed(
      feed,
      { ...ORIGIN, sha256: digest },
      Object.keys(REGIONS),
      runnerCatalogInstanceTypes(),
    );
    expect(written).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(written.regions['us-west-2']['m7g.xlarge'].spotHourly).toBe(0.0547);
  });
});
