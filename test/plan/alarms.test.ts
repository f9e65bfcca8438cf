/**
 * The alarm census, counted from the Plan's own nodes, groups and services: two per auto scaling
 * group that can grow, one per fixed instance, one 5xx rate for the web tier, two for RDS, one per
 * ElastiCache member and one per load balancer target group.
 */
import { describe, expect, it } from 'vitest';
import type { AlarmPlan, Plan } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';

const subjectsOf = (alarms: readonly AlarmPlan[], action: AlarmPlan['action']) =>
  alarms.filter((alarm) => alarm.action === action).map((alarm) => alarm.subject);

/** Every id an alarm may name: nodes, groups, services and their members. */
function planIds(plan: Plan): Set<string> {
  return new Set([
    ...plan.nodes.map((node) => node.id),
    ...plan.autoScalingGroups.map((group) => group.id),
    ...plan.services.map((service) => service.id),
    ...plan.services.flatMap((service) =>
      service.kind === 'rds' || service.kind === 'elasticache'
        ? service.members.map((member) => member.id)
        : [],
    ),
  ]);
}

describe('plan.alarms', () => {
  const cases = [
    ...allPlans().map(({ combination, plan }) => ({
      name: `${combination.size} ${combination.type} ${combination.availabilityZones} AZs`,
      plan,
    })),
    {
      name: '3k with bastions',
      plan: planFor({ architecture: { size: '3k' }, access: { admin: 'bastion' } }),
    },
  ];

  it.each(cases)('$name: one census, from the Plan', ({ plan }) => {
    const growable = plan.autoScalingGroups.filter((group) => group.maxCapacity > group.minCapacity);
    const fixed = plan.nodes.filter((node) => node.autoScalingGroup === undefined);
    const web = plan.autoScalingGroups.filter((group) => group.targetGroups.includes('http'));
    const rds = plan.services.filter((service) => service.kind === 'rds');
    const cacheMembers = plan.services.flatMap((service) =>
      service.kind === 'elasticache' ? service.members : [],
    );
    const targetGroups = plan.services.flatMap((service) =>
      service.kind === 'nlb' ? [...new Set(service.listeners.map((listener) => listener.targetPort))] : [],
    );
    expect(subjectsOf(plan.alarms, 'scale-out')).toEqual(growable.map((group) => group.id));
    expect(subjectsOf(plan.alarms, 'scale-in')).toEqual(growable.map((group) => group.id));
    expect(subjectsOf(plan.alarms, 'recover-instance')).toEqual(fixed.map((node) => node.id));
    expect(plan.alarms.filter((alarm) => alarm.id.endsWith('-memory')).map((alarm) => alarm.subject)).toEqual(
      cacheMembers.map((member) => member.id),
    );
    expect(plan.alarms.filter((alarm) => alarm.id.includes('-unhealthy-targets-'))).toHaveLength(
      targetGroups.length,
    );
    expect(plan.alarms).toHaveLength(
      2 * growable.length +
        fixed.length +
        Math.min(web.length, 1) +
        2 * rds.length +
        cacheMembers.length +
        targetGroups.length,
    );
    expect(new Set(plan.alarms.map((alarm) => alarm.id)).size).toBe(plan.alarms.length);
    const ids = planIds(plan);
    for (const alarm of plan.alarms) {
      expect(alarm.id.startsWith(`${alarm.subject}-`), alarm.id).toBe(true);
      expect(ids.has(alarm.subject), alarm.id).toBe(true);
      for (const dimension of alarm.metric.dimensions)
        expect(ids.has(dimension.subject), alarm.id).toBe(true);
    }
  });

  it('scales each growable group at its own CPU thresholds', () => {
    const plan = planFor({ architecture: { size: '10k' } });
    for (const group of plan.autoScalingGroups) {
      const high = plan.alarms.find((alarm) => alarm.id === `${group.id}-cpu-high`);
      const low = plan.alarms.find((alarm) => alarm.id === `${group.id}-cpu-low`);
      expect(high).toMatchObject({
        threshold: group.scaling.scaleOutCpuPercent,
        comparison: 'greater-than-or-equal',
      });
      expect(low).toMatchObject({
        threshold: group.scaling.scaleInCpuPercent,
        comparison: 'less-than-or-equal',
      });
    }
  });

  it('gives a group pinned at one size no scaling alarms', () => {
    const plan = planFor({ architecture: { size: '1k' } });
    const pinned = plan.autoScalingGroups.filter((group) => group.maxCapacity === group.minCapacity);
    expect(pinned.length).toBeGreaterThan(0);
    for (const group of pinned) {
      const scaling = plan.alarms.filter(
        (alarm) =>
          alarm.subject === group.id && (alarm.action === 'scale-out' || alarm.action === 'scale-in'),
      );
      expect(scaling).toEqual([]);
    }
  });

  it('sets the free-storage threshold at 10 % of the allocated storage, in bytes', () => {
    const plan = planFor({ database: { storageGiB: 500 } });
    expect(plan.alarms.find((alarm) => alarm.id === 'postgres-free-storage')?.threshold).toBe(
      500 * 1024 ** 3 * 0.1,
    );
  });
});
