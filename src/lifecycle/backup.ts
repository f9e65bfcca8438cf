/**
 * `gitlab-aws backup [create|list]` and `gitlab-aws restore <backup-id>`.
 *
 * A GitLab backup here has two halves:
 * - `gitlab-backup create` on one Rails node (the database dump, and the repositories unless each
 *   Gitaly node streams its own to the bucket), uploaded to the backups bucket with the node's
 *   gitlab-secrets.json beside it (the script and its sources: src/config/backup.ts). Blobs that live
 *   in object storage are skipped: the backup command does not back them up anyway.
 * - On-demand AWS Backup recovery points of the RDS instance and the Gitaly volumes, in the vault
 *   of the ops stack's backup plan.
 * The same script also runs on the Plan's schedule, on a persistent node (src/plan/scheduled-backup.ts).
 *
 * Restore follows doc/administration/backup_restore/restore_gitlab.md (skratsch-solutions/gitlabhq
 * 4168cfa9c028293f4e77107617ea564102f73e5f): stop Puma and Sidekiq on every node that talks to the
 * database, restore on one node, reconfigure, start, check.
 *
 * On 1k the one node is all of these: `gitlab-backup` dumps its bundled database and repositories,
 * AWS Backup snapshots its data volume, and the restore runs every step on it.
 */
import {
  type BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  BACKUP_ARCHIVE_SUFFIX,
  BACKUP_PREFIX,
  BACKUP_SECRETS_SUFFIX,
  backupsBucketName,
  createBackupCommands,
  LOCAL_BACKUP_DIR,
} from '../config/backup.js';
import { UserError } from '../errors.js';
import { BACKUP_ROLE_OUTPUT, BACKUP_VAULT_OUTPUT } from '../plan/contracts.js';
import type { Plan } from '../plan/types.js';
import type { NodeDirectory, RemoteRunner } from './fleet.js';
import { REMOTE_SCRIPT_FILES, remoteScript } from './remote-scripts.js';

export { BACKUP_PREFIX, objectStorageSkipList } from '../config/backup.js';

const BACKUP_SUFFIX = BACKUP_ARCHIVE_SUFFIX;

/** The backups bucket's name in an account: the caller's, as STS names it, where the environment is deployed. */
export function backupsBucket(plan: Plan, account: string): string {
  return backupsBucketName(plan, account);
}

/** A backup id in GitLab's own format (`<epoch>_<yyyy_mm_dd>_<version>-<edition>`), so `gitlab-backup restore BACKUP=` takes it. */
export function backupIdFor(plan: Plan, now: Date): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '_');
  return `${Math.floor(now.getTime() / 1000)}_${date}_${plan.gitlab.version}-${plan.gitlab.edition}`;
}

/** Shell run on one Rails node by SSM: create the archive, upload it and the secrets, remove the local copy. */
export function backupCreateCommands(plan: Plan, backupId: string, account: string): string[] {
  return createBackupCommands(plan, { account, backupId, reportsOutcome: false });
}

/** Where an archive is on the node while it is made or restored, and where it is kept. */
function archiveValues(plan: Plan, backupId: string, account: string): Record<string, string> {
  const archive = `${backupId}${BACKUP_SUFFIX}`;
  return {
    LOCAL_ARCHIVE: `${LOCAL_BACKUP_DIR}/${archive}`,
    ARCHIVE_URL: `s3://${backupsBucket(plan, account)}/${BACKUP_PREFIX}${archive}`,
  };
}

/** Where the AWS Backup jobs go; read from the ops stack. */
export interface BackupVault {
  readonly vaultName: string;
  /** Role AWS Backup assumes to snapshot the resources. */
  readonly roleArn: string;
}

export interface CreateBackupProps {
  readonly plan: Plan;
  /** The account the environment is deployed in (the caller's, from STS). */
  readonly account: string;
  readonly backupId: string;
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
  readonly backup: BackupClient;
  readonly vault: BackupVault;
  /** ARNs of the RDS instance and the Gitaly volumes (from the data stack). */
  readonly resourceArns: readonly string[];
  readonly log: (line: string) => void;
}

export interface CreatedBackup {
  readonly backupId: string;
  readonly archive: string;
  /** The node's gitlab-secrets.json, saved beside the archive: the restore needs both. */
  readonly secrets: string;
  readonly backupJobIds: readonly string[];
}

