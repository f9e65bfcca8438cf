/**
 * Plan checks, in the style of cdk-nag rules: each is a small pure function with a stable id, a
 * level and a message that says how to fix the finding. They live in one list and run on every plan.
 *
 * Error-level findings make `plan` exit 1 and stop `deploy`: they are choices GitLab does not
 * support on AWS, or layouts that cannot work. Warnings are choices a reviewer should see.
 * Sources: GitLab's reference architecture overview (`_index.md`, cloud services section) and the
 * Gitaly Cluster docs, as recorded in src/catalog/aws-guidance.ts.
 */
import { NEWEST_GITLAB_RELEASE } from '../catalog/gitlab-requirements.js';
import { INSTANCE_TYPES, isBurstableInstanceType } from '../catalog/instance-types.js';
import type { ReferenceArchitecture, RoleId, SpecSize } from '../catalog/types.js';
import type { Spec } from '../spec/schema.js';
import { LARGEST_VPC_PREFIX } from './network.js';
import type { CheckCategory, CheckLevel, CheckResult, Plan } from './types.js';

export interface CheckContext {
  readonly spec: Spec;
  readonly reference: ReferenceArchitecture<SpecSize>;
  /** The plan being checked (everything but its checks). */
  readonly plan: Omit<Plan, 'checks'>;
}

/** A finding before the rule's id, level and category are attached. */
export interface Finding {
  readonly message: string;
  readonly field?: string;
}

export interface PlanRule {
  readonly id: string;
  readonly level: CheckLevel;
  readonly category: CheckCategory;
  /** One line: what the rule guards against. */
  readonly description: string;
  /** The entry of the catalog's AWS guidance (GitLab's documented position) the rule enforces. */
  readonly guidance?: string;
  readonly evaluate: (context: CheckContext) => readonly Finding[];
}

const when = (condition: boolean, finding: Finding): Finding[] => (condition ? [finding] : []);

function praefectNodes(plan: CheckContext['plan']) {
  return plan.nodes.filter((node) => node.role === 'praefect');
}
function gitalyNodes(plan: CheckContext['plan']) {
  return plan.nodes.filter((node) => node.role === 'gitaly');
}
const SIZE_ORDER: readonly SpecSize[] = ['poc', '1k', '2k', '3k', '5k', '10k', '25k', '50k'];
const atLeast = (size: SpecSize, minimum: SpecSize) =>
  SIZE_ORDER.indexOf(size) >= SIZE_ORDER.indexOf(minimum);

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < 3; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Overrides to compare with the reference sizing: spec field, role and the chosen type. */
function overrides(spec: Spec): { field: string; role: RoleId; instanceType: string }[] {
  const entries: { field: string; role: RoleId; instanceType: string | undefined }[] = [
    { field: 'rails.instanceType', role: 'rails', instanceType: spec.rails.instanceType },
    { field: 'sidekiq.instanceType', role: 'sidekiq', instanceType: spec.sidekiq.instanceType },
    { field: 'gitaly.instanceType', role: 'gitaly', instanceType: spec.gitaly.instanceType },
    { field: 'database.instanceClass', role: 'postgres', instanceType: spec.database.instanceClass },
    { field: 'redis.nodeType', role: 'redis', instanceType: spec.redis.nodeType },
  ];
  return entries.filter((entry): entry is { field: string; role: RoleId; instanceType: string } =>
    Boolean(entry.instanceType),
  );
}

