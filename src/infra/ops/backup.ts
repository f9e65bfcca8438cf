/**
 * Backups: an AWS Backup plan for RDS and the Gitaly volumes on the spec's schedule, into a
 * retained, encrypted vault, with the service role `gitlab-aws backup` also uses for on-demand jobs;
 * and, where the Plan names a runner, `gitlab-backup` on its own schedule through an SSM State
 * Manager association (src/plan/scheduled-backup.ts decides where and when; the alarm on its
 * failure metric is one of the Plan's alarms).
 *
 * Added to the scope it is given rather than to a construct of its own, for the reason in
 * alarms.ts: the retained vault must keep its logical id.
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { BACKUP_ROLE_OUTPUT, BACKUP_VAULT_OUTPUT, SCHEDULED_BACKUP_TAG } from '../../plan/contracts.js';
import type { ScheduledBackupPlan } from '../../plan/types.js';
import { acknowledge, namePerStackCreation } from '../common.js';
import type { RemovalPolicyOf } from '../removal-policy.js';

export interface BackupProps {
  /** The environment's name (the spec's), for names and descriptions. */
  readonly environmentName: string;
  /** The spec's backup schedule (an EventBridge schedule expression). */
  readonly schedule: string;
  /** Days a recovery point is kept. */
  readonly retentionDays: number;
  /** What AWS Backup backs up: the RDS primaries and the data volumes, by the tag the data stack puts on them. */
  readonly resources: readonly backup.BackupResource[];
  /** What deleting the stack does to the vault and its key, by Plan id (`backup-vault`, `kms-key-backup-vault`). */
  readonly removalPolicyOf: RemovalPolicyOf;
  /** The scheduled `gitlab-backup`, when the Plan names a node to run it. */
  readonly scheduledBackup?: ScheduledBackupProps;
}

export interface ScheduledBackupProps {
  /** The Plan's decision: its schedule and the longest a run may take; `runner` must be set. */
  readonly plan: ScheduledBackupPlan;
  /** The command lines of the run (src/config/backup.ts), with the stack's account in the bucket name. */
  readonly commands: readonly string[];
}

export interface Backup {
  /** The backup plan. */
  readonly backupPlan: backup.BackupPlan;
  /** The association that runs `gitlab-backup` on its schedule, when there is a runner. */
  readonly scheduledBackup?: ssm.CfnAssociation;
  /** The vault the backups go to (retained). */
  readonly backupVault: backup.BackupVault;
  /** The service role AWS Backup assumes, for the plan's jobs and the on-demand ones alike. */
  readonly backupRole: iam.Role;
}

/** Adds the vault, the plan, its role and the outputs `backup` reads to `scope` (see the file comment). */
export function addBackup(scope: Construct, props: BackupProps): Backup {
  const vaultKey = new kms.Key(scope, 'BackupVaultKey', {
    description: `${props.environmentName}: AWS Backup vault`,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicyOf('kms-key-backup-vault'),
  });
  // The vault is retained, so its name is new with each ops stack (31 + 6 + 13 <= 50 characters).
  const backupVault = new backup.BackupVault(scope, 'BackupVault', {
    backupVaultName: namePerStackCreation(`${props.environmentName}-vault`),
    encryptionKey: vaultKey,
    removalPolicy: props.removalPolicyOf('backup-vault'),
  });
  const backupPlan = new backup.BackupPlan(scope, 'BackupPlan', {
    // Plan names are unique per account and region; the plan goes with its stack.
    backupPlanName: `${props.environmentName}-gitlab`,
    backupVault,
    backupPlanRules: [
      new backup.BackupPlanRule({
        ruleName: 'scheduled',
        scheduleExpression: events.Schedule.expression(props.schedule),
        deleteAfter: Duration.days(props.retentionDays),
      }),
    ],
  });
  // A role of our own rather than the selection's default one, so `backup` can name it in
  // on-demand jobs (StartBackupJob needs IamRoleArn); the selection attaches the backup policy.
  const backupRole = new iam.Role(scope, 'BackupRole', {
    assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
    description: `${props.environmentName}: AWS Backup snapshots of RDS and the Gitaly volumes`,
  });
  backupPlan.addSelection('DataSelection', {
    resources: [...props.resources],
    role: backupRole,
  });
  new CfnOutput(scope, BACKUP_VAULT_OUTPUT, {
    key: BACKUP_VAULT_OUTPUT,
    value: backupVault.backupVaultName,
    description: 'AWS Backup vault of the scheduled and on-demand backups',
  });
  new CfnOutput(scope, BACKUP_ROLE_OUTPUT, {
    key: BACKUP_ROLE_OUTPUT,
    value: backupRole.roleArn,
    description: 'Role AWS Backup assumes for on-demand backup jobs',
  });
  acknowledge(backupRole, [
    {
      id: 'AwsSolutions-IAM4',
      reason:
        'AWSBackupServiceRolePolicyForBackup is the AWS-maintained policy AWS Backup needs to snapshot RDS and EBS; its scope follows the service.',
      appliesTo: [
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
      ],
    },
  ]);
  const scheduledBackup = props.scheduledBackup
    ? addScheduledBackup(scope, props.environmentName, props.scheduledBackup)
    : undefined;
  return { backupPlan, backupVault, backupRole, ...(scheduledBackup ? { scheduledBackup } : {}) };
}

/**
 * The association that runs the backup script on the runner, found by its scheduled-backup tag
 * (valued with the environment's name), at the Plan's schedule only: not when the association is
 * created or the node is replaced, which would load the database during a deploy.
 */
function addScheduledBackup(
  scope: Construct,
  environmentName: string,
  props: ScheduledBackupProps,
): ssm.CfnAssociation {
  const { plan } = props;
  if (!plan.runner) throw new Error('a scheduled gitlab-backup needs the node that runs it');
  return new ssm.CfnAssociation(scope, 'ScheduledGitlabBackup', {
    name: 'AWS-RunShellScript',
    associationName: `${environmentName}-gitlab-backup`,
    scheduleExpression: plan.schedule,
    applyOnlyAtCronInterval: true,
    targets: [{ key: `tag:${SCHEDULED_BACKUP_TAG}`, values: [environmentName] }],
    parameters: {
      commands: [...props.commands],
      executionTimeout: [String(plan.timeoutSeconds)],
    },
    complianceSeverity: 'HIGH',
  });
}
