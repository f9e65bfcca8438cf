import { beforeAll, describe, expect, it } from 'vitest';
import { billOfMaterials, HOURS_PER_MONTH } from '../../src/cost/bom.js';
import { loadPriceTable, type PriceTable, priceOf } from '../../src/cost/prices.js';
import {
  loadSpotTable,
  parseSpotTable,
  runnerFleetCost,
  type SpotPriceTable,
} from '../../src/cost/runner-fleet.js';
import type { Plan } from '../../src/plan/types.js';
import { renderBom, renderRunnerCost } from '../../src/report/bom.js';
import { planFor } from '../fixtures/plans.js';

/** The id of the shipped table's source, which hand-made entries name. */
const sourceId = () => loadSpotTable().sources[0]!.id;

/** A Spot table with prices for two of the fleet's four types in the plan's region (parsed in each test). */
const spotTable = (): SpotPriceTable =>
  parseSpotTable({
    ...loadSpotTable(),
    regions: {
      'us-west-2': {
        'c7i.xlarge': { spotHourly: 0.06, source: sourceId() },
        'c6i.xlarge': { spotHourly: 0.07, source: sourceId() },
      },
    },
  });

let table: PriceTable;
let plan: Plan;
beforeAll(() => {
  table = loadPriceTable();
  plan = planFor({ runners: { enabled: true, maxInstances: 10, idleCount: 2, onDemandBase: 1 } });
});

const onDemand = (type: string) => priceOf(table, 'us-west-2', 'ec2', type).onDemandHourly;

