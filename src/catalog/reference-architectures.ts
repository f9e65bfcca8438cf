/**
 * GitLab's published reference architectures as data.
 *
 * Sources read (numbers are the pages' component tables, unchanged):
 * - 2k, 3k, 5k, 10k, 25k, 50k: skratsch-solutions/gitlabhq at 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/<size>_users.md. At this commit every page still gives
 *   the c5 / c5n / m5 families as the AWS examples (no m7i / c7i / m8i).
 * - 1k: pavankalisetti009/gitlab at 519fdd30763ed34004f13924f50d2e4c27d8f803,
 *   doc/administration/reference_architectures/1k_users.md (the page is absent from the other mirror).
 * - General rules (cloud services, ARM): skratsch-solutions/gitlabhq at
 *   b8bf0cc361f2416bda81814ac99db54281e0b5da, doc/administration/reference_architectures/_index.md
 *   (the only stored versions of that page are at other commits than the size pages).
 *
 * Cloud Native Hybrid: published for 2k to 50k. The 1k page has no hybrid variant; it sends readers to the
 * 2k (non-HA) and 3k (HA) hybrids, so the catalog has no `1k` / `cloud-native-hybrid` entry and the lookup
 * in index.ts rejects that combination.
 *
 * How the AWS-only fields are chosen (they are this catalog's mapping, not GitLab's):
 * - `backing`: Rails and Sidekiq (stateless, the pages allow auto scaling groups) -> `ec2-asg`; Gitaly,
 *   Praefect and the monitoring node -> `ec2`; PostgreSQL and Praefect PostgreSQL -> `rds`, each its own
 *   instance (doc/install/requirements.md at 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4 asks Gitaly Cluster for a
 *   PostgreSQL instance separate from the main database); Redis -> `elasticache`;
 *   PgBouncer, Consul and Redis Sentinel -> `not-needed` (the pages drop them when PostgreSQL and Redis are
 *   cloud services); load balancers -> `nlb`; object storage -> `s3`; Kubernetes node pools -> `eks-node-group`.
 * - `serviceClass` / `gravitonServiceClass`: the managed class with the same vCPU count as the documented
 *   node and at least its memory. General purpose (m) first; memory optimised (r) when the m class with that
 *   vCPU count has less memory than documented (ElastiCache keeps part of each node's memory for itself).
 *   When no non-burstable class is that small (the 2k Redis node has 1 vCPU), the smallest non-burstable
 *   class. x86: RDS `db.m6i`, ElastiCache `cache.m5` / `cache.r5` (ElastiCache has no 6th-generation Intel
 *   family); arm64: `db.m7g`, `cache.m7g` / `cache.r7g`. Never a burstable `t` class: _index.md advises
 *   against burstable types and says the machine-type guidance also covers services such as RDS.
 * - `gravitonInstanceType`: `c5.X` -> `c7g.X`, `m5.X` -> `m7g.X` (same vCPU and memory). `c5.9xlarge`
 *   (36 vCPU) has no c7g twin; `c7g.8xlarge` (32 vCPU, 64 GiB) still meets the documented 32 vCPU / 28.8 GB.
 *   Not given for load balancer rows (an NLB replaces them) nor object storage.
 *
 * ARM / Graviton support, as found:
 * - Footnote 1 of every size page (06bbc8dc) says other machine types meeting the listed requirements are
 *   supported, ARM variants included.
 * - _index.md (b8bf0cc), "Supported machine types", names ARM-based instances such as AWS Graviton and says the
 *   guidance applies to cloud services such as RDS too.
 * - The Linux package install page (pavankalisetti009/gitlab 93bc14291837d9ddbb1c6e685277349114c7494c,
 *   doc/install/package/_index.md) lists arm64 packages for Amazon Linux 2023, Ubuntu, Debian, RHEL and
 *   AlmaLinux, with a footnote pointing to known issues on ARM.
 * - The chart's cloud provider page (https://docs.gitlab.com/charts/installation/cloud) says the GitLab
 *   container images run on x86-64 and ARM64, FIPS images on x86-64 only. Older versions of that page
 *   required x86-64 nodes, so the node pool Graviton types assume a current chart.
 * Hence every role that runs the Linux package or GitLab's images gets a Graviton type.
 */

