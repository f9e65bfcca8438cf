import type { Plan } from '../../src/plan/types.js';

/**
 * What a template's shape depends on beyond counts and instance types: the architecture type, which
 * roles run where, and which data services exist. Sizes of one structure synthesize the same
 * resources, so tests that need a synthesis per shape take one plan of each.
 */
export function structureOf(plan: Plan): string {
  const sorted = (values: readonly string[]) => [...new Set(values)].sort().join(',');
  return [
    plan.spec.architecture.type,
    `fixed ${sorted(plan.nodes.filter((node) => !node.autoScalingGroup).map((node) => node.role))}`,
    `groups ${sorted(plan.autoScalingGroups.map((group) => group.role))}`,
    `services ${plan.services
      .map((service) =>
        service.kind === 'rds'
          ? `rds${service.members.some((member) => member.role === 'read-replica') ? '+replicas' : ''}`
          : service.kind,
      )
      .sort()
      .join(',')}`,
  ].join(' | ');
}
