/**
 * Which stack builds each alarm: with what it watches or acts on. The ops stack must name nothing
 * the compute stack holds (then it waits for every node's boot), and every alarm's dimensions must
 * be filled from resources of its own stack or of a stack deployed before it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
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

  it('builds the database, Redis and 5xx alarms in ops, whatever group the 5xx rate is about', () => {
    const namespaces = new Set(['AWS/RDS', 'AWS/ElastiCache', `GitLabAws/${plan.spec.name}`]);
    const notifying = plan.alarms.filter((alarm) => namespaces.has(alarm.metric.namespace));
    expect(new Set(notifying.map((alarm) => alarm.metric.namespace))).toEqual(namespaces);
    for (const alarm of notifying) expect(stackOf(alarm), alarm.id).toBe('ops');
    // The 5xx rate is about the web group, but its metrics name no resource: ops can build it.
    const serverErrors = notifying.find((alarm) => alarm.metric.name === 'Http5xx')!;
    expect(plan.autoScalingGroups.map((group) => group.id)).toContain(serverErrors.subject);
  });

  it('builds a notifying alarm whose metric names a node or a group in compute', () => {
    const [notifying] = plan.alarms.filter((alarm) => alarm.metric.namespace === 'AWS/RDS');
    const naming = (name: string, subject: string): AlarmPlan => ({
      ...notifying!,
      metric: { ...notifying!.metric, dimensions: [{ name, subject }] },
    });
    expect(stackOf(naming('InstanceId', plan.nodes[0]!.id))).toBe('compute');
    expect(stackOf(naming('AutoScalingGroupName', plan.autoScalingGroups[0]!.id))).toBe('compute');
    expect(stackOf(naming('DBInstanceIdentifier', 'not-a-machine'))).toBe('ops');
  });

  it('builds an alarm that acts in compute even when its metric names no machine', () => {
    const [notifying] = plan.alarms.filter((alarm) => alarm.metric.namespace === 'AWS/RDS');
    const acting = (action: AlarmPlan['action']): AlarmPlan => ({ ...notifying!, action });
    expect(stackOf(acting('notify'))).toBe('ops');
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
