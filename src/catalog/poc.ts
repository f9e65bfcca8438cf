/**
 * The `poc` scenario: GitLab's AWS install guide, "Installing a GitLab POC on Amazon Web Services".
 *
 * Source: skratsch-solutions/gitlabhq at 462401833261e0523def242cd7f5650407a43351, doc/install/aws/_index.md
 * (not stored at the size pages' commit).
 *
 * What the guide builds: a scaled-down, non-HA layout over two availability zones. Rails runs from a custom AMI
 * in an auto scaling group behind a Network Load Balancer (or an NLB in front of an ALB), PostgreSQL is an RDS
 * Multi-AZ DB instance, Redis is an ElastiCache replication group with cluster mode disabled and Multi-AZ on,
 * Git data sits on one Gitaly EC2 instance (a single point of failure, the guide warns), object storage is S3,
 * and two bastion hosts give SSH access. There is no separate Sidekiq, monitoring or internal load balancer:
 * every Rails instance is a full GitLab install with PostgreSQL and Redis pointed at the managed services.
 *
 * Where the guide and this catalog differ:
 * - Redis: the guide sets cache.t3.medium, a burstable type, as the minimum node type. The reference
 *   architectures' index page advises against burstable types, so the catalog uses the smallest general
 *   purpose class and keeps the guide's figure in `POC_DEPLOYMENT.redis.guideMinimumNodeType`.
 * - Bastions: the guide uses `t2.micro`; kept as documented (bastions are not a GitLab component).
 * - Users: the guide names no user count for this layout; its one figure is that the minimum `c5.2xlarge`
 *   install instance is enough for 100 users, so `users` is 100.
 */

import { PORTS } from './ports.js';
import type { CatalogRole, ReferenceArchitecture } from './types.js';

/** Where the poc scenario was read. */
export const POC_SOURCE = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/install/aws/_index.md',
  commit: '462401833261e0523def242cd7f5650407a43351',
} as const;

const POC_ROLES: readonly CatalogRole[] = [
  {
    role: 'external-load-balancer',
    nodes: 1,
    vcpu: 0,
    memoryGB: 0,
    backing: 'nlb',
    note:
      'Internet-facing NLB over both public subnets: TCP 22 and 80, TLS 443 with an ACM certificate; or an NLB ' +
      'for SSH in front of an ALB for HTTPS (allows AWS WAF). Health check path /-/readiness.',
  },
  {
    role: 'rails',
    nodes: 2,
    maxNodes: 4,
    vcpu: 8,
    memoryGB: 16,
    awsInstanceType: 'c5.2xlarge',
    gravitonInstanceType: 'c7g.2xlarge',
    backing: 'ec2-asg',
    note:
      'Full GitLab install (Rails, Sidekiq, Workhorse, NGINX) from a custom AMI; the guide asks for at least ' +
      'c5.2xlarge. Desired 2, min 2, max 4 over the two private subnets; 8 GiB root volume.',
  },
  {
    role: 'gitaly',
    nodes: 1,
    vcpu: 4,
    memoryGB: 16,
    awsInstanceType: 'm5.xlarge',
    gravitonInstanceType: 'm7g.xlarge',
    backing: 'ec2',
    note:
      'Single Gitaly instance, a single point of failure per the guide. Repository data on provisioned-IOPS ' +
      'SSD (io1): 20 GiB with 1000 IOPS in the guide, sized up with the data at up to 50 IOPS per GiB.',
  },
  {
    role: 'postgres',
    nodes: 1,
    vcpu: 2,
    memoryGB: 8,
    backing: 'rds',
    serviceClass: 'db.m5.large',
    gravitonServiceClass: 'db.m7g.large',
    note:
      'RDS for PostgreSQL, Multi-AZ DB instance (one standby in the other zone), db.m5.large in the guide, ' +
      'provisioned-IOPS storage. The guide warns against burstable classes.',
  },
  {
    role: 'redis',
    nodes: 3,
    vcpu: 2,
    memoryGB: 6.38,
    backing: 'elasticache',
    serviceClass: 'cache.m5.large',
    gravitonServiceClass: 'cache.m7g.large',
    note:
      'ElastiCache replication group, cluster mode disabled (not supported by GitLab), Multi-AZ on; the guide ' +
      'places a "Replica 2" in another zone, so a primary and two replicas. Node type: see the file header.',
  },
  {
    role: 'object-storage',
    nodes: 0,
    vcpu: 0,
    memoryGB: 0,
    backing: 's3',
    note: 'S3 buckets (prefixed gl- in the guide) reached through an EC2 instance profile, no access keys.',
  },
  {
    role: 'bastion',
    nodes: 2,
    vcpu: 1,
    memoryGB: 1,
    awsInstanceType: 't2.micro',
    backing: 'ec2',
    note:
      'One bastion per public subnet with an Elastic IP, t2.micro in the guide; it names AWS Systems Manager ' +
      'as an alternative to bastions.',
  },
];

