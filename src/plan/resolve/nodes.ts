/** Fixed nodes of a role, spread over the AZs, and the root volume every node boots from. */
import type { CatalogRole, RoleId } from '../../catalog/types.js';
import type { PlanNode, VolumePlan } from '../types.js';
import type { BuildContext } from './context.js';
import { archOf, sizeOf } from './machines.js';

/** Root volume sizes: the Linux package, logs and caches need room on Rails and Sidekiq. */
const ROOT_VOLUME_GIB: Partial<Record<RoleId, number>> = {
  rails: 100,
  sidekiq: 100,
  gitlab: 100,
  monitoring: 100,
  backup: 100,
};
const DEFAULT_ROOT_VOLUME_GIB = 50;

export function rootVolume(role: RoleId): VolumePlan {
  return {
    purpose: 'root',
    deviceName: '/dev/sda1',
    sizeGiB: ROOT_VOLUME_GIB[role] ?? DEFAULT_ROOT_VOLUME_GIB,
    type: 'gp3',
    retainOnDelete: false,
  };
}

/** `count` named nodes of a role in private subnets, round-robin over the AZs. */
export function spread(
  context: BuildContext,
  role: RoleId,
  count: number,
  instanceType: string,
  catalogRole: CatalogRole,
  extra: (index: number) => Partial<PlanNode>,
): PlanNode[] {
  return Array.from({ length: count }, (_, index) => {
    const id = `${role}-${index + 1}`;
    return {
      id,
      role,
      instanceType,
      arch: archOf(instanceType),
      ...sizeOf(instanceType, catalogRole),
      availabilityZone: context.availabilityZones[index % context.availabilityZones.length]!,
      subnet: 'private' as const,
      privateDnsName: `${id}.${context.privateDnsZone}`,
      volumes: [rootVolume(role)],
      ...extra(index),
    };
  });
}
