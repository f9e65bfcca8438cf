/**
 * What GitLab's documentation says about AWS services, as data other modules can check a plan against.
 *
 * Sources read:
 * - skratsch-solutions/gitlabhq b8bf0cc361f2416bda81814ac99db54281e0b5da,
 *   doc/administration/reference_architectures/_index.md ("Recommended cloud providers and services",
 *   "Best practices for the database services", "Best practices for Redis and Valkey services",
 *   "Supported machine types", "Unsupported designs", "Load Balancers").
 * - skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md ("Supported modifications for lower user counts")
 *   and the 10k / 25k / 50k pages (Redis footnote).
 * - skratsch-solutions/gitlabhq 462401833261e0523def242cd7f5650407a43351, doc/install/aws/_index.md.
 * - https://docs.gitlab.com/charts/installation/cloud (web page, no commit): ARM64 images for the charts.
 *
 * Reasons are this catalog's one-line summaries, not quotations.
 */

import type { CatalogSource, ReferenceSize, SpecSize } from './types.js';
import { REFERENCE_SIZES } from './types.js';

/** How GitLab's documentation positions an AWS service or setting. */
export type GuidanceStatus =
  | 'recommended'
  | 'supported'
  | 'not-recommended'
  | 'not-validated'
  | 'unsupported';

/** A web page read where no repository copy was available. */
export interface WebSource {
  /** Address of the page. */
  readonly url: string;
}

/** One statement of GitLab's documentation about an AWS service or setting. */
export interface AwsGuidanceEntry {
  /** Stable id for checks, e.g. `rds-proxy`. */
  readonly id: string;
  /** AWS service or feature the entry is about. */
  readonly service: string;
  /** Position the documentation takes. */
  readonly status: GuidanceStatus;
  /** One-line reason, in this catalog's words. */
  readonly reason: string;
  /** Where the documentation says so. */
  readonly source: CatalogSource | WebSource;
}

const INDEX_PAGE: CatalogSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/administration/reference_architectures/_index.md',
  commit: 'b8bf0cc361f2416bda81814ac99db54281e0b5da',
};

const PAGE_3K: CatalogSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/administration/reference_architectures/3k_users.md',
  commit: '06bbc8dc33553c380709d5395df4750a78017677',
};

const PAGE_10K: CatalogSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/administration/reference_architectures/10k_users.md',
  commit: '06bbc8dc33553c380709d5395df4750a78017677',
};

const AWS_GUIDE: CatalogSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/install/aws/_index.md',
  commit: '462401833261e0523def242cd7f5650407a43351',
};

const CHARTS_CLOUD_PAGE: WebSource = { url: 'https://docs.gitlab.com/charts/installation/cloud' };

