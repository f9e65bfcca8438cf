import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { UBUNTU_IMAGE_PARAMETER } from '../../src/infra/common.js';
import { machineImageParameterName, ROLE_TAG } from '../../src/plan/contracts.js';
import type { AutoScalingGroupPlan } from '../../src/plan/types.js';
import { isoMinutes } from '../../src/report/estimate.js';
import { planFor } from '../fixtures/plans.js';
import {
  type CfnResource,
  type Json,
  referencedLogicalId,
  resourcesOf,
  type Synthesized,
  synthesize,
  tagOf,
} from './synth.js';

function groupOf(synth: Synthesized, role: string): [string, CfnResource] {
  const found = resourcesOf(synth.json.compute, 'AWS::AutoScaling::AutoScalingGroup').find(
    ([, group]) => tagOf(group, ROLE_TAG) === role,
  );
  if (!found) throw new Error(`no ${role} group`);
  return found;
}

describe('Rails and Sidekiq (5k)', () => {
  let synth: Synthesized;
  let rails: AutoScalingGroupPlan;
  let sidekiq: AutoScalingGroupPlan;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '5k' } }));
    rails = synth.plan.autoScalingGroups.find((group) => group.role === 'rails')!;
    sidekiq = synth.plan.autoScalingGroups.find((group) => group.role === 'sidekiq')!;
  });

  it('launches the Plan instance type from the image the environment pinned, IMDSv2 only', () => {
    for (const plan of [rails, sidekiq]) {
      const [, group] = groupOf(synth, plan.role);
      const templateId = referencedLogicalId(
        synth,
        (group.Properties!.LaunchTemplate as Json).LaunchTemplateId,
      )!;
      const data = synth.json.compute.Resources[templateId]!.Properties!.LaunchTemplateData as Record<
        string,
        Json
      >;
      expect(data.InstanceType).toBe(plan.instanceType);
      expect(data.MetadataOptions.HttpTokens).toBe('required');
      const parameter = synth.json.compute.Parameters![data.ImageId.Ref]!;
      // The environment's own parameter, which the network stack fills once from Canonical's "current"
      // one: a newer Ubuntu release never rolls the nodes on its own.
      const pinned = machineImageParameterName(synth.plan, plan.arch);
      expect(parameter.Default).toBe(pinned);
      expect(parameter.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
      const [, source] = resourcesOf(synth.json.network, 'AWS::SSM::Parameter').find(
        ([, candidate]) => candidate.Properties!.Name === pinned,
      )!;
      expect(source.Properties).toMatchObject({
        Value: `{{resolve:ssm:${UBUNTU_IMAGE_PARAMETER[plan.arch]}}}`,
        DataType: 'aws:ec2:image',
      });
    }
  });

  it('registers Rails with both external target groups, ELB health checks, 300 s grace', () => {
    const [, group] = groupOf(synth, 'rails');
    expect(group.Properties).toMatchObject({
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: rails.healthCheckGracePeriodSeconds,
      MinSize: String(rails.minCapacity),
      MaxSize: String(rails.maxCapacity),
    });
    expect(rails.healthCheckGracePeriodSeconds).toBe(300);
    expect(group.Properties!.DesiredCapacity).toBeUndefined();
    const targets = (group.Properties!.TargetGroupARNs as unknown[]).map((arn) =>
      referencedLogicalId(synth, arn),
    );
    const edgeGroups = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(
      ([id]) => id,
    );
    expect(targets.sort()).toEqual(edgeGroups.sort());
  });

  it('keeps Sidekiq off the load balancer, on EC2 health checks', () => {
    const [, group] = groupOf(synth, 'sidekiq');
    expect(group.Properties!.TargetGroupARNs).toBeUndefined();
    expect(group.Properties!.HealthCheckType).toBe('EC2');
  });

  it('scales each group out by one at >= 60 % CPU and in by one at <= 45 %', () => {
    for (const plan of [rails, sidekiq]) {
      const [groupId] = groupOf(synth, plan.role);
      const alarms = resourcesOf(synth.json.compute, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
        JSON.stringify(alarm.Properties!.Dimensions).includes(groupId),
      );
      const byOperator = Object.fromEntries(
        alarms.map(([, alarm]) => [
          alarm.Properties!.ComparisonOperator as string,
          alarm.Properties!.Threshold,
        ]),
      );
      expect(byOperator).toEqual({
        GreaterThanOrEqualToThreshold: plan.scaling.scaleOutCpuPercent,
        LessThanOrEqualToThreshold: plan.scaling.scaleInCpuPercent,
      });
      expect([plan.scaling.scaleOutCpuPercent, plan.scaling.scaleInCpuPercent]).toEqual([60, 45]);
      const policies = resourcesOf(synth.json.compute, 'AWS::AutoScaling::ScalingPolicy').filter(
        ([, policy]) => referencedLogicalId(synth, policy.Properties!.AutoScalingGroupName) === groupId,
      );
      const adjustments = policies.flatMap(([, policy]) =>
        (policy.Properties!.StepAdjustments as { ScalingAdjustment: number }[]).map(
          (step) => step.ScalingAdjustment,
        ),
      );
      expect(adjustments.sort()).toEqual([-1, 1]);
    }
  });

  it('holds every new node in a launch hook for at most the Plan boot bound, abandoning it if nothing completes it', () => {
    for (const plan of [rails, sidekiq]) {
      const [, group] = groupOf(synth, plan.role);
      // On the group itself, so the nodes of the first creation pass through it as well.
      expect(group.Properties!.LifecycleHookSpecificationList).toEqual([
        {
          LifecycleHookName: plan.launchHookName,
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          HeartbeatTimeout: plan.boot.timeoutSeconds,
          DefaultResult: 'ABANDON',
        },
      ]);
      synth.templates.compute.resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
      // CloudFormation waits for boot signals exactly as long as the hook holds a node.
      const creation = group.CreationPolicy as { ResourceSignal: { Timeout: string } };
      expect(isoMinutes(creation.ResourceSignal.Timeout)).toBe(plan.boot.timeoutSeconds / 60);
      const update = group.UpdatePolicy as { AutoScalingRollingUpdate: { PauseTime: string } };
      expect(isoMinutes(update.AutoScalingRollingUpdate.PauseTime)).toBe(plan.boot.timeoutSeconds / 60);
    }
  });

  it('replaces nodes one at a time without dropping below the minimum', () => {
    for (const plan of [rails, sidekiq]) {
      const [, group] = groupOf(synth, plan.role);
      expect(group.UpdatePolicy).toMatchObject({
        AutoScalingRollingUpdate: { MinInstancesInService: plan.minCapacity, MaxBatchSize: 1 },
      });
    }
  });
});

