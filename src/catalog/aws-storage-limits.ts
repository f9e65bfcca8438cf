/**
 * What RDS and EBS accept of storage settings; a plan outside these is refused by AWS after a
 * stack has started, so the plan checks under src/plan/checks/aws/ refuse it first.
 *
 * RDS: Amazon RDS User Guide, "Amazon RDS DB instance storage"
 * (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html, read 2026-11-29): for
 * PostgreSQL, gp3 below 400 GiB has a fixed baseline of 3,000 IOPS and 125 MiB/s that cannot be
 * changed; from 400 GiB the baseline is 12,000 IOPS and up to 64,000 can be provisioned. Provisioned
 * IOPS must be 0.5 to 50 times the storage in GiB for io1 (also the CreateDBInstance `Iops`
 * constraint, docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html) and
 * 0.5 to 1,000 times for io2 Block Express.
 *
 * EBS: Amazon EBS User Guide, "General Purpose SSD volumes" and "Provisioned IOPS SSD volumes"
 * (docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html and .../provisioned-iops.html,
 * read 2026-11-29): gp3 has a 3,000 IOPS baseline, at most 500 IOPS per GiB, and at most 0.25 MiB/s
 * of throughput per provisioned IOPS; io1 allows at most 50 IOPS per GiB and io2 1,000.
 */

export const RDS_GP3 = {
  /** Smallest storage whose IOPS can be set (PostgreSQL). */
  minGiBForIops: 400,
  /** Baseline, and so least settable, IOPS from 400 GiB. */
  minIopsFrom400GiB: 12_000,
  maxIops: 64_000,
} as const;

/** IOPS per GiB of storage RDS accepts for each provisioned-IOPS type. */
export const RDS_IOPS_PER_GIB: Readonly<Record<'io1' | 'io2', { min: number; max: number }>> = {
  io1: { min: 0.5, max: 50 },
  io2: { min: 0.5, max: 1000 },
};

export const EBS_GP3 = {
  /** IOPS every gp3 volume has without provisioning. */
  baselineIops: 3000,
  /** Highest throughput, MiB/s, per IOPS. */
  maxThroughputPerIops: 0.25,
} as const;

/** Most IOPS per GiB EBS accepts for each volume type. */
export const EBS_MAX_IOPS_PER_GIB: Readonly<Record<'gp3' | 'io1' | 'io2', number>> = {
  gp3: 500,
  io1: 50,
  io2: 1000,
};
