/**
 * The 1k node as built: one EC2 instance (no auto scaling group) recovered in place by its alarm,
 * its data on a retained, encrypted volume that AWS Backup snapshots on the spec's schedule, no RDS,
 * ElastiCache or Gitaly instance, and a role that may register targets in the web target groups only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { backupsBucketName, createBackupCommands } from '../../src/config/backup.js';
import {
  awsBackupTag,
  ENVIRONMENT_TAG,
  NODE_TAG,
  ROLE_TAG,
  SCHEDULED_BACKUP_TAG,
  webTargetGroupsParameterName,
} from '../../src/plan/contracts.js';
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

const ACCOUNT = '123456789012';

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
    // Picked by the tag the data stack puts on it, and on nothing else of 1k (no RDS).
    const { key, value } = awsBackupTag(synth.plan);
    expect(tagOf(volume, key)).toBe(value);
    expect(selection.Properties.BackupSelection.ListOfTags).toEqual([
      { ConditionKey: key, ConditionType: 'STRINGEQUALS', ConditionValue: value },
    ]);
    const tagged = Object.entries(synth.json.data.Resources).filter(([, resource]) =>
      JSON.stringify(resource).includes(`"${key}"`),
    );
    expect(tagged.map(([id]) => id)).toEqual([volumeId]);
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

  // What the role may call is simulated in iam-simulation.test.ts; here, that the edge lists exactly
  // its target groups under the name the node reads, that they carry the tag the node's grant asks
  // for, and that the compute stack names nothing of the edge's (so it does not wait for it).
  it('registers in the target groups the edge lists by name, and its stack waits for nothing of the edge', () => {
    const statements = identityPoliciesOf(synth.json.compute).flatMap(
      ([, policy]) => (policy.Properties!.PolicyDocument as Json).Statement as Json[],
    );
    const register = statements.filter((statement) =>
      [statement.Action].flat().includes('elasticloadbalancing:RegisterTargets'),
    );
    expect(register).toHaveLength(1);
    expect(register[0].Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: synth.plan.spec.name },
    });
    const groups = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    // HTTPS, the HTTP redirect, SSH and the container registry: every listener of the edge lands on the node.
    expect(groups).toHaveLength(4);
    for (const [id, group] of groups) expect(tagOf(group, ENVIRONMENT_TAG), id).toBe(synth.plan.spec.name);
    const listed = resourcesOf(synth.json.edge, 'AWS::SSM::Parameter').filter(
      ([, parameter]) => parameter.Properties!.Name === webTargetGroupsParameterName(synth.plan),
    );
    expect(listed).toHaveLength(1);
    const [[, parameter]] = listed as [[string, Json]];
    expect(parameter.Properties.Type).toBe('StringList');
    const [separator, values] = parameter.Properties.Value['Fn::Join'];
    expect(separator).toBe(',');
    expect((values as unknown[]).map((value) => referencedLogicalId(synth, value)).sort()).toEqual(
      groups.map(([id]) => id).sort(),
    );
    expect(synth.environment.computeStack.dependencies).not.toContain(synth.environment.edgeStack);
  });

  it('runs gitlab-backup on itself on the Plan schedule, 12 hours from the snapshots, through an SSM association', () => {
    const backup = synth.plan.scheduledBackup;
    expect(backup.runner).toBe('gitlab-1');
    const associations = resourcesOf(synth.json.ops, 'AWS::SSM::Association');
    expect(associations).toHaveLength(1);
    const [, association] = associations[0]!;
    expect(association.Properties).toMatchObject({
      Name: 'AWS-RunShellScript',
      ScheduleExpression: 'cron(30 14 * * ? *)',
      ApplyOnlyAtCronInterval: true,
      Targets: [{ Key: `tag:${SCHEDULED_BACKUP_TAG}`, Values: [synth.plan.spec.name] }],
      Parameters: { executionTimeout: [String(backup.timeoutSeconds)] },
    });
    // The script as config renders it, the bucket named in the stack's account by CloudFormation.
    const commands = ((association.Properties!.Parameters as Json).commands as unknown[]).map(inAccount);
    expect(commands).toEqual(createBackupCommands(synth.plan, { account: ACCOUNT, reportsOutcome: true }));
    expect(commands.join('\n')).toContain(`s3://${backupsBucketName(synth.plan, ACCOUNT)}/gitlab-backup/`);
    // The association finds the node by its tag, valued with the environment alone.
    const [[, instance]] = resourcesOf(synth.json.compute, 'AWS::EC2::Instance') as [[string, Json]];
    expect(tagOf(instance, SCHEDULED_BACKUP_TAG)).toBe(synth.plan.spec.name);
  });

  it('may put the backup outcome in its own metric namespace, which alarms the topic on a failure', () => {
    const { namespace, name } = synth.plan.scheduledBackup.failureMetric;
    const statements = identityPoliciesOf(synth.json.compute).flatMap(
      ([, policy]) => (policy.Properties!.PolicyDocument as Json).Statement as Json[],
    );
    const put = statements.filter((statement) =>
      [statement.Action].flat().includes('cloudwatch:PutMetricData'),
    );
    expect(put).toEqual([
      {
        Action: 'cloudwatch:PutMetricData',
        Effect: 'Allow',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': namespace } },
      },
    ]);
    const alarms = resourcesOf(synth.json.ops, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties!.MetricName === name,
    );
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    expect(alarm.Properties).toMatchObject({
      Namespace: namespace,
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const [topicId] = resourcesOf(synth.json.ops, 'AWS::SNS::Topic')[0]!;
    expect(referencedLogicalId(synth, (alarm.Properties!.AlarmActions as unknown[])[0])).toBe(topicId);
  });
});

/** A template string with the stack's account in place, as CloudFormation resolves it. */
function inAccount(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`not a string or a join: ${JSON.stringify(value)}`);
  return join[1]
    .map((part) =>
      JSON.stringify(part) === JSON.stringify({ Ref: 'AWS::AccountId' }) ? ACCOUNT : inAccount(part),
    )
    .join(join[0]);
}
