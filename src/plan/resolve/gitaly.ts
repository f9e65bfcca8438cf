/** Gitaly: one server (storage `default`), or the 3 or more Gitaly nodes of a Gitaly Cluster. */
import type { PlanNode, VolumePlan } from '../types.js';
import { type BuildContext, documentedRole } from './context.js';
import { chooseInstanceType } from './machines.js';
import { rootVolume, spread } from './nodes.js';

/** Where Gitaly keeps repositories on its data volume. */
export const GIT_DATA_MOUNT_POINT = '/var/opt/gitlab/git-data';
/** Device name the Gitaly data volume attaches as (Nitro instances expose it as NVMe). */
export const GIT_DATA_DEVICE = '/dev/sdf';

/** In a cluster, one physical storage per Gitaly node behind Praefect's virtual storage `default`. */
export function planGitalyNodes(context: BuildContext): PlanNode[] {
  const { spec, gitalyMode } = context;
  const gitalyRole = documentedRole(context, 'gitaly');
  const gitalyType = chooseInstanceType(spec, gitalyRole);
  const gitalyCount = gitalyMode === 'cluster' ? (spec.gitaly.nodes ?? Math.max(gitalyRole.nodes, 3)) : 1;
  const dataVolume: VolumePlan = {
    purpose: 'git-data',
    deviceName: GIT_DATA_DEVICE,
    mountPoint: GIT_DATA_MOUNT_POINT,
    sizeGiB: spec.gitaly.volumeGiB,
    type: spec.gitaly.volumeType,
    ...(spec.gitaly.iops !== undefined ? { iops: spec.gitaly.iops } : {}),
    ...(spec.gitaly.throughputMiBps !== undefined ? { throughputMiBps: spec.gitaly.throughputMiBps } : {}),
    retainOnDelete: true,
  };
  return spread(context, 'gitaly', gitalyCount, gitalyType, gitalyRole, (index) => ({
    gitalyStorage: gitalyMode === 'cluster' ? `gitaly-${index + 1}` : 'default',
    volumes: [rootVolume('gitaly'), dataVolume],
  }));
}
