/**
 * `backup create` and `restore` for Cloud Native Hybrid, where GitLab runs in the cluster and
 * there is no Rails node for Run Command: the chart's toolbox does both, started in the chart's
 * build (src/lifecycle/hybrid-builds.ts).
 *
 * - Backup: the same AWS Backup jobs of the database and the Gitaly volumes as a Linux package
 *   environment's, then `backup-utility` in the toolbox pod (the database; the repositories streamed
 *   by the Gitaly nodes to the backups bucket; the object types skipped, S3 keeps them), which
 *   writes `<id>_gitlab_backup.tar` to the backups bucket, and the cluster's Rails secrets saved
 *   beside it as `<id>_rails-secrets.yml`: GitLab keeps them out of its backups, and the archive's
 *   encrypted columns are unreadable without them (doc/backup-restore/backup.md, "Back up the
 *   secrets", integratop/gitlab-org-charts-mirror 0ec841807491ee18a9141765a2f83614e7e2b394).
 * - Restore: the chart's procedure (doc/backup-restore/restore.md, same repository,
 *   41ac50109aea616c4604b94b261c2d9aca257f71), onto the version and edition that made the backup
 *   only: both halves checked first, the backup's Rails secrets put back (in the cluster and in
 *   Secrets Manager, so a rebuilt cluster gets them too) and the toolbox restarted to read them,
 *   Sidekiq and webservice scaled to zero with their replicas noted, `backup-utility --restore`,
 *   the replicas scaled back. A failed restore leaves them at zero: GitLab stays down rather than
 *   serve a partly restored database.
 */
import type { BackupClient } from '@aws-sdk/client-backup';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import {
  archiveKey,
  type BackupVault,
  backupsBucket,
  type CreatedBackup,
  parseBackupId,
  secretsKey,
  startBackupJobs,
} from './backup.js';
import type { Sleep } from './fleet.js';
import { type ChartBuilds, runChartOperation } from './hybrid-builds.js';

/** Where a hybrid backup's two halves are kept: where the Plan keeps archives (the bucket's root, where `backup-utility` writes). */
export function hybridBackupObjects(plan: Plan, account: string, backupId: string) {
  const bucket = `s3://${backupsBucket(plan, account)}/`;
  return {
    archive: `${bucket}${archiveKey(plan, backupId)}`,
    secrets: `${bucket}${secretsKey(plan, backupId)}`,
  };
}

export interface HybridBackupProps {
  readonly plan: Plan;
  /** The account the environment is deployed in (the caller's, from STS). */
  readonly account: string;
  readonly backupId: string;
  readonly builds: ChartBuilds;
  readonly backup: BackupClient;
  readonly vault: BackupVault;
  /** ARNs of the RDS primaries and the Gitaly volumes (backupResourceArns). */
  readonly resourceArns: readonly string[];
  readonly log: (line: string) => void;
  readonly sleep?: Sleep;
}

/** Starts the AWS Backup jobs, then runs the toolbox's backup in the chart's build. */
export async function createHybridBackup(props: HybridBackupProps): Promise<CreatedBackup> {
  const backupJobIds = await startBackupJobs(props);
  props.log(`Running backup-utility in the toolbox pod (backup ${props.backupId})`);
  await runChartOperation(
    props.plan,
    { kind: 'backup', backupId: props.backupId, account: props.account },
    { builds: props.builds, log: props.log, ...(props.sleep ? { sleep: props.sleep } : {}) },
  );
  return {
    backupId: props.backupId,
    ...hybridBackupObjects(props.plan, props.account, props.backupId),
    backupJobIds,
  };
}

/** What a hybrid restore does, in order, as `restore` shows it before asking to go on. */
export function hybridRestoreOutline(backupId: string): string[] {
  return [
    `Check that ${backupId}_gitlab_backup.tar and its Rails secrets are in the backups bucket`,
    "Put the backup's Rails secrets into the cluster and Secrets Manager, and restart the toolbox to read them",
    'Scale Sidekiq and webservice to zero, noting their replicas (GitLab is down from here)',
    `Restore ${backupId} with backup-utility --restore in the toolbox pod`,
    'Scale Sidekiq and webservice back and wait for their rollout',
  ];
}

export interface HybridRestoreProps {
  readonly plan: Plan;
  readonly account: string;
  readonly backupId: string;
  readonly builds: ChartBuilds;
  readonly log: (line: string) => void;
  readonly sleep?: Sleep;
}

/**
 * Restores a backup onto the running chart, after refusing one another version or edition made:
 * GitLab restores only onto the exact version and edition that created the backup.
 */
export async function executeHybridRestore(props: HybridRestoreProps): Promise<void> {
  const { plan, backupId } = props;
  const made = parseBackupId(backupId);
  if (made.version !== plan.gitlab.version || made.edition !== plan.gitlab.edition) {
    throw new UserError(
      `restore refused: ${backupId} was made by GitLab ${made.version}-${made.edition}, the environment runs ${plan.gitlab.version}-${plan.gitlab.edition}; ` +
        'GitLab restores a backup only onto the version and edition that made it. Nothing was changed.',
    );
  }
  try {
    await runChartOperation(
      plan,
      { kind: 'restore', backupId, account: props.account },
      { builds: props.builds, log: props.log, ...(props.sleep ? { sleep: props.sleep } : {}) },
    );
  } catch (error) {
    throw new UserError(
      `restore of ${backupId} failed: ${(error as Error).message}\n` +
        'If the build stopped before "webservice and Sidekiq stopped", nothing was changed. After it, they stay at zero replicas ' +
        'and GitLab is down with a partly restored database: run the same restore again (it puts the secrets back and restores anew).',
    );
  }
}
