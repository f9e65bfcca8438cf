/** The AWS SDK side of the scaling-processes seam, against Amazon EC2 Auto Scaling's API shapes. */
import { readFileSync } from 'node:fs';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AutoScalingProcesses,
  RESTORE_SUSPENDED_PROCESSES,
  resumeCommand,
} from '../../src/lifecycle/scaling-processes.js';

const autoScaling = mockClient(AutoScalingClient);
beforeEach(() => autoScaling.reset());
afterAll(() => autoScaling.restore());

describe('AutoScalingProcesses', () => {
  it('suspends and resumes exactly the processes named, on the group named', async () => {
    const processes = new AutoScalingProcesses(new AutoScalingClient({}));
    await processes.suspend('gl-rails', RESTORE_SUSPENDED_PROCESSES);
    await processes.resume('gl-sidekiq', ['Launch']);
    expect(autoScaling.commandCalls(SuspendProcessesCommand).map((call) => call.args[0].input)).toEqual([
      { AutoScalingGroupName: 'gl-rails', ScalingProcesses: [...RESTORE_SUSPENDED_PROCESSES] },
    ]);
    expect(autoScaling.commandCalls(ResumeProcessesCommand).map((call) => call.args[0].input)).toEqual([
      { AutoScalingGroupName: 'gl-sidekiq', ScalingProcesses: ['Launch'] },
    ]);
  });

  it('lists every member whatever its state or health, and refuses a group that is gone', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['gl-rails'] }).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'gl-rails',
          Instances: [
            { InstanceId: 'i-1', LifecycleState: 'InService', HealthStatus: 'Unhealthy' },
            { InstanceId: 'i-2', LifecycleState: 'Pending:Wait', HealthStatus: 'Healthy' },
            { LifecycleState: 'Standby' },
            { InstanceId: 'i-4' },
          ],
        },
      ] as never,
    });
    autoScaling.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['gl-gone'] }).resolves({
      AutoScalingGroups: [],
    });
    autoScaling.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['gl-odd'] }).resolves({});
    autoScaling.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['gl-empty'] }).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: 'gl-empty' }] as never,
    });
    const processes = new AutoScalingProcesses(new AutoScalingClient({}));
    expect(await processes.members('gl-rails')).toEqual([
      { instanceId: 'i-1', lifecycleState: 'InService' },
      { instanceId: 'i-2', lifecycleState: 'Pending:Wait' },
      { instanceId: '', lifecycleState: 'Standby' },
      { instanceId: 'i-4', lifecycleState: 'unknown' },
    ]);
    await expect(processes.members('gl-gone')).rejects.toThrow('auto scaling group gl-gone does not exist');
    await expect(processes.members('gl-odd')).rejects.toThrow('auto scaling group gl-odd does not exist');
    expect(await processes.members('gl-empty')).toEqual([]);
  });

  it('writes the resume command a person runs after a failed restore', () => {
    expect(resumeCommand('eu-west-1', 'gl-rails', ['Launch', 'Terminate'])).toBe(
      'aws autoscaling resume-processes --region eu-west-1 --auto-scaling-group-name gl-rails --scaling-processes Launch Terminate',
    );
  });

  it('suspends exactly the processes whose reason the module gives, and leaves new members joining the load balancer', () => {
    // The doc comment on RESTORE_SUSPENDED_PROCESSES gives one reason per process ("- Launch: ...");
    // a process suspended without a reason, or a reason whose process is not suspended, is a gap.
    const source = readFileSync(new URL('../../src/lifecycle/scaling-processes.ts', import.meta.url), 'utf8');
    const reasoned = [...source.matchAll(/^ \* - (\w+): /gm)].map((match) => match[1]);
    expect([...RESTORE_SUSPENDED_PROCESSES]).toEqual(reasoned);
    expect(RESTORE_SUSPENDED_PROCESSES).not.toContain('AddToLoadBalancer');
  });
});
