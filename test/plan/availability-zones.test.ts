import { describe, expect, it } from 'vitest';
import { REGIONS } from '../../src/catalog/regions.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { resolvePlan } from '../../src/plan/index.js';
import { specErrorOf } from '../fixtures/errors.js';
import { planFor, specFor } from '../fixtures/plans.js';

describe('Availability Zones from the region table', () => {
  it('knows the zones of every region the price table prices', () => {
    for (const region of Object.keys(loadPriceTable().regions)) expect(REGIONS[region]).toBeDefined();
  });

  it('lists as many zone names as zone ids, each name in its region', () => {
    for (const [region, zones] of Object.entries(REGIONS)) {
      expect(zones.zoneNames).toHaveLength(zones.zoneIds.length);
      for (const name of zones.zoneNames) expect(name.startsWith(region)).toBe(true);
    }
  });

  it('plans the first zones of the table', () => {
    expect(planFor({ region: 'eu-central-1' }).availabilityZones).toEqual(REGIONS['eu-central-1']!.zoneNames);
    expect(planFor({ region: 'us-west-1', availabilityZones: 2 }).availabilityZones).toEqual([
      'us-west-1a',
      'us-west-1b',
    ]);
  });

  it('refuses three zones in a two-zone region, naming availabilityZones and the fix', () => {
    const error = specErrorOf(() => planFor({ region: 'us-west-1', availabilityZones: 3 }));
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'availabilityZones',
        message: expect.stringMatching(/set availabilityZones: 2/),
      }),
    ]);
  });

  it('refuses a region it has no zones for, naming region', () => {
    const error = specErrorOf(() => planFor({ region: 'mx-central-9' }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['region']);
    expect(error.message).toMatch(/region: "mx-central-9".*use one of us-east-1/);
  });

  it('names the spec file in the error', () => {
    const error = specErrorOf(() =>
      resolvePlan(specFor({ region: 'mx-central-9' }), { origin: { kind: 'file', path: 'prod.yaml' } }),
    );
    expect(error.message).toMatch(/^prod\.yaml: region:/);
  });

  it('uses zone names looked up at deploy time instead of the table', () => {
    const lookedUp = ['us-east-1b', 'us-east-1d', 'us-east-1f'];
    expect(
      resolvePlan(specFor({ region: 'us-east-1' }), { availabilityZoneNames: lookedUp }).availabilityZones,
    ).toEqual(lookedUp);
  });
});
