/**
 * `gitlab-aws backup [create|list]` and `gitlab-aws restore <backup-id>`.
 *
 * A GitLab backup here has two halves:
 * - `gitlab-backup create` on the node the scheduled run uses (the backup node from 2k, the 1k node),
 *   else on one Rails node (the database dump, and the repositories unless each
 *   Gitaly node streams its own to the bucket), uploaded to the backups bucket with the node's
 *   gitlab-secrets.json beside it (the script and its sources: src/config/backup.ts). Blobs that live
 *   in object storage are skipped: the backup command does not back them up anyway.
 * - On-demand AWS Backup recovery points of what the scheduled backup plan snapshots (the RDS
 *   primaries and the Gitaly volumes, by the tag the data stack puts on them), in the vault of the
 *   ops stack's backup plan.
 * The same script also runs on the Plan's schedule, on a persistent node (src/plan/scheduled-backup.ts).
 * gitlab-secrets.json is in neither: it lives in Secrets Manager, and a copy is saved beside each
 * archive (`<backup id>_gitlab-secrets.json`), since GitLab keeps it out of its backups on purpose.
 *
 * Restore follows doc/administration/backup_restore/restore_gitlab.md (skratsch-solutions/gitlabhq
 * 4168cfa9c028293f4e77107617ea564102f73e5f): only onto the exact version and edition that made the
 * backup, with the secrets of the backup put back first ("GitLab secrets must be restored"); stop
 * Puma and Sidekiq on every node that talks to the database, restore on one node, reconfigure,
 * start, check (gitlab:check, gitlab:doctor:secrets). Around it the Rails and Sidekiq auto scaling
 * groups are held still (scaling-processes.ts).
 *
 * On 1k the one node is all of these: `gitlab-backup` dumps its bundled database and repositories,
 * AWS Backup snapshots its data volume, and the restore runs every step on it.
 */
