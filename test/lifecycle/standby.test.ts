/**
 * Taking the deploy node out of service for its upgrade (Auto Scaling's Standby), against Auto
 * Scaling and ELB answering as they do: target groups that drain in their own time, a group at
 * its minimum, a Standby AWS refuses, a way back that fails.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingStandby, standbyCapacity } from '../../src/lifecycle/standby.js';
import { boundedSleep } from './bounded-sleep.js';

describe('standbyCapacity', () => {
  it('lowers the desired capacity, and the minimum only when the desired capacity is at it', () => {
    expect(standbyCapacity({ minSize: 2, desiredCapacity: 3 })).toEqual({});
    expect(standbyCapacity({ minSize: 3, desiredCapacity: 3 })).toEqual({ temporaryMinSize: 2 });
    expect(standbyCapacity({ minSize: 1, desiredCapacity: 1 })).toEqual({ temporaryMinSize: 0 });
  });
});

describe('AutoScalingStandby against Auto Scaling and ELB', () => {
  const autoScaling = mockClient(AutoScalingClient);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const order: string[] = [];
  /** What the operator sees printed. */
  const lines: string[] = [];

  function group(minSize: number, desired: number) {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'asg-rails',
          MinSize: minSize,
          MaxSize: 6,
          DesiredCapacity: desired,
          TargetGroupARNs: ['tg-https', 'tg-ssh'],
          DefaultCooldown: 300,
          AvailabilityZones: [],
          HealthCheckType: 'ELB',
          CreatedTime: new Date(0),
        },
      ],
    });
  }

  beforeEach(() => {
    autoScaling.reset();
    elb.reset();
    order.length = 0;
    lines.length = 0;
    const record = (name: string) => (input: unknown) => {
      order.push(`${name} ${JSON.stringify(input)}`);
      return {};
    };
    autoScaling.on(UpdateAutoScalingGroupCommand).callsFake(record('UpdateAutoScalingGroupCommand'));
    autoScaling.on(EnterStandbyCommand).callsFake(record('EnterStandbyCommand'));
    autoScaling.on(ExitStandbyCommand).callsFake(record('ExitStandbyCommand'));
    autoScaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolvesOnce({ AutoScalingInstances: [{ LifecycleState: 'EnteringStandby' } as never] })
      .resolvesOnce({ AutoScalingInstances: [{ LifecycleState: 'Standby' } as never] })
      .resolvesOnce({ AutoScalingInstances: [{ LifecycleState: 'Pending' } as never] })
      .resolves({ AutoScalingInstances: [{ LifecycleState: 'InService' } as never] });
    let looks = 0;
    // The SSH target group drains for two more looks than the HTTPS one; after Standby both are
    // unused until ExitStandby registers the node again.
    elb.on(DescribeTargetHealthCommand).callsFake((input) => {
      looks += 1;
      const exited = order.some((event) => event.startsWith('ExitStandbyCommand'));
      const state = exited
        ? 'healthy'
        : input.TargetGroupArn === 'tg-ssh' && looks < 6
          ? 'draining'
          : 'unused';
      order.push(`health ${input.TargetGroupArn} ${state}`);
      return { TargetHealthDescriptions: [{ TargetHealth: { State: state } }] };
    });
  });

  const standby = (timeoutSeconds = 900) =>
    new AutoScalingStandby({
      autoScaling: new AutoScalingClient({}),
      elb: new ElasticLoadBalancingV2Client({}),
      log: (line) => lines.push(line),
      sleep: boundedSleep().sleep,
      timeoutSeconds,
    });

  it('above the minimum: Standby with the desired capacity lowered, waiting for both target groups to drain', async () => {
    group(2, 3);
    const lease = await standby().enter('asg-rails', 'i-1');
    expect(order[0]).toBe(
      'EnterStandbyCommand {"AutoScalingGroupName":"asg-rails","InstanceIds":["i-1"],"ShouldDecrementDesiredCapacity":true}',
    );
    // Still draining on SSH until the last look before the lease was handed out.
    expect(order.filter((event) => event.startsWith('health tg-ssh')).at(-1)).toBe('health tg-ssh unused');
    expect(order.some((event) => event === 'health tg-ssh draining')).toBe(true);
    await lease.exit();
    expect(order.some((event) => event.startsWith('UpdateAutoScalingGroupCommand'))).toBe(false);
    expect(order.filter((event) => event.startsWith('ExitStandbyCommand'))).toHaveLength(1);
    expect(order.at(-1)).toMatch(/^health tg-\w+ healthy$/);
  });

  it('at the minimum: lowers the minimum first and restores it after ExitStandby', async () => {
    group(3, 3);
    const lease = await standby().enter('asg-rails', 'i-1');
    await lease.exit();
    const calls = order.filter((event) => !event.startsWith('health'));
    expect(calls).toEqual([
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":2}',
      'EnterStandbyCommand {"AutoScalingGroupName":"asg-rails","InstanceIds":["i-1"],"ShouldDecrementDesiredCapacity":true}',
      'ExitStandbyCommand {"AutoScalingGroupName":"asg-rails","InstanceIds":["i-1"]}',
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":3}',
    ]);
  });

  it('gives up on a deregistration that never ends, and still puts the node back and the minimum with it', async () => {
    group(3, 3);
    elb.on(DescribeTargetHealthCommand).callsFake((input) => {
      const exited = order.some((event) => event.startsWith('ExitStandbyCommand'));
      return {
        TargetHealthDescriptions: [{ TargetHealth: { State: exited ? 'healthy' : 'draining' } }],
        input,
      };
    });
    await expect(standby(60).enter('asg-rails', 'i-1')).rejects.toThrow(
      'i-1 deregistered from its target groups: still draining, draining after 1 min',
    );
    expect(order.filter((event) => !event.startsWith('health')).slice(-2)).toEqual([
      'ExitStandbyCommand {"AutoScalingGroupName":"asg-rails","InstanceIds":["i-1"]}',
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":3}',
    ]);
    // A way back that fails too does not hide why the node could not be taken out.
    order.length = 0;
    autoScaling.on(ExitStandbyCommand).rejects(new Error('not in Standby'));
    autoScaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolves({ AutoScalingInstances: [{ LifecycleState: 'Standby' } as never] });
    await expect(standby(60).enter('asg-rails', 'i-1')).rejects.toThrow('still draining');
    expect(order.at(-1)).toBe(
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":3}',
    );
  });

  it('puts the minimum back when Auto Scaling refuses the Standby, and says why', async () => {
    group(3, 3);
    autoScaling.on(EnterStandbyCommand).rejects(new Error('instance i-1 is not in InService'));
    await expect(standby().enter('asg-rails', 'i-1')).rejects.toThrow('not in InService');
    expect(order).toEqual([
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":2}',
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":3}',
    ]);
  });

  it.each(['initial', 'healthy', 'unhealthy', 'draining', 'unhealthy.draining'])(
    'waits while a target group still has the node as %s, and asks about that node in the group',
    async (state) => {
      group(2, 3);
      const asked: unknown[] = [];
      let looks = 0;
      elb.on(DescribeTargetHealthCommand).callsFake((input) => {
        asked.push(input);
        looks += 1;
        return { TargetHealthDescriptions: [{ TargetHealth: { State: looks <= 2 ? state : 'unused' } }] };
      });
      await standby().enter('asg-rails', 'i-1');
      // Two looks at the first group answer as routed; the node is out once both say unused.
      expect(looks).toBe(4);
      expect(asked[0]).toEqual({ TargetGroupArn: 'tg-https', Targets: [{ Id: 'i-1' }] });
    },
  );

  it('says what it changes and what it waits for, and asks about that group and that node', async () => {
    group(3, 3);
    const lease = await standby().enter('asg-rails', 'i-1');
    expect(lines).toEqual([
      '  asg-rails: minimum 3 -> 2 while i-1 is in Standby',
      '  EnteringStandby',
      '  unused, draining',
    ]);
    lines.length = 0;
    await lease.exit();
    expect(lines).toEqual(['  Pending', '  asg-rails: minimum back to 3']);
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]!.args[0].input).toEqual({
      AutoScalingGroupNames: ['asg-rails'],
    });
    const instancesAsked = autoScaling.commandCalls(DescribeAutoScalingInstancesCommand);
    expect(instancesAsked.map((call) => call.args[0].input)).toEqual(
      instancesAsked.map(() => ({ InstanceIds: ['i-1'] })),
    );
  });

  it('refuses a group that does not exist before changing anything', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(standby().enter('asg-gone', 'i-1')).rejects.toThrow('auto scaling group asg-gone not found');
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({});
    await expect(standby().enter('asg-gone', 'i-1')).rejects.toThrow('auto scaling group asg-gone not found');
    expect(order).toEqual([]);
  });

  it('waits for no target group when the group has none', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: 'asg-sidekiq', MinSize: 1, DesiredCapacity: 2 } as never],
    });
    const lease = await standby().enter('asg-sidekiq', 'i-1');
    await lease.exit();
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toEqual([]);
    expect(order.map((event) => event.split(' ')[0])).toEqual(['EnterStandbyCommand', 'ExitStandbyCommand']);
  });

  it('looks every 10 s and gives up after 15 min by default, naming the state the node is stuck in', async () => {
    group(2, 3);
    autoScaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolves({ AutoScalingInstances: [{ LifecycleState: 'EnteringStandby' } as never] });
    const { sleep, pauses } = boundedSleep();
    const patient = new AutoScalingStandby({
      autoScaling: new AutoScalingClient({}),
      elb: new ElasticLoadBalancingV2Client({}),
      log: (line) => lines.push(line),
      sleep,
    });
    await expect(patient.enter('asg-rails', 'i-1')).rejects.toThrow(
      'i-1 going to Standby: still EnteringStandby after 15 min',
    );
    // 900 s of 10 s pauses on the way in, and as many on the way back, which the mock keeps stuck too.
    expect(pauses).toEqual(Array.from({ length: 180 }, () => 10_000));
    expect(lines.at(-1)).toBe(
      '  could not put i-1 back in service: i-1 going to InService: still EnteringStandby after 15 min',
    );
  });

  it('names a node Auto Scaling no longer knows as unknown', async () => {
    group(2, 3);
    // The SDK leaves out a list Auto Scaling answered empty, or answers it empty.
    autoScaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolvesOnce({})
      .resolves({ AutoScalingInstances: [] });
    await expect(standby(30).enter('asg-rails', 'i-1')).rejects.toThrow(
      'i-1 going to Standby: still unknown after 30 s',
    );
    expect(lines).toContain('  unknown');
  });

  it('takes a target group that reports nothing about the node as not routing to it', async () => {
    group(2, 3);
    elb
      .on(DescribeTargetHealthCommand)
      .callsFake((input) =>
        input.TargetGroupArn === 'tg-https' ? {} : { TargetHealthDescriptions: [{ Target: { Id: 'i-1' } }] },
      );
    const lease = await standby(30).enter('asg-rails', 'i-1');
    await expect(lease.exit()).rejects.toThrow(
      'i-1 healthy in its target groups: still unused, unused after 30 s',
    );
    expect(lines).toContain('  unused, unused');
  });

  it('gives up on a node that never turns healthy after Standby, and still restores the minimum', async () => {
    group(3, 3);
    elb.on(DescribeTargetHealthCommand).callsFake((input) => {
      const exited = order.some((event) => event.startsWith('ExitStandbyCommand'));
      const state = !exited ? 'unused' : input.TargetGroupArn === 'tg-ssh' ? 'healthy' : 'unhealthy';
      return { TargetHealthDescriptions: [{ TargetHealth: { State: state } }] };
    });
    const lease = await standby(60).enter('asg-rails', 'i-1');
    await expect(lease.exit()).rejects.toThrow(
      'i-1 healthy in its target groups: still unhealthy, healthy after 1 min',
    );
    expect(order.at(-1)).toBe(
      'UpdateAutoScalingGroupCommand {"AutoScalingGroupName":"asg-rails","MinSize":3}',
    );
    expect(lines.at(-1)).toBe('  asg-rails: minimum back to 3');
  });

  it('logs a way back that fails beside the error it reports', async () => {
    group(2, 3);
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ TargetHealth: { State: 'draining' } }],
    });
    autoScaling.on(ExitStandbyCommand).rejects(new Error('instance i-1 is not in Standby'));
    await expect(standby(30).enter('asg-rails', 'i-1')).rejects.toThrow(
      'i-1 deregistered from its target groups: still draining, draining after 30 s',
    );
    expect(lines.at(-1)).toBe('  could not put i-1 back in service: instance i-1 is not in Standby');
  });
});
