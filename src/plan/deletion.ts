/**
 * What deleting each stack does to every resource that holds data or the keys to it, as the
 * templates set it (RemovalPolicy, i.e. CloudFormation's DeletionPolicy):
 *
 * - the RDS primary and each ElastiCache replication group go after a final snapshot (Snapshot);
 * - RDS read replicas stay (Retain): deletion protection would stop CloudFormation anyway, and a
 *   replica holds nothing the primary's snapshot lacks;
 * - S3 buckets (with their objects) and the access-log bucket, Gitaly and 1k data volumes, secrets marked
 *   `retainOnDelete`, KMS keys, log groups and the AWS Backup vault stay (Retain): data is never lost
 *   by deleting a stack, it is deleted by hand.
 *
 * `destroy` previews from this list, so it never promises a snapshot or an emptied bucket the
 * templates do not make.
 */
import { NODE_DATA_PURPOSES } from './query.js';
import type { Plan, RunnerFleetPlan, StatefulResourcePlan } from './types.js';

/** What the stateful-resource list reads. */
export type DeletionInputs = Pick<
  Plan,
  'spec' | 'nodes' | 'autoScalingGroups' | 'services' | 'secrets' | 'email' | 'runners'
>;

/** The customer-managed KMS keys of the data stack, by what they encrypt. */
const DATA_KEYS = [
  ['volumes', 'EBS volumes'],
  ['database', 'RDS PostgreSQL'],
  ['cache', 'ElastiCache'],
  ['objectstorage', 'S3 object storage'],
  ['secrets', 'Secrets Manager secrets'],
] as const;

/** Every stateful resource of the Plan, grouped by stack in deploy order. */
export function planStatefulResources(plan: DeletionInputs): StatefulResourcePlan[] {
  const { name } = plan.spec;
  const resources: StatefulResourcePlan[] = [
    {
      id: 'log-group-flow-logs',
      kind: 'log-group',
      description: 'VPC flow log group',
      stack: 'network',
      onStackDelete: 'retain',
    },
  ];
  for (const service of plan.services) {
    if (service.kind !== 's3') continue;
    // In the network stack, so that the edge stack's load balancer logs to it without waiting for data.
    resources.push({
      id: 'bucket-access-logs',
      kind: 'bucket',
      description: `S3 access-log bucket ${service.accessLogBucketName}`,
      stack: 'network',
      onStackDelete: 'retain',
      physicalName: service.accessLogBucketName,
    });
  }
  // The keys instances and the cluster launch with, in the network stack so that compute needs
  // nothing of the data stack to start (src/infra/security.ts, ComputeKeys).
  const computeKeys: (readonly [string, string])[] = [['root-volumes', 'EBS root volumes']];
  if (plan.services.some((service) => service.kind === 'eks'))
    computeKeys.push(['kubernetes-secrets', 'Kubernetes secrets']);
  for (const [id, what] of computeKeys) {
    resources.push({
      id: `kms-key-${id}`,
      kind: 'kms-key',
      description: `KMS key alias/${name}/${id} (${what})`,
      stack: 'network',
      onStackDelete: 'retain',
    });
  }
  for (const [id, what] of DATA_KEYS) {
    resources.push({
      id: `kms-key-${id}`,
      kind: 'kms-key',
      description: `KMS key alias/${name}/${id} (${what})`,
      stack: 'data',
      onStackDelete: 'retain',
    });
  }
  for (const service of plan.services) {
    if (service.kind === 'rds') {
      resources.push({
        id: `rds-${service.id}`,
        kind: 'rds',
        description: `RDS PostgreSQL ${service.id} (${service.instanceClass}, ${service.storageGiB} GiB)`,
        stack: 'data',
        onStackDelete: 'snapshot',
      });
      for (const member of service.members.filter((candidate) => candidate.role === 'read-replica')) {
        resources.push({
          id: `rds-${member.id}`,
          kind: 'rds',
          description: `RDS PostgreSQL read replica ${member.id} (${service.instanceClass})`,
          stack: 'data',
          onStackDelete: 'retain',
        });
      }
    }
    if (service.kind === 'elasticache') {
      resources.push({
        id: `elasticache-${service.id}`,
        kind: 'elasticache',
        description: `ElastiCache ${service.id} (${service.count} x ${service.nodeType})`,
        stack: 'data',
        onStackDelete: 'snapshot',
      });
    }
  }
  for (const node of plan.nodes) {
    for (const volume of node.volumes.filter((candidate) => NODE_DATA_PURPOSES.has(candidate.purpose))) {
      const what = volume.purpose === 'git-data' ? 'Gitaly volume' : 'GitLab data volume';
      resources.push({
        id: `volume-${node.id}`,
        kind: 'volume',
        description: `${what} of ${node.id} (${volume.sizeGiB} GiB ${volume.type}, ${volume.mountPoint ?? volume.deviceName})`,
        stack: 'data',
        onStackDelete: volume.retainOnDelete ? 'retain' : 'snapshot',
      });
    }
  }
  for (const service of plan.services) {
    if (service.kind !== 's3') continue;
    for (const bucket of service.buckets) {
      resources.push({
        id: `bucket-${bucket.purpose}`,
        kind: 'bucket',
        description: `S3 bucket ${bucket.bucketName}`,
        stack: 'data',
        onStackDelete: 'retain',
        physicalName: bucket.bucketName,
      });
    }
  }
  for (const secret of plan.secrets) {
    resources.push({
      id: `secret-${secret.id}`,
      kind: 'secret',
      description: `Secrets Manager secret ${secret.name}`,
      stack: 'data',
      onStackDelete: secret.retainOnDelete ? 'retain' : 'delete',
      physicalName: secret.name,
    });
  }
  // The SES SMTP credential, retained like every secret (src/infra/email.ts).
  if (plan.email) {
    resources.push({
      id: `secret-${plan.email.credentialsSecret.id}`,
      kind: 'secret',
      description: `Secrets Manager secret ${plan.email.credentialsSecret.name}`,
      stack: 'data',
      onStackDelete: 'retain',
      physicalName: plan.email.credentialsSecret.name,
    });
  }
  // NGINX access logs are shipped where a group serves the load balancer's HTTP.
  if (plan.autoScalingGroups.some((group) => group.targetGroups.includes('http'))) {
    resources.push({
      id: 'log-group-nginx',
      kind: 'log-group',
      description: `CloudWatch log group /gitlab-aws/${name}/nginx-<id of the compute stack>`,
      stack: 'compute',
      onStackDelete: 'retain',
    });
  }
  if (plan.runners) resources.push(...runnerResources(plan.runners));
  resources.push(
    {
      id: 'backup-vault',
      kind: 'backup-vault',
      description: 'AWS Backup vault with its recovery points',
      stack: 'ops',
      onStackDelete: 'retain',
    },
    {
      id: 'kms-key-backup-vault',
      kind: 'kms-key',
      description: 'KMS key of the AWS Backup vault',
      stack: 'ops',
      onStackDelete: 'retain',
    },
    {
      id: 'kms-key-alarm-topic',
      kind: 'kms-key',
      description: 'KMS key of the alarm topic',
      stack: 'ops',
      onStackDelete: 'retain',
    },
  );
  return resources;
}

