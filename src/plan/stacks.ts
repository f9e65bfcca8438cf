/**
 * How an environment is split into CloudFormation stacks, and why.
 *
 * Data lives in its own stack so that removing compute and edge never touches it, and so that
 * `destroy` can delete everything but the data stack by default.
 */
import { resourceName } from './contracts.js';
import type { AlarmPlan, Plan } from './types.js';

export const STACK_KINDS = ['network', 'data', 'edge', 'compute', 'ops'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

/**
 * What each stack holds; the README's "which stack holds what" table is tested against this.
 * Security groups sit in the network stack so that data (RDS, Redis) and compute (their clients)
 * can both reference them without a cycle; the NAT gateways sit in compute, whose machines alone
 * reach out, so that data and edge do not wait for them; the internal Praefect load balancer sits in
 * compute with the instances its target group lists. What CloudFormation reads when it starts compute
 * (the pinned image and version parameters, the keys instances launch with) sits in the network
 * stack, so that compute starts beside the data stack instead of after its databases; the boot
 * scripts wait for the data services' endpoints themselves. Alarms sit with what they watch
 * (`alarmStack`) and AWS Backup picks the data by a tag (`awsBackupTag`), so that ops waits for the
 * edge only: neither for compute's nodes nor for the data stack's databases.
 */
export const STACK_CONTENTS: Readonly<Record<StackKind, string>> = {
  network:
    'VPC, subnets, S3 gateway endpoint, flow logs, private DNS zone (a Cloud Map namespace), security groups, the S3 and load balancer access-log bucket, the GitLab version and pinned Ubuntu image parameters, the KMS keys of root volumes and Kubernetes secrets',
  data: "KMS keys, RDS PostgreSQL (GitLab's, its read replicas, and Praefect's own), ElastiCache, S3 buckets, Secrets Manager secrets, Gitaly data volumes, the SSM parameters publishing the database and Redis endpoints, the databases' and read replicas' private DNS names, the SES e-mail identity with its DKIM and MAIL FROM records and SMTP user, CloudWatch alarms on the databases and Redis",
  edge: 'external Network Load Balancer (and, for Cloud Native Hybrid, the Application Load Balancer behind it), their target groups, ACM certificate, Route 53 records, the parameter listing the target groups the 1k node registers with',
  compute:
    'instance roles, NAT gateways, Rails and Sidekiq auto scaling groups with scaling policies and a scaling-event rule, Gitaly, Praefect, monitoring and bastion instances, the internal Praefect load balancer, alarms on these, private DNS records and configuration parameters, the NGINX access log group, EKS with its add-ons and OpenID Connect provider, and the GitLab Helm chart: its service account roles and the build that installs it',
  ops: 'CloudWatch alarms on the external load balancer and the error rate, SNS topic, AWS Backup vault and plan (which pick what the data stack tags for them), KMS keys of the vault and the topic, SSM association of the scheduled gitlab-backup',
};

/** Stacks whose deletion would lose data; `destroy` keeps them unless told otherwise. */
export const DATA_STACK_KINDS: readonly StackKind[] = ['data'];

/** Stacks `destroy` keeps unless told otherwise: the data, and the network the data lives in. */
export const KEPT_STACK_KINDS: readonly StackKind[] = [...DATA_STACK_KINDS, 'network'];

/** Deploy order; destroy runs it backwards. */
export const STACK_ORDER: readonly StackKind[] = STACK_KINDS;

/** CloudFormation stack name of each kind for a plan. */
export function stackName(plan: Plan, kind: StackKind): string {
  return resourceName(plan.spec.name, kind);
}

/**
 * Name of the SNS topic every notifying alarm goes to. The ops stack creates it under this name,
 * and the compute and data stacks' alarms name it by the ARN this gives rather than by a reference,
 * so that neither waits for ops (nor ops for them).
 */
export function alarmTopicName(plan: Pick<Plan, 'spec'>): string {
  return resourceName(plan.spec.name, 'alarms');
}

/**
 * The stack an alarm is built in: with what it watches or acts on, so that the ops stack names no
 * compute or data resource and is created as soon as the edge stack is, beside the data stack (whose
 * databases take the longest) and the compute stack (whose nodes take the longest to boot). An alarm
 * that scales a group or recovers an instance, or whose metric names a node, a group or the internal
 * (Praefect) load balancer, lives in compute; one whose metric names an RDS instance or a Redis node
 * lives in data; the others (the external load balancer, metrics of the environment's own
 * namespace) in ops. The data and compute stacks name the ops stack's topic by its ARN.
 */
export function alarmStack(
  plan: Pick<Plan, 'nodes' | 'autoScalingGroups' | 'services'>,
  alarm: AlarmPlan,
): Extract<StackKind, 'compute' | 'data' | 'ops'> {
  if (alarm.action !== 'notify') return 'compute';
  const machines = new Set([...plan.nodes, ...plan.autoScalingGroups].map((machine) => machine.id));
  const internal = new Set(
    plan.services
      .filter((service) => service.kind === 'nlb' && service.scheme === 'internal')
      .map((service) => service.id),
  );
  const named = (subjects: ReadonlySet<string>) =>
    alarm.metric.dimensions.some((dimension) => subjects.has(dimension.subject));
  if (named(machines) || named(internal)) return 'compute';
  return named(dataSubjects(plan)) ? 'data' : 'ops';
}

/** Plan ids of the data stack's databases and Redis nodes (services and their members), as alarm dimensions name them. */
function dataSubjects(plan: Pick<Plan, 'services'>): ReadonlySet<string> {
  return new Set(
    plan.services.flatMap((service) =>
      service.kind === 'rds' || service.kind === 'elasticache'
        ? [service.id, ...service.members.map((member) => member.id)]
        : [],
    ),
  );
}
