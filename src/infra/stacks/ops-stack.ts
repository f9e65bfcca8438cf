/**
 * The ops stack: the alarm topic and the alarms on data and edge resources, the AWS Backup vault and
 * plan, and the scheduled gitlab-backup. It names no compute resource (the compute stack builds the
 * alarms on its own resources, `alarmStack`), so it is created once data and edge are, beside compute.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { createBackupCommands } from '../../config/backup.js';
import { alarmStack, alarmTopicName } from '../../plan/stacks.js';
import { volumeArn } from '../common.js';
import { type AlarmSubjects, dimensionValueOf } from '../ops/alarm-dimensions.js';
import { Operations } from '../ops/operations.js';
import { removalPolicies } from '../removal-policy.js';
import type { GitLabStackProps } from './gitlab-stack.js';

export interface OpsStackProps extends GitLabStackProps {
  /** The external load balancer (by service id), the RDS instances and Redis nodes the alarms watch. */
  readonly alarmSubjects: AlarmSubjects;
  /** The RDS instances AWS Backup backs up: GitLab's and, with a Gitaly Cluster, Praefect's. */
  readonly databases: readonly rds.DatabaseInstance[];
  /** The data volumes of the Gitaly nodes and of the 1k node, backed up. */
  readonly gitalyVolumes: readonly ec2.IVolume[];
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
        topicName: alarmTopicName(plan),
        alarms: plan.alarms.filter((alarm) => alarmStack(plan, alarm) === 'ops'),
        dimensionValue: dimensionValueOf(props.alarmSubjects),
        scalingEvents: plan.autoScalingGroups.length > 0,
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
