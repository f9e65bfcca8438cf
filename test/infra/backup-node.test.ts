/**
 * The backup node as built (3k, the Plan other infra tests synthesize too): one fixed instance in no
 * target group, its staging volume a block device deleted with it, tagged for the scheduled run that
 * the ops stack's association sends it, with the failure alarm. What its role may do is simulated in
 * iam-simulation.test.ts, what reaches it in reachability.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackupCommands } from '../../src/config/backup.js';
import { NODE_TAG, ROLE_TAG, SCHEDULED_BACKUP_TAG } from '../../src/plan/contracts.js';
import type { PlanNode } from '../../src/plan/types.js';
import { nodeOf, planFor } from '../fixtures/plans.js';
import { type Json, referencedLogicalId, resourcesOf, type Synthesized, synthesize, tagOf } from './synth.js';

describe('the backup node (3k)', () => {
  let synth: Synthesized;
  let node: PlanNode;
  let instanceId: string;
  let instance: Json;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '3k' } }));
    node = nodeOf(synth.plan, 'backup-1');
    [instanceId, instance] = resourcesOf(synth.json.compute, 'AWS::EC2::Instance').find(
      ([, candidate]) => tagOf(candidate, ROLE_TAG) === 'backup',
    ) as [string, Json];
  });

  it("is one instance of the Plan's type in the Plan's AZ, tagged as its node and as the scheduled backup's", () => {
    const backups = resourcesOf(synth.json.compute, 'AWS::EC2::Instance').filter(
      ([, candidate]) => tagOf(candidate, ROLE_TAG) === 'backup',
    );
    expect(backups).toHaveLength(1);
    expect(instance.Properties).toMatchObject({
      InstanceType: node.instanceType,
      AvailabilityZone: node.availabilityZone,
    });
    expect(tagOf(instance, NODE_TAG)).toBe('backup-1');
    expect(tagOf(instance, SCHEDULED_BACKUP_TAG)).toBe(synth.plan.spec.name);
    // The only instance the scheduled run can find.
    expect(
      resourcesOf(synth.json.compute, 'AWS::EC2::Instance')
        .filter(([, candidate]) => tagOf(candidate, SCHEDULED_BACKUP_TAG) !== undefined)
        .map(([id]) => id),
    ).toEqual([instanceId]);
  });

  it('has its staging volume as an encrypted gp3 block device that goes with the instance', () => {
    const staging = node.volumes.find((volume) => volume.purpose === 'backup-staging')!;
    const devices = instance.Properties!.BlockDeviceMappings as Json[];
    expect(devices.find((device) => device.DeviceName === staging.deviceName)?.Ebs).toMatchObject({
      VolumeSize: staging.sizeGiB,
      VolumeType: 'gp3',
      Encrypted: true,
      DeleteOnTermination: true,
    });
    // No volume of its own in the data stack: nothing there to keep or snapshot.
    expect(
      resourcesOf(synth.json.data, 'AWS::EC2::Volume').filter(
        ([, volume]) => tagOf(volume, NODE_TAG) === 'backup-1',
      ),
    ).toEqual([]);
  });

  it('serves in no target group: nothing registers it, and its role may not register anything', () => {
    for (const [, group] of resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      const targets = (group.Properties!.Targets as Json[] | undefined) ?? [];
      expect(targets.map((target) => referencedLogicalId(synth, target.Id))).not.toContain(instanceId);
    }
    const text = JSON.stringify(synth.json.compute);
    expect(text).not.toContain('elasticloadbalancing:RegisterTargets');
  });

  it('gets the scheduled gitlab-backup from the ops stack, and an alarm on its failure', () => {
    const [[, association]] = resourcesOf(synth.json.ops, 'AWS::SSM::Association') as [[string, Json]];
    expect(association.Properties).toMatchObject({
      ScheduleExpression: synth.plan.scheduledBackup.schedule,
      Targets: [{ Key: `tag:${SCHEDULED_BACKUP_TAG}`, Values: [synth.plan.spec.name] }],
    });
    const commands = (association.Properties!.Parameters as Json).commands as unknown[];
    const expected = createBackupCommands(synth.plan, { account: 'ACCOUNT', reportsOutcome: true });
    expect(commands).toHaveLength(expected.length);
    // Repositories stream from the Gitaly nodes; the archive holds the database.
    expect(commands).toContain("REPOSITORIES_SERVER_SIDE='true'");
    const alarms = resourcesOf(synth.json.ops, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties!.MetricName === synth.plan.scheduledBackup.failureMetric.name,
    );
    expect(alarms).toHaveLength(1);
  });
});
