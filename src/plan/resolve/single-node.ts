/**
 * The 1k node: one EC2 instance running the whole Linux package (Rails, Sidekiq, Gitaly, the bundled
 * PostgreSQL and Redis, Prometheus), as GitLab's 1k page and AWS install guide run it.
 *
 * Everything the package keeps lives under /var/opt/gitlab (repositories, PostgreSQL's and Redis's
 * data, Prometheus), so that directory is the mount point of one encrypted EBS volume that outlives
 * the instance: replacing the instance (a new image or instance type) moves the volume across, as a
 * Gitaly node's does. Its size is the spec's repository size plus its database size: on one node
 * GitLab asks for the sum of each component's storage (skratsch-solutions/gitlabhq
 * 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4, doc/install/requirements.md, "Storage"). Gitaly's
 * repositories are on it, so it gets Gitaly's IOPS.
 */

import { catalogRole } from '../../catalog/index.js';
import type { PlanNode, VolumePlan } from '../types.js';
import type { BuildContext } from './context.js';
import { gitalyVolumeIops } from './gitaly.js';
import { chooseInstanceType } from './machines.js';
import { rootVolume, spread } from './nodes.js';
import { processBudget } from './process-budget.js';

/** Where the single node keeps all of GitLab's data: the Linux package's data directory. */
export const GITLAB_DATA_MOUNT_POINT = '/var/opt/gitlab';
/** Device name the data volume attaches as (Nitro instances expose it as NVMe). */
export const GITLAB_DATA_DEVICE = '/dev/sdf';

/** Whether the size's page runs all of GitLab on one node (1k). */
export function runsOnOneNode(context: Pick<BuildContext, 'reference'>): boolean {
  return catalogRole(context.reference, 'gitlab') !== undefined;
}

/** The single node, or nothing when the page has none. */
export function planSingleNode(context: BuildContext): PlanNode[] {
  const { spec } = context;
  const role = catalogRole(context.reference, 'gitlab');
  if (!role) return [];
  const iops = gitalyVolumeIops(spec.gitaly.volumeType, spec.gitaly.iops);
  const dataVolume: VolumePlan = {
    purpose: 'gitlab-data',
    deviceName: GITLAB_DATA_DEVICE,
    mountPoint: GITLAB_DATA_MOUNT_POINT,
    sizeGiB: spec.gitaly.volumeGiB + spec.database.storageGiB,
    type: spec.gitaly.volumeType,
    ...(iops !== undefined ? { iops } : {}),
    ...(spec.gitaly.throughputMiBps !== undefined ? { throughputMiBps: spec.gitaly.throughputMiBps } : {}),
    retainOnDelete: true,
  };
  return spread(context, 'gitlab', role.nodes, chooseInstanceType(spec, role), role, () => ({})).map(
    (node) => ({
      ...node,
      gitalyStorage: 'default',
      volumes: [rootVolume('gitlab'), dataVolume],
      processBudget: processBudget(node.vcpu, node.memoryGiB, true),
    }),
  );
}