import type { CatalogRole, CatalogSource, ReferenceArchitecture, TargetLoad } from './types.js';

const SIZE_PAGES_REPOSITORY = 'skratsch-solutions/gitlabhq';
const SIZE_PAGES_COMMIT = '06bbc8dc33553c380709d5395df4750a78017677';

function sizePage(size: string): CatalogSource {
  return {
    repository: SIZE_PAGES_REPOSITORY,
    path: `doc/administration/reference_architectures/${size}_users.md`,
    commit: SIZE_PAGES_COMMIT,
  };
}

const SOURCE_1K: CatalogSource = {
  repository: 'pavankalisetti009/gitlab',
  path: 'doc/administration/reference_architectures/1k_users.md',
  commit: '519fdd30763ed34004f13924f50d2e4c27d8f803',
};

// Notes shared by several rows (in this catalog's words).
const RAILS_NOTE =
  'Stateless, so the page allows an auto scaling group; it prefers Cloud Native Hybrid because migrations ' +
  'and Mailroom must run on a single node.';
const SIDEKIQ_NOTE = 'Stateless, so the page allows an auto scaling group.';
const POSTGRES_HA_NOTE =
  'The page runs a primary and two secondaries. On RDS: one Multi-AZ DB instance; from 10k add read replicas ' +
  'to match the node count and enable database load balancing (see aws-guidance).';
const POSTGRES_SINGLE_NOTE = 'Single node on the page (not HA); RDS may run it Multi-AZ.';
const PGBOUNCER_NOTE =
  'Not needed with RDS: the page drops PgBouncer and Consul when PostgreSQL is a cloud service, and the ' +
  'bundled PgBouncer only works with the bundled PostgreSQL. Run a separate PgBouncer only if more pooling is needed.';
const CONSUL_NOTE =
  'Not needed once PostgreSQL and Redis are cloud services; keep it only for Prometheus auto discovery, ' +
  'otherwise scrape targets are configured by hand.';
const SENTINEL_NOTE =
  'No machines of its own: the table row is "Redis/Sentinel". ElastiCache replication and failover replace it.';
const SPLIT_SENTINEL_NOTE =
  'No machines of its own: one Sentinel set runs on each Redis cluster (rows "Redis/Sentinel - Cache" and ' +
  '"- Persistent"). ElastiCache replication and failover replace them.';
const REDIS_HA_NOTE =
  'Primary and two replicas on the page: an ElastiCache replication group, cluster mode disabled.';
const REDIS_SPLIT_NOTE =
  'Redis is mostly single threaded: from 10k the page runs separate cache and persistent clusters. ' +
  'ElastiCache replication group, cluster mode disabled.';
const GITALY_CLUSTER_NOTE =
  'Gitaly Cluster (Praefect) storage node; for sharded Gitaly the page says to keep the same specs.';
const PRAEFECT_NOTE = 'Needs an odd number of nodes, at least three, for quorum.';
const PRAEFECT_POSTGRES_NOTE =
  'The page lists "1+" nodes, not fault tolerant when self-run; full HA needs a third-party PostgreSQL. On AWS ' +
  'its own Multi-AZ RDS instance, apart from the main database.';
const EXTERNAL_LB_NOTE =
  'Sized for a load balancer on a VM (HAProxy in GitLab tests); on AWS a Network Load Balancer replaces it.';
const INTERNAL_LB_NOTE =
  'Fronts Praefect and PgBouncer on the page; on AWS an internal NLB (PgBouncer is dropped with RDS).';
const CNH_EXTERNAL_LB_NOTE =
  'Not in the hybrid tables: the charts expose Webservice through Ingress or Gateway API backed by a cloud load ' +
  'balancer, here an NLB.';
const MONITORING_NOTE = 'Prometheus node.';
const OBJECT_STORAGE_NOTE = 'No nodes: a cloud object storage service.';
const POOL_NOTE =
  'vcpu and memoryGB are per node of the AWS example; nodePoolTarget holds the documented pool totals. ' +
  'The page encourages autoscaling with a floor of 75% of the Webservice and Sidekiq pods.';

