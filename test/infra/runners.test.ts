/**
 * The runner fleet as CloudFormation gets it: every requirement of the fleeting plugin on the job
 * group, the manager alone and on demand, only the manager reaching the job instances, and the
 * manager's role evaluated by an IAM policy evaluator: what the plugin and the boot script call is
 * allowed, the same calls on anything not its own are denied.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComputeStack } from '../../src/infra/stacks/compute-stack.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { resolver } from './iam-resolve.js';
import {
  type CfnResource,
  identityPoliciesOf,
  type Json,
  resolvedIn,
  resourcesOf,
  type Synthesized,
  synthesize,
  TEST_ACCOUNT,
} from './synth.js';

let plan: Plan;
let synth: Synthesized;
// One app (the smallest, on Graviton): synthesizing costs seconds; x86 is checked at the Plan.
beforeAll(() => {
  plan = planFor({
    architecture: { size: '1k', cpu: 'graviton' },
    runners: { enabled: true, maxInstances: 12, onDemandBase: 1 },
  });
  synth = synthesize(plan);
});

const groupNamed = (target: Synthesized, name: string): CfnResource =>
  resourcesOf(target.json.compute, 'AWS::AutoScaling::AutoScalingGroup').find(
    ([, group]) => group.Properties?.AutoScalingGroupName === name,
  )![1];

describe('job instances group', () => {
  it('is Spot above the base, price-capacity-optimized over every type, in every AZ', () => {
    const fleet = groupNamed(synth, 'gitlab-test-runner-fleet').Properties as Json;
    const policy = fleet.MixedInstancesPolicy;
    expect(policy.InstancesDistribution).toEqual({
      OnDemandBaseCapacity: 1,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
    expect(policy.LaunchTemplate.Overrides.map((o: Json) => o.InstanceType)).toEqual(
      plan.runners!.fleet.instanceTypes.map((type) => type.instanceType),
    );
    expect(fleet.VPCZoneIdentifier).toHaveLength(3);
    expect(fleet.MinSize).toBe('0');
    expect(fleet.MaxSize).toBe('12');
    expect(fleet.DesiredCapacity).toBeUndefined();
  });

  it('protects new instances from scale-in, leaves Capacity Rebalancing off and has no scaling policy', () => {
    const fleet = groupNamed(synth, 'gitlab-test-runner-fleet').Properties as Json;
    expect(fleet.NewInstancesProtectedFromScaleIn).toBe(true);
    expect(fleet.CapacityRebalance).toBe(false);
    const policies = resourcesOf(synth.json.compute, 'AWS::AutoScaling::ScalingPolicy');
    const fleetId = resourcesOf(synth.json.compute, 'AWS::AutoScaling::AutoScalingGroup').find(
      ([, group]) => group.Properties?.AutoScalingGroupName === 'gitlab-test-runner-fleet',
    )![0];
    expect(policies.filter(([, p]) => JSON.stringify(p.Properties).includes(fleetId))).toEqual([]);
  });

  it('boots with Docker, IMDSv2, no instance role and encrypted volumes', () => {
    const templates = resourcesOf(synth.json.compute, 'AWS::EC2::LaunchTemplate').map(
      ([, t]) => t.Properties!.LaunchTemplateData as Json,
    );
    const fleetTemplate = templates.find((data) =>
      JSON.stringify(data.UserData ?? null).includes('docker.io'),
    )!;
    expect(fleetTemplate.InstanceType).toBeUndefined();
    expect(fleetTemplate.IamInstanceProfile).toBeUndefined();
    expect(fleetTemplate.MetadataOptions.HttpTokens).toBe('required');
    expect(fleetTemplate.BlockDeviceMappings[0].Ebs.Encrypted).toBe(true);
  });

  it('admits SSH from the manager only', () => {
    const ingress = resourcesOf(synth.json.compute, 'AWS::EC2::SecurityGroupIngress').filter(([, rule]) =>
      JSON.stringify(rule.Properties).includes('RunnersFleetSecurityGroup'),
    );
    expect(ingress).toHaveLength(1);
    const rule = ingress[0]![1].Properties as Json;
    expect([rule.FromPort, rule.ToPort, rule.IpProtocol]).toEqual([22, 22, 'tcp']);
    expect(JSON.stringify(rule.SourceSecurityGroupId)).toContain('RunnersManagerSecurityGroup');
    expect(rule.CidrIp).toBeUndefined();
  });

  it('records Spot interruption warnings', () => {
    const rules = resourcesOf(synth.json.compute, 'AWS::Events::Rule').map(([, r]) => r.Properties as Json);
    expect(
      rules.some((r) => r.EventPattern['detail-type']?.[0] === 'EC2 Spot Instance Interruption Warning'),
    ).toBe(true);
  });

  it('keeps the warnings in the log group that destroy names as kept', () => {
    const prefix = plan.runners!.fleet.interruptionLogGroupPrefix;
    expect(prefix).toBe(`/gitlab-aws/${plan.spec.name}/runner-spot-interruptions`);
    const named = resourcesOf(synth.json.compute, 'AWS::Logs::LogGroup').filter(([, group]) =>
      JSON.stringify(group.Properties?.LogGroupName).includes(prefix),
    );
    expect(named).toHaveLength(1);
    expect(named[0]![1].DeletionPolicy).toBe('Retain');
    const kept = plan.statefulResources.find((resource) => resource.id === 'log-group-runner-interruptions');
    expect(kept).toMatchObject({ onStackDelete: 'retain' });
    expect(kept!.description).toContain(`${prefix}-`);
  });
});

describe('runner manager', () => {
  it('is one on-demand instance in a group of one, IMDSv2 and its role', () => {
    const manager = groupNamed(synth, 'gitlab-test-runner-manager').Properties as Json;
    expect([manager.MinSize, manager.MaxSize]).toEqual(['1', '1']);
    expect(manager.MixedInstancesPolicy).toBeUndefined();
    const template = resourcesOf(synth.json.compute, 'AWS::EC2::LaunchTemplate')
      .map(([, t]) => t.Properties!.LaunchTemplateData as Json)
      .find((data) => JSON.stringify(data.UserData ?? null).includes('gitlab-aws-runner-boot'))!;
    expect(template.InstanceType).toBe('m7g.large');
    expect(template.InstanceMarketOptions).toBeUndefined();
    expect(template.MetadataOptions.HttpTokens).toBe('required');
    expect(template.IamInstanceProfile).toBeDefined();
  });

  it("encrypts the root volume of the manager and of every job instance with the environment's key", () => {
    const templates = resourcesOf(synth.json.compute, 'AWS::EC2::LaunchTemplate').filter(([id]) =>
      id.startsWith('Runners'),
    );
    expect(templates).toHaveLength(2);
    for (const [id, template] of templates) {
      const mappings = (template.Properties!.LaunchTemplateData as Json).BlockDeviceMappings as Json[];
      expect(mappings.length, id).toBeGreaterThan(0);
      for (const mapping of mappings) {
        expect(mapping.Ebs.Encrypted, id).toBe(true);
        // The network stack's root volume key, which exists before compute starts, named by its alias.
        expect(JSON.stringify(mapping.Ebs.KmsKeyId), id).toContain(`:alias/${plan.spec.name}/root-volumes`);
      }
    }
  });

  it("has its journal's log group, named per environment, with the Plan's retention, gone with the stack", () => {
    const groups = resourcesOf(synth.json.compute, 'AWS::Logs::LogGroup').filter(
      ([, group]) => group.Properties?.LogGroupName === plan.runners!.manager.logs.logGroupName,
    );
    expect(groups).toHaveLength(1);
    const [, group] = groups[0]!;
    expect(plan.runners!.manager.logs.logGroupName).toBe('/gitlab-aws/gitlab-test/runner-manager');
    expect(group.Properties!.RetentionInDays).toBe(plan.runners!.manager.logs.retentionDays);
    expect(group.DeletionPolicy).toBe('Delete');
  });

  it('has a cache bucket named like every bucket, emptied and deleted with the stack, objects expiring', () => {
    const [id, bucket] = resourcesOf(synth.json.compute, 'AWS::S3::Bucket')[0]!;
    expect(resolvedIn(bucket.Properties!.BucketName)).toBe(
      `gl-gitlab-test-runner-cache-${TEST_ACCOUNT}-us-west-2`,
    );
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect((bucket.Properties as Json).LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(14);
    // The manager's config.toml names it.
    expect(JSON.stringify(synth.json.compute)).toMatch(new RegExp(`BucketName = .*${id}`));
  });
});

/** The manager role's identity policies, resolved into the test account. */
function managerPolicies(target: Synthesized) {
  const roleId = target.environment.stacks.compute.getLogicalId(
    (target.environment.stacks.compute as ComputeStack).runners!.managerRole.node.defaultChild as never,
  );
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, Json>;
    if ('Ref' in object) {
      const resource = target.json.compute.Resources[object.Ref];
      if (resource?.Type === 'AWS::SecretsManager::Secret')
        return `arn:aws:secretsmanager:us-west-2:${TEST_ACCOUNT}:secret:${resource.Properties!.Name}-AbCdEf`;
      return resolvedIn(object);
    }
    if ('Fn::GetAtt' in object) {
      const [logicalId] = object['Fn::GetAtt'];
      const resource = target.json.compute.Resources[logicalId]!;
      // A log group's Arn attribute ends in `:*`.
      if (resource.Type === 'AWS::Logs::LogGroup')
        return `arn:aws:logs:us-west-2:${TEST_ACCOUNT}:log-group:${resource.Properties!.LogGroupName}:*`;
      return `arn:aws:s3:::${resolvedIn(resource.Properties!.BucketName)}`;
    }
    if ('Fn::Join' in object) return (resolve(object['Fn::Join'][1]) as string[]).join(object['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolve(item)]));
  };
  return resourcesOf(target.json.compute, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties!.Roles as Json[]).some((role) => role.Ref === roleId))
    .map(([name, policy]) => ({ name, policy: resolve(policy.Properties!.PolicyDocument) as Json }));
}

