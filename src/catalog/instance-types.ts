/**
 * Size of every EC2 instance type, RDS DB instance class and ElastiCache node type the catalog
 * refers to.
 *
 * Figures are AWS's published specifications (vCPU count, memory in GiB). ElastiCache node memory is
 * the figure AWS lists for the node type, which is lower than the matching EC2 type because AWS
 * keeps some memory for the service itself (e.g. `cache.m5.large` has 6.38 GiB, `m5.large` 8 GiB).
 *
 * Burstable types (`t` families) appear only where a GitLab document itself names one (the AWS
 * install guide's bastion host and its minimum ElastiCache node); the catalog never chooses one.
 */

/** Which AWS service an instance type belongs to. */
export type InstanceService = 'ec2' | 'rds' | 'elasticache';

/** CPU architecture as AWS names it. */
export type InstanceArch = 'x86_64' | 'arm64';

/** Size of one instance type. */
export interface InstanceTypeSpec {
  /** Instance type, class or node type name, e.g. `m5.xlarge`, `db.m7g.large`, `cache.r7g.large`. */
  readonly name: string;
  /** Service the type belongs to. */
  readonly service: InstanceService;
  /** vCPU count. */
  readonly vcpu: number;
  /** Memory in GiB. */
  readonly memoryGiB: number;
  /** CPU architecture. */
  readonly arch: InstanceArch;
  /** Whether the type earns and spends CPU credits (a `t` family). */
  readonly burstable: boolean;
}

