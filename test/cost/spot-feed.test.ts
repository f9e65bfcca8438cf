import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_INSTANCE_TYPES } from '../../src/catalog/gitlab-runner.js';
import { INSTANCE_TYPES } from '../../src/catalog/instance-types.js';
import { REGIONS } from '../../src/catalog/regions.js';
import { SPOT_INTERRUPTION_BANDS, SPOT_INTERRUPTIONS } from '../../src/catalog/spot-interruption.js';
import { loadPriceTable, type PriceTable } from '../../src/cost/prices.js';
import { loadSpotTable, parseSpotTable } from '../../src/cost/runner-fleet.js';
import {
  type AdvisorTables,
  estimatedSpotHourly,
  linuxAdvisorFigures,
  missingFigures,
  runnerCatalogInstanceTypes,
  SPOT_ADVISOR_SOURCE_ID,
  spotTablesFromAdvisor,
  unexplainedGaps,
} from '../../src/cost/spot-feed.js';

/** The feed's `ranges`, as the Spot Instance Advisor publishes them. */
const RANGES = [
  { index: 0, label: '<5%', dots: 0, max: 5 },
  { index: 1, label: '5-10%', dots: 1, max: 11 },
  { index: 2, label: '10-15%', dots: 2, max: 16 },
  { index: 3, label: '15-20%', dots: 3, max: 22 },
  { index: 4, label: '>20%', dots: 4, max: 100 },
];

const ORIGIN = {
  file: 'github.com/alexei-led/spotinfo internal/spot/data/spot-advisor-data.json',
  commit: '5eedf20a99614443af215f4aaf09bd10805cac72',
  date: '2025-06-28',
  sha256: '06d25100fe665ce321f205bd210aceb00184034be46b9b204b9efa7d1bda481b',
};

/** On-demand prices for two types in us-west-2 and none elsewhere: only what the converter reads. */
const PRICES = {
  retrieved: '2025-04-05',
  regions: {
    'us-west-2': { ec2: { 'm7g.xlarge': { onDemandHourly: 0.2 }, 'c7g.xlarge': { onDemandHourly: 0.1785 } } },
    'eu-west-1': { ec2: { 'm7g.xlarge': { onDemandHourly: 0.17 } } },
  },
} as unknown as PriceTable;

let feed: Record<string, unknown>;
beforeAll(() => {
  feed = {
    instance_types: { 'm7g.xlarge': { emr: true, cores: 4, ram_gb: 16 } },
    ranges: RANGES,
    global_rate: '<10%',
    spot_advisor: {
      'us-west-2': {
        Linux: { 'm7g.xlarge': { s: 60, r: 4 }, 'c7g.xlarge': { s: 59, r: 0 } },
        Windows: { 'm7g.xlarge': { s: 30, r: 1 } },
      },
      'eu-west-1': { Linux: { 'm7g.xlarge': { s: -12, r: 2 }, 'c7g.xlarge': { s: 50, r: 0 } }, Windows: {} },
      'sa-east-1': { Linux: { 'm7g.xlarge': { s: 70, r: 3 } } },
      'ap-east-2': { Windows: { 'm7g.xlarge': { s: 70, r: 3 } } },
    },
  };
});

/** The fixture's tables, made inside each test that reads them (so mutation testing sees which test covers what). */
const fixtureTables = (): AdvisorTables =>
  spotTablesFromAdvisor(
    feed,
    ORIGIN,
    PRICES,
    ['us-west-2', 'eu-west-1', 'sa-east-1'],
    ['m7g.xlarge', 'c7g.xlarge'],
  );

