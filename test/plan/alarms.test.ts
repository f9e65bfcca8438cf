/**
 * The alarm census, counted from the Plan's own nodes, groups and services: two per auto scaling
 * group that can grow, one per fixed instance, one 5xx rate for the web tier, two for RDS, one per
 * ElastiCache member and one per load balancer target group.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlarmPlan, Plan } from '../../src/plan/types.js';
import { planFor, type SpecOverrides, supportedCombinations } from '../fixtures/plans.js';

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
  // Specs only while the file is collected: each Plan is resolved in its test, where a mutant of the
  // census is switched on (see stryker.config.mjs).
  const cases: { name: string; spec: SpecOverrides }[] = [
    ...supportedCombinations().map((combination) => ({
      name: `${combination.size} ${combination.type} ${combination.availabilityZones} AZs`,
      spec: {
        availabilityZones: combination.availabilityZones,
        architecture: { size: combination.size, type: combination.type },
      },
    })),
    { name: '3k with bastions', spec: { architecture: { size: '3k' }, access: { admin: 'bastion' } } },
  ];

  it.each(cases)('$name: one census, from the Plan', ({ spec }) => {
    const plan = planFor(spec);
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
    // Cloud Native Hybrid: the ALB's target groups, each watched for unhealthy pods and 5xx.
    const applicationGroups = plan.services.flatMap((service) =>
      service.kind === 'nlb'
        ? [...new Set((service.applicationLoadBalancer?.routes ?? []).map((route) => route.targetGroup))]
        : [],
    );
    expect(applicationGroups.length > 0).toBe(plan.architecture.type === 'cloud-native-hybrid');
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
        targetGroups.length +
        2 * applicationGroups.length +
        (plan.scheduledBackup.runner ? 1 : 0),
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
    const plan = planFor({ architecture: { size: '3k' }, rails: { minNodes: 3, maxNodes: 3 } });
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

describe('plan.alarms metrics', () => {
  // 10k has every kind of subject: growable groups, Gitaly and Praefect nodes, RDS with replicas,
  // two ElastiCache groups and both load balancers; bastions add more fixed nodes.
  // Built in each test, not when the file loads, so that a mutant active during the test reaches it.
  let plan: Plan;
  beforeEach(() => {
    plan = planFor({ architecture: { size: '10k' }, access: { admin: 'bastion' } });
  });
  const byAction = (action: AlarmPlan['action']) => plan.alarms.filter((alarm) => alarm.action === action);

  it('says why every alarm exists', () => {
    for (const alarm of plan.alarms) expect(alarm.why.length, alarm.id).toBeGreaterThan(10);
  });

  it('scales each group on the average CPU of that group, leaving missing data alone', () => {
    for (const alarm of [...byAction('scale-out'), ...byAction('scale-in')]) {
      const group = plan.autoScalingGroups.find((candidate) => candidate.id === alarm.subject)!;
      expect(alarm).toMatchObject({ role: group.role, treatMissingData: 'missing' });
      expect(alarm.metric).toEqual({
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        statistic: 'Average',
        periodSeconds: 60,
        dimensions: [{ name: 'AutoScalingGroupName', subject: group.id }],
      });
    }
  });

  it('recovers each fixed instance on its own failed system status check', () => {
    const recoveries = byAction('recover-instance');
    expect(recoveries.map((alarm) => alarm.role)).toContain('bastion');
    for (const alarm of recoveries) {
      const node = plan.nodes.find((candidate) => candidate.id === alarm.subject)!;
      expect(alarm).toMatchObject({
        id: `${node.id}-status-check`,
        role: node.role,
        comparison: 'greater-than-or-equal',
        threshold: 1,
        treatMissingData: 'missing',
      });
      expect(alarm.metric).toEqual({
        namespace: 'AWS/EC2',
        name: 'StatusCheckFailed_System',
        statistic: 'Maximum',
        periodSeconds: 60,
        dimensions: [{ name: 'InstanceId', subject: node.id }],
      });
    }
  });

  it('rates 5xx answers of the web tier from its own access-log metrics, quiet without traffic', () => {
    const web = plan.autoScalingGroups.find((group) => group.targetGroups.includes('http'))!;
    const alarm = plan.alarms.find((candidate) => candidate.id === `${web.id}-server-error-rate`)!;
    expect(alarm).toMatchObject({
      subject: web.id,
      role: web.role,
      action: 'notify',
      comparison: 'greater-than',
      treatMissingData: 'not-breaching',
    });
    expect(alarm.datapointsToAlarm).toBeLessThan(alarm.evaluationPeriods);
    expect(alarm.metric).toMatchObject({
      namespace: `GitLabAws/${plan.spec.name}`,
      name: 'Http5xx',
      statistic: 'Sum',
      dimensions: [],
    });
    // A share of the requests: the 5xx count over the request count.
    expect(alarm.metric.expression).toMatch(/Http5xx \/ Requests/);
  });

  it('watches the RDS primary instance, by CPU and by free storage', () => {
    const rds = plan.services.find((service) => service.kind === 'rds')!;
    const primary = rds.kind === 'rds' ? rds.members.find((member) => member.role === 'primary')! : undefined;
    const alarms = plan.alarms.filter((alarm) => alarm.subject === rds.id);
    expect(
      alarms.map((alarm) => [alarm.id, alarm.metric.name, alarm.metric.statistic, alarm.comparison]),
    ).toEqual([
      [`${rds.id}-cpu`, 'CPUUtilization', 'Average', 'greater-than'],
      [`${rds.id}-free-storage`, 'FreeStorageSpace', 'Minimum', 'less-than'],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ role: rds.role, action: 'notify', treatMissingData: 'missing' });
      expect(alarm.metric).toMatchObject({
        namespace: 'AWS/RDS',
        periodSeconds: 300,
        dimensions: [{ name: 'DBInstanceIdentifier', subject: primary!.id }],
      });
    }
  });

  it('watches the memory of each ElastiCache member by its cache cluster id', () => {
    for (const service of plan.services) {
      if (service.kind !== 'elasticache') continue;
      for (const member of service.members) {
        const alarm = plan.alarms.find((candidate) => candidate.id === `${member.id}-memory`)!;
        expect(alarm).toMatchObject({
          subject: member.id,
          role: service.role,
          action: 'notify',
          comparison: 'greater-than',
          treatMissingData: 'missing',
        });
        expect(alarm.metric).toEqual({
          namespace: 'AWS/ElastiCache',
          name: 'DatabaseMemoryUsagePercentage',
          statistic: 'Maximum',
          periodSeconds: 300,
          dimensions: [{ name: 'CacheClusterId', subject: member.id }],
        });
      }
    }
  });

  it('counts unhealthy targets per load balancer target group, by port', () => {
    const balancers = plan.services.filter((service) => service.kind === 'nlb');
    expect(balancers.length).toBe(2);
    for (const service of balancers) {
      const ports = [...new Set(service.listeners.map((listener) => listener.targetPort))];
      const alarms = plan.alarms.filter((alarm) => alarm.subject === service.id);
      expect(alarms.map((alarm) => alarm.id)).toEqual(
        ports.map((port) => `${service.id}-unhealthy-targets-${port}`),
      );
      alarms.forEach((alarm, index) => {
        expect(alarm).toMatchObject({
          role: service.role,
          action: 'notify',
          comparison: 'greater-than',
          threshold: 0,
          treatMissingData: 'not-breaching',
        });
        expect(alarm.metric).toEqual({
          namespace: 'AWS/NetworkELB',
          name: 'UnHealthyHostCount',
          statistic: 'Maximum',
          periodSeconds: 60,
          dimensions: [
            { name: 'LoadBalancer', subject: service.id },
            { name: 'TargetGroup', subject: service.id, targetPort: ports[index] },
          ],
        });
      });
    }
  });

  it('watches every ALB target group of a hybrid Plan for unhealthy pods and for answering 5xx', () => {
    const plan = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    const edge = plan.services.find((service) => service.kind === 'nlb' && service.applicationLoadBalancer);
    expect(edge?.kind).toBe('nlb');
    if (edge?.kind !== 'nlb') return;
    const groups = [...new Set(edge.applicationLoadBalancer!.routes.map((route) => route.targetGroup))];
    expect([...groups].sort()).toEqual(['kas', 'kas-k8s-api', 'registry', 'webservice']);
    const dimensions = (group: string) => [
      { name: 'LoadBalancer', subject: edge.id },
      { name: 'TargetGroup', subject: edge.id, applicationTargetGroup: group },
    ];
    const alarms = plan.alarms.filter((alarm) => alarm.metric.namespace === 'AWS/ApplicationELB');
    expect(alarms).toEqual(
      groups.flatMap((group) => [
        {
          id: `${edge.id}-${group}-unhealthy-targets`,
          subject: edge.id,
          role: edge.role,
          metric: {
            namespace: 'AWS/ApplicationELB',
            name: 'UnHealthyHostCount',
            statistic: 'Maximum',
            periodSeconds: 60,
            dimensions: dimensions(group),
          },
          comparison: 'greater-than',
          threshold: 0,
          evaluationPeriods: 3,
          treatMissingData: 'not-breaching',
          action: 'notify',
          why: `a ${group} pod failed the Application Load Balancer's health check`,
        },
        {
          id: `${edge.id}-${group}-server-error-rate`,
          subject: edge.id,
          role: edge.role,
          metric: {
            namespace: 'AWS/ApplicationELB',
            name: 'HTTPCode_Target_5XX_Count',
            statistic: 'Sum',
            periodSeconds: 60,
            dimensions: dimensions(group),
            expression: 'IF(RequestCount > 0, 100 * HTTPCode_Target_5XX_Count / RequestCount, 0)',
          },
          comparison: 'greater-than',
          threshold: 5,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: 'not-breaching',
          action: 'notify',
          why: `more than 5 % of the requests ${group} pods served answered 5xx`,
        },
      ]),
    );
    // The Linux package's web tier has NGINX's own 5xx count instead, and no ALB.
    expect(
      planFor({ architecture: { size: '3k' } }).alarms.some(
        (alarm) => alarm.metric.namespace === 'AWS/ApplicationELB',
      ),
    ).toBe(false);
  });
});
