/**
 * Amazon EKS's release calendar: when each Kubernetes version leaves standard support (14 months
 * after its EKS release; the cluster then costs the extended-support rate) and extended support
 * (12 months later; EKS then upgrades the control plane itself).
 *
 * Source: Amazon EKS User Guide, "Understand the Kubernetes version lifecycle on EKS", release
 * calendar (awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc
 * @ 013856044148, docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html) for 1.29-1.34;
 * 1.35 (EKS release 2026-01-27) from the same calendar as reproduced by endoflife.date/amazon-eks,
 * read on EKS_CALENDAR_READ_ON. Dates are UTC; extended-support billing starts on the day
 * standard support ends.
 */

export interface EksVersionSupport {
  readonly eksRelease: string;
  readonly endOfStandardSupport: string;
  readonly endOfExtendedSupport: string;
}

/** When the calendar was read; a plan not told the date is judged as of this day. */
export const EKS_CALENDAR_READ_ON = '2026-11-29';

export const EKS_VERSIONS: Readonly<Record<string, EksVersionSupport>> = {
  '1.35': {
    eksRelease: '2026-01-27',
    endOfStandardSupport: '2027-03-27',
    endOfExtendedSupport: '2028-03-27',
  },
  '1.34': {
    eksRelease: '2025-10-02',
    endOfStandardSupport: '2026-12-02',
    endOfExtendedSupport: '2027-12-02',
  },
  '1.33': {
    eksRelease: '2025-05-29',
    endOfStandardSupport: '2026-07-29',
    endOfExtendedSupport: '2027-07-29',
  },
  '1.32': {
    eksRelease: '2025-01-23',
    endOfStandardSupport: '2026-03-23',
    endOfExtendedSupport: '2027-03-23',
  },
  '1.31': {
    eksRelease: '2024-09-26',
    endOfStandardSupport: '2025-11-26',
    endOfExtendedSupport: '2026-11-26',
  },
  '1.30': {
    eksRelease: '2024-05-23',
    endOfStandardSupport: '2025-07-23',
    endOfExtendedSupport: '2026-07-23',
  },
  '1.29': {
    eksRelease: '2024-01-23',
    endOfStandardSupport: '2025-03-23',
    endOfExtendedSupport: '2026-03-23',
  },
};

/** Which support a version is in on a day (YYYY-MM-DD); `unsupported` past extended support or unknown. */
export function eksSupportOn(version: string, day: string): 'standard' | 'extended' | 'unsupported' {
  const support = EKS_VERSIONS[version];
  if (!support || day >= support.endOfExtendedSupport) return 'unsupported';
  return day >= support.endOfStandardSupport ? 'extended' : 'standard';
}