/** The AWS install guide's scenario in the shape of a reference architecture. */
export const POC_ARCHITECTURE: ReferenceArchitecture<'poc'> = {
  size: 'poc',
  type: 'linux-package',
  users: 100,
  highAvailability: false,
  source: POC_SOURCE,
  roles: POC_ROLES,
};

/** Settings the guide gives for the poc that do not fit a role row. */
export interface PocDeployment {
  /** Availability zones used (one public and one private subnet in each). */
  readonly availabilityZones: number;
  /** NAT gateways, one in each public subnet. */
  readonly natGateways: number;
  /** Rails auto scaling group sizing and its CPU step policies. */
  readonly railsAutoScaling: {
    /** Desired capacity at creation. */
    readonly desired: number;
    /** Minimum capacity. */
    readonly min: number;
    /** Maximum capacity. */
    readonly max: number;
    /** Add one instance when average CPU is at or above this percentage. */
    readonly scaleOutCpuPercent: number;
    /** Remove one instance when average CPU is at or below this percentage. */
    readonly scaleInCpuPercent: number;
    /** Health check grace period in seconds. */
    readonly healthCheckGraceSeconds: number;
  };
  /** Gitaly's data volume as the guide sets it up. */
  readonly gitalyVolume: {
    /** EBS volume type. */
    readonly type: 'io1';
    /** Size in GiB (the guide calls it arbitrary: size it for the repositories). */
    readonly sizeGiB: number;
    /** Provisioned IOPS. */
    readonly iops: number;
  };
  /** RDS settings. */
  readonly database: {
    /** RDS deployment option. */
    readonly deployment: 'multi-az-db-instance';
    /** Storage type. */
    readonly storageType: 'io1';
    /** Allocated storage in GiB (the guide's minimum). */
    readonly allocatedStorageGiB: number;
    /** Provisioned IOPS (the guide's minimum). */
    readonly iops: number;
  };
  /** ElastiCache settings. */
  readonly redis: {
    /** Cluster mode; GitLab does not support it enabled. */
    readonly clusterMode: 'disabled';
    /** Whether Multi-AZ failover is on. */
    readonly multiAz: boolean;
    /** Port. */
    readonly port: number;
    /** The guide's minimum node type (burstable, so the catalog does not use it). */
    readonly guideMinimumNodeType: string;
  };
  /** Load balancer health check path on the Rails nodes. */
  readonly healthCheckPath: string;
}

/** The poc settings from the AWS install guide. */
export const POC_DEPLOYMENT: PocDeployment = {
  availabilityZones: 2,
  natGateways: 2,
  railsAutoScaling: {
    desired: 2,
    min: 2,
    max: 4,
    scaleOutCpuPercent: 60,
    scaleInCpuPercent: 45,
    healthCheckGraceSeconds: 300,
  },
  gitalyVolume: { type: 'io1', sizeGiB: 20, iops: 1000 },
  database: { deployment: 'multi-az-db-instance', storageType: 'io1', allocatedStorageGiB: 100, iops: 1000 },
  redis: {
    clusterMode: 'disabled',
    multiAz: true,
    port: PORTS.redis,
    guideMinimumNodeType: 'cache.t3.medium',
  },
  healthCheckPath: '/-/readiness',
};