describe('runner fleet cost', () => {
  it('is absent without a fleet, and the shipped Spot table is valid', () => {
    expect(runnerFleetCost(planFor(), loadPriceTable())).toBeUndefined();
    expect(billOfMaterials(planFor(), loadPriceTable()).runners).toBeUndefined();
    expect(loadSpotTable().sources.length).toBeGreaterThan(0);
  });

  it('prices each type at Spot where the table has it, else at on demand, and says which', () => {
    const cost = runnerFleetCost(plan, table, spotTable())!;
    const types = ['c7i.xlarge', 'c6i.xlarge', 'm7i.xlarge', 'm6i.xlarge'];
    expect(cost.types.map((type) => type.instanceType)).toEqual(types);
    expect(cost.withoutSpotPrice).toEqual(['m7i.xlarge', 'm6i.xlarge']);
    expect(cost.types[0]).toEqual({
      instanceType: 'c7i.xlarge',
      onDemandHourly: onDemand('c7i.xlarge'),
      spotHourly: 0.06,
      spotInterruption: plan.runners!.fleet.instanceTypes[0]!.spotInterruption,
    });
    // A type without a Spot price has none, not an undefined one the report would print.
    expect(Object.keys(cost.types[2]!)).toEqual(['instanceType', 'onDemandHourly', 'spotInterruption']);
    // Nor an undefined band where the Plan has none.
    const fleet = plan.runners!.fleet;
    const unbanded: Plan = {
      ...plan,
      runners: {
        ...plan.runners!,
        fleet: {
          ...fleet,
          instanceTypes: fleet.instanceTypes.map(({ spotInterruption: _band, ...type }) => type),
        },
      },
    };
    expect(Object.keys(runnerFleetCost(unbanded, table, spotTable())!.types[2]!)).toEqual([
      'instanceType',
      'onDemandHourly',
    ]);
    expect(cost.spotSources).toEqual(loadSpotTable().sources);
    expect(cost.manager).toEqual({ instanceType: 'm6i.large', monthly: onDemand('m6i.large') * 730 });
    const mean = (values: number[]) => values.reduce((a, b) => a + b) / values.length;
    expect(cost.hourly.onDemand).toBeCloseTo(mean(types.map(onDemand)), 10);
    expect(cost.hourly.spot).toBeCloseTo(
      mean([0.06, 0.07, onDemand('m7i.xlarge'), onDemand('m6i.xlarge')]),
      10,
    );
  });

  it('buys the on-demand base first, Spot above it, idle and busy', () => {
    const cost = runnerFleetCost(plan, table, spotTable())!;
    const { spot, onDemand: od } = cost.hourly;
    expect(cost.idle).toEqual({ instances: 2, spot: (od + spot) * 730, onDemand: 2 * od * 730 });
    expect(cost.busy.instances).toBe(10);
    expect(cost.busy.spot).toBeCloseTo((od + 9 * spot) * 730, 8);
    expect(cost.busy.onDemand).toBeCloseTo(10 * od * 730, 8);
    const allOnDemand = runnerFleetCost(
      planFor({ runners: { enabled: true, spot: false } }),
      table,
      spotTable(),
    )!;
    expect(allOnDemand.busy.spot).toBeCloseTo(allOnDemand.busy.onDemand, 8);
  });

  it('bills the manager and the idle instances, and shows idle and busy after the totals', () => {
    const bom = billOfMaterials(plan, table);
    const runnerLines = bom.lines.filter((line) => line.group === 'runner');
    expect(runnerLines.map((line) => line.item)).toEqual([
      'EC2 m6i.large',
      'EBS gp3 root volume',
      'Idle job instances (Spot above the on-demand base, mean of 4 types)',
      'EBS gp3 root volumes',
    ]);
    expect(runnerLines[0]!.monthly).toBeCloseTo(onDemand('m6i.large') * HOURS_PER_MONTH, 8);
    expect(runnerLines[2]!.monthly).toBeCloseTo(bom.runners!.idle.spot, 8);
    expect(runnerLines[3]!.quantity).toBe(200);
    const without = billOfMaterials(planFor(), table);
    expect(bom.total.monthly - without.total.monthly).toBeCloseTo(
      runnerLines.reduce((sum, line) => sum + line.monthly, 0),
      6,
    );
    const text = renderBom(bom);
    expect(text).toContain('Runner fleet job instances a month');
    expect(text).toMatch(/busy, all month +10 instances/);
    expect(text).not.toContain('No Spot price in the table');
    const partly = renderRunnerCost(runnerFleetCost(plan, table, spotTable())!).join('\n');
    expect(partly).toContain('No Spot price in the table for m7i.xlarge, m6i.xlarge here');
  });

  it('reads the shipped Spot table, and says where its estimate comes from and how often each type is reclaimed', () => {
    const cost = runnerFleetCost(plan, table)!;
    const shipped = loadSpotTable().regions['us-west-2']!;
    expect(cost.withoutSpotPrice).toEqual([]);
    for (const type of cost.types) {
      expect(type.spotHourly, type.instanceType).toBe(shipped[type.instanceType]!.spotHourly);
      expect(type.spotHourly!, type.instanceType).toBeLessThan(type.onDemandHourly);
    }
    const text = renderRunnerCost(cost).join('\n');
    const [source] = loadSpotTable().sources;
    expect(text).toContain(`    Spot: ${source!.what} (feed of ${source!.date}).`);
    const [first] = plan.runners!.fleet.instanceTypes;
    expect(text).toContain(
      `${first!.instanceType} $${shipped[first!.instanceType]!.spotHourly}/h Spot, $${onDemand(first!.instanceType)}/h on demand, ${first!.spotInterruption} interrupted`,
    );
    // No Spot price used, no source to name.
    const none = runnerFleetCost(plan, table, parseSpotTable({ ...loadSpotTable(), regions: {} }))!;
    expect(none.spotSources).toEqual([]);
    expect(renderRunnerCost(none).join('\n')).not.toContain('    Spot: ');
  });

  it('refuses a Spot table that is not one: currency, sources, entries', () => {
    const entry = { spotHourly: 0.05, savingsPercent: 60, source: sourceId() };
    const valid = { ...loadSpotTable(), regions: { 'us-west-2': { 'c7i.xlarge': entry } } };
    expect(parseSpotTable(valid).regions['us-west-2']!['c7i.xlarge']).toEqual(entry);
    const [source] = loadSpotTable().sources;
    const { where: _where, ...sourceWithoutWhere } = source!;
    for (const broken of [
      { ...valid, currency: 'EUR' },
      { ...valid, sources: [] },
      { ...valid, sources: [sourceWithoutWhere] },
      { ...valid, regions: { 'us-west-2': { 'c7i.xlarge': { source: entry.source } } } },
      { ...valid, regions: { 'us-west-2': { 'c7i.xlarge': { ...entry, spotHourly: 0 } } } },
      { ...valid, regions: { 'us-west-2': { 'c7i.xlarge': { spotHourly: 0.05 } } } },
      { ...valid, regions: { 'us-west-2': { 'c7i.xlarge': { ...entry, savingsPercent: 100 } } } },
      { ...valid, sources: [{ ...source, sha256: 'not-a-digest' }] },
      { ...valid, sources: [{ ...source, sha256: `g${'a'.repeat(64)}` }] },
      { ...valid, sources: [{ ...source, sha256: `${'a'.repeat(64)}g` }] },
      { ...valid, sources: [], regions: {} },
      { ...valid, gaps: [{ region: 'us-west-2' }] },
    ]) {
      expect(() => parseSpotTable(broken)).toThrow();
    }
  });

  it('refuses a Spot entry naming no source of the table', () => {
    expect(() =>
      parseSpotTable({
        ...loadSpotTable(),
        regions: { 'us-west-2': { 'c7i.xlarge': { spotHourly: 1, source: 'nowhere' } } },
      }),
    ).toThrow(/unknown source nowhere/);
  });
});