const CONSUL: CatalogRole = {
  role: 'consul',
  nodes: 3,
  vcpu: 2,
  memoryGB: 1.8,
  gcpMachineType: 'n1-highcpu-2',
  awsInstanceType: 'c5.large',
  gravitonInstanceType: 'c7g.large',
  backing: 'not-needed',
  note: CONSUL_NOTE,
};

const PGBOUNCER: CatalogRole = {
  role: 'pgbouncer',
  nodes: 3,
  vcpu: 2,
  memoryGB: 1.8,
  gcpMachineType: 'n1-highcpu-2',
  awsInstanceType: 'c5.large',
  gravitonInstanceType: 'c7g.large',
  backing: 'not-needed',
  note: PGBOUNCER_NOTE,
};

const PRAEFECT_POSTGRES: CatalogRole = {
  role: 'praefect-postgres',
  nodes: 1,
  vcpu: 2,
  memoryGB: 1.8,
  gcpMachineType: 'n1-highcpu-2',
  awsInstanceType: 'c5.large',
  gravitonInstanceType: 'c7g.large',
  backing: 'rds',
  // 2 vCPU and at least 1.8 GB: the smallest non-burstable classes (see the rule in the header).
  serviceClass: 'db.m6i.large',
  gravitonServiceClass: 'db.m7g.large',
  note: PRAEFECT_POSTGRES_NOTE,
};

const OBJECT_STORAGE: CatalogRole = {
  role: 'object-storage',
  nodes: 0,
  vcpu: 0,
  memoryGB: 0,
  backing: 's3',
  note: OBJECT_STORAGE_NOTE,
};

const CNH_EXTERNAL_LB: CatalogRole = {
  role: 'external-load-balancer',
  nodes: 1,
  vcpu: 0,
  memoryGB: 0,
  backing: 'nlb',
  note: CNH_EXTERNAL_LB_NOTE,
};

function externalLoadBalancer(vcpu: number, memoryGB: number, gcp: string, aws: string): CatalogRole {
  return {
    role: 'external-load-balancer',
    nodes: 1,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    backing: 'nlb',
    note: EXTERNAL_LB_NOTE,
  };
}

function internalLoadBalancer(vcpu: number, memoryGB: number, gcp: string, aws: string): CatalogRole {
  return {
    role: 'internal-load-balancer',
    nodes: 1,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    backing: 'nlb',
    note: INTERNAL_LB_NOTE,
  };
}

function praefect(vcpu: number, memoryGB: number, gcp: string, aws: string, graviton: string): CatalogRole {
  return {
    role: 'praefect',
    nodes: 3,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'ec2',
    note: PRAEFECT_NOTE,
  };
}

function gitaly(
  nodes: number,
  vcpu: number,
  memoryGB: number,
  gcp: string,
  aws: string,
  graviton: string,
): CatalogRole {
  return {
    role: 'gitaly',
    nodes,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'ec2',
    note: nodes > 1 ? GITALY_CLUSTER_NOTE : 'Single Gitaly node (not HA).',
  };
}

function monitoring(vcpu: number, memoryGB: number, gcp: string, aws: string, graviton: string): CatalogRole {
  return {
    role: 'monitoring',
    nodes: 1,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'ec2',
    note: MONITORING_NOTE,
  };
}

/** PostgreSQL row; the RDS classes follow the rule in the header. */
function postgres(
  nodes: number,
  vcpu: number,
  memoryGB: number,
  gcp: string,
  aws: string,
  graviton: string,
  serviceClass: string,
  gravitonServiceClass: string,
): CatalogRole {
  return {
    role: 'postgres',
    nodes,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'rds',
    serviceClass,
    gravitonServiceClass,
    note: nodes > 1 ? POSTGRES_HA_NOTE : POSTGRES_SINGLE_NOTE,
  };
}

