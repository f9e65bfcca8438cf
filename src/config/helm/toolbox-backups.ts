/**
 * The chart's scheduled backup: the toolbox's backup CronJob, run on the Plan's schedule for
 * `gitlab-backup` (src/plan/scheduled-backup.ts: half a day from the AWS Backup snapshots), with
 * what `backup-utility` skips, where it writes and how much room it has. `gitlab-aws backup create`
 * and `restore` pass the same arguments, so a scheduled archive and an on-demand one are alike.
 *
 * - What: the database and, with Gitaly servers, the repositories streamed by each Gitaly node to
 *   the backups bucket (`--repositories-server-side`). The object types live in S3, versioned and in
 *   AWS Backup, and are skipped like the Linux package backup skips them (SKIP=, src/config/backup.ts),
 *   so the toolbox's role reaches the backups bucket and no other (src/infra/gitlab-chart.ts).
 * - How: `--s3tool awscli`, which takes the pod's IAM role (IRSA) the way the SDKs do, and avoids
 *   s3cmd's failures with S3 artifact storage the chart's documentation names.
 * - Room: the archive is built on a generic ephemeral volume, which exists only while a backup runs
 *   and is billed only then: twice the most the database may grow to (the dump, and the tar of it).
 *   The toolbox pod itself, where `backup create` makes an archive and `restore` unpacks one, keeps
 *   its temporary files on a persistent volume of the Plan's size (`toolboxVolume`, decided in
 *   src/plan/resolve/kubernetes.ts) instead of the node's root volume. Both come from one
 *   StorageClass that lets a volume grow: a larger Plan resizes the toolbox's claim in place.
 *
 * Sources: `gitlab.toolbox.backups.cron.*` and `backup-utility`'s arguments
 * (doc/backup-restore/backup.md, integratop/gitlab-org-charts-mirror
 * 0ec841807491ee18a9141765a2f83614e7e2b394; `charts/gitlab/charts/toolbox/values.yaml` and
 * `templates/backup-job.yaml` of chart 9.9.1 for `timeZone` and `persistence`), and
 * `--repositories-server-side` with cron-based backups (doc/administration/backup_restore/backup_gitlab.md,
 * "Create server-side repository backups", skratsch-solutions/gitlabhq
 * 0c6669526da9d644449ab36d4ec3a681976387e6).
 */
import { serviceOf, servicesOf } from '../../plan/query.js';
import { GP3_MAX_GIB } from '../../plan/resolve/backup-node.js';
import { cronFields } from '../../plan/scheduled-backup.js';
import type { Plan, RdsService } from '../../plan/types.js';
import { objectStorageSkipList } from '../backup.js';
import type { Values } from './types.js';

/** StorageClass of the backup's volume: gp3 and encrypted (an EKS cluster has no default class). */
export const TOOLBOX_BACKUP_STORAGE_CLASS = 'gitlab-toolbox-backup';

/**
 * An EventBridge cron expression (six fields, UTC) as a Kubernetes schedule (five): `?` becomes
 * `*`, days of the week count from 0 (Sunday is 1 in EventBridge), and the year must be `*`.
 * EventBridge's `L`, `W` and `#` have no Kubernetes form and are refused.
 */
export function kubernetesSchedule(schedule: string): string {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = cronFields(schedule);
  if (year !== '*') throw new Error(`a Kubernetes CronJob cannot run in given years only: ${schedule}`);
  if (/[LW#]/.test(`${dayOfMonth} ${dayOfWeek}`.replace(/[A-Z]{3}/g, ''))) {
    throw new Error(`a Kubernetes CronJob has no L, W or #: ${schedule}`);
  }
  const any = (field: string) => (field === '?' ? '*' : field);
  // Day numbers move down by one; a step (`/2`) is a count, not a day, and stays.
  const weekday = any(dayOfWeek).replace(
    /(^|[,-])(\d+)/g,
    (_, before: string, day: string) => `${before}${Number(day) - 1}`,
  );
  return [minutes, hours, any(dayOfMonth), month, weekday].join(' ');
}

/** `backup-utility`'s arguments: the S3 tool, the skipped components, server-side repositories. */
export function backupUtilityArgs(plan: Plan): string[] {
  const skipped = objectStorageSkipList(plan);
  return [
    '--s3tool',
    'awscli',
    ...(skipped.length > 0 ? ['--skip', skipped.join(',')] : []),
    ...(plan.scheduledBackup.repositoriesServerSide ? ['--repositories-server-side'] : []),
  ];
}

/** Room for one backup: twice the most GitLab's database may grow to, within gp3's largest volume. */
export function toolboxBackupVolumeGiB(plan: Pick<Plan, 'services'>): number {
  const database = servicesOf<RdsService>(plan, 'rds').find((service) => service.role === 'postgres');
  if (!database) throw new Error("the Plan has no RDS database for the toolbox's backups");
  return Math.min(GP3_MAX_GIB, 2 * database.maxStorageGiB);
}

export function toolboxBackupValues(plan: Plan): Values {
  const { toolboxVolume } = serviceOf(plan, 'eks');
  return {
    gitlab: {
      toolbox: {
        // Mounted on /srv/gitlab/tmp, where backup-utility makes and unpacks archives in the pod.
        persistence: {
          enabled: true,
          storageClass: TOOLBOX_BACKUP_STORAGE_CLASS,
          accessMode: 'ReadWriteOnce',
          size: `${toolboxVolume.sizeGiB}Gi`,
        },
        backups: {
          cron: {
            enabled: true,
            schedule: kubernetesSchedule(plan.scheduledBackup.schedule),
            // The Plan's schedules are UTC, like AWS Backup's.
            timeZone: 'Etc/UTC',
            // A backup still running when the next is due keeps going; the next one is skipped.
            concurrencyPolicy: 'Forbid',
            extraArgs: backupUtilityArgs(plan).join(' '),
            persistence: {
              enabled: true,
              useGenericEphemeralVolume: true,
              storageClass: TOOLBOX_BACKUP_STORAGE_CLASS,
              accessMode: 'ReadWriteOnce',
              size: `${toolboxBackupVolumeGiB(plan)}Gi`,
            },
          },
        },
      },
    },
  };
}

/** The StorageClass the backup's volume is made from, applied with the manifests before the chart. */
export function toolboxBackupManifests(): Values[] {
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: TOOLBOX_BACKUP_STORAGE_CLASS,
        labels: { 'app.kubernetes.io/managed-by': 'gitlab-aws' },
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      // Kubernetes refuses a larger size on a claim of a class that does not allow it, which would
      // fail the chart's upgrade once the Plan's toolbox volume grows.
      allowVolumeExpansion: true,
    },
  ];
}