async function decide(
  policies: ReturnType<typeof managerPolicies>,
  action: string,
  resource: string,
  context: Record<string, string> = {},
) {
  const response = await runSimulation(
    {
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${TEST_ACCOUNT}:role/manager`,
        resource: { resource, accountId: TEST_ACCOUNT },
        contextVariables: context,
      },
    },
    {},
  );
  return response.resultType === 'error'
    ? `error ${JSON.stringify(response.errors)}`
    : response.overallResult;
}

describe('runner manager role, simulated', () => {
  const region = 'us-west-2';
  const group = (name: string) =>
    `arn:aws:autoscaling:${region}:${TEST_ACCOUNT}:autoScalingGroup:0123abcd-0000-0000-0000-000000000000:autoScalingGroupName/${name}`;
  const instance = `arn:aws:ec2:${region}:${TEST_ACCOUNT}:instance/i-0123456789abcdef0`;
  const bucket = `arn:aws:s3:::gl-gitlab-test-runner-cache-${TEST_ACCOUNT}-us-west-2`;
  const otherBucket = `arn:aws:s3:::gl-gitlab-test-artifacts-${TEST_ACCOUNT}-us-west-2`;
  const token = `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT}:secret:gitlab-test/runner-authentication-token-AbCdEf`;
  const adminToken = `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT}:secret:gitlab-test/runner-admin-token-AbCdEf`;
  const logGroup = (name: string) => `arn:aws:logs:${region}:${TEST_ACCOUNT}:log-group:${name}`;
  const managerLog = logGroup('/gitlab-aws/gitlab-test/runner-manager');
  const runCommandLog = logGroup('/gitlab-aws/gitlab-test/run-command');

  it('allows what the fleeting plugin and the boot script call, on its own fleet, cache and token', async () => {
    const policies = managerPolicies(synth);
    const allowed: [string, string, Record<string, string>?][] = [
      ['autoscaling:SetDesiredCapacity', group('gitlab-test-runner-fleet')],
      ['autoscaling:TerminateInstanceInAutoScalingGroup', group('gitlab-test-runner-fleet')],
      ['autoscaling:SuspendProcesses', group('gitlab-test-runner-fleet')],
      ['autoscaling:DescribeAutoScalingGroups', '*'],
      ['autoscaling:DescribeAutoScalingInstances', '*'],
      ['ec2:DescribeInstances', '*'],
      [
        'ec2-instance-connect:SendSSHPublicKey',
        instance,
        { 'ec2:ResourceTag/aws:autoscaling:groupName': 'gitlab-test-runner-fleet' },
      ],
      ['autoscaling:SetInstanceHealth', group('gitlab-test-runner-manager')],
      ['s3:PutObject', `${bucket}/runner/cache.zip`],
      ['s3:GetObject', `${bucket}/runner/cache.zip`],
      ['s3:ListBucket', bucket],
      ['secretsmanager:GetSecretValue', token],
      ['logs:CreateLogStream', `${managerLog}:log-stream:i-0abc/gitlab-runner`],
      ['logs:PutLogEvents', `${managerLog}:log-stream:i-0abc/gitlab-runner`],
      ['logs:DescribeLogStreams', `${managerLog}:*`],
    ];
    for (const [action, resource, context] of allowed) {
      expect(await decide(policies, action, resource, context), `${action} ${resource}`).toBe('Allowed');
    }
  });

  it('denies the same calls on anything not its own: other groups, other instances, other buckets and secrets', async () => {
    const policies = managerPolicies(synth);
    const denied: [string, string, Record<string, string>?][] = [
      ['autoscaling:SetDesiredCapacity', group('gitlab-test-rails')],
      ['autoscaling:TerminateInstanceInAutoScalingGroup', group('gitlab-test-rails')],
      ['autoscaling:SuspendProcesses', group('gitlab-test-rails')],
      ['autoscaling:SetDesiredCapacity', group('gitlab-test-runner-manager')],
      ['autoscaling:UpdateAutoScalingGroup', group('gitlab-test-runner-fleet')],
      [
        'ec2-instance-connect:SendSSHPublicKey',
        instance,
        { 'ec2:ResourceTag/aws:autoscaling:groupName': 'gitlab-test-rails' },
      ],
      ['ec2-instance-connect:SendSSHPublicKey', instance],
      ['ec2:TerminateInstances', instance],
      ['s3:GetObject', `${otherBucket}/x`],
      ['s3:DeleteBucket', bucket],
      [
        'secretsmanager:GetSecretValue',
        `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT}:secret:gitlab-test/root-password-AbCdEf`,
      ],
      ['secretsmanager:PutSecretValue', token],
      ['secretsmanager:GetSecretValue', adminToken],
      ['secretsmanager:PutSecretValue', adminToken],
      ['logs:PutLogEvents', `${runCommandLog}:log-stream:c-1/aws-runShellScript/stdout`],
      ['logs:CreateLogStream', `${runCommandLog}:log-stream:x`],
      ['logs:PutRetentionPolicy', `${managerLog}:*`],
      ['logs:DeleteLogGroup', `${managerLog}:*`],
    ];
    for (const [action, resource, context] of denied) {
      expect(await decide(policies, action, resource, context), `${action} ${resource}`).not.toBe('Allowed');
    }
  });

  it('lets the Rails node write the administrator token it makes, and nothing more of the runner secrets', async () => {
    // Its policies name resources of every stack: the shared resolver resolves them all.
    const { resolve } = resolver(synth);
    const roleId = synth.environment.stacks.compute.getLogicalId(
      (synth.environment.stacks.compute as ComputeStack).instanceRoles.of('gitlab').node
        .defaultChild as never,
    );
    const rails = identityPoliciesOf(synth.json.compute)
      .filter(([, policy]) => (policy.Properties!.Roles as Json[]).some((role) => role.Ref === roleId))
      .map(([name, policy]) => ({
        name,
        policy: resolve('compute', policy.Properties!.PolicyDocument) as Json,
      }));
    expect(rails.length).toBeGreaterThan(0);
    expect(await decide(rails, 'secretsmanager:PutSecretValue', adminToken)).toBe('Allowed');
    for (const [action, resource] of [
      ['secretsmanager:GetSecretValue', adminToken],
      ['secretsmanager:UpdateSecret', adminToken],
      ['secretsmanager:DeleteSecret', adminToken],
      ['secretsmanager:PutSecretValue', token],
      ['secretsmanager:GetSecretValue', token],
    ] as const) {
      expect(await decide(rails, action, resource), `${action} ${resource}`).not.toBe('Allowed');
    }
  });
});