import {
  type BackupClient,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { backupsBucketName, createBackupCommands, LOCAL_BACKUP_DIR } from '../config/backup.js';
import { UserError } from '../errors.js';
import { awsBackupTag, BACKUP_ROLE_OUTPUT, BACKUP_VAULT_OUTPUT } from '../plan/contracts.js';
import { RESTORE_DISK_FACTOR } from '../plan/resolve/backup-node.js';
import { stackName } from '../plan/stacks.js';
import type { Plan } from '../plan/types.js';
import type { DatabaseInstance, DataStores, DataVolume, ResourceTags, StackResource } from './data-stores.js';
import type { NodeDirectory, RemoteRunner } from './fleet.js';
import { REMOTE_SCRIPT_FILES, remoteScript } from './remote-scripts.js';
import { RESTORE_SUSPENDED_PROCESSES, resumeCommand, type ScalingProcesses } from './scaling-processes.js';

export { BACKUP_PREFIX, objectStorageSkipList } from '../config/backup.js';

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
  const archive = `${backupId}${plan.scheduledBackup.archives.archiveSuffix}`;
  return {
    LOCAL_ARCHIVE: `${LOCAL_BACKUP_DIR}/${archive}`,
    ARCHIVE_URL: `s3://${backupsBucket(plan, account)}/${archiveKey(plan, backupId)}`,
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
  /** ARNs of the RDS primaries and the Gitaly volumes (backupResourceArns). */
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

/** Starts an on-demand AWS Backup job of each resource (the databases, the Gitaly volumes); returns their ids. */
export async function startBackupJobs(
  props: Pick<CreateBackupProps, 'backup' | 'vault' | 'resourceArns' | 'backupId' | 'log'>,
): Promise<string[]> {
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
  return backupJobIds;
}

/**
 * Starts the AWS Backup jobs, then runs gitlab-backup where the scheduled run does (persistent, with
 * room for the archive), or on one Rails node in a Plan without such a node.
 */
export async function createBackup(props: CreateBackupProps): Promise<CreatedBackup> {
  const { plan } = props;
  const backupJobIds = await startBackupJobs(props);
  const runnerNode = plan.scheduledBackup.runner;
  const instanceId = runnerNode
    ? await props.directory.instanceOf(runnerNode)
    : (await railsInstances(plan, props.directory, 'one-rails'))[0];
  if (!instanceId) throw new Error('no healthy Rails instance to run gitlab-backup on');
  props.log(`Running gitlab-backup on ${instanceId}`);
  await props.runner.run({
    instanceId,
    commands: backupCreateCommands(plan, props.backupId, props.account),
    comment: `gitlab-aws backup ${props.backupId}`,
    timeoutSeconds: 6 * 3600,
  });
  const bucket = `s3://${backupsBucket(plan, props.account)}/`;
  return {
    backupId: props.backupId,
    archive: `${bucket}${archiveKey(plan, props.backupId)}`,
    secrets: `${bucket}${secretsKey(plan, props.backupId)}`,
    backupJobIds,
  };
}

export interface BackupListing {
  /** `gitlab-backup` id, or the AWS Backup recovery point ARN. */
  readonly id: string;
  readonly kind: 'gitlab-backup' | 'RDS' | 'EBS' | string;
  readonly created: Date;
  readonly sizeBytes: number;
  /** For a gitlab-backup archive: whether its gitlab-secrets.json is saved beside it. */
  readonly hasSecrets?: boolean;
}

/**
 * The AWS Backup vaults of an environment, the current ops stack's and those retained from earlier
 * ones: each is `<name>-vault-<end of its stack's id>` (infra/ops/backup.ts), so they are found by
 * name, without the ops stack, which `destroy` deletes.
 */
export async function environmentVaults(backup: BackupClient, plan: Plan): Promise<string[]> {
  const own = new RegExp(`^${plan.spec.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-vault-[0-9a-f]{12}$`);
  const names: string[] = [];
  let next: string | undefined;
  do {
    const page = await backup.send(new ListBackupVaultsCommand({ NextToken: next }));
    for (const vault of page.BackupVaultList ?? []) {
      if (own.test(vault.BackupVaultName ?? '')) names.push(vault.BackupVaultName!);
    }
    next = page.NextToken;
  } while (next);
  return names;
}

/**
 * Archives in the backups bucket (found by name, with or without the ops stack), where the Plan keeps
 * them, and recovery points of the vaults. Only the keys right under the Plan's prefix are listed:
 * at a hybrid Plan's root, the repositories Gitaly streams to the bucket lie in folders of their own.
 */
export async function listBackups(props: {
  readonly plan: Plan;
  /** The account the environment is deployed in (the caller's, from STS). */
  readonly account: string;
  readonly s3: S3Client;
  readonly backup: BackupClient;
  /** Vaults to list recovery points of (see environmentVaults). */
  readonly vaultNames: readonly string[];
}): Promise<BackupListing[]> {
  const { prefix, archiveSuffix } = props.plan.scheduledBackup.archives;
  const archives: { id: string; created: Date; sizeBytes: number }[] = [];
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await props.s3.send(
      new ListObjectsV2Command({
        Bucket: backupsBucket(props.plan, props.account),
        ...(prefix ? { Prefix: prefix } : {}),
        Delimiter: '/',
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      keys.add(key);
      if (!key.startsWith(prefix)) continue;
      const name = key.slice(prefix.length);
      if (!name.endsWith(archiveSuffix)) continue;
      archives.push({
        id: name.slice(0, -archiveSuffix.length),
        created: object.LastModified ?? new Date(0),
        sizeBytes: object.Size ?? 0,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const listings: BackupListing[] = archives.map((archive) => ({
    ...archive,
    kind: 'gitlab-backup',
    hasSecrets: keys.has(secretsKey(props.plan, archive.id)),
  }));
  for (const vaultName of props.vaultNames) {
    let next: string | undefined;
    do {
      const page = await props.backup.send(
        new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vaultName, NextToken: next }),
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
  }
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

/** The SECRETS column: whether `restore` can put the archive's gitlab-secrets.json back (snapshots have none of their own). */
function secretsCell(listing: BackupListing): string {
  if (listing.hasSecrets === undefined) return '-';
  return listing.hasSecrets ? 'yes' : 'MISSING';
}

export function renderBackupList(listings: readonly BackupListing[], now: Date): string[] {
  if (listings.length === 0) return ['No backups yet: run `gitlab-aws backup create`.'];
  const header = ['KIND', 'AGE', 'SIZE', 'SECRETS', 'ID'];
  const rows = listings.map((l) => [
    l.kind,
    humanAge(l.created, now),
    humanSize(l.sizeBytes),
    secretsCell(l),
    l.id,
  ]);
  const last = header.length - 1;
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const format = (row: string[]) =>
    row.map((cell, column) => (column < last ? cell.padEnd(widths[column]!) : cell)).join('  ');
  return [format(header), ...rows.map(format)];
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

/** What a gitlab-backup id says about the GitLab that made it. */
export interface BackupIdParts {
  readonly version: string;
  readonly edition: 'ee' | 'ce';
}

/**
 * GitLab's backup id, `<epoch>_<yyyy_mm_dd>_<version>`, the version as GitLab prints it: `-ee` on
 * Enterprise Edition, nothing (older: `-ce`) on Community Edition. `backupIdFor` writes `-ce`.
 */
const BACKUP_ID = /^\d+_\d{4}_\d{2}_\d{2}_(\d+\.\d+\.\d+)(?:-(ee|ce))?$/;

/** The version and edition of a backup id; refuses anything else before it reaches a shell. */
export function parseBackupId(backupId: string): BackupIdParts {
  const match = BACKUP_ID.exec(backupId);
  if (!match) {
    throw new UserError(
      `"${backupId}" is not a gitlab-backup id (<timestamp>_<yyyy_mm_dd>_<version>[-ee], as \`gitlab-aws backup list\` shows them)`,
      2,
    );
  }
  return { version: match[1]!, edition: match[2] === 'ee' ? 'ee' : 'ce' };
}

/** Where an archive is kept in the backups bucket: where the Plan keeps archives. */
export function archiveKey(plan: Pick<Plan, 'scheduledBackup'>, backupId: string): string {
  const { prefix, archiveSuffix } = plan.scheduledBackup.archives;
  return `${prefix}${backupId}${archiveSuffix}`;
}

/** Where the secrets saved with an archive (gitlab-secrets.json, or the chart's Rails secrets) are kept beside it. */
export function secretsKey(plan: Pick<Plan, 'scheduledBackup'>, backupId: string): string {
  const { prefix, secretsSuffix } = plan.scheduledBackup.archives;
  return `${prefix}${backupId}${secretsSuffix}`;
}

/** Lifecycle states of a group member that still runs GitLab and is reached by Run Command. */
const RUNNING_MEMBER_STATES = new Set(['InService', 'Standby']);

// Room the restore needs on its node, as a multiple of the archive: the Plan's, which sizes the hybrid toolbox's volume by it too.
export { RESTORE_DISK_FACTOR } from '../plan/resolve/backup-node.js';

/** Line prefix of the facts the pre-flight script prints. */
const FACT = 'gitlab-aws-fact';

export type RestoreTarget =
  /** The node that downloads and restores the archive: a Rails node, or the 1k node. */
  | 'restore-node'
  /** Every member of every Rails and Sidekiq group (the 1k node). */
  | 'rails-and-sidekiq'
  /** The fixed nodes other than the 1k node that read gitlab-secrets.json (Gitaly). */
  | 'fixed-secrets-readers';

export interface RestoreStep {
  readonly title: string;
  readonly on: RestoreTarget;
  readonly commands: readonly string[];
  readonly timeoutSeconds: number;
  /** A pre-flight step changes nothing, and its output is checked before anything does. */
  readonly preflight?: boolean;
  /** Whether the archive's gitlab-secrets.json goes into Secrets Manager before the commands run. */
  readonly storesSecrets?: boolean;
  /** GitLab's state when this step fails, and the way back. */
  readonly ifFails: { readonly state: string; readonly recovery: string };
}

export interface RestoreOptions {
  /** Restore with the secrets the environment has now instead of the archive's own. */
  readonly keepCurrentSecrets?: boolean;
}

/** The Plan's gitlab-secrets.json secret: its name, and the roles whose nodes read it. */
function secretsJsonSecret(plan: Plan) {
  const secret = plan.secrets.find((candidate) => candidate.id === 'gitlab-secrets-json');
  if (!secret) throw new Error('the Plan has no gitlab-secrets-json secret');
  return secret;
}

/**
 * Fixed nodes (not the 1k node, not group members) that read gitlab-secrets.json, as the Plan's
 * secret names them: Gitaly, whose Git hooks authenticate to GitLab's internal API with the GitLab
 * Shell secret in it. GitLab's reference architecture has the file copied to every Linux package
 * node, Praefect included (3k_users.md, "Configure Praefect", skratsch-solutions/gitlabhq
 * 06bbc8dc33553c380709d5395df4750a78017677), but Praefect reads none of it: its tokens and database
 * password are set in its gitlab.rb, and its nodes here never install the file.
 */
function fixedSecretsReaders(plan: Plan): string[] {
  const readers = new Set<string>(secretsJsonSecret(plan).readers);
  return plan.nodes
    .filter((node) => !node.autoScalingGroup && node.id !== plan.deployNodes.singleNode)
    .filter((node) => readers.has(node.role))
    .map((node) => node.id);
}

/**
 * GitLab's restore procedure across the environment's nodes (restore_gitlab.md, see the file
 * comment): read the running version and free space, stop Puma and Sidekiq on every node that talks
 * to the database, put the archive's gitlab-secrets.json back where it is read, restore on one
 * node, reconfigure and start, check. `executeRestore` holds the auto scaling groups still around it.
 */
export function planRestore(
  plan: Plan,
  backupId: string,
  account: string,
  options: RestoreOptions = {},
): RestoreStep[] {
  const single = plan.deployNodes.singleNode;
  const railsNodes = single ?? 'every Rails and Sidekiq node';
  const restoreNode = single ?? 'one Rails node';
  const secret = secretsJsonSecret(plan);
  const again = `Fix the cause and run \`gitlab-aws restore ${backupId}\` again: it starts over and restores the whole database.`;
  const installSecrets = (reconfigure: boolean) =>
    remoteScript(REMOTE_SCRIPT_FILES.installSecretsJson, {
      REGION: plan.region,
      SECRET_ID: secret.name,
      RECONFIGURE: reconfigure ? 'yes' : 'no',
    });
  const gitaly = fixedSecretsReaders(plan);
  const secretsSteps: RestoreStep[] = options.keepCurrentSecrets
    ? []
    : [
        {
          title: `Put the gitlab-secrets.json of ${backupId} in Secrets Manager and on ${railsNodes}`,
          on: 'rails-and-sidekiq',
          commands: installSecrets(false),
          timeoutSeconds: 600,
          storesSecrets: true,
          ifFails: {
            state: `Puma and Sidekiq are stopped; ${secret.name} may hold the backup's secrets, which cannot read the database as it still is (untouched).`,
            recovery: `${again} The secrets before are the AWSPREVIOUS version of ${secret.name}.`,
          },
        },
        ...(gitaly.length > 0
          ? [
              {
                title: `Put the same gitlab-secrets.json on ${gitaly.join(', ')} and reconfigure (Git hooks call GitLab with it)`,
                on: 'fixed-secrets-readers' as const,
                commands: installSecrets(true),
                timeoutSeconds: 1800,
                ifFails: {
                  state: `Puma and Sidekiq are stopped; Secrets Manager and the Rails nodes hold the backup's secrets; the database is untouched.`,
                  recovery: again,
                },
              },
            ]
          : []),
      ];
  return [
    {
      title: `Check the GitLab version and free disk space of ${restoreNode}`,
      on: 'restore-node',
      commands: remoteScript(REMOTE_SCRIPT_FILES.restorePreflight, { BACKUP_DIR: LOCAL_BACKUP_DIR }),
      timeoutSeconds: 300,
      preflight: true,
      ifFails: { state: 'Nothing was changed.', recovery: again },
    },
    {
      title: single
        ? `Stop Puma and Sidekiq on ${single} (they hold database connections)`
        : 'Stop Puma and Sidekiq on every Rails and Sidekiq node (they hold database connections)',
      on: 'rails-and-sidekiq',
      commands: remoteScript(REMOTE_SCRIPT_FILES.stopPumaAndSidekiq),
      timeoutSeconds: 600,
      ifFails: {
        state: 'Puma and Sidekiq may be stopped on some nodes; the database and the secrets are untouched.',
        recovery: `${again} Or bring GitLab back as it was: \`sudo gitlab-ctl start\` on ${railsNodes}.`,
      },
    },
    ...secretsSteps,
    {
      title: `Restore ${backupId} on ${restoreNode}`,
      on: 'restore-node',
      commands: remoteScript(REMOTE_SCRIPT_FILES.restoreBackup, {
        BACKUP_ID: backupId,
        REPOSITORIES_SERVER_SIDE: String(plan.scheduledBackup.repositoriesServerSide),
        ...archiveValues(plan, backupId, account),
      }),
      timeoutSeconds: 6 * 3600,
      ifFails: {
        state:
          'Puma and Sidekiq are stopped; the database may be half restored (the restore drops every table first).',
        recovery: again,
      },
    },
    {
      title: `Reconfigure and start GitLab again on ${railsNodes}`,
      on: 'rails-and-sidekiq',
      commands: remoteScript(REMOTE_SCRIPT_FILES.startGitlab),
      timeoutSeconds: 3600,
      ifFails: {
        state: `${backupId} is restored; GitLab may not run on every node.`,
        recovery: `Run \`sudo gitlab-ctl reconfigure && sudo gitlab-ctl start\` where it failed, then \`gitlab-aws check\`.`,
      },
    },
    {
      title: 'Check GitLab and that the secrets decrypt the restored data',
      on: 'restore-node',
      commands: remoteScript(REMOTE_SCRIPT_FILES.checkRestoredGitlab),
      timeoutSeconds: 3600,
      ifFails: {
        state: `${backupId} is restored and GitLab runs, but its checks failed.`,
        recovery:
          'Read the output above (gitlab:doctor:secrets names what the secrets cannot decrypt), fix it, then run `gitlab-aws check`.',
      },
    },
  ];
}

/** What the pre-flight script read on the restore node. */
export interface RestoreNodeFacts {
  readonly version: string;
  readonly edition: 'ee' | 'ce';
  readonly freeBytes: number;
}

/** Parses the pre-flight output (`gitlab-aws-fact package=gitlab-ee 19.3.0`, `... free_bytes=N`); undefined when cut or garbled. */
export function restoreNodeFacts(output: string): RestoreNodeFacts | undefined {
  const fact = (name: string) => new RegExp(`^${FACT} ${name}=(.*)$`, 'm').exec(output)?.[1]?.trim();
  const pkg = /^gitlab-(ee|ce) (\d+\.\d+\.\d+)$/.exec(fact('package') ?? '');
  const free = fact('free_bytes') ?? '';
  if (!pkg || !/^\d+$/.test(free)) return undefined;
  return { edition: pkg[1] as 'ee' | 'ce', version: pkg[2]!, freeBytes: Number(free) };
}

/** Why the restore node cannot take the archive, or undefined when it can. */
export function restoreNodeProblem(
  node: string,
  facts: RestoreNodeFacts,
  backupId: string,
  archiveBytes: number,
): string | undefined {
  const made = parseBackupId(backupId);
  const running = `${facts.version}-${facts.edition}`;
  const backup = `${made.version}-${made.edition}`;
  if (running !== backup) {
    const newer = compareVersions(made.version, facts.version) > 0;
    const way =
      made.edition !== facts.edition
        ? 'the editions differ, so this backup cannot be restored here'
        : newer
          ? `upgrade to ${made.version} first (gitlab-aws upgrade --to ${made.version}), then restore`
          : `gitlab-aws installs no older version on a deployed environment, so this backup cannot be restored here; restore one made by ${running}`;
    return `${node} runs GitLab ${running} and ${backupId} was made by ${backup}: GitLab restores a backup only onto the exact version and edition that made it; ${way}`;
  }
  const needed = archiveBytes * RESTORE_DISK_FACTOR;
  if (facts.freeBytes < needed) {
    return `${node} has ${humanSize(facts.freeBytes)} free in ${LOCAL_BACKUP_DIR}; restoring ${backupId} needs about ${humanSize(needed)} there (the ${humanSize(archiveBytes)} archive, and as much again unpacked)`;
  }
  return undefined;
}

/** Compares dotted versions numerically. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export interface RestoreProps {
  readonly backupId: string;
  /** The account the environment is deployed in (the caller's, from STS). */
  readonly account: string;
  readonly keepCurrentSecrets?: boolean;
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
  readonly scaling: ScalingProcesses;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly log: (line: string) => void;
}

/** The size of an object, or undefined when there is none under the key. */
async function objectSize(s3: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength ?? 0;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return undefined;
    // 403 (Forbidden) is also what S3 answers for a missing key to a caller without s3:ListBucket.
    throw new UserError(`cannot read s3://${bucket}/${key}: ${name}; nothing was changed`);
  }
}

/** The archive's gitlab-secrets.json, read and checked before anything changes. */
async function backupSecrets(plan: Plan, s3: S3Client, bucket: string, backupId: string): Promise<string> {
  const key = secretsKey(plan, backupId);
  if ((await objectSize(s3, bucket, key)) === undefined) {
    throw new UserError(
      `${backupId} has no gitlab-secrets.json beside it (s3://${bucket}/${key}). The database keeps CI/CD variables, two-factor secrets, runner tokens and other columns encrypted with the keys in that file; restored with other keys they cannot be read. Pass --keep-current-secrets if the environment's secrets now are the ones the backup was made with. Nothing was changed.`,
    );
  }
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('gitlab_rails' in parsed)) {
    throw new UserError(
      `s3://${bucket}/${key} is not a gitlab-secrets.json (no gitlab_rails section); nothing was changed`,
    );
  }
  return text;
}

/**
 * Runs a restore: checks that can fail without changing anything (the archive and its secrets in the
 * bucket, the id, then the restore node's version and free space), suspends the Rails and Sidekiq
 * groups' processes, runs the steps on every member, and resumes the groups only once GitLab's
 * checks pass. A failure before anything was stopped resumes them; after, it leaves them
 * suspended, so no node boots (and migrates) against a half-restored database, and says what
 * state GitLab is in and how to go on.
 */
export async function executeRestore(
  plan: Plan,
  steps: readonly RestoreStep[],
  props: RestoreProps,
): Promise<void> {
  const { backupId, log } = props;
  parseBackupId(backupId);
  const bucket = backupsBucket(plan, props.account);
  const archiveBytes = await objectSize(props.s3, bucket, archiveKey(plan, backupId));
  if (archiveBytes === undefined) {
    throw new UserError(
      `no archive s3://${bucket}/${archiveKey(plan, backupId)} (see gitlab-aws backup list); nothing was changed`,
    );
  }
  const secrets = props.keepCurrentSecrets
    ? undefined
    : await backupSecrets(plan, props.s3, bucket, backupId);

  const single = plan.deployNodes.singleNode;
  const groups = single
    ? []
    : plan.autoScalingGroups.filter((group) => group.role === 'rails' || group.role === 'sidekiq');
  const suspended: string[] = [];
  const resumeAll = async () => {
    for (const name of [...suspended]) {
      await props.scaling.resume(name, RESTORE_SUSPENDED_PROCESSES);
      suspended.splice(suspended.indexOf(name), 1);
      log(`Resumed the processes of ${name}`);
    }
  };
  const resumeHint = () =>
    suspended.length === 0
      ? []
      : [
          `The processes of ${suspended.join(', ')} stay suspended, so no node is replaced or booted (and migrated) against this database. Resume them once GitLab is healthy:`,
          ...suspended.map((name) => `  ${resumeCommand(plan.region, name, RESTORE_SUSPENDED_PROCESSES)}`),
        ];
  /** Gives up before anything changed: resumes what was suspended, says so. */
  const unchanged = async (reason: string): Promise<never> => {
    try {
      await resumeAll();
    } catch (error) {
      throw new UserError(
        [
          `${reason}`,
          'Nothing else was changed, but resuming failed:',
          (error as Error).message,
          ...resumeHint(),
        ].join('\n'),
      );
    }
    throw new UserError(
      `${reason}\nNothing was changed${groups.length > 0 ? ' (the groups run as before)' : ''}.`,
    );
  };

  let railsNodes: string[];
  let restoreNode: string;
  let fixedReaders: string[];
  try {
    if (single) {
      restoreNode = await props.directory.instanceOf(single);
      railsNodes = [restoreNode];
    } else {
      railsNodes = [];
      let first: string | undefined;
      for (const group of groups) {
        const name = await props.directory.groupNameOf(group.id);
        await props.scaling.suspend(name, RESTORE_SUSPENDED_PROCESSES);
        suspended.push(name);
        log(`Suspended ${RESTORE_SUSPENDED_PROCESSES.join(', ')} on ${name}`);
        const members = await props.scaling.members(name);
        const unsettled = members.filter((member) => !RUNNING_MEMBER_STATES.has(member.lifecycleState));
        if (unsettled.length > 0) {
          const states = unsettled
            .map((member) => `${member.instanceId} ${member.lifecycleState}`)
            .join(', ');
          throw new Error(`${name} is still changing (${states}): wait until every member is InService`);
        }
        railsNodes.push(...members.map((member) => member.instanceId));
        if (group.role === 'rails')
          first ??= members.find((member) => member.lifecycleState === 'InService')?.instanceId;
      }
      if (!first) throw new Error('no Rails node is InService to restore on');
      restoreNode = first;
    }
    fixedReaders = await Promise.all(
      fixedSecretsReaders(plan).map((node) => props.directory.instanceOf(node)),
    );
  } catch (error) {
    return unchanged((error as Error).message);
  }
  const targets: Record<RestoreTarget, readonly string[]> = {
    'restore-node': [restoreNode],
    'rails-and-sidekiq': railsNodes,
    'fixed-secrets-readers': fixedReaders,
  };

  for (const step of steps) {
    log(step.title);
    try {
      if (step.storesSecrets && secrets !== undefined) {
        const stored = await props.secretsManager.send(
          new PutSecretValueCommand({ SecretId: secretsJsonSecret(plan).name, SecretString: secrets }),
        );
        log(`${secretsJsonSecret(plan).name} holds the secrets of ${backupId} (version ${stored.VersionId})`);
      }
      for (const instanceId of targets[step.on]) {
        const result = await props.runner.run({
          instanceId,
          commands: step.commands,
          comment: step.title,
          timeoutSeconds: step.timeoutSeconds,
        });
        if (step.preflight) {
          const facts = restoreNodeFacts(result.output);
          if (!facts) throw new Error(`could not read the GitLab version and free space of ${instanceId}`);
          const problem = restoreNodeProblem(instanceId, facts, backupId, archiveBytes);
          if (problem) throw new Error(problem);
        }
      }
    } catch (error) {
      if (step.preflight) return unchanged((error as Error).message);
      throw new UserError(
        [
          `restore of ${backupId} stopped at "${step.title}": ${(error as Error).message}`,
          `State: ${step.ifFails.state}`,
          `Recover: ${step.ifFails.recovery}`,
          ...resumeHint(),
        ].join('\n'),
      );
    }
  }
  await resumeAll();
}

/** Every line of a restore, as the confirmation shows it: the suspension around the steps included. */
export function restoreOutline(plan: Plan, steps: readonly RestoreStep[]): string[] {
  const groups = plan.deployNodes.singleNode
    ? []
    : plan.autoScalingGroups.filter((group) => group.role === 'rails' || group.role === 'sidekiq');
  const names = groups.map((group) => group.id).join(', ');
  const [preflight, ...rest] = steps.map((step) => step.title);
  return [
    `Check that the archive${steps.some((step) => step.storesSecrets) ? ' and its gitlab-secrets.json are' : ' is'} in the backups bucket`,
    ...(groups.length > 0
      ? [`Suspend replacing, launching and terminating nodes of ${names} for the whole restore`]
      : []),
    ...(preflight ? [preflight] : []),
    ...rest,
    ...(groups.length > 0 ? [`Resume ${names} once the checks pass`] : []),
  ];
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

/** The data stack as `backup` reads it: its resources, and its databases and volumes with their tags. */
export interface DataStackContents {
  readonly resources: readonly StackResource[];
  readonly databases: readonly DatabaseInstance[];
  readonly volumes: readonly DataVolume[];
}

/**
 * The data stack's resources that carry the Plan's AWS Backup tag, as ARNs: what the ops stack's
 * backup plan picks on its schedule (the RDS primaries and the data volumes, never a read replica),
 * so that an on-demand backup holds the same. Refuses when none carries it: the data stack was
 * deployed by a release from before the tag, and a backup of nothing, or of the replicas too, is
 * worse than none.
 */
export function backupResourceArns(plan: Plan, contents: DataStackContents, account: string): string[] {
  const { key, value } = awsBackupTag(plan);
  const tagsOf: Readonly<Record<string, ReadonlyMap<string, ResourceTags>>> = {
    'AWS::RDS::DBInstance': new Map(contents.databases.map((database) => [database.id, database.tags])),
    'AWS::EC2::Volume': new Map(contents.volumes.map((volume) => [volume.id, volume.tags])),
  };
  const arns = contents.resources.flatMap((resource) => {
    const arnOf = BACKUP_RESOURCE_ARNS[resource.type];
    const tags = tagsOf[resource.type]?.get(resource.physicalId);
    return arnOf && tags?.[key] === value
      ? [arnOf({ region: plan.region, account, physicalId: resource.physicalId })]
      : [];
  });
  if (arns.length === 0) {
    throw new UserError(
      `none of the databases and volumes of ${stackName(plan, 'data')} carries the tag ${key}=${value} by which AWS Backup picks what to back up: the environment was deployed by an earlier release. Run \`gitlab-aws deploy\` first (it adds the tag), then back up again. No backup was started.`,
      2,
    );
  }
  return arns;
}

/** Reads the data stack's resources, and its databases and volumes with their tags, for backupResourceArns. */
export async function readDataStack(
  plan: Plan,
  stores: Pick<DataStores, 'stackResources' | 'describeDatabases' | 'describeVolumes'>,
): Promise<DataStackContents> {
  const name = stackName(plan, 'data');
  const resources = await stores.stackResources(name);
  if (!resources) {
    throw new UserError(`no stack ${name}: deploy the environment first (gitlab-aws deploy)`, 2);
  }
  const idsOf = (type: string) =>
    resources.filter((resource) => resource.type === type).map((resource) => resource.physicalId);
  return {
    resources,
    databases: await stores.describeDatabases(idsOf('AWS::RDS::DBInstance')),
    volumes: await stores.describeVolumes(idsOf('AWS::EC2::Volume')),
  };
}