/** Redis row (combined, cache or persistent); the ElastiCache classes follow the rule in the header. */
function redis(
  role: 'redis' | 'redis-cache' | 'redis-persistent',
  nodes: number,
  vcpu: number,
  memoryGB: number,
  gcp: string,
  aws: string,
  graviton: string,
  serviceClass: string,
  gravitonServiceClass: string,
  note: string,
): CatalogRole {
  return {
    role,
    nodes,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'elasticache',
    serviceClass,
    gravitonServiceClass,
    note,
  };
}

function sentinel(host: 'redis' | 'redis-persistent', vcpu: number, memoryGB: number): CatalogRole {
  return {
    role: 'redis-sentinel',
    nodes: 3,
    vcpu,
    memoryGB,
    backing: 'not-needed',
    sharesInstanceWith: host,
    note: host === 'redis' ? SENTINEL_NOTE : SPLIT_SENTINEL_NOTE,
  };
}

function sidekiq(
  nodes: number,
  vcpu: number,
  memoryGB: number,
  gcp: string,
  aws: string,
  graviton: string,
): CatalogRole {
  return {
    role: 'sidekiq',
    nodes,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'ec2-asg',
    note: SIDEKIQ_NOTE,
  };
}

function rails(
  nodes: number,
  vcpu: number,
  memoryGB: number,
  gcp: string,
  aws: string,
  graviton: string,
): CatalogRole {
  return {
    role: 'rails',
    nodes,
    vcpu,
    memoryGB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'ec2-asg',
    note: RAILS_NOTE,
  };
}

/** A Kubernetes node pool row: `count x machine type` plus the documented totals. */
function nodePool(
  role: 'webservice-pool' | 'sidekiq-pool' | 'supporting-pool',
  nodes: number,
  gcp: string,
  aws: string,
  awsNode: { vcpu: number; memoryGiB: number },
  graviton: string,
  target: { vcpu: number; memoryRequestGB: number; memoryLimitGB?: number },
): CatalogRole {
  return {
    role,
    nodes,
    vcpu: awsNode.vcpu,
    memoryGB: awsNode.memoryGiB,
    gcpMachineType: gcp,
    awsInstanceType: aws,
    gravitonInstanceType: graviton,
    backing: 'eks-node-group',
    nodePoolTarget: target,
    note: POOL_NOTE,
  };
}

const C5_2XLARGE = { vcpu: 8, memoryGiB: 16 };
const C5_4XLARGE = { vcpu: 16, memoryGiB: 32 };
const C5_9XLARGE = { vcpu: 36, memoryGiB: 72 };
const M5_LARGE = { vcpu: 2, memoryGiB: 8 };
const M5_XLARGE = { vcpu: 4, memoryGiB: 16 };

function load(apiRps: number, webRps: number, gitPullRps: number, gitPushRps: number): TargetLoad {
  return { apiRps, webRps, gitPullRps, gitPushRps };
}

// ---------------------------------------------------------------------------------------------------------
// 1k: a single node running every component (Rails, Sidekiq, Gitaly, PostgreSQL, Redis, Prometheus).
// GitLab's AWS install guide says the same for AWS: up to 1,000 users, one EC2 instance running the Linux
// package, backed up with snapshots (skratsch-solutions/gitlabhq 462401833261e0523def242cd7f5650407a43351,
// doc/install/aws/_index.md, the note at the top). Its scaled-down multi-node layout is the `poc` scenario.

const ARCH_1K: ReferenceArchitecture = {
  size: '1k',
  type: 'linux-package',
  users: 1000,
  targetLoad: load(20, 2, 2, 1),
  highAvailability: false,
  source: SOURCE_1K,
  roles: [
    {
      role: 'gitlab',
      nodes: 1,
      vcpu: 8,
      memoryGB: 16,
      gcpMachineType: 'n1-standard-8',
      awsInstanceType: 'c5.2xlarge',
      gravitonInstanceType: 'c7g.2xlarge',
      backing: 'ec2',
      note:
        'One node runs everything (Rails, Sidekiq, Gitaly, PostgreSQL, Redis, Prometheus). On AWS one EC2 ' +
        'instance, as the AWS install guide advises up to 1,000 users: its data on an encrypted EBS volume of ' +
        'its own, snapshotted, and the instance recovered in place on hardware failure. The page makes external ' +
        'PostgreSQL and object storage optional; object storage stays on S3.',
    },
  ],
};

