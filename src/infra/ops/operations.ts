/**
 * Operations: the ops stack's alarms, notifications and backups under one construct, whose id
 * starts the logical ids of everything in it (see alarms.ts for why the two concerns share it).
 */
import type * as backup from 'aws-cdk-lib/aws-backup';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { type AlarmsProps, addAlarms } from './alarms.js';
import { addBackup, type BackupProps } from './backup.js';

export interface OperationsProps {
  /** What the alarms watch and whom they notify. */
  readonly alarms: AlarmsProps;
  /** What is backed up, when and for how long. */
  readonly backup: BackupProps;
}

export class Operations extends Construct {
  /** Topic every alarm and scaling event goes to. */
  readonly alarmTopic: sns.Topic;
  /** The alarms, by name. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The backup plan. */
  readonly backupPlan: backup.BackupPlan;
  /** The vault the backups go to (retained). */
  readonly backupVault: backup.BackupVault;
  /** The service role AWS Backup assumes, for the plan's jobs and the on-demand ones alike. */
  readonly backupRole: iam.Role;
  /** The association that runs `gitlab-backup` on its schedule, when the Plan names a runner. */
  readonly scheduledBackup?: ssm.CfnAssociation;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const alarms = addAlarms(this, props.alarms);
    this.alarmTopic = alarms.alarmTopic;
    this.alarms = alarms.alarms;
    const backups = addBackup(this, props.backup);
    this.backupPlan = backups.backupPlan;
    this.backupVault = backups.backupVault;
    this.backupRole = backups.backupRole;
    if (backups.scheduledBackup) this.scheduledBackup = backups.scheduledBackup;
  }
}
