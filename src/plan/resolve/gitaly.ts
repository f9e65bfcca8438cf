/** Gitaly: one server (storage `default`), or the 3 or more Gitaly nodes of a Gitaly Cluster. */
import { GITALY_DISK_IOPS } from '../../catalog/gitlab-requirements.js';
import { catalogRole } from '../../catalog/index.js';
import type { PlanNode, VolumePlan } from '../types.js';
import { type BuildContext, documentedRole } from './context.js';
import { chooseInstanceType } from './machines.js';
import { rootVolume, spread } from './nodes.js';

/** Where Gitaly keeps repositories on its data volume. */
export const GIT_DATA_MOUNT_POINT = '/var/opt/gitlab/git-data';
/** Device name the Gitaly data volume attaches as (Nitro instances expose it as NVMe). */
export const GIT_DATA_DEVICE = '/dev/sdf';

/**
 * IOPS of a Gitaly data volume: what the spec asks for, else, on gp3, GitLab's requirement. An EBS
 * volume's IOPS serve reads and writes alike, so meeting the 8,000 read IOPS meets the 2,000 write
 * IOPS too; gp3's 3,000 baseline meets neither, so the Plan provisions the difference (billed per
 * IOPS-month above 3,000). The requirement is the same for every architecture size: GitLab gives
 * it per Gitaly storage, and every size runs one storage per Gitaly node. Throughput stays at gp3's
 * 125 MiB/s baseline unless the spec raises it (gitaly.throughputMiBps): 8,000 operations of 16 KiB
 * fit in 125 MiB/s, and GitLab states no throughput requirement; large sequential reads such as
 * clones of big repositories are what more throughput buys. io1/io2 volumes take their IOPS from
 * the spec (the GLA-STORAGE-IOPS check asks for them).
 */
export function gitalyVolumeIops(
  type: VolumePlan['type'],
  requested: number | undefined,
): number | undefined {
  if (requested !== undefined) return requested;
  return type === 'gp3' ? GITALY_DISK_IOPS.read : undefined;
}

/** In a cluster, one physical storage per Gitaly node behind Praefect's virtual storage `default`. */
/** Whether the Plan has Gitaly servers of their own: all but the 1k node, which runs Gitaly itself (see single-node.ts). */
export function hasGitalyServers(context: Pick<BuildContext, 'reference'>): boolean {
  return !catalogRole(context.reference, 'gitlab');
}

export function planGitalyNodes(context: BuildContext): PlanNode[] {
  const { spec, gitalyMode } = context;
  if (!hasGitalyServers(context)) return [];
  const gitalyRole = documentedRole(context, 'gitaly');
  const gitalyType = chooseInstanceType(spec, gitalyRole);
  const gitalyCount = gitalyMode === 'cluster' ? (spec.gitaly.nodes ?? Math.max(gitalyRole.nodes, 3)) : 1;
  const iops = gitalyVolumeIops(spec.gitaly.volumeType, spec.gitaly.iops);
  const dataVolume: VolumePlan = {
    purpose: 'git-data',
    deviceName: GIT_DATA_DEVICE,
    mountPoint: GIT_DATA_MOUNT_POINT,
    sizeGiB: spec.gitaly.volumeGiB,
    type: spec.gitaly.volumeType,
    ...(iops !== undefined ? { iops } : {}),
    ...(spec.gitaly.throughputMiBps !== undefined ? { throughputMiBps: spec.gitaly.throughputMiBps } : {}),
    retainOnDelete: true,
  };
  return spread(context, 'gitaly', gitalyCount, gitalyType, gitalyRole, (index) => ({
    gitalyStorage: gitalyMode === 'cluster' ? `gitaly-${index + 1}` : 'default',
    volumes: [rootVolume('gitaly'), dataVolume],
  }));
}
