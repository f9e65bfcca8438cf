import { describe, expect, it } from 'vitest';
import { EKS_CALENDAR_READ_ON, EKS_VERSIONS, eksSupportOn } from '../../src/catalog/eks-versions.js';
import { KUBERNETES_VERSION } from '../../src/catalog/gitlab-requirements.js';

describe('EKS calendar', () => {
  it('plans a Kubernetes version with standard support on the day the calendar was read', () => {
    expect(eksSupportOn(KUBERNETES_VERSION, EKS_CALENDAR_READ_ON)).toBe('standard');
  });

  it('gives every version 14 months of standard and 12 of extended support, as EKS documents', () => {
    const months = (from: string, to: string) =>
      (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
      Number(to.slice(5, 7)) -
      Number(from.slice(5, 7));
    for (const support of Object.values(EKS_VERSIONS)) {
      expect(months(support.eksRelease, support.endOfStandardSupport)).toBe(14);
      expect(months(support.endOfStandardSupport, support.endOfExtendedSupport)).toBe(12);
    }
  });

  it('moves a version from standard to extended support on its end date, and out of support after', () => {
    expect(eksSupportOn('1.33', '2026-07-28')).toBe('standard');
    expect(eksSupportOn('1.33', '2026-07-29')).toBe('extended');
    expect(eksSupportOn('1.33', '2027-07-29')).toBe('unsupported');
    expect(eksSupportOn('1.99', '2026-01-01')).toBe('unsupported');
  });
});