/** Starts the AWS Backup jobs, then runs gitlab-backup on one Rails node. */
export async function createBackup(props: CreateBackupProps): Promise<CreatedBackup> {
  const { plan } = props;
  const backupJobIds: string[] = [];
  for (const resourceArn of props.resourceArns) {
    const job = await props.backup.send(
      new StartBackupJobCommand({
        BackupVaultName: props.vault.vaultName,
        ResourceArn: resourceArn,
        IamRoleArn: props.vault.roleArn,
        IdempotencyToken: `${props.backupId}-${resourceArn}`.slice(0, 128),
      }),
    );
    backupJobIds.push(job.BackupJobId ?? '');
    props.log(`AWS Backup job ${job.BackupJobId} started for ${resourceArn}`);
  }
  const instanceId = (await railsInstances(plan, props.directory, 'one-rails'))[0];
  if (!instanceId) throw new Error('no healthy Rails instance to run gitlab-backup on');
  props.log(`Running gitlab-backup on ${instanceId}`);
  await props.runner.run({
    instanceId,
    commands: backupCreateCommands(plan, props.backupId, props.account),
    comment: `gitlab-aws backup ${props.backupId}`,
    timeoutSeconds: 6 * 3600,
  });
  const saved = `s3://${backupsBucket(plan, props.account)}/${BACKUP_PREFIX}${props.backupId}`;
  return {
    backupId: props.backupId,
    archive: `${saved}${BACKUP_SUFFIX}`,
    secrets: `${saved}${BACKUP_SECRETS_SUFFIX}`,
    backupJobIds,
  };
}

export interface BackupListing {
  /** `gitlab-backup` id, or the AWS Backup recovery point ARN. */
  readonly id: string;
  readonly kind: 'gitlab-backup' | 'RDS' | 'EBS' | string;
  readonly created: Date;
  readonly sizeBytes: number;
}

