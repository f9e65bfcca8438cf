/**
 * The scheduled `gitlab-backup`: where it runs, when, what it leaves to Gitaly, and how a failure
 * is noticed. Decided here once; infra schedules it, config renders its script, report shows it.
 *
 * - Where: GitLab's backup command must run on a node that is persistent (not auto scaled), has the
 *   Rails code installed and has room for the archive ("Backup command",
 *   doc/administration/backup_restore/backup_gitlab.md, skratsch-solutions/gitlabhq
 *   0c6669526da9d644449ab36d4ec3a681976387e6). The members of Rails and Sidekiq auto scaling
 *   groups are none of these; the 1k node is all three (its data volume holds the bundled database
 *   the dump is made from), and from 2k the Linux package Plans have a backup node for it
 *   (src/plan/resolve/backup-node.ts). Cloud Native Hybrid has neither: the chart's toolbox runs
 *   its backups, so it gets no scheduled run here (`runner` absent) and keeps the AWS Backup
 *   snapshots and S3 versioning.
 * - When: the spec's `backups.schedule` is AWS Backup's, which starts the RDS and volume snapshots
 *   within its start window (8 hours unless set; AWS Backup Developer Guide, "Backup plan options",
 *   docs.aws.amazon.com/aws-backup/latest/devguide/plan-options-and-configuration.html).
 *   `gitlab-backup` runs half a day away from it, on the same day: later when the snapshots start
 *   before noon, earlier when they start after. The two never load the database and Gitaly at once,
 *   and a weekly or monthly schedule keeps its day.
 * - Repositories: with Gitaly servers, each Gitaly node streams the repositories it hosts to the
 *   backups bucket itself (`REPOSITORIES_SERVER_SIDE=true`), the documented way for Gitaly Cluster,
 *   whose volume snapshots GitLab does not support restoring ("Create server-side repository
 *   backups", same page and commit). The 1k node's Gitaly is local: the archive holds them.
 * - Failure: the script puts a metric after every scheduled run (1 failed, 0 succeeded), and an
 *   alarm notifies the alarm topic on a failure.
 * - Where the archives are kept: one place per Plan, which `backup create`, the schedule, `backup
 *   list` and `restore` all read. The Linux package's script uploads each archive and its
 *   gitlab-secrets.json under `gitlab-backup/`. The chart's `backup-utility` (the toolbox's CronJob
 *   and `backup create`) writes `<id>_gitlab_backup.tar` to the root of the bucket it is given
 *   (`global.appConfig.backups.bucket`) and restores `-t <id>` from there: the chart documents no
 *   prefix for it ("Create the backup": the tarball lands in the backups bucket as
 *   `<timestamp>_gitlab_backup.tar`, doc/backup-restore/backup.md; `--restore -t <backup_ID>` reads
 *   the tarball of that name from the bucket, doc/backup-restore/restore.md;
 *   integratop/gitlab-org-charts-mirror 60eb4910b126bde0dd70f1859a476a8bd9b86cff and
 *   41ac50109aea616c4604b94b261c2d9aca257f71). So a hybrid Plan keeps its archives, and the Rails
 *   secrets saved beside them, at the root.
 */
import type { AlarmPlan, BackupArchivesPlan, Plan, ScheduledBackupPlan } from './types.js';

/** Where the Linux package's backup script keeps archives and their secrets in the backups bucket. */
export const BACKUP_PREFIX = 'gitlab-backup/';
/** The name `gitlab-backup` and `backup-utility` give an archive after its id. */
export const BACKUP_ARCHIVE_SUFFIX = '_gitlab_backup.tar';
/** The name the secrets saved with a Linux package backup get after its id: `<backup id>_gitlab-secrets.json`. */
export const BACKUP_SECRETS_SUFFIX = '_gitlab-secrets.json';
/** The name the chart's Rails secrets saved with a backup get after its id, beside `<id>_gitlab_backup.tar`. */
export const RAILS_SECRETS_SUFFIX = '_rails-secrets.yml';

/** Hours between the snapshots' start and `gitlab-backup`'s: half a day, more than AWS Backup's 8-hour start window. */
export const BACKUP_OFFSET_HOURS = 12;