export const PLAN_RULES: readonly PlanRule[] = [
  {
    id: 'GLA-DB-AURORA',
    level: 'error',
    category: 'support',
    description: 'Aurora is not a database GitLab supports',
    guidance: 'aurora-postgresql',
    evaluate: ({ spec }) =>
      when(spec.database.engine === 'aurora-postgresql', {
        field: 'database.engine',
        message:
          'Amazon Aurora is incompatible with GitLab (since GitLab 14.4). Set database.engine: postgres to use RDS for PostgreSQL, Multi-AZ.',
      }),
  },
  {
    id: 'GLA-DB-MULTI-AZ-CLUSTER',
    level: 'error',
    category: 'support',
    description: 'RDS Multi-AZ DB clusters are not validated by GitLab',
    guidance: 'rds-multi-az-db-cluster',
    evaluate: ({ spec }) =>
      when(spec.database.deployment === 'multi-az-cluster', {
        field: 'database.deployment',
        message:
          'RDS Multi-AZ DB clusters are not tested by GitLab. Set database.deployment: multi-az-instance (a Multi-AZ DB instance with a standby).',
      }),
  },
  {
    id: 'GLA-DB-PROXY',
    level: 'error',
    category: 'support',
    description: 'RDS Proxy has never been validated with GitLab',
    guidance: 'rds-proxy',
    evaluate: ({ spec }) =>
      when(spec.database.proxy, {
        field: 'database.proxy',
        message:
          'GitLab has never validated RDS Proxy, so gitlab-aws does not build one. Set database.proxy: false; from 10k, read replicas with GitLab database load balancing spread the load.',
      }),
  },
  {
    id: 'GLA-REDIS-CLUSTER-MODE',
    level: 'error',
    category: 'support',
    description: 'Redis cluster mode is not supported by GitLab',
    guidance: 'elasticache-cluster-mode-enabled',
    evaluate: ({ spec }) =>
      when(spec.redis.clusterMode, {
        field: 'redis.clusterMode',
        message:
          'GitLab does not support Redis cluster mode. Set redis.clusterMode: false; gitlab-aws uses a replication group (one primary, replicas in other AZs, automatic failover).',
      }),
  },
  {
    id: 'GLA-REDIS-SERVERLESS',
    level: 'error',
    category: 'support',
    description: 'ElastiCache Serverless is not validated by GitLab',
    guidance: 'elasticache-serverless',
    evaluate: ({ spec }) =>
      when(spec.redis.serverless, {
        field: 'redis.serverless',
        message:
          'ElastiCache Serverless is not validated for GitLab. Set redis.serverless: false to use a node-based replication group.',
      }),
  },
  {
    id: 'GLA-DB-BURSTABLE',
    level: 'error',
    category: 'sizing',
    description: 'Burstable database classes throttle GitLab under sustained load',
    guidance: 'rds-burstable-classes',
    evaluate: ({ plan }) =>
      plan.services.flatMap((service) =>
        service.kind === 'rds' && isBurstableInstanceType(service.instanceClass)
          ? [
              {
                field: 'database.instanceClass',
                message: `${service.instanceClass} is a burstable class: it runs out of CPU credits under GitLab's steady load. Use a general purpose class such as db.m6i.large (or remove the override).`,
              },
            ]
          : [],
      ),
  },
  {
    id: 'GLA-REDIS-BURSTABLE',
    level: 'error',
    category: 'sizing',
    description: 'Burstable cache node types throttle GitLab under sustained load',
    guidance: 'elasticache-burstable-node-types',
    evaluate: ({ plan }) =>
      plan.services.flatMap((service) =>
        service.kind === 'elasticache' && isBurstableInstanceType(service.nodeType)
          ? [
              {
                field: 'redis.nodeType',
                message: `${service.nodeType} is a burstable node type: it runs out of CPU credits under GitLab's steady load. Use cache.m6g.large or larger (or remove the override).`,
              },
            ]
          : [],
      ),
  },
  {
    id: 'GLA-EC2-BURSTABLE',
    level: 'error',
    category: 'sizing',
    description: 'Burstable instance types throttle GitLab components',
    guidance: 'ec2-burstable-instances',
    evaluate: ({ plan }) => {
      const roles = new Set(
        plan.nodes
          .filter((node) => node.role !== 'bastion' && isBurstableInstanceType(node.instanceType))
          .map((node) => `${node.role} (${node.instanceType})`),
      );
      return [...roles].map((what) => ({
        message: `${what} is a burstable type: GitLab components run out of CPU credits. Use the reference architecture's type or another non-burstable one.`,
      }));
    },
  },
  {
    id: 'GLA-PRAEFECT-QUORUM',
    level: 'error',
    category: 'ha',
    description: 'Praefect needs at least 3 nodes',
    evaluate: ({ plan }) => {
      const count = praefectNodes(plan).length;
      return when(plan.architecture.gitalyMode === 'cluster' && count < 3, {
        field: 'gitaly.praefectNodes',
        message: `Gitaly Cluster has ${count} Praefect node(s); Praefect needs at least 3 so that the loss of one keeps a majority. Set gitaly.praefectNodes: 3 (or remove the override).`,
      });
    },
  },
  {
    id: 'GLA-GITALY-QUORUM',
    level: 'error',
    category: 'ha',
    description: 'Gitaly Cluster needs at least 3 Gitaly nodes',
    evaluate: ({ plan }) => {
      const count = gitalyNodes(plan).length;
      return when(plan.architecture.gitalyMode === 'cluster' && count < 3, {
        field: 'gitaly.nodes',
        message: `Gitaly Cluster has ${count} Gitaly node(s); voting replication needs an odd quorum of at least 3. Set gitaly.nodes: 3 (or remove the override).`,
      });
    },
  },
  {
    id: 'GLA-GITALY-EVEN',
    level: 'warning',
    category: 'ha',
    description: 'An even number of Gitaly or Praefect nodes adds cost without tolerating more failures',
    evaluate: ({ plan }) =>
      plan.architecture.gitalyMode === 'cluster'
        ? (['gitaly', 'praefect'] as const)
            .map((role) => ({ role, count: plan.nodes.filter((node) => node.role === role).length }))
            .filter(({ count }) => count >= 3 && count % 2 === 0)
            .map(({ role, count }) => ({
              field: role === 'gitaly' ? 'gitaly.nodes' : 'gitaly.praefectNodes',
              message: `${count} ${role} nodes tolerate no more failures than ${count - 1}; use an odd count.`,
            }))
        : [],
  },
  {
    id: 'GLA-GITALY-EFS',
    level: 'error',
    category: 'support',
    description: 'EFS for Git data is strongly discouraged by GitLab',
    guidance: 'efs-git-data',
    evaluate: ({ spec }) =>
      when(spec.gitaly.storage === 'efs', {
        field: 'gitaly.storage',
        message:
          'GitLab strongly discourages EFS (and any NFS) for Git repositories: its latency makes Git slow and it is not supported for Gitaly. Set gitaly.storage: ebs.',
      }),
  },
  {
    id: 'GLA-GITALY-SINGLE-AT-SCALE',
    level: 'warning',
    category: 'ha',
    description: 'A single Gitaly at 3k or more is a single point of failure',
    evaluate: ({ plan }) =>
      when(atLeast(plan.architecture.size, '3k') && plan.architecture.gitalyMode === 'single', {
        field: 'gitaly.mode',
        message: `A ${plan.architecture.size} environment on one Gitaly server is not highly available: losing that node stops all Git access. Set gitaly.mode: cluster (or auto) for Gitaly Cluster.`,
      }),
  },
  {
    id: 'GLA-GITALY-CLUSTER-2AZ',
    level: 'warning',
    category: 'ha',
    description: 'With 2 AZs, losing the AZ holding most Gitaly/Praefect nodes loses quorum',
    guidance: 'odd-availability-zones',
    evaluate: ({ plan }) =>
      when(plan.availabilityZones.length === 2 && plan.architecture.gitalyMode === 'cluster', {
        field: 'availabilityZones',
        message:
          'Gitaly Cluster over 2 AZs: one AZ holds 2 of the 3 Gitaly and Praefect nodes, so losing that AZ loses quorum. Use availabilityZones: 3 where the region has them.',
      }),
  },
  {
    id: 'GLA-NOT-HA',
    level: 'info',
    category: 'ha',
    description: 'The architecture is not highly available by design',
    evaluate: ({ plan }) =>
      when(!plan.architecture.highAvailability, {
        field: 'architecture.size',
        message: `The ${plan.architecture.size} layout is not highly available (a single Gitaly or a single Rails node). Use 3k or larger with Gitaly Cluster for HA.`,
      }),
  },
  {
    id: 'GLA-SSH-OPEN',
    level: 'warning',
    category: 'security',
    description: 'Git over SSH is open to the whole internet',
    evaluate: ({ spec }) =>
      when(spec.access.sshAllowedCidrs.includes('0.0.0.0/0'), {
        field: 'access.sshAllowedCidrs',
        message:
          'Port 22 (Git over SSH) is open to 0.0.0.0/0. Fine for a public GitLab; otherwise list your networks in access.sshAllowedCidrs.',
      }),
  },
  {
    id: 'GLA-UNDERSIZED',
    level: 'warning',
    category: 'sizing',
    description: 'An override is smaller than the reference architecture',
    evaluate: ({ spec, reference }) =>
      overrides(spec).flatMap(({ field, role, instanceType }) => {
        const documented =
          reference.roles.find((entry) => entry.role === role) ??
          (role === 'redis' ? reference.roles.find((entry) => entry.role === 'redis-persistent') : undefined);
        const chosen = INSTANCE_TYPES[instanceType];
        if (!documented || !chosen) return [];
        // ElastiCache reserves part of each node's memory, so compare its CPU only.
        const memoryShort =
          !instanceType.startsWith('cache.') && chosen.memoryGiB < documented.memoryGB * 0.93;
        if (chosen.vcpu >= documented.vcpu && !memoryShort) return [];
        return [
          {
            field,
            message: `${instanceType} (${chosen.vcpu} vCPU, ${chosen.memoryGiB} GiB) is smaller than the ${reference.size} reference for ${role} (${documented.vcpu} vCPU, ${documented.memoryGB} GB). Expect lower throughput, or remove the override.`,
          },
        ];
      }),
  },
  {
    id: 'GLA-UNKNOWN-TYPE',
    level: 'warning',
    category: 'sizing',
    description: 'An override names an instance type gitlab-aws cannot size',
    evaluate: ({ spec }) =>
      overrides(spec)
        .filter(({ instanceType }) => !INSTANCE_TYPES[instanceType])
        .map(({ field, instanceType }) => ({
          field,
          message: `${instanceType} is not in gitlab-aws's instance table, so its size against the reference architecture is not checked. Double-check it meets the documented vCPU and memory.`,
        })),
  },
  {
    id: 'GLA-RAILS-FEWER-NODES',
    level: 'warning',
    category: 'sizing',
    description: 'Fewer Rails nodes than the reference architecture',
    evaluate: ({ spec, reference }) => {
      const documented = reference.roles.find((entry) => entry.role === 'rails');
      const minNodes = spec.rails.minNodes;
      return when(Boolean(documented && minNodes !== undefined && minNodes < documented.nodes), {
        field: 'rails.minNodes',
        message: `rails.minNodes ${minNodes} is below the ${reference.size} reference of ${documented?.nodes} Rails nodes; raise it or expect lower throughput.`,
      });
    },
  },
  {
    id: 'GLA-RAILS-BOUNDS',
    level: 'error',
    category: 'sizing',
    description: 'The Rails group maximum is below its minimum',
    evaluate: ({ spec }) =>
      when(
        spec.rails.minNodes !== undefined &&
          spec.rails.maxNodes !== undefined &&
          spec.rails.maxNodes < spec.rails.minNodes,
        {
          field: 'rails.maxNodes',
          message: `rails.maxNodes (${spec.rails.maxNodes}) is below rails.minNodes (${spec.rails.minNodes}); set it at least as high.`,
        },
      ),
  },
  {
    id: 'GLA-RAILS-SINGLE',
    level: 'warning',
    category: 'ha',
    description: 'One Rails node cannot be replaced without downtime',
    evaluate: ({ plan }) =>
      plan.autoScalingGroups
        .filter(
          (group) =>
            group.targetGroups.includes('http') && group.minCapacity < 2 && plan.architecture.size !== '1k',
        )
        .map(() => ({
          field: 'rails.minNodes',
          message:
            'The Rails group has a minimum of 1 node: a rolling update or a lost AZ takes GitLab down. Set rails.minNodes: 2 or more.',
        })),
  },
  {
    id: 'GLA-STORAGE-IOPS',
    level: 'error',
    category: 'sizing',
    description: 'Provisioned-IOPS volumes need an IOPS figure',
    evaluate: ({ spec }) => [
      ...when(spec.gitaly.volumeType !== 'gp3' && spec.gitaly.iops === undefined, {
        field: 'gitaly.iops',
        message: `gitaly.volumeType ${spec.gitaly.volumeType} needs gitaly.iops (e.g. 8000); or use volumeType: gp3.`,
      }),
      ...when(spec.database.storageType !== 'gp3' && spec.database.iops === undefined, {
        field: 'database.iops',
        message: `database.storageType ${spec.database.storageType} needs database.iops (e.g. 8000); or use storageType: gp3.`,
      }),
    ],
  },
  {
    id: 'GLA-DB-STORAGE-BOUNDS',
    level: 'error',
    category: 'sizing',
    description: 'Storage autoscaling ceiling below the allocated storage',
    evaluate: ({ spec }) =>
      when(
        spec.database.maxStorageGiB !== undefined && spec.database.maxStorageGiB < spec.database.storageGiB,
        {
          field: 'database.maxStorageGiB',
          message: `database.maxStorageGiB (${spec.database.maxStorageGiB}) is below database.storageGiB (${spec.database.storageGiB}); raise it or leave it out (4x storage).`,
        },
      ),
  },
  {
    id: 'GLA-VPC-TOO-SMALL',
    level: 'error',
    category: 'aws',
    description: 'The VPC range is too small for the subnet layout',
    evaluate: ({ spec }) =>
      when(Number(spec.network.vpcCidr.split('/')[1]) > LARGEST_VPC_PREFIX, {
        field: 'network.vpcCidr',
        message: `${spec.network.vpcCidr} is too small to give each AZ a private and a public subnet. Use a /${LARGEST_VPC_PREFIX} or larger range, such as 10.0.0.0/16.`,
      }),
  },
  {
    id: 'GLA-BUCKET-NAME',
    level: 'error',
    category: 'aws',
    description: 'S3 bucket names must be at most 63 characters',
    evaluate: ({ plan }) =>
      plan.services.flatMap((service) =>
        service.kind === 's3'
          ? service.buckets
              .filter((bucket) => bucket.bucketName.length > 63)
              .map((bucket) => ({
                field: 'objectStorage.bucketPrefix',
                message: `Bucket name ${bucket.bucketName} is longer than S3's 63 characters; shorten name or objectStorage.bucketPrefix.`,
              }))
          : [],
      ),
  },
  {
    id: 'GLA-GITLAB-VERSION',
    level: 'warning',
    category: 'support',
    description: 'The GitLab version is not the one gitlab-aws targets',
    evaluate: ({ spec }) => {
      const comparison = compareVersions(spec.gitlab.version, NEWEST_GITLAB_RELEASE);
      if (comparison === 0) return [];
      return [
        {
          field: 'gitlab.version',
          message:
            comparison > 0
              ? `GitLab ${spec.gitlab.version} is newer than ${NEWEST_GITLAB_RELEASE}, the newest release gitlab-aws has been checked against; its settings may have changed.`
              : `GitLab ${spec.gitlab.version} is older than ${NEWEST_GITLAB_RELEASE}; new environments should start on the newest release (set gitlab.version: ${NEWEST_GITLAB_RELEASE}).`,
        },
      ];
    },
  },
];

const LEVEL_ORDER: Record<CheckLevel, number> = { error: 0, warning: 1, info: 2 };

/** Runs every rule; errors first, then warnings, then information, each in rule order. */
export function runChecks(context: CheckContext, rules: readonly PlanRule[] = PLAN_RULES): CheckResult[] {
  return rules
    .flatMap((rule) =>
      rule.evaluate(context).map((finding) => ({
        id: rule.id,
        level: rule.level,
        category: rule.category,
        message: finding.message,
        ...(finding.field ? { field: finding.field } : {}),
      })),
    )
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}

export function hasErrors(plan: Pick<Plan, 'checks'>): boolean {
  return plan.checks.some((check) => check.level === 'error');
}