export async function listBackups(props: {
  readonly plan: Plan;
  /** The account the environment is deployed in (the caller's, from STS). */
  readonly account: string;
  readonly s3: S3Client;
  readonly backup: BackupClient;
  readonly vaultName: string;
}): Promise<BackupListing[]> {
  const listings: BackupListing[] = [];
  let token: string | undefined;
  do {
    const page = await props.s3.send(
      new ListObjectsV2Command({
        Bucket: backupsBucket(props.plan, props.account),
        Prefix: BACKUP_PREFIX,
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) {
      const name = (object.Key ?? '').slice(BACKUP_PREFIX.length);
      if (!name.endsWith(BACKUP_SUFFIX)) continue;
      listings.push({
        id: name.slice(0, -BACKUP_SUFFIX.length),
        kind: 'gitlab-backup',
        created: object.LastModified ?? new Date(0),
        sizeBytes: object.Size ?? 0,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  let next: string | undefined;
  do {
    const page = await props.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: props.vaultName, NextToken: next }),
    );
    for (const point of page.RecoveryPoints ?? []) {
      listings.push({
        id: point.RecoveryPointArn ?? '',
        kind: point.ResourceType ?? 'unknown',
        created: point.CreationDate ?? new Date(0),
        sizeBytes: point.BackupSizeInBytes ?? 0,
      });
    }
    next = page.NextToken;
  } while (next);
  return listings.sort((a, b) => b.created.getTime() - a.created.getTime());
}

function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function humanAge(created: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - created.getTime()) / 60_000);
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
  return `${Math.floor(minutes / 1440)}d`;
}

export function renderBackupList(listings: readonly BackupListing[], now: Date): string[] {
  if (listings.length === 0) return ['No backups yet: run `gitlab-aws backup create`.'];
  const rows = listings.map((l) => [l.kind, humanAge(l.created, now), humanSize(l.sizeBytes), l.id]);
  const widths = [0, 1, 2].map((column) =>
    Math.max(...[['KIND', 'AGE', 'SIZE'], ...rows].map((row) => row[column]!.length)),
  );
  const format = (row: string[]) =>
    row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ');
  return [format(['KIND', 'AGE', 'SIZE', 'ID']), ...rows.map(format)];
}

/**
 * The instances that run GitLab's Rails code: one web node (`one-rails`), or every Rails and Sidekiq
 * node (`all-rails-and-sidekiq`). On 1k both are the one node.
 */
export async function railsInstances(
  plan: Plan,
  directory: NodeDirectory,
  which: 'one-rails' | 'all-rails-and-sidekiq',
): Promise<string[]> {
  const single = plan.deployNodes.singleNode;
  if (single) return [await directory.instanceOf(single)];
  const roles = which === 'one-rails' ? ['rails'] : ['rails', 'sidekiq'];
  const groups = plan.autoScalingGroups.filter((group) => roles.includes(group.role));
  const members = (await Promise.all(groups.map((group) => directory.instancesOf(group.id)))).flat();
  return which === 'one-rails' ? members.slice(0, 1) : members;
}

export type RestoreStep = {
  readonly title: string;
  /** Every member of these groups, or one member of the first. */
  readonly on: 'all-rails-and-sidekiq' | 'one-rails';
  readonly commands: readonly string[];
};

/** GitLab's restore procedure across the environment's nodes, with the archive in the account's backups bucket. */
export function planRestore(plan: Plan, backupId: string, account: string): RestoreStep[] {
  const single = plan.deployNodes.singleNode;
  return [
    {
      title: single
        ? `Stop Puma and Sidekiq on ${single} (they hold database connections)`
        : 'Stop Puma and Sidekiq on every Rails and Sidekiq node (they hold database connections)',
      on: 'all-rails-and-sidekiq',
      commands: remoteScript(REMOTE_SCRIPT_FILES.stopPumaAndSidekiq),
    },
    {
      title: `Restore ${backupId} on ${single ?? 'one Rails node'}`,
      on: 'one-rails',
      commands: remoteScript(REMOTE_SCRIPT_FILES.restoreBackup, {
        BACKUP_ID: backupId,
        ...archiveValues(plan, backupId, account),
      }),
    },
    {
      title: `Start GitLab again on ${single ?? 'every Rails and Sidekiq node'}`,
      on: 'all-rails-and-sidekiq',
      commands: remoteScript(REMOTE_SCRIPT_FILES.startGitlab),
    },
    {
      title: 'Check GitLab and that the secrets decrypt the restored data',
      on: 'one-rails',
      commands: remoteScript(REMOTE_SCRIPT_FILES.checkRestoredGitlab),
    },
  ];
}

export async function executeRestore(
  plan: Plan,
  steps: readonly RestoreStep[],
  props: {
    readonly directory: NodeDirectory;
    readonly runner: RemoteRunner;
    readonly log: (line: string) => void;
  },
): Promise<void> {
  for (const step of steps) {
    props.log(step.title);
    const targets = await railsInstances(plan, props.directory, step.on);
    if (targets.length === 0) throw new Error(`no healthy instance for "${step.title}"`);
    for (const instanceId of targets) {
      await props.runner.run({
        instanceId,
        commands: step.commands,
        comment: step.title,
        timeoutSeconds: 6 * 3600,
      });
    }
  }
}

/** The vault and role from the ops stack's outputs (named in the Plan's contracts); refuses when they are missing. */
export function backupVaultOf(opsStackName: string, outputs: Readonly<Record<string, string>>): BackupVault {
  const vaultName = outputs[BACKUP_VAULT_OUTPUT];
  const roleArn = outputs[BACKUP_ROLE_OUTPUT];
  if (!vaultName || !roleArn) {
    throw new UserError(
      `${opsStackName} has no ${BACKUP_VAULT_OUTPUT}/${BACKUP_ROLE_OUTPUT} outputs: deploy the environment first`,
    );
  }
  return { vaultName, roleArn };
}

/** ARN of each data stack resource AWS Backup snapshots on demand. */
const BACKUP_RESOURCE_ARNS: Readonly<
  Record<string, (ids: { region: string; account: string; physicalId: string }) => string>
> = {
  'AWS::RDS::DBInstance': ({ region, account, physicalId }) =>
    `arn:aws:rds:${region}:${account}:db:${physicalId}`,
  'AWS::EC2::Volume': ({ region, account, physicalId }) =>
    `arn:aws:ec2:${region}:${account}:volume/${physicalId}`,
};

/** The RDS instance and Gitaly volumes among a data stack's resources, as ARNs. */
export function backupResourceArns(
  resources: readonly { readonly ResourceType?: string; readonly PhysicalResourceId?: string }[],
  account: string,
  region: string,
): string[] {
  return resources.flatMap((resource) => {
    const arnOf = BACKUP_RESOURCE_ARNS[resource.ResourceType ?? ''];
    return arnOf && resource.PhysicalResourceId
      ? [arnOf({ region, account, physicalId: resource.PhysicalResourceId })]
      : [];
  });
}
