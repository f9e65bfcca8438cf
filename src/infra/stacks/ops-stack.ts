/** The ops stack: alarms and notifications to an SNS topic, and the AWS Backup vault and plan. */
import { Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { serviceOf } from '../../plan/query.js';
import type { RdsService } from '../../plan/types.js';
import { volumeArn } from '../common.js';
import type { ApplicationLogs } from '../ops/application-logs.js';
import { Operations } from '../ops/operations.js';
import type { GitLabStackProps } from './gitlab-stack.js';

export interface OpsStackProps extends GitLabStackProps {
  /** External HTTP and SSH target groups to watch for unhealthy hosts. */
  readonly targetGroups: readonly elbv2.NetworkTargetGroup[];
  /** The RDS primary, watched and backed up. */
  readonly database: rds.DatabaseInstance;
  /** Cache cluster ids of every Redis node. */
  readonly redisMemberIds: readonly string[];
  /** The Gitaly data volumes, backed up. */
  readonly gitalyVolumes: readonly ec2.IVolume[];
  /** Request and 5xx metrics, where the Plan has NGINX nodes shipping logs. */
  readonly applicationLogs?: ApplicationLogs;
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
    this.operations = new Operations(this, 'Operations', {
      alarms: {
        environmentName,
        ...(plan.spec.monitoring.alarmEmail ? { alarmEmail: plan.spec.monitoring.alarmEmail } : {}),
        targetGroups: props.targetGroups,
        database: props.database,
        databaseStorageGiB: serviceOf<RdsService>(plan, 'rds').storageGiB,
        redisMemberIds: props.redisMemberIds,
        ...(props.applicationLogs ? { applicationLogs: props.applicationLogs } : {}),
        autoScalingGroupNames: props.autoScalingGroupNames,
      },
      backup: {
        environmentName,
        schedule: plan.spec.backups.schedule,
        retentionDays: plan.spec.backups.retentionDays,
        resources: [
          backup.BackupResource.fromRdsDatabaseInstance(props.database),
          ...props.gitalyVolumes.map((volume) => backup.BackupResource.fromArn(volumeArn(volume))),
        ],
      },
    });
  }
}
