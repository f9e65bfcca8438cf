/**
 * The `gitlab-backup` run that saves a backup to the backups bucket, as the command lines SSM runs:
 * `gitlab-aws backup create` sends them with its backup id, the ops stack's association runs them on
 * the Plan's schedule (see src/plan/scheduled-backup.ts). One script for both, kept as a file in
 * `backup/scripts/` and shellchecked as one; what differs per Plan or per run reaches it as a header
 * of quoted assignments below its shebang (see src/lifecycle/remote-scripts.ts for why the shebang
 * stays).
 *
 * Sources: the backup command's options, `SKIP=` and `REPOSITORIES_SERVER_SIDE=true`, and the files
 * to keep beside a backup, `/etc/gitlab/gitlab-secrets.json` first
 * (doc/administration/backup_restore/backup_gitlab.md, skratsch-solutions/gitlabhq
 * 0c6669526da9d644449ab36d4ec3a681976387e6: "Excluding specific data from the backup",
 * "Create server-side repository backups", "Storing configuration files").
 */
import { readFileSync } from 'node:fs';
import { nameInAccount } from '../plan/contracts.js';
import { serviceOf } from '../plan/query.js';
import type { ObjectStoragePurpose, Plan } from '../plan/types.js';
import { withHeader } from './boot-script.js';
import { withoutComments } from './user-data.js';

// Where archives and their secrets are kept is the Plan's (`scheduledBackup.archives`).
export { BACKUP_ARCHIVE_SUFFIX, BACKUP_PREFIX, BACKUP_SECRETS_SUFFIX } from '../plan/scheduled-backup.js';

/** Where `gitlab-backup` writes archives on the node (`gitlab_rails['backup_path']`'s default). */
export const LOCAL_BACKUP_DIR = '/var/opt/gitlab/backups';
/** The node's secrets file, which the backup's database cannot be read without. */
export const SECRETS_FILE = '/etc/gitlab/gitlab-secrets.json';
/** The installed GitLab's version, as GitLab ends its own backup ids with it. */
export const GITLAB_VERSION_FILE = '/opt/gitlab/embedded/service/gitlab-rails/VERSION';

/** The `gitlab-backup` component holding each object storage purpose's data; purposes without one are absent. */
const BACKUP_COMPONENT_OF: Readonly<Partial<Record<ObjectStoragePurpose, string>>> = {
  artifacts: 'artifacts',
  external_diffs: 'external_diffs',
  lfs: 'lfs',
  uploads: 'uploads',
  packages: 'packages',
  terraform_state: 'terraform_state',
  ci_secure_files: 'ci_secure_files',
  registry: 'registry',
};

/** SKIP= components: everything the Plan keeps in object storage. */
export function objectStorageSkipList(plan: Plan): string[] {
  return serviceOf(plan, 's3')
    .buckets.map((bucket) => BACKUP_COMPONENT_OF[bucket.purpose])
    .filter((component): component is string => component !== undefined);
}

/** The backups bucket's name in an account (an id, or a CloudFormation token in a template). */
export function backupsBucketName(plan: Plan, account: string): string {
  const bucket = serviceOf(plan, 's3').buckets.find((candidate) => candidate.purpose === 'backups');
  if (!bucket) throw new Error('the plan has no backups bucket');
  return nameInAccount(bucket.bucketName, account);
}

export interface BackupRun {
  /** The account the environment is in: an id, or `AWS::AccountId` as a token in a template. */
  readonly account: string;
  /** The backup's id (`gitlab-aws backup create`); absent on the schedule, where the script makes one. */
  readonly backupId?: string;
  /** Whether the run puts the failure metric (the scheduled run, which nobody watches). */
  readonly reportsOutcome: boolean;
}

const SCRIPT = 'create-backup.sh';

/** The script file, found next to this module (src under tests, dist when built). */
export function readBackupScript(): string {
  return readFileSync(new URL(`./backup/scripts/${SCRIPT}`, import.meta.url), 'utf8');
}

/** The command lines SSM runs: the shebang, the header with this run's values, the script's body. */
export function createBackupCommands(plan: Plan, run: BackupRun): string[] {
  const { failureMetric, repositoriesServerSide, archives } = plan.scheduledBackup;
  const values = {
    BACKUP_ID: run.backupId ?? '',
    // `remote`: gitlab.rb's backup_upload_connection would have gitlab-backup upload the archive
    // itself (to the bucket's root), and the script uploads it under the Plan's prefix: once is enough.
    SKIP_COMPONENTS: [...objectStorageSkipList(plan), 'remote'].join(','),
    REPOSITORIES_SERVER_SIDE: String(repositoriesServerSide),
    BACKUP_DIR: LOCAL_BACKUP_DIR,
    BACKUP_URL: `s3://${backupsBucketName(plan, run.account)}/${archives.prefix}`,
    ARCHIVE_SUFFIX: archives.archiveSuffix,
    SECRETS_FILE,
    SECRETS_SUFFIX: archives.secretsSuffix,
    GITLAB_VERSION_FILE,
    FAILURE_METRIC_NAMESPACE: run.reportsOutcome ? failureMetric.namespace : '',
    FAILURE_METRIC_NAME: failureMetric.name,
  };
  return withoutComments(withHeader(readBackupScript(), values))
    .split('\n')
    .filter((line) => line.trim() !== '');
}