/** GitLab's documented position on AWS services, one entry per service or setting. */
export const AWS_GUIDANCE: readonly AwsGuidanceEntry[] = [
  // Database
  {
    id: 'rds-postgresql',
    service: 'Amazon RDS for PostgreSQL',
    status: 'recommended',
    reason:
      'Listed as the recommended AWS database service; replaces bundled PostgreSQL, PgBouncer and Consul.',
    source: INDEX_PAGE,
  },
  {
    id: 'rds-multi-az-db-instance',
    service: 'Amazon RDS Multi-AZ DB instance',
    status: 'recommended',
    reason:
      'Supported deployment option (separate product from Multi-AZ DB clusters); the AWS guide uses it.',
    source: AWS_GUIDE,
  },
  {
    id: 'rds-multi-az-db-cluster',
    service: 'Amazon RDS Multi-AZ DB cluster',
    status: 'not-recommended',
    reason: 'Not tested by GitLab and not expected to work with GitLab Geo.',
    source: INDEX_PAGE,
  },
  {
    id: 'aurora-postgresql',
    service: 'Amazon Aurora PostgreSQL',
    status: 'unsupported',
    reason: 'Incompatible with GitLab since 14.4.',
    source: INDEX_PAGE,
  },
  {
    id: 'rds-proxy',
    service: 'Amazon RDS Proxy',
    status: 'not-validated',
    reason:
      'Never validated with GitLab; use database load balancing, or a self-run PgBouncer if more pooling is needed.',
    source: INDEX_PAGE,
  },
  {
    id: 'rds-read-replicas',
    service: 'Amazon RDS read replicas with GitLab database load balancing',
    status: 'recommended',
    reason: 'Match the Linux package node count with replicas; matters most above 200 RPS / from 10k users.',
    source: INDEX_PAGE,
  },
  {
    id: 'bundled-pgbouncer-with-rds',
    service: 'Linux package PgBouncer in front of RDS',
    status: 'unsupported',
    reason: 'The bundled PgBouncer only works with the bundled PostgreSQL.',
    source: INDEX_PAGE,
  },
  {
    id: 'own-pgbouncer-with-rds',
    service: 'Self-run PgBouncer in front of RDS',
    status: 'supported',
    reason: 'Allowed when more connection pooling is needed; other third-party poolers are not validated.',
    source: INDEX_PAGE,
  },
  {
    id: 'rds-burstable-classes',
    service: 'Amazon RDS burstable classes (db.t*)',
    status: 'not-recommended',
    reason:
      'CPU credits run out under sustained load; both the index page and the AWS guide warn against them.',
    source: AWS_GUIDE,
  },
  {
    id: 'rds-for-praefect',
    service: 'Amazon RDS for the Praefect database',
    status: 'recommended',
    reason: 'Gitaly Cluster needs a third-party PostgreSQL for full HA; the bundled one is a single node.',
    source: INDEX_PAGE,
  },
  // Redis
  {
    id: 'elasticache-valkey',
    service: 'Amazon ElastiCache for Valkey 7.2',
    status: 'recommended',
    reason: 'The recommended AWS Redis-compatible service on the index page.',
    source: INDEX_PAGE,
  },
  {
    id: 'elasticache-redis-oss-7-1',
    service: 'Amazon ElastiCache for Redis OSS 7.1',
    status: 'not-recommended',
    reason:
      'Known to work but built on Redis 7.0; not advised for new deployments (Redis 7.2 is not offered).',
    source: INDEX_PAGE,
  },
  {
    id: 'elasticache-cluster-mode-disabled',
    service: 'Amazon ElastiCache replication group, cluster mode disabled',
    status: 'recommended',
    reason:
      'GitLab needs standalone primary/replica Redis with replication for HA and a settable eviction policy.',
    source: INDEX_PAGE,
  },
  {
    id: 'elasticache-cluster-mode-enabled',
    service: 'Amazon ElastiCache with cluster mode enabled (Redis Cluster)',
    status: 'unsupported',
    reason: 'Redis Cluster mode is explicitly not supported.',
    source: INDEX_PAGE,
  },
  {
    id: 'elasticache-serverless',
    service: 'Amazon ElastiCache Serverless',
    status: 'unsupported',
    reason: 'Serverless Redis and Valkey variants are not supported.',
    source: INDEX_PAGE,
  },
  {
    id: 'elasticache-burstable-node-types',
    service: 'Amazon ElastiCache burstable node types (cache.t*)',
    status: 'not-recommended',
    reason:
      'Burstable types are advised against; the AWS guide still names cache.t3.medium as its POC minimum.',
    source: INDEX_PAGE,
  },
  {
    id: 'redis-split-cache-persistent',
    service: 'Separate ElastiCache clusters for Redis cache and persistent data',
    status: 'recommended',
    reason: 'Redis is mostly single threaded; split from the 200 RPS / 10k users class upwards.',
    source: PAGE_10K,
  },
  // Load balancing, storage, compute
  {
    id: 'nlb',
    service: 'Network Load Balancer',
    status: 'recommended',
    reason: 'The AWS guide fronts Rails with an NLB (SSH, HTTP, TLS); a cloud load balancer gives the LB HA.',
    source: AWS_GUIDE,
  },
  {
    id: 'nlb-with-alb',
    service: 'NLB for SSH in front of an ALB for HTTPS',
    status: 'supported',
    reason: 'The AWS guide offers it as the more scalable option; it allows AWS WAF.',
    source: AWS_GUIDE,
  },
  {
    id: 'load-balancer-round-robin',
    service: 'Round-robin load balancing (e.g. ALB default algorithm)',
    status: 'not-recommended',
    reason: 'Spreads connections unevenly; use least connections or the closest equivalent.',
    source: INDEX_PAGE,
  },
  {
    id: 's3',
    service: 'Amazon S3',
    status: 'recommended',
    reason: 'Listed as the recommended AWS object storage service.',
    source: INDEX_PAGE,
  },
  {
    id: 'efs-git-data',
    service: 'Amazon EFS for Git repository data',
    status: 'not-recommended',
    reason: 'Cloud file systems hurt Git performance; the AWS guide warns against EFS.',
    source: AWS_GUIDE,
  },
  {
    id: 'ebs-burstable-volumes',
    service: 'Burstable EBS volume types for Gitaly',
    status: 'not-recommended',
    reason: 'Burstable disks perform inconsistently; the AWS guide uses provisioned-IOPS SSD for Gitaly.',
    source: INDEX_PAGE,
  },
  {
    id: 'ec2-burstable-instances',
    service: 'Burstable EC2 instance types (t*)',
    status: 'not-recommended',
    reason: 'Inconsistent performance once CPU credits run out.',
    source: INDEX_PAGE,
  },
  {
    id: 'ec2-graviton',
    service: 'Graviton (arm64) EC2 instances for Linux package nodes',
    status: 'supported',
    reason: 'Any type meeting the specs is supported, ARM included; the Linux package ships arm64 builds.',
    source: INDEX_PAGE,
  },
  {
    id: 'rds-graviton',
    service: 'Graviton (arm64) RDS and ElastiCache classes',
    status: 'supported',
    reason: 'The machine-type guidance, ARM included, explicitly also covers cloud services such as RDS.',
    source: INDEX_PAGE,
  },
  {
    id: 'eks-graviton',
    service: 'Graviton (arm64) EKS nodes for the GitLab charts',
    status: 'supported',
    reason: 'The chart images run on ARM64 as well as x86-64; FIPS images are x86-64 only.',
    source: CHARTS_CLOUD_PAGE,
  },
  {
    id: 'asg-stateless-only',
    service: 'EC2 Auto Scaling groups',
    status: 'supported',
    reason: 'Only for stateless Rails and Sidekiq; Cloud Native Hybrid is preferred over ASGs.',
    source: INDEX_PAGE,
  },
  {
    id: 'asg-stateful-nodes',
    service: 'EC2 Auto Scaling groups for Gitaly, PostgreSQL, Redis or other stateful nodes',
    status: 'unsupported',
    reason: 'Autoscaling stateful components is not supported.',
    source: INDEX_PAGE,
  },
  {
    id: 'eks',
    service: 'Amazon EKS for Cloud Native Hybrid',
    status: 'recommended',
    reason: 'GitLab tests and recommends EKS (and GKE) for the hybrid architectures.',
    source: PAGE_3K,
  },
  {
    id: 'stateful-in-kubernetes',
    service: 'PostgreSQL or Redis inside EKS',
    status: 'unsupported',
    reason: 'Stateful components in Kubernetes are not supported; use managed services or VMs.',
    source: INDEX_PAGE,
  },
  {
    id: 'odd-availability-zones',
    service: 'Availability zones',
    status: 'recommended',
    reason: 'Spread over an odd number of zones (three) so quorum components keep a majority.',
    source: INDEX_PAGE,
  },
  {
    id: 'multi-region-single-environment',
    service: 'One environment spread over several AWS regions',
    status: 'unsupported',
    reason: 'Latency and split-brain risk; use GitLab Geo for multiple regions.',
    source: INDEX_PAGE,
  },
  {
    id: 'consul-with-managed-services',
    service: 'Consul when PostgreSQL and Redis are managed',
    status: 'supported',
    reason: 'No longer required; keep it only for Prometheus auto discovery.',
    source: PAGE_3K,
  },
];

