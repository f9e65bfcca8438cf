/**
 * The ops stack: the alarm topic and the alarms on the edge and the error rate, the AWS Backup vault
 * and plan, and the scheduled gitlab-backup. It names no compute or data resource (those stacks
 * build the alarms on their own resources, `alarmStack`, and the backup selection picks the data by
 * tag), so it is created once the edge is, beside data and compute.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type { Construct } from 'constructs';
import { createBackupCommands } from '../../config/backup.js';
import { awsBackupTag } from '../../plan/contracts.js';
import { alarmStack, alarmTopicName } from '../../plan/stacks.js';
import { type AlarmSubjects, dimensionValueOf } from '../ops/alarm-dimensions.js';
import { Operations } from '../ops/operations.js';
import { removalPolicies } from '../removal-policy.js';
import type { GitLabStackProps } from './gitlab-stack.js';

export interface OpsStackProps extends GitLabStackProps {
  /** The external load balancer (by service id) and its target groups, which the alarms watch. */
  readonly alarmSubjects: AlarmSubjects;
}

export class OpsStack extends Stack {
  /** Alarms, their topic and the backups. */
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { plan } = props;
    const environmentName = plan.spec.name;
    const removalPolicyOf = removalPolicies(plan.statefulResources);
    const backupTag = awsBackupTag(plan);
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
        // What the data stack tagged: its RDS primaries and data volumes (src/plan/contracts.ts).
        resources: [backup.BackupResource.fromTag(backupTag.key, backupTag.value)],
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
