/** The ops stack: alarms and notifications to an SNS topic, the AWS Backup vault and plan, and the scheduled gitlab-backup. */
import { Aws, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { createBackupCommands } from '../../config/backup.js';
import type { AlarmDimensionPlan, AlarmMetricPlan, ApplicationTargetGroup } from '../../plan/types.js';
import { volumeArn } from '../common.js';
import { Operations } from '../ops/operations.js';
import { removalPolicies } from '../removal-policy.js';
import type { GitLabStackProps } from './gitlab-stack.js';

/** A load balancer's target groups by target port, as the Plan's alarms name them. */
export type LoadBalancerTargets = ReadonlyMap<number, elbv2.NetworkTargetGroup>;

/** The target groups of the Application Load Balancer behind a load balancer, by the Plan's name. */
export type ApplicationTargets = ReadonlyMap<ApplicationTargetGroup, elbv2.ApplicationTargetGroup>;

export interface OpsStackProps extends GitLabStackProps {
  /** Every load balancer of the Plan, by service id, with its target groups. */
  readonly loadBalancers: ReadonlyMap<string, LoadBalancerTargets>;
  /** Cloud Native Hybrid: the ALB target groups behind a load balancer, by its service id. */
  readonly applicationTargets: ReadonlyMap<string, ApplicationTargets>;
  /** The RDS instances AWS Backup backs up: GitLab's and, with a Gitaly Cluster, Praefect's. */
  readonly databases: readonly rds.DatabaseInstance[];
  /** Every RDS instance by Plan member id, watched. */
  readonly databaseMembers: ReadonlyMap<string, rds.IDatabaseInstance>;
  /** Cache cluster id of every Redis node, by Plan member id. */
  readonly cacheClusterIds: ReadonlyMap<string, string>;
  /** The data volumes of the Gitaly nodes and of the 1k node, backed up. */
  readonly gitalyVolumes: readonly ec2.IVolume[];
  /** Names of the auto scaling groups whose activity is reported. */
  readonly autoScalingGroupNames: readonly string[];
}

export class OpsStack extends Stack {
  /** Alarms, their topic and the backups. */
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { plan } = props;
    const environmentName = plan.spec.name;
    const removalPolicyOf = removalPolicies(plan.statefulResources);
    this.operations = new Operations(this, 'Operations', {
      alarms: {
        environmentName,
        ...(plan.spec.monitoring.alarmEmail ? { alarmEmail: plan.spec.monitoring.alarmEmail } : {}),
        alarms: plan.alarms.filter((alarm) => alarm.action === 'notify'),
        dimensionValue: (dimension, metric) => dimensionValue(props, dimension, metric),
        autoScalingGroupNames: props.autoScalingGroupNames,
        removalPolicyOf,
      },
      backup: {
        environmentName,
        schedule: plan.spec.backups.schedule,
        retentionDays: plan.spec.backups.retentionDays,
        resources: [
          ...props.databases.map((database) => backup.BackupResource.fromRdsDatabaseInstance(database)),
          ...props.gitalyVolumes.map((volume) => backup.BackupResource.fromArn(volumeArn(volume))),
        ],
        removalPolicyOf,
        ...(plan.scheduledBackup.runner
          ? {
              scheduledBackup: {
                plan: plan.scheduledBackup,
                commands: createBackupCommands(plan, { account: Aws.ACCOUNT_ID, reportsOutcome: true }),
              },
            }
          : {}),
      },
    });
  }
}

/** The AWS name behind the Plan id a notifying alarm's dimension names. */
function dimensionValue(
  props: OpsStackProps,
  dimension: AlarmDimensionPlan,
  metric: AlarmMetricPlan,
): string {
  const missing = () => new Error(`no ${dimension.name} for ${dimension.subject}`);
  switch (dimension.name) {
    case 'DBInstanceIdentifier': {
      const instance = props.databaseMembers.get(dimension.subject);
      if (!instance) throw missing();
      return instance.instanceIdentifier;
    }
    case 'CacheClusterId': {
      const cluster = props.cacheClusterIds.get(dimension.subject);
      if (!cluster) throw missing();
      return cluster;
    }
    case 'LoadBalancer': {
      // Named through the metric's target group (its listener's load balancer: the ALB's for an ALB
      // target group), as the alarms always were: a different token would drop an export the
      // deployed ops stack still imports.
      const targets = metric.dimensions.find((candidate) => candidate.name === 'TargetGroup');
      const group = targets && targetGroupOf(props, targets);
      if (!group) throw missing();
      return group.firstLoadBalancerFullName;
    }
    case 'TargetGroup': {
      const group = targetGroupOf(props, dimension);
      if (!group) throw missing();
      return group.targetGroupFullName;
    }
    default:
      throw missing();
  }
}

/** The target group a TargetGroup dimension names: an ALB's by name, else the load balancer's by port. */
function targetGroupOf(
  props: OpsStackProps,
  dimension: AlarmDimensionPlan,
): elbv2.NetworkTargetGroup | elbv2.ApplicationTargetGroup | undefined {
  if (dimension.applicationTargetGroup)
    return props.applicationTargets.get(dimension.subject)?.get(dimension.applicationTargetGroup);
  return props.loadBalancers.get(dimension.subject)?.get(dimension.targetPort ?? -1);
}
