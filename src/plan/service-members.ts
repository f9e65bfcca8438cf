/**
 * The members of each RDS and ElastiCache service and the AZ each runs in, as far as CloudFormation
 * lets the templates say it:
 *
 * - A Multi-AZ RDS DB instance takes no AvailabilityZone (CloudFormation refuses one with MultiAZ):
 *   AWS places the primary and the synchronous standby in two different AZs and may swap them on
 *   failover. Both are `chosen-by-aws`.
 * - Read replicas do take one: replica n is pinned to the AZ after the first n, round the list,
 *   so reads survive the loss of an AZ.
 * - An ElastiCache replication group takes PreferredCacheClusterAZs, one per cache cluster in
 *   order: the primary (`-001`) in the first AZ, each replica in the next one round the list.
 */
import type { ElastiCacheService, PlanService, RdsService, ServiceMemberPlan } from './types.js';

/** A managed service as resolved, before its members are added. */
export type MemberlessService =
  | Exclude<PlanService, RdsService | ElastiCacheService>
  | Omit<RdsService, 'members'>
  | Omit<ElastiCacheService, 'members'>;

function zoneAt(availabilityZones: readonly string[], index: number): string {
  return availabilityZones[index % availabilityZones.length]!;
}

/** The primary, the standby (Multi-AZ) and each read replica of an RDS service. */
export function databaseMembers(
  service: Omit<RdsService, 'members'>,
  availabilityZones: readonly string[],
): ServiceMemberPlan[] {
  return [
    { id: `${service.id}-primary`, role: 'primary', placement: 'chosen-by-aws' },
    ...(service.multiAz
      ? [{ id: `${service.id}-standby`, role: 'standby' as const, placement: 'chosen-by-aws' as const }]
      : []),
    ...Array.from({ length: service.readReplicas }, (_, index) => ({
      id: `${service.id}-read-replica-${index + 1}`,
      role: 'read-replica' as const,
      availabilityZone: zoneAt(availabilityZones, index + 1),
      placement: 'pinned' as const,
    })),
  ];
}

/** The primary and replicas of an ElastiCache replication group, numbered as its cache clusters are. */
export function cacheMembers(
  service: Omit<ElastiCacheService, 'members'>,
  availabilityZones: readonly string[],
): ServiceMemberPlan[] {
  return Array.from({ length: service.replicas + 1 }, (_, index) => ({
    id: `${service.id}-${String(index + 1).padStart(3, '0')}`,
    role: index === 0 ? ('primary' as const) : ('replica' as const),
    availabilityZone: zoneAt(availabilityZones, index),
    placement: 'pinned' as const,
  }));
}

/** The services with the members of every RDS and ElastiCache service added. */
export function withMembers(
  services: readonly MemberlessService[],
  availabilityZones: readonly string[],
): PlanService[] {
  return services.map((service): PlanService => {
    if (service.kind === 'rds') return { ...service, members: databaseMembers(service, availabilityZones) };
    if (service.kind === 'elasticache')
      return { ...service, members: cacheMembers(service, availabilityZones) };
    return service;
  });
}
