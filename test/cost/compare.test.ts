import { describe, expect, it } from 'vitest';
import type { Bom } from '../../src/cost/bom.js';
import { compareBoms, compareWithReference, referenceSpec } from '../../src/cost/compare.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { renderComparison } from '../../src/report/bom.js';
import { planFor, specFor } from '../fixtures/plans.js';

/** A bill with the given group totals (on demand, committed), enough for a comparison. */
function bomOf(groups: Record<string, [number, number]>): Bom {
  const entries = Object.entries(groups).map(([group, [monthly, monthlyCommitted]]) => ({
    group,
    monthly,
    monthlyCommitted,
  }));
  return {
    region: 'us-west-2',
    currency: 'USD',
    priceTableRetrieved: '2025-04-05',
    hoursPerMonth: 730,
    commitment: { ec2: '', rds: '', elasticache: '' },
    lines: [],
    groups: entries,
    total: {
      monthly: entries.reduce((sum, g) => sum + g.monthly, 0),
      monthlyCommitted: entries.reduce((sum, g) => sum + g.monthlyCommitted, 0),
    },
    assumptions: [],
    notCounted: [],
  };
}

describe('cost comparison', () => {
  it('gives configured / reference per group and in total for a constructed case', () => {
    const reference = bomOf({ rails: [600, 400], gitaly: [400, 300] });
    const configured = bomOf({ rails: [300, 200], gitaly: [400, 300], bastion: [50, 50] });
    const comparison = compareBoms(reference, configured);
    expect(comparison.rows).toEqual([
      { group: 'rails', reference: 600, configured: 300, ratio: 0.5 },
      { group: 'gitaly', reference: 400, configured: 400, ratio: 1 },
      { group: 'bastion', reference: 0, configured: 50 },
    ]);
    // (300 + 400 + 50) / (600 + 400) and (200 + 300 + 50) / (400 + 300).
    expect(comparison.total.ratio).toBe(0.75);
    expect(comparison.totalCommitted.ratio).toBeCloseTo(550 / 700, 12);
    const text = renderComparison(comparison);
    expect(text).toMatch(/total on demand\s+\$1,000\.00\s+\$750\.00\s+x0\.75/);
    expect(text).toMatch(/bastion\s+\$0\.00\s+\$50\.00\s+-/);
  });

  it('puts the documented sizing back: x86, no instance overrides, gp3 at baseline', () => {
    const spec = referenceSpec(
      specFor({
        architecture: { size: '10k', cpu: 'graviton' },
        rails: { instanceType: 'c7i.8xlarge', minNodes: 5 },
        gitaly: { volumeType: 'io2', iops: 20000, volumeGiB: 2000 },
        database: { instanceClass: 'db.r7g.4xlarge', storageType: 'io1', iops: 9000, storageGiB: 800 },
        redis: { nodeType: 'cache.r7g.xlarge' },
      }),
    );
    expect(spec.architecture.cpu).toBe('x86');
    expect(spec.rails).toEqual({});
    expect(spec.gitaly).toMatchObject({ volumeType: 'gp3', volumeGiB: 2000 });
    expect(spec.gitaly.iops).toBeUndefined();
    expect(spec.database).toMatchObject({ storageType: 'gp3', storageGiB: 800 });
    expect(spec.database.instanceClass).toBeUndefined();
    expect(spec.redis.nodeType).toBeUndefined();
  });

  it('fails naming the missing price when one side needs one', () => {
    // cache.m6g.3xlarge is a real node type the price table does not carry.
    const plan = planFor({ architecture: { size: '5k' }, redis: { nodeType: 'cache.m6g.3xlarge' } });
    expect(() => compareWithReference(plan, loadPriceTable())).toThrow(/cache\.m6g\.3xlarge/);
  });
});
