import { describe, expect, it } from 'vitest';
import { planFor, type SpecOverrides } from '../fixtures/plans.js';

/** The ids of the AWS storage rules a spec fires. */
const fired = (overrides: SpecOverrides) =>
  planFor(overrides)
    .checks.filter((check) => /^GLA-(RDS|EBS)-/.test(check.id))
    .map((check) => check.id);

describe('AWS storage limits beyond the first firing case', () => {
  it('bounds RDS gp3 IOPS from 400 GiB to 12,000-64,000', () => {
    expect(fired({ database: { storageGiB: 400, iops: 11999 } })).toEqual(['GLA-RDS-GP3-IOPS']);
    expect(fired({ database: { storageGiB: 400, iops: 64001 } })).toEqual(['GLA-RDS-GP3-IOPS']);
    expect(fired({ database: { storageGiB: 400, iops: 64000 } })).toEqual([]);
  });

  it('bounds RDS io1 below at 0.5 IOPS per GiB and io2 above at 1000', () => {
    expect(fired({ database: { storageType: 'io1', storageGiB: 4000, iops: 1999 } })).toEqual([
      'GLA-RDS-IOPS-RATIO',
    ]);
    expect(fired({ database: { storageType: 'io1', storageGiB: 4000, iops: 2000 } })).toEqual([]);
    expect(fired({ database: { storageType: 'io2', storageGiB: 100, iops: 100001 } })).toEqual([
      'GLA-RDS-IOPS-RATIO',
    ]);
    expect(fired({ database: { storageType: 'io2', storageGiB: 100, iops: 100000 } })).toEqual([]);
  });

  it('takes gp3 throughput against provisioned IOPS when set', () => {
    expect(fired({ gitaly: { iops: 4000, throughputMiBps: 1000 } })).toEqual([]);
    expect(fired({ gitaly: { iops: 3999, throughputMiBps: 1000 } })).toEqual(['GLA-EBS-GP3-THROUGHPUT']);
  });

  it('bounds gp3 IOPS above the baseline by 500 per GiB, and io2 by 1000', () => {
    expect(fired({ gitaly: { volumeGiB: 20, iops: 10001 } })).toEqual(['GLA-EBS-IOPS-RATIO']);
    expect(fired({ gitaly: { volumeGiB: 20, iops: 10000 } })).toEqual([]);
    expect(fired({ gitaly: { volumeType: 'io2', volumeGiB: 20, iops: 20001 } })).toEqual([
      'GLA-EBS-IOPS-RATIO',
    ]);
  });
});