/** A size threshold the documentation sets for an AWS-specific adjustment. */
export interface SizeRule {
  /** Stable id, matching an `AWS_GUIDANCE` entry. */
  readonly id: string;
  /** Smallest published size the rule applies to. */
  readonly fromSize: ReferenceSize;
  /** Users at that size. */
  readonly fromUsers: number;
  /** API requests per second at that size. */
  readonly fromApiRps: number;
  /** What to do, in this catalog's words. */
  readonly action: string;
  /** Where the documentation says so. */
  readonly source: CatalogSource;
}

/** Split Redis into separate cache and persistent ElastiCache clusters from 10k (the tables split there too). */
export const REDIS_SPLIT_RULE: SizeRule = {
  id: 'redis-split-cache-persistent',
  fromSize: '10k',
  fromUsers: 10000,
  fromApiRps: 200,
  action: 'Run separate Redis cache and Redis persistent clusters.',
  source: INDEX_PAGE,
};

/**
 * Add RDS read replicas and enable database load balancing from 10k. The page sets the threshold at above
 * 200 RPS or at ten thousand users and more; the catalog reads it as applying from the 10k architecture.
 */
export const DATABASE_LOAD_BALANCING_RULE: SizeRule = {
  id: 'rds-read-replicas',
  fromSize: '10k',
  fromUsers: 10000,
  fromApiRps: 200,
  action:
    'Add read replicas to match the Linux package PostgreSQL node count and enable database load balancing.',
  source: INDEX_PAGE,
};

function sizeIndex(size: SpecSize): number {
  // `poc` sorts below every published size.
  return size === 'poc' ? -1 : REFERENCE_SIZES.indexOf(size);
}

/** Whether a size reaches a rule's threshold. */
export function sizeRuleApplies(rule: SizeRule, size: SpecSize): boolean {
  return sizeIndex(size) >= sizeIndex(rule.fromSize);
}

/** Whether GitLab's docs call for separate Redis cache and persistent clusters at this size. */
export function redisSplitRecommended(size: SpecSize): boolean {
  return sizeRuleApplies(REDIS_SPLIT_RULE, size);
}

/** Whether GitLab's docs call for RDS read replicas with database load balancing at this size. */
export function databaseLoadBalancingRecommended(size: SpecSize): boolean {
  return sizeRuleApplies(DATABASE_LOAD_BALANCING_RULE, size);
}

/** The guidance entry with this id; throws for an unknown id. */
export function awsGuidance(id: string): AwsGuidanceEntry {
  const entry = AWS_GUIDANCE.find((candidate) => candidate.id === id);
  if (entry === undefined) {
    throw new Error(`No AWS guidance entry '${id}'`);
  }
  return entry;
}