const SPECS: readonly InstanceTypeSpec[] = [
  // EC2, x86 (the examples GitLab's reference architectures give).
  { name: 'c5.large', service: 'ec2', vcpu: 2, memoryGiB: 4, arch: 'x86_64', burstable: false },
  { name: 'c5.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'c5.2xlarge', service: 'ec2', vcpu: 8, memoryGiB: 16, arch: 'x86_64', burstable: false },
  { name: 'c5.4xlarge', service: 'ec2', vcpu: 16, memoryGiB: 32, arch: 'x86_64', burstable: false },
  { name: 'c5.9xlarge', service: 'ec2', vcpu: 36, memoryGiB: 72, arch: 'x86_64', burstable: false },
  { name: 'c5n.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 10.5, arch: 'x86_64', burstable: false },
  { name: 'c5n.2xlarge', service: 'ec2', vcpu: 8, memoryGiB: 21, arch: 'x86_64', burstable: false },
  { name: 'm5.large', service: 'ec2', vcpu: 2, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'm5.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 16, arch: 'x86_64', burstable: false },
  { name: 'm5.2xlarge', service: 'ec2', vcpu: 8, memoryGiB: 32, arch: 'x86_64', burstable: false },
  { name: 'm5.4xlarge', service: 'ec2', vcpu: 16, memoryGiB: 64, arch: 'x86_64', burstable: false },
  { name: 'm5.8xlarge', service: 'ec2', vcpu: 32, memoryGiB: 128, arch: 'x86_64', burstable: false },
  { name: 'm5.16xlarge', service: 'ec2', vcpu: 64, memoryGiB: 256, arch: 'x86_64', burstable: false },
  // EC2 for the GitLab Runner fleet (src/catalog/gitlab-runner.ts): its job instances and manager.
  { name: 'c6i.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'c7i.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'm6i.large', service: 'ec2', vcpu: 2, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'm6i.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 16, arch: 'x86_64', burstable: false },
  { name: 'm7i.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 16, arch: 'x86_64', burstable: false },
  { name: 't2.micro', service: 'ec2', vcpu: 1, memoryGiB: 1, arch: 'x86_64', burstable: true },

  // EC2, arm64 (Graviton3).
  { name: 'c7g.large', service: 'ec2', vcpu: 2, memoryGiB: 4, arch: 'arm64', burstable: false },
  { name: 'c7g.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 8, arch: 'arm64', burstable: false },
  { name: 'c7g.2xlarge', service: 'ec2', vcpu: 8, memoryGiB: 16, arch: 'arm64', burstable: false },
  { name: 'c7g.4xlarge', service: 'ec2', vcpu: 16, memoryGiB: 32, arch: 'arm64', burstable: false },
  { name: 'c7g.8xlarge', service: 'ec2', vcpu: 32, memoryGiB: 64, arch: 'arm64', burstable: false },
  { name: 'c6g.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 8, arch: 'arm64', burstable: false },
  { name: 'm6g.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 16, arch: 'arm64', burstable: false },
  { name: 'm7g.large', service: 'ec2', vcpu: 2, memoryGiB: 8, arch: 'arm64', burstable: false },
  { name: 'm7g.xlarge', service: 'ec2', vcpu: 4, memoryGiB: 16, arch: 'arm64', burstable: false },
  { name: 'm7g.2xlarge', service: 'ec2', vcpu: 8, memoryGiB: 32, arch: 'arm64', burstable: false },
  { name: 'm7g.4xlarge', service: 'ec2', vcpu: 16, memoryGiB: 64, arch: 'arm64', burstable: false },
  { name: 'm7g.8xlarge', service: 'ec2', vcpu: 32, memoryGiB: 128, arch: 'arm64', burstable: false },
  { name: 'm7g.16xlarge', service: 'ec2', vcpu: 64, memoryGiB: 256, arch: 'arm64', burstable: false },

  // RDS for PostgreSQL DB instance classes.
  { name: 'db.m5.large', service: 'rds', vcpu: 2, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'db.m6i.large', service: 'rds', vcpu: 2, memoryGiB: 8, arch: 'x86_64', burstable: false },
  { name: 'db.m6i.xlarge', service: 'rds', vcpu: 4, memoryGiB: 16, arch: 'x86_64', burstable: false },
  { name: 'db.m6i.2xlarge', service: 'rds', vcpu: 8, memoryGiB: 32, arch: 'x86_64', burstable: false },
  { name: 'db.m6i.4xlarge', service: 'rds', vcpu: 16, memoryGiB: 64, arch: 'x86_64', burstable: false },
  { name: 'db.m6i.8xlarge', service: 'rds', vcpu: 32, memoryGiB: 128, arch: 'x86_64', burstable: false },
  { name: 'db.m7g.large', service: 'rds', vcpu: 2, memoryGiB: 8, arch: 'arm64', burstable: false },
  { name: 'db.m7g.xlarge', service: 'rds', vcpu: 4, memoryGiB: 16, arch: 'arm64', burstable: false },
  { name: 'db.m7g.2xlarge', service: 'rds', vcpu: 8, memoryGiB: 32, arch: 'arm64', burstable: false },
  { name: 'db.m7g.4xlarge', service: 'rds', vcpu: 16, memoryGiB: 64, arch: 'arm64', burstable: false },
  { name: 'db.m7g.8xlarge', service: 'rds', vcpu: 32, memoryGiB: 128, arch: 'arm64', burstable: false },

  // ElastiCache node types (no 6th-generation Intel family exists for ElastiCache).
  {
    name: 'cache.m5.large',
    service: 'elasticache',
    vcpu: 2,
    memoryGiB: 6.38,
    arch: 'x86_64',
    burstable: false,
  },
  {
    name: 'cache.r5.large',
    service: 'elasticache',
    vcpu: 2,
    memoryGiB: 13.07,
    arch: 'x86_64',
    burstable: false,
  },
  {
    name: 'cache.r5.xlarge',
    service: 'elasticache',
    vcpu: 4,
    memoryGiB: 26.32,
    arch: 'x86_64',
    burstable: false,
  },
  {
    name: 'cache.m7g.large',
    service: 'elasticache',
    vcpu: 2,
    memoryGiB: 6.38,
    arch: 'arm64',
    burstable: false,
  },
  {
    name: 'cache.r7g.large',
    service: 'elasticache',
    vcpu: 2,
    memoryGiB: 13.07,
    arch: 'arm64',
    burstable: false,
  },
  {
    name: 'cache.r7g.xlarge',
    service: 'elasticache',
    vcpu: 4,
    memoryGiB: 26.32,
    arch: 'arm64',
    burstable: false,
  },
  {
    name: 'cache.t3.medium',
    service: 'elasticache',
    vcpu: 2,
    memoryGiB: 3.09,
    arch: 'x86_64',
    burstable: true,
  },
];

/** Every instance type the catalog uses, by name. */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeSpec>> = Object.freeze(
  Object.fromEntries(SPECS.map((spec) => [spec.name, Object.freeze(spec)])),
);

/** The size of an instance type the catalog uses; throws for a type the table does not know. */
export function instanceType(name: string): InstanceTypeSpec {
  const spec = INSTANCE_TYPES[name];
  if (spec === undefined) {
    throw new Error(`Instance type '${name}' is not in the catalog's instance-type table`);
  }
  return spec;
}

/** Whether a name is a burstable (`t` family) EC2 type, RDS class or ElastiCache node type. */
export function isBurstableInstanceType(name: string): boolean {
  return /^(db\.|cache\.)?t\d/.test(name);
}
