/**
 * The node that runs the scheduled `gitlab-backup` (the Plan's `scheduledBackup.runner`): tagged so
 * that the ops stack's SSM association finds it, and allowed to put the run's outcome in the
 * environment's metric namespace. It already writes the backups bucket, as the Plan's bucket roles
 * say (its role runs GitLab's Rails code).
 */
import { Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SCHEDULED_BACKUP_TAG } from '../plan/contracts.js';
import type { ScheduledBackupPlan } from '../plan/types.js';
import { acknowledge } from './common.js';

export interface BackupRunnerProps {
  /** The environment's name: the tag's value. */
  readonly environmentName: string;
  /** The Plan's decision: which node, and the metric it reports to. */
  readonly scheduledBackup: ScheduledBackupPlan;
  /** The runner's instance. */
  readonly instance: ec2.Instance;
  /** The runner's instance role. */
  readonly role: iam.Role;
}

/** Tags the runner and lets it put its outcome metric, in its own namespace only. */
export function prepareBackupRunner(props: BackupRunnerProps): void {
  Tags.of(props.instance).add(SCHEDULED_BACKUP_TAG, props.environmentName);
  props.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      // PutMetricData names no resource; the namespace condition is what scopes it.
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'cloudwatch:namespace': props.scheduledBackup.failureMetric.namespace },
      },
    }),
  );
  acknowledge(props.role, [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'cloudwatch:PutMetricData has no resource type; the statement is limited to the backup metric namespace of the environment by its condition.',
      appliesTo: ['Resource::*'],
    },
  ]);
}