describe('boot scripts from the config layer', () => {
  it('put the renderer output in user data and make CloudFormation wait for the signal of the right resource', () => {
    const seen: string[] = [];
    const synth = synthesize(planFor({ architecture: { size: '3k' } }), {
      renderUserData: (_plan, target, endpoints) => {
        const name = target.kind === 'node' ? target.node.id : target.group.id;
        seen.push(name);
        return `#cloud-config\n# ${name} signal=${endpoints.signal.stackName}/${endpoints.signal.logicalId} praefect=${endpoints.praefectLoadBalancerHost}`;
      },
    });
    expect(seen.sort()).toEqual(
      [
        ...synth.plan.autoScalingGroups.map((group) => group.id),
        ...synth.plan.nodes.filter((node) => !node.autoScalingGroup).map((node) => node.id),
      ].sort(),
    );
    const [railsId, rails] = groupOf(synth, 'rails');
    expect(rails.CreationPolicy).toMatchObject({
      ResourceSignal: {
        Count: synth.plan.autoScalingGroups.find((group) => group.role === 'rails')!.minCapacity,
      },
    });
    expect(rails.UpdatePolicy).toMatchObject({ AutoScalingRollingUpdate: { WaitOnResourceSignals: true } });
    const templateId = referencedLogicalId(
      synth,
      (rails.Properties!.LaunchTemplate as Json).LaunchTemplateId,
    )!;
    const userData = JSON.stringify(synth.json.compute.Resources[templateId]!.Properties!.LaunchTemplateData);
    expect(userData).toContain(`signal=gitlab-test-compute/${railsId}`);
    expect(userData).toContain('praefect=praefect.gitlab-test.internal');
    // Nothing of the data stack: the boot script reads the endpoints from their parameters.
    expect(userData).not.toMatch(/Fn::ImportValue/);
    synth.templates.compute.hasResource('AWS::EC2::Instance', {
      CreationPolicy: { ResourceSignal: { Count: 1, Timeout: 'PT1H' } },
      Properties: Match.objectLike({
        Tags: Match.arrayWith([{ Key: 'gitlab-aws:node', Value: 'gitaly-1' }]),
      }),
    });
  });

  it('without a renderer, leave user data empty and wait for no signal (no fake script)', () => {
    const synth = synthesize(planFor({ architecture: { size: '3k' } }), { renderUserData: null });
    for (const [, resource] of Object.entries(synth.json.compute.Resources))
      expect(resource.CreationPolicy).toBeUndefined();
    // Nothing would complete a launch hook, which would then abandon every node.
    for (const [, group] of resourcesOf(synth.json.compute, 'AWS::AutoScaling::AutoScalingGroup'))
      expect(group.Properties!.LifecycleHookSpecificationList).toBeUndefined();
    for (const [, template] of resourcesOf(synth.json.compute, 'AWS::EC2::LaunchTemplate')) {
      expect((template.Properties!.LaunchTemplateData as Json).UserData).toBeUndefined();
    }
  });
});