/** The longest a scheduled run may take before SSM stops it. */
export const SCHEDULED_BACKUP_TIMEOUT_SECONDS = 8 * 3600;

/** Name of the metric the scheduled script puts after each run. */
export const BACKUP_FAILED_METRIC = 'ScheduledBackupFailed';

/** What the decision reads. */
export type ScheduledBackupInputs = Pick<Plan, 'spec' | 'nodes' | 'deployNodes'>;

/** Where a Plan's backups are kept in the backups bucket: the chart's at the root, the Linux package's under `gitlab-backup/`. */
export function backupArchives(plan: Pick<Plan, 'spec'>): BackupArchivesPlan {
  return plan.spec.architecture.type === 'cloud-native-hybrid'
    ? { prefix: '', archiveSuffix: BACKUP_ARCHIVE_SUFFIX, secretsSuffix: RAILS_SECRETS_SUFFIX }
    : { prefix: BACKUP_PREFIX, archiveSuffix: BACKUP_ARCHIVE_SUFFIX, secretsSuffix: BACKUP_SECRETS_SUFFIX };
}

/** The six fields of an AWS cron expression (`cron(m h dom mon dow year)`), in that order. */
export function cronFields(schedule: string): [string, string, string, string, string, string] {
  const fields = schedule
    .replace(/^cron\(|\)$/g, '')
    .trim()
    .split(/\s+/);
  if (fields.length !== 6) throw new Error(`not a six-field cron expression: ${schedule}`);
  return fields as [string, string, string, string, string, string];
}

/**
 * The spec's cron expression moved `BACKUP_OFFSET_HOURS` within its day: the hour field is one
 * number for a daily, weekly or monthly schedule; a schedule of several hours a day (a list, a
 * range, a step or `*`) runs `gitlab-backup` once a day, `BACKUP_OFFSET_HOURS` after midnight's run.
 */
export function offsetSchedule(schedule: string): { schedule: string; offsetHours: number } {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = cronFields(schedule);
  const hour = /^\d{1,2}$/.test(hours) ? Number(hours) : 0;
  const offsetHours = hour < BACKUP_OFFSET_HOURS ? BACKUP_OFFSET_HOURS : -BACKUP_OFFSET_HOURS;
  const moved = [minutes, String(hour + offsetHours), dayOfMonth, month, dayOfWeek, year];
  return { schedule: `cron(${moved.join(' ')})`, offsetHours };
}

export function planScheduledBackup(plan: ScheduledBackupInputs): ScheduledBackupPlan {
  const runner =
    plan.deployNodes.singleNode ??
    plan.nodes.find((node) => node.role === 'backup' && !node.autoScalingGroup)?.id;
  const { schedule, offsetHours } = offsetSchedule(plan.spec.backups.schedule);
  return {
    ...(runner ? { runner } : {}),
    snapshotSchedule: plan.spec.backups.schedule,
    schedule,
    offsetHours,
    repositoriesServerSide: plan.nodes.some((node) => node.role === 'gitaly'),
    failureMetric: { namespace: `gitlab-aws/${plan.spec.name}`, name: BACKUP_FAILED_METRIC },
    timeoutSeconds: SCHEDULED_BACKUP_TIMEOUT_SECONDS,
    archives: backupArchives(plan),
  };
}

/** The alarm on a failed scheduled run; none without a runner. */
export function scheduledBackupAlarms(backup: ScheduledBackupPlan): AlarmPlan[] {
  if (!backup.runner) return [];
  return [
    {
      id: `${backup.runner}-scheduled-backup-failed`,
      subject: backup.runner,
      role: 'backup',
      metric: {
        namespace: backup.failureMetric.namespace,
        name: backup.failureMetric.name,
        statistic: 'Maximum',
        periodSeconds: 3600,
        dimensions: [],
      },
      comparison: 'greater-than-or-equal',
      threshold: 1,
      evaluationPeriods: 1,
      // Between runs there is no data, which is no failure.
      treatMissingData: 'not-breaching',
      action: 'notify',
      why: 'the scheduled gitlab-backup failed: its archive, or the gitlab-secrets.json saved with it, is missing from the backups bucket',
    },
  ];
}
