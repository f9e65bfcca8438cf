import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { backupResourceArns, type DataStackContents } from '../../src/lifecycle/backup.js';
import { awsBackupTag, ROLE_TAG } from '../../src/plan/contracts.js';
import { planFor } from '../fixtures/plans.js';
import {
  type CfnResource,
  identityPoliciesOf,
  type Json,
  referencedLogicalId,
  resourcesOf,
  type Synthesized,
  synthesize,
  tagOf,
} from './synth.js';

describe('ops with bastions and an alarm e-mail (10k)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(
      planFor({
        architecture: { size: '10k' },
        access: { admin: 'bastion', sshAllowedCidrs: ['198.51.100.0/24'] },
        monitoring: { alarmEmail: 'ops@example.com' },
        backups: { schedule: 'cron(30 3 * * ? *)', retentionDays: 30 },
      }),
    );
  });

  it('runs two bastions with Elastic IPs in the public subnets of the first two AZs', () => {
    const bastions = resourcesOf(synth.json.compute, 'AWS::EC2::Instance').filter(
      ([, instance]) => tagOf(instance, ROLE_TAG) === 'bastion',
    );
    expect(bastions.map(([, bastion]) => bastion.Properties!.AvailabilityZone).sort()).toEqual(
      synth.plan.availabilityZones.slice(0, 2),
    );
    // The others are the NAT gateways'.
    const eips = resourcesOf(synth.json.compute, 'AWS::EC2::EIP').filter(
      ([, eip]) => eip.Properties!.InstanceId,
    );
    expect(eips.map(([, eip]) => referencedLogicalId(synth, eip.Properties!.InstanceId)).sort()).toEqual(
      bastions.map(([id]) => id).sort(),
    );
  });

  it('runs the Prometheus monitoring node with EC2 service discovery rights on its own role', () => {
    const monitoring = resourcesOf(synth.json.compute, 'AWS::EC2::Instance').filter(
      ([, instance]) => tagOf(instance, ROLE_TAG) === 'monitoring',
    );
    expect(monitoring).toHaveLength(1);
    // Instance -> instance profile -> role -> the policies attached to that role only (Gitaly's
    // role is granted ec2:DescribeInstances too, so searching the whole stack proves nothing).
    const [, instance] = monitoring[0]!;
    const profile =
      synth.json.compute.Resources[referencedLogicalId(synth, instance.Properties!.IamInstanceProfile)!]!;
    const roles = (profile.Properties!.Roles as unknown[]).map((role) => referencedLogicalId(synth, role));
    expect(roles).toHaveLength(1);
    const actions = identityPoliciesOf(synth.json.compute)
      .filter(([, policy]) =>
        (policy.Properties!.Roles as unknown[]).some((role) => referencedLogicalId(synth, role) === roles[0]),
      )
      .flatMap(([, policy]) => (policy.Properties!.PolicyDocument as Json).Statement as Json[])
      .flatMap((statement) => [statement.Action].flat());
    expect(actions).toContain('ec2:DescribeInstances');
    expect(actions).toContain('ec2:DescribeAvailabilityZones');
  });

  it('alarms on 5xx rate, unhealthy hosts, RDS CPU and storage and every Redis node memory, to SNS', () => {
    // Each alarm is built where what it watches lives: Praefect's load balancer in the compute stack,
    // beside the scaling and recovery alarms; the databases and Redis nodes in the data stack; the
    // external load balancer and the 5xx rate in ops.
    const notifying = (kind: 'ops' | 'compute' | 'data') =>
      resourcesOf(synth.json[kind], 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm.Properties!)
        .filter((alarm) => JSON.stringify(alarm.AlarmActions).includes(':sns:') || kind === 'ops');
    const alarms = [...notifying('ops'), ...notifying('compute'), ...notifying('data')];
    const names = (metric: string) => alarms.filter((alarm) => JSON.stringify(alarm).includes(metric));
    expect(names('Http5xx')).toHaveLength(1);
    // The edge's HTTPS, redirect, SSH and registry target groups, and Praefect's.
    expect(names('UnHealthyHostCount')).toHaveLength(5);
    // GitLab's RDS instance and Praefect's own.
    const databases = synth.plan.services.filter((service) => service.kind === 'rds').length;
    expect(databases).toBe(synth.plan.architecture.gitalyMode === 'cluster' ? 2 : 1);
    expect(names('CPUUtilization')).toHaveLength(databases);
    expect(names('FreeStorageSpace')).toHaveLength(databases);
    const redisNodes = synth.plan.services
      .filter((service) => service.kind === 'elasticache')
      .reduce((sum, service) => sum + (service.kind === 'elasticache' ? service.count : 0), 0);
    expect(names('DatabaseMemoryUsagePercentage')).toHaveLength(redisNodes);
    expect(notifying('data')).toHaveLength(2 * databases + redisNodes);
    const [[topic, { Properties: topicProperties }]] = resourcesOf(
      synth.json.ops,
      'AWS::SNS::Topic',
    ) as unknown as [[string, { Properties: Json }]];
    for (const alarm of notifying('ops')) {
      expect((alarm.AlarmActions as unknown[]).map((action) => referencedLogicalId(synth, action))).toEqual([
        topic,
      ]);
    }
    // The compute and data stacks name the topic by its ARN: the ops stack's topic, in this region and account.
    const topicArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:sns:${synth.plan.region}:`,
          { Ref: 'AWS::AccountId' },
          `:${topicProperties.TopicName}`,
        ],
      ],
    };
    expect(notifying('compute')).toHaveLength(1);
    for (const alarm of [...notifying('compute'), ...notifying('data')]) {
      expect(alarm.AlarmActions).toEqual([topicArn]);
      expect(alarm.OKActions).toEqual([topicArn]);
    }
    const rules = resourcesOf(synth.json.compute, 'AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties).includes('aws.autoscaling'),
    );
    expect(rules).toHaveLength(1);
    const [[, rule]] = rules as unknown as [[string, Json]];
    expect(rule.Properties.Targets.map((target: Json) => target.Arn)).toEqual([topicArn]);
    // EventBridge may publish to the topic: the rule names it by ARN, which adds nothing to its policy.
    synth.templates.ops.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
    expect(resourcesOf(synth.json.ops, 'AWS::Events::Rule')).toEqual([]);
    synth.templates.ops.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    synth.templates.compute.hasResourceProperties('AWS::Logs::MetricFilter', {
      MetricTransformations: [Match.objectLike({ MetricName: 'Http5xx' })],
      FilterPattern: Match.stringLikeRegexp('status = "5\\*"|status="5\\*"'),
    });
  });

  it('backs up what the data stack tags for it on the spec schedule into a retained vault', () => {
    synth.templates.ops.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({ ScheduleExpression: 'cron(30 3 * * ? *)', Lifecycle: { DeleteAfterDays: 30 } }),
        ],
        BackupPlanName: Match.anyValue(),
      },
    });
    synth.templates.ops.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain' });
    // By the tag alone (test/infra/agreement.test.ts holds the tagged resources to the Plan), so the
    // ops stack names no data resource: nothing it holds waits for RDS.
    const { key, value } = awsBackupTag(synth.plan);
    synth.templates.ops.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: {
        ListOfTags: [{ ConditionKey: key, ConditionType: 'STRINGEQUALS', ConditionValue: value }],
        Resources: Match.absent(),
      },
    });
    expect(JSON.stringify(synth.json.ops)).not.toContain(`"${synth.environment.dataStack.stackName}:`);
    expect(JSON.stringify(synth.json.ops)).not.toContain('Fn::GetStackOutput');
  });

  // `gitlab-aws backup` starts its on-demand jobs on the data stack's resources that carry the backup
  // tag, as RDS and EC2 report their tags once CloudFormation has created them from this template:
  // the set the scheduled selection picks, whose tag condition is read here from the ops template.
  describe('on demand, as the deployed data stack reports itself', () => {
    const ACCOUNT = '123456789012';
    const physicalId = (logicalId: string) => `${logicalId.toLowerCase()}-physical`;
    const tagsOf = (resource: CfnResource) =>
      Object.fromEntries(
        ((resource.Properties?.Tags ?? []) as { Key: string; Value: string }[]).map((tag) => [
          tag.Key,
          tag.Value,
        ]),
      );
    let deployed: DataStackContents;
    beforeAll(() => {
      deployed = {
        resources: Object.entries(synth.json.data.Resources).map(([logicalId, resource]) => ({
          type: resource.Type,
          physicalId: physicalId(logicalId),
        })),
        databases: resourcesOf(synth.json.data, 'AWS::RDS::DBInstance').map(([logicalId, resource]) => ({
          id: physicalId(logicalId),
          ...(resource.Properties?.SourceDBInstanceIdentifier ? { replicaOf: 'its-primary' } : {}),
          deletionProtection: true,
          tags: tagsOf(resource),
        })),
        volumes: resourcesOf(synth.json.data, 'AWS::EC2::Volume').map(([logicalId, resource]) => ({
          id: physicalId(logicalId),
          tags: tagsOf(resource),
        })),
      };
    });

    it('backs up exactly what the scheduled selection picks: the RDS primaries and the data volumes', () => {
      const [, selection] = resourcesOf(synth.json.ops, 'AWS::Backup::BackupSelection')[0]!;
      const conditions = (selection.Properties!.BackupSelection as Json).ListOfTags as {
        ConditionKey: string;
        ConditionValue: string;
      }[];
      // Tags as a list (an SSM parameter's are a map, and never this one: agreement.test.ts).
      const scheduled = Object.entries(synth.json.data.Resources).filter(
        ([, resource]) =>
          Array.isArray(resource.Properties?.Tags) &&
          conditions.some(
            (condition) => tagOf(resource, condition.ConditionKey) === condition.ConditionValue,
          ),
      );
      const { region } = synth.plan;
      const arnOf = ([logicalId, resource]: [string, CfnResource]) =>
        resource.Type === 'AWS::RDS::DBInstance'
          ? `arn:aws:rds:${region}:${ACCOUNT}:db:${physicalId(logicalId)}`
          : `arn:aws:ec2:${region}:${ACCOUNT}:volume/${physicalId(logicalId)}`;
      const onDemand = backupResourceArns(synth.plan, deployed, ACCOUNT);
      expect([...onDemand].sort()).toEqual(scheduled.map(arnOf).sort());
      // GitLab's and Praefect's primaries, and every Gitaly volume.
      const primaries = synth.plan.services.flatMap((service) =>
        service.kind === 'rds' ? service.members.filter((member) => member.role === 'primary') : [],
      );
      expect(onDemand.filter((arn) => arn.includes(':db:'))).toHaveLength(primaries.length);
      expect(onDemand.filter((arn) => arn.includes(':volume/'))).toHaveLength(
        synth.plan.nodes.filter((node) => node.role === 'gitaly').length,
      );
    });

    // A replica holds its primary's data, and RDS keeps no automated backups of it: jobs of the
    // replicas would only lengthen the backup and leave recovery points to tell from the primary's.
    it('starts no job for a read replica', () => {
      const replicas = deployed.databases.filter((database) => database.replicaOf);
      expect(replicas.length).toBeGreaterThan(0);
      const onDemand = backupResourceArns(synth.plan, deployed, ACCOUNT);
      for (const replica of replicas)
        expect(
          onDemand.filter((arn) => arn.endsWith(`:db:${replica.id}`)),
          replica.id,
        ).toEqual([]);
    });

    it('refuses, starting nothing, an environment an earlier release deployed without the tag', () => {
      const untagged = {
        ...deployed,
        databases: deployed.databases.map((database) => ({ ...database, tags: {} })),
        volumes: deployed.volumes.map((volume) => ({ ...volume, tags: {} })),
      };
      expect(() => backupResourceArns(synth.plan, untagged, ACCOUNT)).toThrow(
        expect.objectContaining({
          name: 'UserError',
          exitCode: 2,
          message: expect.stringMatching(/gitlab-aws deploy/),
        }),
      );
    });
  });

  // An ops stack of the previous layout imports each RDS primary's identifier for its alarms. Data
  // and ops now deploy side by side, and CloudFormation refuses to remove an export a deployed stack
  // imports, so the data stack keeps exporting them (the routine-change tests cover the rest).
  it("keeps exporting each RDS primary's identifier, which an ops stack of the previous layout imports", () => {
    const data = synth.environment.dataStack;
    const primaries = [data.database, data.praefectDatabase].map((database) =>
      data.getLogicalId(database!.instance.node.defaultChild as CfnElement),
    );
    const exported = Object.values(synth.json.data.Outputs ?? {})
      .filter((output) => output.Export)
      .map((output) => referencedLogicalId(synth, output.Value));
    for (const primary of primaries) expect(exported).toContain(primary);
  });

  // Literal output names: `gitlab-aws backup` reads them from deployed ops stacks.
  it('outputs the vault name and the role the backup plan uses, as BackupVaultName and BackupRoleArn', () => {
    const [vaultId] = resourcesOf(synth.json.ops, 'AWS::Backup::BackupVault')[0]!;
    synth.templates.ops.hasOutput('BackupVaultName', {
      Value: { 'Fn::GetAtt': [vaultId, 'BackupVaultName'] },
    });
    const [, selection] = resourcesOf(synth.json.ops, 'AWS::Backup::BackupSelection')[0]!;
    const selectionRole = (selection.Properties!.BackupSelection as Json).IamRoleArn;
    synth.templates.ops.hasOutput('BackupRoleArn', { Value: selectionRole });
    const roleId = referencedLogicalId(synth, selectionRole)!;
    synth.templates.ops.hasResource('AWS::IAM::Role', {
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })],
        }),
      }),
    });
    expect(synth.json.ops.Resources[roleId]!.Type).toBe('AWS::IAM::Role');
  });
});

describe('ops with Session Manager', () => {
  it('runs no bastion and opens no SSH from outside to instances', () => {
    const synth = synthesize(planFor({ architecture: { size: '2k' } }));
    expect(
      resourcesOf(synth.json.compute, 'AWS::EC2::Instance').filter(
        ([, instance]) => tagOf(instance, ROLE_TAG) === 'bastion',
      ),
    ).toEqual([]);
    // The only Elastic IPs are the NAT gateways'.
    const eips = resourcesOf(synth.json.compute, 'AWS::EC2::EIP');
    expect(eips).toHaveLength(synth.plan.network.natGateways);
    expect(eips.filter(([, eip]) => eip.Properties!.InstanceId)).toEqual([]);
  });
});