/**
 * The runner fleet's: its cache bucket goes with the stack, emptied first (a cache is rebuilt by
 * the next job, and a retained one would hold its name against the next deploy); the token secret
 * it creates goes too (destroy unregisters the runner, so the token is dead), and so does the
 * administrator token's secret (the token dies with GitLab's Rails or expires); the manager's journal
 * is output, not data, and goes with its fixed name free; the Spot interruption log stays. A token
 * the user supplied stays theirs.
 */
function runnerResources(runners: RunnerFleetPlan): StatefulResourcePlan[] {
  return [
    {
      id: 'bucket-runner-cache',
      kind: 'bucket',
      description: `S3 bucket ${runners.cacheBucketName} (runner cache, emptied when deleted)`,
      stack: 'compute',
      onStackDelete: 'delete',
      physicalName: runners.cacheBucketName,
    },
    ...(runners.registration.kind === 'api'
      ? [
          {
            id: 'secret-runner-authentication-token',
            kind: 'secret' as const,
            description: `Secrets Manager secret ${runners.tokenSecretName}`,
            stack: 'compute' as const,
            onStackDelete: 'delete' as const,
            physicalName: runners.tokenSecretName,
          },
          {
            id: 'secret-runner-admin-token',
            kind: 'secret' as const,
            description: `Secrets Manager secret ${runners.registration.adminTokenSecretName}`,
            stack: 'compute' as const,
            onStackDelete: 'delete' as const,
            physicalName: runners.registration.adminTokenSecretName,
          },
        ]
      : []),
    {
      id: 'log-group-runner-manager',
      kind: 'log-group',
      description: `CloudWatch log group ${runners.manager.logs.logGroupName} (the manager's journal)`,
      stack: 'compute',
      onStackDelete: 'delete',
      physicalName: runners.manager.logs.logGroupName,
    },
    {
      id: 'log-group-runner-interruptions',
      kind: 'log-group',
      description: `CloudWatch log group ${runners.fleet.interruptionLogGroupPrefix}-<the compute stack's id> (Spot interruption warnings)`,
      stack: 'compute',
      onStackDelete: 'retain',
    },
  ];
}
