/**
 * The backup node of a multi-node Linux package environment (2k and up): the one fixed node that
 * runs `gitlab-backup`, which GitLab asks to run on a persistent node, not auto scaled, with the
 * Rails application and room for the archive (src/catalog/backup-node.ts has the sources). The
 * Rails and Sidekiq groups are auto scaled and their members are replaced at will, so neither
 * qualifies; the 1k node runs its own backup, and Cloud Native Hybrid runs it in the chart's toolbox.
 *
 * - Machine: the catalog's backup node (the size page's Sidekiq machine), in the first AZ: it serves
 *   nothing, so a second AZ would buy nothing; EC2 auto recovery and a new instance bring it back.
 * - Traffic: none. It is no member of a load balancer target group and of no auto scaling group.
 * - Archive staging: a gp3 data volume mounted where `gitlab-backup` writes (`backup_path`), sized
 *   by `archiveStagingGiB`. It holds nothing between runs: the script uploads each archive to the
 *   backups bucket and deletes it. So it is not retained and not snapshotted; it goes with the
 *   instance, unlike the Gitaly and 1k data volumes (src/plan/deletion.ts lists none for it).
 */
import { backupNodeRole } from '../../catalog/backup-node.js';
import type { PlanNode, VolumePlan } from '../types.js';
import type { BuildContext } from './context.js';
import { hasGitalyServers } from './gitaly.js';
import { chooseInstanceType } from './machines.js';
import { rootVolume, spread } from './nodes.js';

/** Where `gitlab-backup` stages and writes its archives on the backup node: `backup_path`'s default, on the staging volume. */
export const BACKUP_STAGING_MOUNT_POINT = '/var/opt/gitlab/backups';
/** Device name the staging volume attaches as (Nitro instances expose it as NVMe). */
export const BACKUP_STAGING_DEVICE = '/dev/sdf';

/**
 * The staging volume's size: the archive's content must fit, and `tar` copies the compressed dump into
 * the archive before it deletes the staging copy. The database's allocated storage bounds the dump:
 * `pg_dump` writes rows without indexes or free space, and gzip at least halves SQL text, so both
 * copies fit in it. Repositories add their whole size unless each Gitaly node streams them to the
 * bucket itself (server-side backups, which every Plan with Gitaly servers uses).
 */
export function archiveStagingGiB(
  databaseGiB: number,
  repositoriesGiB: number,
  repositoriesServerSide: boolean,
): number {
  return databaseGiB + (repositoriesServerSide ? 0 : repositoriesGiB);
}

/** Room a restore needs, as a multiple of the archive: the archive, and its contents unpacked beside it. */
export const RESTORE_DISK_FACTOR = 2;

/** The largest gp3 volume, GiB. */
export const GP3_MAX_GIB = 16_384;

/**
 * Room to make a backup and to restore one in the same place (Cloud Native Hybrid's toolbox pod):
 * the archive bounded as the staging volume's, twice for the restore, within gp3's largest volume.
 */
export function restoreScratchGiB(
  databaseGiB: number,
  repositoriesGiB: number,
  repositoriesServerSide: boolean,
): number {
  return Math.min(
    GP3_MAX_GIB,
    RESTORE_DISK_FACTOR * archiveStagingGiB(databaseGiB, repositoriesGiB, repositoriesServerSide),
  );
}

/** Whether the Plan has a backup node: a Linux package size from 2k up. */
export function hasBackupNode(context: Pick<BuildContext, 'reference'>): boolean {
  return backupNodeRole(context.reference) !== undefined;
}

export function planBackupNode(context: BuildContext): PlanNode[] {
  const role = backupNodeRole(context.reference);
  if (!role) return [];
  const { spec } = context;
  const staging: VolumePlan = {
    purpose: 'backup-staging',
    deviceName: BACKUP_STAGING_DEVICE,
    mountPoint: BACKUP_STAGING_MOUNT_POINT,
    sizeGiB: archiveStagingGiB(spec.database.storageGiB, spec.gitaly.volumeGiB, hasGitalyServers(context)),
    type: 'gp3',
    // Scratch space: each archive leaves for the backups bucket and is deleted after every run.
    retainOnDelete: false,
  };
  return spread(context, 'backup', role.nodes, chooseInstanceType(spec, role), role, () => ({
    volumes: [rootVolume('backup'), staging],
  }));
}
