/**
 * Which stack builds each alarm: with what it watches or acts on. The ops stack must name nothing
 * the compute stack holds (then it waits for every node's boot) nor the data stack (then it waits
 * for RDS), and every alarm's dimensions must be filled from resources of its own stack or of a
 * stack deployed before it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { awsBackupTag, SCHEDULED_BACKUP_TAG } from '../../src/plan/contracts.js';
import { alarmStack, alarmTopicName } from '../../src/plan/stacks.js';
import type { AlarmPlan, Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

describe('alarmStack', () => {
  let plan: Plan;
  let stackOf: (alarm: AlarmPlan) => string;
  let internal: string;
  let external: string;
  beforeAll(() => {
    // A Gitaly Cluster: Praefect's internal load balancer, auto scaling groups, fixed nodes, RDS, Redis.
    plan = planFor({ architecture: { size: '3k' } });
    stackOf = (alarm) => alarmStack(plan, alarm);
    const balancers = plan.services.filter((service) => service.kind === 'nlb');
    internal = balancers.find((service) => service.scheme === 'internal')!.id;
    external = balancers.find((service) => service.scheme === 'internet-facing')!.id;
  });

  it('builds the alarms that scale a group or recover an instance with their target, in compute', () => {
    const acting = plan.alarms.filter((alarm) => alarm.action !== 'notify');
    expect(new Set(acting.map((alarm) => alarm.action))).toEqual(
      new Set(['scale-out', 'scale-in', 'recover-instance']),
    );
    for (const alarm of acting) expect(stackOf(alarm), alarm.id).toBe('compute');
  });

  it("builds the Praefect load balancer's alarms in compute, the external one's in ops", () => {
    const onBalancer = (id: string) =>
      plan.alarms.filter((alarm) => alarm.metric.dimensions.some((dimension) => dimension.subject === id));
    expect(onBalancer(internal).length).toBeGreaterThan(0);
    for (const alarm of onBalancer(internal)) expect(stackOf(alarm), alarm.id).toBe('compute');
    expect(onBalancer(external).length).toBeGreaterThan(0);
    for (const alarm of onBalancer(external)) expect(stackOf(alarm), alarm.id).toBe('ops');
  });

  it("builds the database and Redis alarms in data, on GitLab's and Praefect's databases and every Redis node", () => {
    const onData = plan.alarms.filter((alarm) =>
      ['AWS/RDS', 'AWS/ElastiCache'].includes(alarm.metric.namespace),
    );
    const watched = new Set(onData.flatMap((alarm) => alarm.metric.dimensions.map((d) => d.subject)));
    const members = plan.services.flatMap((service) =>
      service.kind === 'elasticache'
        ? service.members.map((member) => member.id)
        : service.kind === 'rds'
          ? service.members.filter((member) => member.role === 'primary').map((member) => member.id)
          : [],
    );
    // Both RDS services (a Gitaly Cluster has Praefect's) and more than one Redis node.
    expect(plan.services.filter((service) => service.kind === 'rds')).toHaveLength(2);
    expect(watched).toEqual(new Set(members));
    for (const alarm of onData) expect(stackOf(alarm), alarm.id).toBe('data');
  });

  it('builds the 5xx alarm in ops, whatever group the 5xx rate is about', () => {
    const namespace = `GitLabAws/${plan.spec.name}`;
    const serverErrors = plan.alarms.filter((alarm) => alarm.metric.namespace === namespace);
    expect(serverErrors.map((alarm) => alarm.metric.name)).toEqual(['Http5xx']);
    expect(stackOf(serverErrors[0]!)).toBe('ops');
    // The 5xx rate is about the web group, but its metrics name no resource: ops can build it.
    expect(plan.autoScalingGroups.map((group) => group.id)).toContain(serverErrors[0]!.subject);
  });

  it('builds a notifying alarm whose metric names a node or a group in compute, a database or Redis member in data', () => {
    const [notifying] = plan.alarms.filter((alarm) => alarm.metric.namespace === 'AWS/RDS');
    const naming = (...dimensions: [string, string][]): AlarmPlan => ({
      ...notifying!,
      metric: {
        ...notifying!.metric,
        dimensions: dimensions.map(([name, subject]) => ({ name, subject })),
      },
    });
    const membersOf = (kind: 'rds' | 'elasticache') =>
      plan.services.flatMap((service) =>
        (service.kind === 'rds' || service.kind === 'elasticache') && service.kind === kind
          ? service.members
          : [],
      );
    const member = (kind: 'rds' | 'elasticache', role: string) =>
      membersOf(kind).find((candidate) => candidate.role === role)!.id;
    const rds = plan.services.find((service) => service.kind === 'rds')!;
    expect(stackOf(naming(['InstanceId', plan.nodes[0]!.id]))).toBe('compute');
    expect(stackOf(naming(['AutoScalingGroupName', plan.autoScalingGroups[0]!.id]))).toBe('compute');
    expect(stackOf(naming(['DBInstanceIdentifier', member('rds', 'primary')]))).toBe('data');
    expect(stackOf(naming(['DBInstanceIdentifier', rds.id]))).toBe('data');
    expect(stackOf(naming(['CacheClusterId', member('elasticache', 'replica')]))).toBe('data');
    expect(stackOf(naming(['DBInstanceIdentifier', 'not-a-data-member']))).toBe('ops');
    // Anywhere among the dimensions; a machine keeps the alarm in compute, which holds the machines.
    expect(
      stackOf(naming(['LoadBalancer', external], ['CacheClusterId', member('elasticache', 'primary')])),
    ).toBe('data');
    expect(stackOf(naming(['DBInstanceIdentifier', rds.id], ['InstanceId', plan.nodes[0]!.id]))).toBe(
      'compute',
    );
    expect(stackOf(naming(['LoadBalancer', internal], ['DBInstanceIdentifier', rds.id]))).toBe('compute');
  });

  it('builds an alarm that acts in compute even when its metric names no machine', () => {
    const [notifying] = plan.alarms.filter((alarm) => alarm.metric.namespace === 'AWS/RDS');
    const acting = (action: AlarmPlan['action']): AlarmPlan => ({ ...notifying!, action });
    expect(stackOf(acting('notify'))).toBe('data');
    for (const action of ['scale-out', 'scale-in', 'recover-instance'] as const)
      expect(stackOf(acting(action)), action).toBe('compute');
  });
});

describe('alarmTopicName', () => {
  it("is the environment's own, so two environments in one account do not share a topic", () => {
    const first = alarmTopicName(planFor({ name: 'gitlab-a' }));
    const second = alarmTopicName(planFor({ name: 'gitlab-b' }));
    expect(first).toContain('gitlab-a');
    // Named for what it is, not just for the environment.
    expect(first).toMatch(/alarm/);
    expect(first).not.toBe('gitlab-a');
    expect(second).not.toBe(first);
    // SNS topic names: up to 256 letters, digits, hyphens and underscores.
    expect(first).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
  });
});

describe('awsBackupTag', () => {
  it("is valued with the environment's name, so one environment's backup plan never picks another's resources", () => {
    const first = awsBackupTag(planFor({ name: 'gitlab-a' }));
    const second = awsBackupTag(planFor({ name: 'gitlab-b' }));
    expect(first.value).toBe('gitlab-a');
    expect(second.value).toBe('gitlab-b');
    // One key for every environment, among the project's own tags, naming what it is for.
    expect(second.key).toBe(first.key);
    expect(first.key).toMatch(/^gitlab-aws:.*backup/);
    expect(first.key).not.toBe(SCHEDULED_BACKUP_TAG);
  });
});