// ---------------------------------------------------------------------------------------------------------
// 2k: multi-node, not HA.

const POSTGRES_2K = postgres(
  1,
  2,
  7.5,
  'n1-standard-2',
  'm5.large',
  'm7g.large',
  'db.m6i.large',
  'db.m7g.large',
);
const REDIS_2K = redis(
  'redis',
  1,
  1,
  3.75,
  'n1-standard-1',
  'm5.large',
  'm7g.large',
  'cache.m5.large',
  'cache.m7g.large',
  'The page gives 1 vCPU / 3.75 GB but m5.large (2 vCPU / 8 GiB) as the AWS example; no non-burstable ' +
    'ElastiCache type has 1 vCPU, so the smallest general purpose class. Single node (not HA).',
);
const GITALY_2K = gitaly(1, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge');

const ARCH_2K: ReferenceArchitecture = {
  size: '2k',
  type: 'linux-package',
  users: 2000,
  targetLoad: load(40, 4, 4, 1),
  highAvailability: false,
  source: sizePage('2k'),
  roles: [
    externalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
    POSTGRES_2K,
    REDIS_2K,
    GITALY_2K,
    sidekiq(1, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
    rails(2, 8, 7.2, 'n1-highcpu-8', 'c5.2xlarge', 'c7g.2xlarge'),
    monitoring(2, 1.8, 'n1-highcpu-2', 'c5.large', 'c7g.large'),
    OBJECT_STORAGE,
  ],
};

const ARCH_2K_HYBRID: ReferenceArchitecture = {
  size: '2k',
  type: 'cloud-native-hybrid',
  users: 2000,
  targetLoad: load(40, 4, 4, 1),
  highAvailability: false,
  source: sizePage('2k'),
  roles: [
    nodePool('webservice-pool', 3, 'n1-standard-8', 'c5.2xlarge', C5_2XLARGE, 'c7g.2xlarge', {
      vcpu: 12,
      memoryRequestGB: 15,
      memoryLimitGB: 21,
    }),
    nodePool('sidekiq-pool', 2, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 3.6,
      memoryRequestGB: 8,
      memoryLimitGB: 16,
    }),
    nodePool('supporting-pool', 2, 'n1-standard-2', 'm5.large', M5_LARGE, 'm7g.large', {
      vcpu: 4,
      memoryRequestGB: 15,
    }),
    CNH_EXTERNAL_LB,
    POSTGRES_2K,
    REDIS_2K,
    GITALY_2K,
    OBJECT_STORAGE,
  ],
};

// ---------------------------------------------------------------------------------------------------------
// 3k: smallest HA architecture.

const BACKEND_3K: readonly CatalogRole[] = [
  CONSUL,
  postgres(3, 2, 7.5, 'n1-standard-2', 'm5.large', 'm7g.large', 'db.m6i.large', 'db.m7g.large'),
  PGBOUNCER,
  internalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
  redis(
    'redis',
    3,
    2,
    7.5,
    'n1-standard-2',
    'm5.large',
    'm7g.large',
    'cache.r5.large',
    'cache.r7g.large',
    REDIS_HA_NOTE,
  ),
  sentinel('redis', 2, 7.5),
  gitaly(3, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
  praefect(2, 1.8, 'n1-highcpu-2', 'c5.large', 'c7g.large'),
  PRAEFECT_POSTGRES,
  OBJECT_STORAGE,
];

const ARCH_3K: ReferenceArchitecture = {
  size: '3k',
  type: 'linux-package',
  users: 3000,
  targetLoad: load(60, 6, 6, 1),
  highAvailability: true,
  source: sizePage('3k'),
  roles: [
    externalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
    ...BACKEND_3K,
    sidekiq(2, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
    rails(3, 8, 7.2, 'n1-highcpu-8', 'c5.2xlarge', 'c7g.2xlarge'),
    monitoring(2, 1.8, 'n1-highcpu-2', 'c5.large', 'c7g.large'),
  ],
};

const ARCH_3K_HYBRID: ReferenceArchitecture = {
  size: '3k',
  type: 'cloud-native-hybrid',
  users: 3000,
  targetLoad: load(60, 6, 6, 1),
  highAvailability: true,
  source: sizePage('3k'),
  roles: [
    nodePool('webservice-pool', 2, 'n1-standard-16', 'c5.4xlarge', C5_4XLARGE, 'c7g.4xlarge', {
      vcpu: 16,
      memoryRequestGB: 20,
      memoryLimitGB: 28,
    }),
    nodePool('sidekiq-pool', 3, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 7.2,
      memoryRequestGB: 16,
      memoryLimitGB: 32,
    }),
    nodePool('supporting-pool', 2, 'n1-standard-2', 'm5.large', M5_LARGE, 'm7g.large', {
      vcpu: 4,
      memoryRequestGB: 15,
    }),
    CNH_EXTERNAL_LB,
    ...BACKEND_3K,
  ],
};

// ---------------------------------------------------------------------------------------------------------
// 5k

const BACKEND_5K: readonly CatalogRole[] = [
  CONSUL,
  postgres(3, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge', 'db.m6i.xlarge', 'db.m7g.xlarge'),
  PGBOUNCER,
  internalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
  redis(
    'redis',
    3,
    2,
    7.5,
    'n1-standard-2',
    'm5.large',
    'm7g.large',
    'cache.r5.large',
    'cache.r7g.large',
    REDIS_HA_NOTE,
  ),
  sentinel('redis', 2, 7.5),
  gitaly(3, 8, 30, 'n1-standard-8', 'm5.2xlarge', 'm7g.2xlarge'),
  praefect(2, 1.8, 'n1-highcpu-2', 'c5.large', 'c7g.large'),
  PRAEFECT_POSTGRES,
  OBJECT_STORAGE,
];

const ARCH_5K: ReferenceArchitecture = {
  size: '5k',
  type: 'linux-package',
  users: 5000,
  targetLoad: load(100, 10, 10, 2),
  highAvailability: true,
  source: sizePage('5k'),
  roles: [
    externalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
    ...BACKEND_5K,
    sidekiq(2, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
    rails(3, 16, 14.4, 'n1-highcpu-16', 'c5.4xlarge', 'c7g.4xlarge'),
    monitoring(2, 1.8, 'n1-highcpu-2', 'c5.large', 'c7g.large'),
  ],
};

const ARCH_5K_HYBRID: ReferenceArchitecture = {
  size: '5k',
  type: 'cloud-native-hybrid',
  users: 5000,
  targetLoad: load(100, 10, 10, 2),
  highAvailability: true,
  source: sizePage('5k'),
  roles: [
    nodePool('webservice-pool', 3, 'n1-standard-16', 'c5.4xlarge', C5_4XLARGE, 'c7g.4xlarge', {
      vcpu: 36,
      memoryRequestGB: 45,
      memoryLimitGB: 63,
    }),
    nodePool('sidekiq-pool', 3, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 7.2,
      memoryRequestGB: 16,
      memoryLimitGB: 32,
    }),
    nodePool('supporting-pool', 2, 'n1-standard-2', 'm5.large', M5_LARGE, 'm7g.large', {
      vcpu: 4,
      memoryRequestGB: 15,
    }),
    CNH_EXTERNAL_LB,
    ...BACKEND_5K,
  ],
};

// ---------------------------------------------------------------------------------------------------------
// 10k: Redis splits into cache and persistent.

function splitRedis(): readonly CatalogRole[] {
  return [
    redis(
      'redis-cache',
      3,
      4,
      15,
      'n1-standard-4',
      'm5.xlarge',
      'm7g.xlarge',
      'cache.r5.xlarge',
      'cache.r7g.xlarge',
      REDIS_SPLIT_NOTE,
    ),
    redis(
      'redis-persistent',
      3,
      4,
      15,
      'n1-standard-4',
      'm5.xlarge',
      'm7g.xlarge',
      'cache.r5.xlarge',
      'cache.r7g.xlarge',
      REDIS_SPLIT_NOTE,
    ),
    sentinel('redis-persistent', 4, 15),
  ];
}

const BACKEND_10K: readonly CatalogRole[] = [
  CONSUL,
  postgres(3, 8, 30, 'n1-standard-8', 'm5.2xlarge', 'm7g.2xlarge', 'db.m6i.2xlarge', 'db.m7g.2xlarge'),
  PGBOUNCER,
  internalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
  ...splitRedis(),
  gitaly(3, 16, 60, 'n1-standard-16', 'm5.4xlarge', 'm7g.4xlarge'),
  praefect(2, 1.8, 'n1-highcpu-2', 'c5.large', 'c7g.large'),
  PRAEFECT_POSTGRES,
  OBJECT_STORAGE,
];

const ARCH_10K: ReferenceArchitecture = {
  size: '10k',
  type: 'linux-package',
  users: 10000,
  targetLoad: load(200, 20, 20, 4),
  highAvailability: true,
  source: sizePage('10k'),
  roles: [
    externalLoadBalancer(4, 3.6, 'n1-highcpu-4', 'c5n.xlarge'),
    ...BACKEND_10K,
    sidekiq(4, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
    rails(3, 32, 28.8, 'n1-highcpu-32', 'c5.9xlarge', 'c7g.8xlarge'),
    monitoring(4, 3.6, 'n1-highcpu-4', 'c5.xlarge', 'c7g.xlarge'),
  ],
};

const ARCH_10K_HYBRID: ReferenceArchitecture = {
  size: '10k',
  type: 'cloud-native-hybrid',
  users: 10000,
  targetLoad: load(200, 20, 20, 4),
  highAvailability: true,
  source: sizePage('10k'),
  roles: [
    nodePool('webservice-pool', 3, 'n1-standard-32', 'c5.9xlarge', C5_9XLARGE, 'c7g.8xlarge', {
      vcpu: 80,
      memoryRequestGB: 100,
      memoryLimitGB: 140,
    }),
    nodePool('sidekiq-pool', 4, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 12.6,
      memoryRequestGB: 28,
      memoryLimitGB: 56,
    }),
    nodePool('supporting-pool', 2, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 8,
      memoryRequestGB: 30,
    }),
    CNH_EXTERNAL_LB,
    ...BACKEND_10K,
  ],
};

// ---------------------------------------------------------------------------------------------------------
// 25k

function backend25k(internalLb: CatalogRole): readonly CatalogRole[] {
  return [
    CONSUL,
    postgres(3, 16, 60, 'n1-standard-16', 'm5.4xlarge', 'm7g.4xlarge', 'db.m6i.4xlarge', 'db.m7g.4xlarge'),
    PGBOUNCER,
    internalLb,
    ...splitRedis(),
    gitaly(3, 32, 120, 'n1-standard-32', 'm5.8xlarge', 'm7g.8xlarge'),
    praefect(4, 3.6, 'n1-highcpu-4', 'c5.xlarge', 'c7g.xlarge'),
    PRAEFECT_POSTGRES,
    OBJECT_STORAGE,
  ];
}

const ARCH_25K: ReferenceArchitecture = {
  size: '25k',
  type: 'linux-package',
  users: 25000,
  targetLoad: load(500, 50, 50, 10),
  highAvailability: true,
  source: sizePage('25k'),
  roles: [
    externalLoadBalancer(8, 7.2, 'n1-highcpu-8', 'c5n.2xlarge'),
    ...backend25k(internalLoadBalancer(8, 7.2, 'n1-highcpu-8', 'c5n.2xlarge')),
    sidekiq(4, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
    rails(5, 32, 28.8, 'n1-highcpu-32', 'c5.9xlarge', 'c7g.8xlarge'),
    monitoring(4, 3.6, 'n1-highcpu-4', 'c5.xlarge', 'c7g.xlarge'),
  ],
};

const ARCH_25K_HYBRID: ReferenceArchitecture = {
  size: '25k',
  type: 'cloud-native-hybrid',
  users: 25000,
  targetLoad: load(500, 50, 50, 10),
  highAvailability: true,
  source: sizePage('25k'),
  roles: [
    nodePool('webservice-pool', 5, 'n1-standard-32', 'c5.9xlarge', C5_9XLARGE, 'c7g.8xlarge', {
      vcpu: 140,
      memoryRequestGB: 175,
      memoryLimitGB: 245,
    }),
    nodePool('sidekiq-pool', 4, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 12.6,
      memoryRequestGB: 28,
      memoryLimitGB: 56,
    }),
    nodePool('supporting-pool', 2, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 8,
      memoryRequestGB: 30,
    }),
    CNH_EXTERNAL_LB,
    // The hybrid table gives c5.2xlarge for the internal load balancer where the Linux package table gives c5n.2xlarge.
    ...backend25k(internalLoadBalancer(8, 7.2, 'n1-highcpu-8', 'c5.2xlarge')),
  ],
};

// ---------------------------------------------------------------------------------------------------------
// 50k

const BACKEND_50K: readonly CatalogRole[] = [
  CONSUL,
  postgres(3, 32, 120, 'n1-standard-32', 'm5.8xlarge', 'm7g.8xlarge', 'db.m6i.8xlarge', 'db.m7g.8xlarge'),
  PGBOUNCER,
  internalLoadBalancer(16, 14.4, 'n1-highcpu-16', 'c5.4xlarge'),
  ...splitRedis(),
  gitaly(3, 64, 240, 'n1-standard-64', 'm5.16xlarge', 'm7g.16xlarge'),
  praefect(4, 3.6, 'n1-highcpu-4', 'c5.xlarge', 'c7g.xlarge'),
  PRAEFECT_POSTGRES,
  OBJECT_STORAGE,
];

const ARCH_50K: ReferenceArchitecture = {
  size: '50k',
  type: 'linux-package',
  users: 50000,
  targetLoad: load(1000, 100, 100, 20),
  highAvailability: true,
  source: sizePage('50k'),
  roles: [
    externalLoadBalancer(16, 14.4, 'n1-highcpu-16', 'c5.4xlarge'),
    ...BACKEND_50K,
    sidekiq(4, 4, 15, 'n1-standard-4', 'm5.xlarge', 'm7g.xlarge'),
    rails(12, 32, 28.8, 'n1-highcpu-32', 'c5.9xlarge', 'c7g.8xlarge'),
    monitoring(4, 3.6, 'n1-highcpu-4', 'c5.xlarge', 'c7g.xlarge'),
  ],
};

const ARCH_50K_HYBRID: ReferenceArchitecture = {
  size: '50k',
  type: 'cloud-native-hybrid',
  users: 50000,
  targetLoad: load(1000, 100, 100, 20),
  highAvailability: true,
  source: sizePage('50k'),
  roles: [
    nodePool('webservice-pool', 11, 'n1-standard-32', 'c5.9xlarge', C5_9XLARGE, 'c7g.8xlarge', {
      vcpu: 308,
      memoryRequestGB: 385,
      memoryLimitGB: 539,
    }),
    nodePool('sidekiq-pool', 4, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 12.6,
      memoryRequestGB: 28,
      memoryLimitGB: 56,
    }),
    nodePool('supporting-pool', 2, 'n1-standard-4', 'm5.xlarge', M5_XLARGE, 'm7g.xlarge', {
      vcpu: 8,
      memoryRequestGB: 30,
    }),
    CNH_EXTERNAL_LB,
    ...BACKEND_50K,
  ],
};

/** Every published reference architecture: each size as `linux-package`, 2k to 50k also as `cloud-native-hybrid`. */
export const REFERENCE_ARCHITECTURES: readonly ReferenceArchitecture[] = [
  ARCH_1K,
  ARCH_2K,
  ARCH_2K_HYBRID,
  ARCH_3K,
  ARCH_3K_HYBRID,
  ARCH_5K,
  ARCH_5K_HYBRID,
  ARCH_10K,
  ARCH_10K_HYBRID,
  ARCH_25K,
  ARCH_25K_HYBRID,
  ARCH_50K,
  ARCH_50K_HYBRID,
];