describe('the Spot Instance Advisor feed', () => {
  it('reads the Linux saving and interruption band per region and type', () => {
    const figures = linuxAdvisorFigures(feed);
    expect([...figures.keys()]).toEqual(['us-west-2', 'eu-west-1', 'sa-east-1', 'ap-east-2']);
    expect(Object.fromEntries(figures.get('us-west-2')!)).toEqual({
      'm7g.xlarge': { savingsPercent: 60, interruption: '>20%' },
      'c7g.xlarge': { savingsPercent: 59, interruption: '<5%' },
    });
    expect(figures.get('eu-west-1')!.get('m7g.xlarge')).toEqual({
      savingsPercent: -12,
      interruption: '10-15%',
    });
    expect(figures.get('ap-east-2')!.size).toBe(0);
  });

  it('refuses what is not the feed, a band it does not know and a figure that is not {s, r}', () => {
    const { ranges: _ranges, ...withoutRanges } = feed;
    const withFigure = (figure: unknown) => ({
      ranges: RANGES,
      spot_advisor: { 'us-west-2': { Linux: { 'm7g.xlarge': figure } } },
    });
    expect(() => linuxAdvisorFigures(null)).toThrow(/no spot_advisor object/);
    expect(() => linuxAdvisorFigures({ spot_advisor: [] })).toThrow(/no spot_advisor object/);
    expect(() => linuxAdvisorFigures(withoutRanges)).toThrow(/no ranges list/);
    expect(() => linuxAdvisorFigures({ ...feed, ranges: [...RANGES, { index: 5, label: '>50%' }] })).toThrow(
      /interruption range gitlab-aws does not know: .*>50%/,
    );
    expect(() => linuxAdvisorFigures({ ...feed, ranges: [{ label: '<5%' }] })).toThrow(/does not know/);
    for (const figure of [
      { r: 0 },
      { s: '60', r: 0 },
      { s: 100, r: 0 },
      { s: -100, r: 0 },
      { s: 60 },
      { s: 60, r: 5 },
      7,
    ]) {
      expect(() => linuxAdvisorFigures(withFigure(figure)), JSON.stringify(figure)).toThrow(
        /figure for m7g.xlarge in us-west-2 is not \{s, r\}/,
      );
    }
    expect(
      linuxAdvisorFigures(withFigure({ s: 99.5, r: 4 }))
        .get('us-west-2')!
        .get('m7g.xlarge'),
    ).toEqual({
      savingsPercent: 99.5,
      interruption: '>20%',
    });
    expect(
      linuxAdvisorFigures(withFigure({ s: -99, r: 0 }))
        .get('us-west-2')!
        .get('m7g.xlarge'),
    ).toEqual({
      savingsPercent: -99,
      interruption: '<5%',
    });
  });

  it('estimates a Spot price as the on-demand price less the saving, never above on demand', () => {
    expect(estimatedSpotHourly(0.2, 60)).toBe(0.08);
    // 0.1785 x 0.41 = 0.073185: to a hundredth of a cent.
    expect(estimatedSpotHourly(0.1785, 59)).toBe(0.0732);
    expect(estimatedSpotHourly(0.17, -12)).toBe(0.17);
    expect(estimatedSpotHourly(0.17, 0)).toBe(0.17);
  });

  it('becomes a Spot table of estimates, with its gaps and their reasons', () => {
    const { spotPrices } = fixtureTables();
    expect(parseSpotTable(spotPrices)).toEqual(spotPrices);
    expect(spotPrices.regions).toEqual({
      'us-west-2': {
        'm7g.xlarge': { spotHourly: 0.08, savingsPercent: 60, source: SPOT_ADVISOR_SOURCE_ID },
        'c7g.xlarge': { spotHourly: 0.0732, savingsPercent: 59, source: SPOT_ADVISOR_SOURCE_ID },
      },
      'eu-west-1': {
        'm7g.xlarge': { spotHourly: 0.17, savingsPercent: -12, source: SPOT_ADVISOR_SOURCE_ID },
      },
      'sa-east-1': {},
    });
    expect(spotPrices.gaps).toEqual([
      // In the feed, and in the on-demand table's region, but not among its types.
      {
        region: 'eu-west-1',
        instanceType: 'c7g.xlarge',
        reason: 'the on-demand price table has no price for it',
      },
      {
        region: 'sa-east-1',
        instanceType: 'm7g.xlarge',
        reason: 'the on-demand price table has no price for it',
      },
      {
        region: 'sa-east-1',
        instanceType: 'c7g.xlarge',
        reason: 'the Spot Instance Advisor feed has no Linux figure for it',
      },
    ]);
    const [source] = spotPrices.sources;
    expect(spotPrices.sources).toHaveLength(1);
    expect(source!.id).toBe(SPOT_ADVISOR_SOURCE_ID);
    expect(source!.date).toBe(ORIGIN.date);
    expect(source!.sha256).toBe(ORIGIN.sha256);
    expect(source!.what).toMatch(/estimate, not a quote/);
    for (const part of [ORIGIN.file, ORIGIN.commit, ORIGIN.sha256, 'spot-bid-advisor.s3.amazonaws.com'])
      expect(source!.where).toContain(part);
    expect(spotPrices.notes.join(' ')).toContain('src/cost/data/aws-prices.json (retrieved 2025-04-05)');
  });

  it('becomes a table of interruption bands for every pair the feed has, priced or not', () => {
    const tables = fixtureTables();
    const { interruptions } = tables;
    expect(interruptions.regions).toEqual({
      'us-west-2': { 'm7g.xlarge': '>20%', 'c7g.xlarge': '<5%' },
      'eu-west-1': { 'm7g.xlarge': '10-15%', 'c7g.xlarge': '<5%' },
      'sa-east-1': { 'm7g.xlarge': '15-20%' },
    });
    expect(interruptions.gaps).toEqual([
      {
        region: 'sa-east-1',
        instanceType: 'c7g.xlarge',
        reason: 'the Spot Instance Advisor feed has no Linux figure for it',
      },
    ]);
    expect(interruptions.source.sha256).toBe(ORIGIN.sha256);
    expect(interruptions.source.date).toBe(ORIGIN.date);
    expect(interruptions.source.where).toBe(tables.spotPrices.sources[0]!.where);
  });

  it('tells the pairs a table has no figure for from those it does not explain', () => {
    const table = { regions: { a: { x: 1 } }, gaps: [{ region: 'a', instanceType: 'y' }] };
    expect(missingFigures(table, ['a', 'b'], ['x', 'y'])).toEqual(['a y', 'b x', 'b y']);
    expect(unexplainedGaps(table, ['a', 'b'], ['x', 'y'])).toEqual(['b x', 'b y']);
    expect(unexplainedGaps(table, ['a'], ['x', 'y'])).toEqual([]);
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

describe('the shipped Spot tables', () => {
  let regions: string[];
  let types: string[];
  beforeAll(() => {
    regions = Object.keys(REGIONS);
    types = runnerCatalogInstanceTypes();
  });
  const pair = (gap: { region: string; instanceType: string }) => `${gap.region} ${gap.instanceType}`;

  it('have a figure for every region and runner type, or list it as a gap, and list no gap they have a figure for', () => {
    for (const table of [loadSpotTable(), SPOT_INTERRUPTIONS]) {
      // A region or runner type added since the tables were written: run scripts/spot-prices.mjs again.
      expect(unexplainedGaps(table, regions, types)).toEqual([]);
      expect(table.gaps.map(pair)).toEqual(missingFigures(table, regions, types));
    }
  });

  it('leave out a Spot price only where the on-demand table or the feed has none', () => {
    const prices = loadPriceTable();
    for (const gap of loadSpotTable().gaps) {
      const onDemand = prices.regions[gap.region]?.ec2[gap.instanceType];
      const band = SPOT_INTERRUPTIONS.regions[gap.region]?.[gap.instanceType];
      // A gap both tables could fill now: the on-demand table has grown since the Spot table was written.
      expect(onDemand !== undefined && band !== undefined, pair(gap)).toBe(false);
    }
    expect(SPOT_INTERRUPTIONS.gaps).toEqual([]);
  });

  it('estimate every Spot price from the shipped on-demand price and the saving', () => {
    const prices = loadPriceTable();
    for (const [region, entries] of Object.entries(loadSpotTable().regions)) {
      for (const [type, entry] of Object.entries(entries)) {
        const onDemand = prices.regions[region]!.ec2[type]!.onDemandHourly;
        const saving = Math.max(entry.savingsPercent!, 0);
        expect(
          Math.abs(entry.spotHourly - onDemand * (1 - saving / 100)),
          `${region} ${type}`,
        ).toBeLessThanOrEqual(0.00005 + 1e-12);
      }
    }
  });

  it('come from the same file, named with its commit, date and digest', () => {
    const [source] = loadSpotTable().sources;
    expect(loadSpotTable().sources).toHaveLength(1);
    expect(source!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(SPOT_INTERRUPTIONS.source.sha256).toBe(source!.sha256);
    expect(SPOT_INTERRUPTIONS.source.date).toBe(source!.date);
    expect(source!.where).toContain(source!.sha256!);
    expect(source!.where).toMatch(/@ [0-9a-f]{40} /);
    expect(
      Object.values(SPOT_INTERRUPTIONS.regions)
        .flatMap(Object.values)
        .every((band) => SPOT_INTERRUPTION_BANDS.includes(band)),
    ).toBe(true);
  });
});

describe('scripts/spot-prices.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitlab-aws-spot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes both tables the module makes from the file, with the file digest, and names the gaps', () => {
    const input = join(dir, 'spot-advisor-data.json');
    const out = join(dir, 'spot-prices.json');
    const interruptionsOut = join(dir, 'spot-interruption.json');
    writeFileSync(input, JSON.stringify(feed));
    const script = resolve(import.meta.dirname, '../../scripts/spot-prices.mjs');
    const run = spawnSync(
      process.execPath,
      [
        script,
        input,
        '--commit',
        ORIGIN.commit,
        '--date',
        ORIGIN.date,
        '--out',
        out,
        '--interruptions-out',
        interruptionsOut,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const digest = createHash('sha256').update(readFileSync(input)).digest('hex');
    expect(run.stdout).toContain(`sha256 ${digest}`);
    const expected = spotTablesFromAdvisor(
      feed,
      { ...ORIGIN, sha256: digest },
      loadPriceTable(),
      Object.keys(REGIONS),
      runnerCatalogInstanceTypes(),
    );
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(expected.spotPrices)));
    expect(JSON.parse(readFileSync(interruptionsOut, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(expected.interruptions)),
    );
    expect(expected.spotPrices.regions['us-west-2']!['m7g.xlarge']!.savingsPercent).toBe(60);
    expect(run.stdout).toContain(
      'no Spot price: us-east-1 m7g.xlarge (the Spot Instance Advisor feed has no Linux figure for it)',
    );
    expect(run.stdout).toContain(
      'no Spot price: sa-east-1 m7g.xlarge (the on-demand price table has no price for it)',
    );
  });

  it('refuses to run without the commit and date of the file', () => {
    const script = resolve(import.meta.dirname, '../../scripts/spot-prices.mjs');
    const run = spawnSync(
      process.execPath,
      [script, 'x.json', '--commit', ORIGIN.commit, '--date', '28 June'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/usage: .*--date <YYYY-MM-DD>/);
  });
});
