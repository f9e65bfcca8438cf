/**
 * The 1k node as built: one EC2 instance (no auto scaling group) recovered in place by its alarm,
 * its data on a retained, encrypted volume that AWS Backup snapshots on the spec's schedule, no RDS,
 * ElastiCache or Gitaly instance, and a role that may register targets in the web target groups only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_TAG, ROLE_TAG } from '../../src/plan/contracts.js';
import { planFor } from '../fixtures/plans.js';
import {
  identityPoliciesOf,
  type Json,
  referencedLogicalId,
  resourcesOf,
  type Synthesized,
  synthesize,
  tagOf,
} from './synth.js';

describe('the 1k node', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(
      planFor({
        architecture: { size: '1k' },
        gitaly: { volumeGiB: 400 },
        database: { storageGiB: 60 },
        backups: { schedule: 'cron(30 2 * * ? *)' },
      }),
    );
  });

  it('is one instance outside any auto scaling group, with no managed database, Redis or Gitaly', () => {
    const instances = resourcesOf(synth.json.compute, 'AWS::EC2::Instance');
    expect(instances.map(([, instance]) => [tagOf(instance, ROLE_TAG), tagOf(instance, NODE_TAG)])).toEqual([
      ['gitlab', 'gitlab-1'],
    ]);
    synth.templates.compute.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    synth.templates.data.resourceCountIs('AWS::RDS::DBInstance', 0);
    synth.templates.data.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
  });

  it('keeps its data on a retained, encrypted volume in its AZ, snapshotted by AWS Backup on the spec schedule', () => {
    const [[volumeId, volume]] = resourcesOf(synth.json.data, 'AWS::EC2::Volume') as [[string, Json]];
    expect(volume.DeletionPolicy).toBe('Retain');
    expect(volume.Properties).toMatchObject({ Size: 460, VolumeType: 'gp3', Encrypted: true });
    expect(tagOf(volume, NODE_TAG)).toBe('gitlab-1');
    expect(tagOf(volume, ROLE_TAG)).toBe('gitlab');
    const [[, instance]] = resourcesOf(synth.json.compute, 'AWS::EC2::Instance') as [[string, Json]];
    expect(volume.Properties.AvailabilityZone).toBe(instance.Properties.AvailabilityZone);
    synth.templates.compute.resourceCountIs('AWS::EC2::VolumeAttachment', 0);
    const [[, plan]] = resourcesOf(synth.json.ops, 'AWS::Backup::BackupPlan') as [[string, Json]];
    expect(plan.Properties.BackupPlan.BackupPlanRule[0].ScheduleExpression).toBe('cron(30 2 * * ? *)');
    const [[, selection]] = resourcesOf(synth.json.ops, 'AWS::Backup::BackupSelection') as [[string, Json]];
    const selected = selection.Properties.BackupSelection.Resources as unknown[];
    expect(selected).toHaveLength(1);
    expect(JSON.stringify(selected)).toContain(volumeId);
  });

  it('is recovered in place when its host fails', () => {
    const [instanceId] = resourcesOf(synth.json.compute, 'AWS::EC2::Instance')[0]!;
    const alarms = resourcesOf(synth.json.compute, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    expect(alarm.Properties).toMatchObject({ MetricName: 'StatusCheckFailed_System', Namespace: 'AWS/EC2' });
    expect(JSON.stringify(alarm.Properties!.AlarmActions)).toContain(':automate:');
    expect(JSON.stringify(alarm.Properties!.AlarmActions)).toContain('ec2:recover');
    const dimension = (alarm.Properties!.Dimensions as Json[])[0];
    expect(referencedLogicalId(synth, dimension.Value)).toBe(instanceId);
  });

  it('may register targets in the web target groups of the edge only', () => {
    const statements = identityPoliciesOf(synth.json.compute).flatMap(
      ([, policy]) => (policy.Properties!.PolicyDocument as Json).Statement as Json[],
    );
    const register = statements.filter((statement) =>
      [statement.Action].flat().includes('elasticloadbalancing:RegisterTargets'),
    );
    expect(register).toHaveLength(1);
    const groups = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([id]) => id);
    // HTTPS, the HTTP redirect, SSH and the container registry: every listener of the edge lands on the node.
    expect(groups).toHaveLength(4);
    expect(
      (register[0].Resource as unknown[]).map((resource) => referencedLogicalId(synth, resource)).sort(),
    ).toEqual(groups.sort());
  });
});
