/**
 * Types for GitLab's reference architectures expressed as data.
 *
 * The catalog only records what GitLab's documentation says (node counts, vCPU, memory, the
 * example machine types) plus the AWS service each role maps to. It never decides anything about
 * a particular environment: that is the Plan's job (src/plan).
 */

import type { ArchitectureType, ReferenceSize, SpecSize } from '../spec/choices.js';

export {
  ARCHITECTURE_TYPES,
  type ArchitectureType,
  CPU_FAMILIES,
  type CpuFamily,
  REFERENCE_SIZES,
  type ReferenceSize,
  SPEC_SIZES,
  type SpecSize,
} from '../spec/choices.js';

/**
 * Role ids, in GitLab's own words where GitLab has a word for the role.
 * - `gitlab`: the single all-in-one node of the 1k architecture.
 * - `webservice-pool`, `sidekiq-pool`, `supporting-pool`: Kubernetes node pools of Cloud Native Hybrid.
 * - `bastion` is not part of GitLab's reference architectures; the Plan adds it on request.
 * - `backup`: the node that runs `gitlab-backup` for a multi-node Linux package install, which GitLab
 *   asks for but its reference architectures do not list (see backup-node.ts).
 */
export const ROLE_IDS = [
  'gitlab',
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'praefect-postgres',
  'postgres',
  'pgbouncer',
  'consul',
  'redis',
  'redis-cache',
  'redis-persistent',
  'redis-sentinel',
  'monitoring',
  'backup',
  'internal-load-balancer',
  'external-load-balancer',
  'object-storage',
  'webservice-pool',
  'sidekiq-pool',
  'supporting-pool',
  'bastion',
] as const;
export type RoleId = (typeof ROLE_IDS)[number];

/**
 * How a role runs on AWS.
 * - `ec2`: fixed instances (Gitaly, Praefect, monitoring...).
 * - `ec2-asg`: an auto scaling group (Rails, Sidekiq on the Linux package).
 * - `rds`, `elasticache`, `nlb`, `s3`: the AWS managed service replaces the nodes.
 * - `eks-node-group`: a managed node group of the EKS cluster (Cloud Native Hybrid).
 * - `not-needed`: the managed service makes the role redundant (Consul and PgBouncer when
 *   PostgreSQL is RDS, Redis Sentinel when Redis is ElastiCache).
 */
export const AWS_BACKINGS = [
  'ec2',
  'ec2-asg',
  'rds',
  'elasticache',
  'nlb',
  's3',
  'eks-node-group',
  'not-needed',
] as const;
export type AwsBacking = (typeof AWS_BACKINGS)[number];

/** One row of a reference architecture's component table. */
export interface CatalogRole {
  /** Role id. */
  readonly role: RoleId;
  /** Number of nodes the documentation lists for this role. */
  readonly nodes: number;
  /** vCPU per node, as documented. */
  readonly vcpu: number;
  /** Memory per node in GB, as documented. */
  readonly memoryGB: number;
  /** The GCP example machine type in the documentation, if given. */
  readonly gcpMachineType?: string;
  /** The AWS example instance type in the documentation (x86). */
  readonly awsInstanceType?: string;
  /** The arm64 (Graviton) instance type with the same vCPU and memory, where GitLab supports arm64 for the role. */
  readonly gravitonInstanceType?: string;
  /** How the role is backed on AWS. */
  readonly backing: AwsBacking;
  /** For `rds` / `elasticache`: the managed service class of equal size (x86), e.g. `db.m6i.large`, `cache.m6g.large`. */
  readonly serviceClass?: string;
  /** For `rds` / `elasticache`: the arm64 managed service class of equal size. */
  readonly gravitonServiceClass?: string;
  /** Why this role is shaped this way, if the documentation says something worth keeping. */
  readonly note?: string;
  /** For auto scaling groups whose source gives a ceiling: the maximum node count (`nodes` is then the minimum). */
  readonly maxNodes?: number;
  /** Set when the role has no machines of its own but runs on another role's nodes or service instance. */
  readonly sharesInstanceWith?: RoleId;
  /** For Kubernetes node pools: the documented pool totals the pool's nodes must cover. */
  readonly nodePoolTarget?: NodePoolTarget;
}

/**
 * Totals a Cloud Native Hybrid node pool must provide for the GitLab pods, as documented.
 * For pool roles, `vcpu` and `memoryGB` are per node of the documented example machine type.
 */
export interface NodePoolTarget {
  /** vCPU the pool must provide in total. */
  readonly vcpu: number;
  /** Memory in GB the pods request in total (the only figure given for the supporting pool). */
  readonly memoryRequestGB: number;
  /** Memory in GB the pods may use in total at their limits, where documented. */
  readonly memoryLimitGB?: number;
}

/** Where a reference architecture's numbers were read. */
export interface CatalogSource {
  /** GitHub repository (mirror) the page was read in. */
  readonly repository: string;
  /** Path of the documentation page. */
  readonly path: string;
  /** Commit read. */
  readonly commit: string;
}

/** Target load a reference architecture is sized for, in requests per second. */
export interface TargetLoad {
  readonly apiRps: number;
  readonly webRps: number;
  readonly gitPullRps: number;
  readonly gitPushRps: number;
}

/**
 * One published reference architecture (a size and a type).
 * `S` defaults to the published sizes; `ReferenceArchitecture<'poc'>` is the AWS guide's scenario.
 */
export interface ReferenceArchitecture<S extends SpecSize = ReferenceSize> {
  readonly size: S;
  readonly type: ArchitectureType;
  /** Users the architecture is published for (e.g. 3000). */
  readonly users: number;
  /** Target load, where the documentation gives one. */
  readonly targetLoad?: TargetLoad;
  /** Whether the documentation calls this architecture highly available. */
  readonly highAvailability: boolean;
  readonly source: CatalogSource;
  readonly roles: readonly CatalogRole[];
}
