/**
 * How an environment is split into CloudFormation stacks, and why.
 *
 * Data lives in its own stack so that removing compute and edge never touches it, and so that
 * `destroy` can delete everything but the data stack by default.
 */
import type { Plan } from '../plan/types.js';

export const STACK_KINDS = ['network', 'data', 'edge', 'compute', 'ops'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

/**
 * What each stack holds; the README's "which stack holds what" table is generated from this.
 * Security groups sit in the network stack so that data (RDS, Redis) and compute (their clients)
 * can both reference them without a cycle; the internal Praefect load balancer sits in compute with
 * the instances its target group lists.
 */
export const STACK_CONTENTS: Readonly<Record<StackKind, string>> = {
  network: 'VPC, subnets, NAT gateways, S3 gateway endpoint, flow logs, private DNS zone',
  data: 'KMS keys, RDS PostgreSQL, ElastiCache Redis, S3 buckets, Secrets Manager secrets, Gitaly data volumes',
  edge: 'Network Load Balancers, target groups, ACM certificate, Route 53 records',
  compute:
    'Gitaly, Praefect and monitoring instances, Rails and Sidekiq auto scaling groups, bastions, security groups, instance roles',
  ops: 'CloudWatch alarms, SNS topic, AWS Backup plan',
};

/** Stacks whose deletion would lose data; `destroy` keeps them unless told otherwise. */
export const DATA_STACK_KINDS: readonly StackKind[] = ['data'];

/** Deploy order; destroy runs it backwards. */
export const STACK_ORDER: readonly StackKind[] = STACK_KINDS;

/** CloudFormation stack name of each kind for a plan. */
export function stackName(plan: Plan, kind: StackKind): string {
  return `${plan.spec.name}-${kind}`;
}
