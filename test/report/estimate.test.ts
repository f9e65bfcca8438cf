import { describe, expect, it } from 'vitest';
import type { BootOrderPlan, BootWait } from '../../src/plan/boot-order.js';
import { GROUP_TAG, NODE_TAG } from '../../src/plan/contracts.js';
import {
  type CfnResource,
  type CfnTemplate,
  createMinutes,
  estimateDeploy,
  isoMinutes,
  references,
  renderEstimate,
  type StackTemplate,
} from '../../src/report/estimate.js';

/**
 * Three stacks, deployed net -> data -> app. Durations from the table: VPC, subnet, role and
 * listener 0.5 (default), NAT gateway 2, Multi-AZ RDS 20, replication group 12, instance profile 2,
 * NLB 3, and the auto scaling group's typical boot of 12 (under its PT15M signal timeout).
 */
const net: CfnTemplate = {
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC' },
    Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' } } },
    Nat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: { Ref: 'Subnet' } } },
  },
  Outputs: { SubnetOut: { Value: { Ref: 'Subnet' }, Export: { Name: 'net-subnet' } } },
};
const data: CfnTemplate = {
  Resources: {
    Db: {
      Type: 'AWS::RDS::DBInstance',
      Properties: { MultiAZ: true, SubnetIds: [{ 'Fn::ImportValue': 'net-subnet' }] },
    },
    Cache: {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      Properties: { SubnetIds: [{ 'Fn::ImportValue': 'net-subnet' }] },
    },
  },
  Outputs: {
    DbOut: { Value: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }, Export: { Name: 'data-endpoint' } },
  },
};
const app: CfnTemplate = {
  Resources: {
    Role: { Type: 'AWS::IAM::Role' },
    Profile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'Role' }] } },
    Asg: {
      Type: 'AWS::AutoScaling::AutoScalingGroup',
      CreationPolicy: { ResourceSignal: { Timeout: 'PT15M', Count: 2 } },
      Properties: {
        UserData: {
          'Fn::Sub': ['${Profile.Arn} ${AWS::Region} ${Db}', { Db: { 'Fn::ImportValue': 'data-endpoint' } }],
        },
      },
    },
    Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
    Listener: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Lb: { Ref: 'Lb' } } },
  },
};
const STACKS: StackTemplate[] = [
  { name: 'net', template: net },
  { name: 'data', template: data, dependsOn: ['net'] },
  { name: 'app', template: app, dependsOn: ['data'] },
];

describe('deploy-time estimate', () => {
  it('finds the hand-computed critical path through references, imports and stack order', () => {
    // net: Vpc 0-0.5, Subnet 0.5-1, Nat 1-3. data starts at 3: Db 3-23, Cache 3-15.
    // app starts at 23: Role 23-23.5, Profile 23.5-25.5, Asg 25.5-37.5, Lb 23-26, Listener 26-26.5.
    const estimate = estimateDeploy(STACKS);
    expect(estimate.minutes).toBe(37.5);
    expect(estimate.criticalPath.map((step) => `${step.stack}/${step.logicalId}`)).toEqual([
      'net/Vpc',
      'net/Subnet',
      'net/Nat',
      'data/Db',
      'app/Role',
      'app/Profile',
      'app/Asg',
    ]);
    expect(estimate.slowest.logicalId).toBe('Db');
    expect(estimate.ratio).toBeCloseTo(37.5 / 20, 10);
    // Resource by resource: Db 1-21 (needs only the subnet), Asg waits for Db: 21-33.
    expect(estimate.minutesIfResourceLevel).toBe(33);
    expect(
      estimate.serialized.map((wait) => [
        `${wait.resource.stack}/${wait.resource.logicalId}`,
        wait.minutesLost,
        wait.waitsFor,
      ]),
    ).toEqual([
      ['app/Lb', 23, 'data/Db'],
      ['app/Role', 23, 'data/Db'],
      ['data/Db', 2, 'net/Nat'],
      ['data/Cache', 2, 'net/Nat'],
    ]);
  });

  it('prints the estimate line with the path and the ratio', () => {
    const text = renderEstimate(estimateDeploy(STACKS));
    expect(text.split('\n')[0]).toBe(
      'first deploy, estimated: 38 min; critical path: net/Nat (2) -> data/Db (20) -> app/Profile (2) -> app/Asg (12)',
    );
    expect(text).toContain('critical path / slowest resource (data/Db, 20 min): 1.88');
    expect(text).toContain('data/Db (AWS::RDS::DBInstance) waits 2 min for net/Nat');
  });

  it('reads Ref, GetAtt (both forms), Sub and ImportValue, and skips pseudo parameters', () => {
    const found = references({
      a: { Ref: 'A' },
      b: { Ref: 'AWS::StackName' },
      c: { 'Fn::GetAtt': 'C.Arn' },
      d: { 'Fn::GetAtt': ['D', 'Arn'] },
      e: { 'Fn::Sub': 'x-${E}-${AWS::Region}-${F.Name}-${!Literal}' },
      g: { 'Fn::Sub': ['${Own}-${G}', { Own: { Ref: 'H' } }] },
      i: { 'Fn::ImportValue': 'exported' },
    });
    expect([...found.local].sort()).toEqual(['A', 'C', 'D', 'E', 'F', 'G', 'H']);
    expect([...found.imports]).toEqual(['exported']);
  });

  it('takes durations from the table, the signal timeout, and the RDS kind', () => {
    expect(isoMinutes('PT1H30M')).toBe(90);
    expect(isoMinutes('soon')).toBeUndefined();
    expect(createMinutes({ Type: 'AWS::EC2::Instance' }).minutes).toBe(1.5);
    // A gateway endpoint is route table entries; an interface endpoint provisions network interfaces.
    const endpoint = (type: string) =>
      createMinutes({ Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: type } }).minutes;
    expect(endpoint('Gateway')).toBe(0.5);
    expect(endpoint('Interface')).toBe(1.5);
    expect(createMinutes({ Type: 'AWS::RDS::DBInstance', Properties: { MultiAZ: false } }).minutes).toBe(10);
    // A signalled node takes a typical boot, never more than its signal timeout.
    const signalled = (timeout: string) => ({
      Type: 'AWS::EC2::Instance',
      CreationPolicy: { ResourceSignal: { Timeout: timeout } },
    });
    expect(createMinutes(signalled('PT30M')).minutes).toBe(12);
    expect(createMinutes(signalled('PT5M')).minutes).toBe(5);
    expect(
      createMinutes({ Type: 'AWS::RDS::DBInstance', Properties: { SourceDBInstanceIdentifier: 'x' } })
        .minutes,
    ).toBe(15);
    expect(createMinutes({ Type: 'AWS::SNS::Topic' }).minutes).toBe(0.5);
  });

  it('refuses an import nobody exports and a dependency cycle', () => {
    expect(() =>
      estimateDeploy([
        {
          name: 's',
          template: { Resources: { A: { Type: 'X', Properties: { 'Fn::ImportValue': 'nope' } } } },
        },
      ]),
    ).toThrow(/imports 'nope', which no stack exports/);
    expect(() =>
      estimateDeploy([
        {
          name: 's',
          template: { Resources: { A: { Type: 'X', DependsOn: 'B' }, B: { Type: 'X', DependsOn: ['A'] } } },
        },
      ]),
    ).toThrow(/cycle/);
  });
});

describe('deploy-time estimate with the boot order', () => {
  /** Two tagged nodes in one stack: `b` signals; `a` produces `x` at the end of its boot. */
  const node = (id: string, extra: Partial<CfnResource> = {}): CfnResource => ({
    Type: 'AWS::EC2::Instance',
    CreationPolicy: { ResourceSignal: { Timeout: 'PT30M' } },
    Properties: { Tags: [{ Key: NODE_TAG, Value: id }] },
    ...extra,
  });
  const subject = (id: string) => ({
    ref: { kind: 'node' as const, id },
    role: 'gitaly' as const,
    phases: ['install', 'configure', 'start'] as const,
  });
  const order = (enforcedBy: BootWait['enforcedBy'], before: BootWait['before']): BootOrderPlan => ({
    subjects: [subject('a'), subject('b')],
    artifacts: [
      {
        id: 'x',
        kind: 'gitlab-secrets-json',
        producer: { kind: 'node', id: 'a' },
        producedAfter: 'start',
      },
    ],
    waits: [{ waiter: { kind: 'node', id: 'b' }, artifact: 'x', before, enforcedBy, timeoutSeconds: 1800 }],
  });
  const stacks = (bDependsOnA: boolean): StackTemplate[] => [
    {
      name: 's',
      template: { Resources: { A: node('a'), B: node('b', bDependsOnA ? { DependsOn: 'A' } : {}) } },
    },
  ];

  it('has a node signal at the latest of its own boot and each artifact it waits for plus the boot left', () => {
    // a: 0-12 (install 7, configure 3, start 2). b reaches the wait at 7, waits until 12, then 3 + 2.
    const estimate = estimateDeploy(stacks(false), { bootOrder: order('boot-script', 'configure') });
    expect(estimate.minutes).toBe(17);
    expect(
      estimate.criticalPath.map((step) => [step.logicalId, step.start, step.finish, step.heldBy]),
    ).toEqual([
      ['A', 0, 12, undefined],
      ['B', 0, 17, 'x'],
    ]);
    // Its own duration stays its boot: the slowest resource is not inflated by waiting.
    expect(estimate.slowest.minutes).toBe(12);
    expect(renderEstimate(estimate)).toContain('s/B (12, waited for x)');
    // Without the boot order, only CloudFormation's (absent) dependencies count.
    expect(estimateDeploy(stacks(false)).minutes).toBe(12);
  });

  it('does not shorten when a DependsOn that a boot wait covers is removed', () => {
    const bootOrder = order('cloudformation', 'install');
    const withDependency = estimateDeploy(stacks(true), { bootOrder });
    expect(withDependency.minutes).toBe(24);
    expect(estimateDeploy(stacks(false), { bootOrder }).minutes).toBe(withDependency.minutes);
  });

  it('lets a node whose artifact nobody produces fail at its creation timeout', () => {
    const bootOrder: BootOrderPlan = {
      ...order('boot-script', 'configure'),
      artifacts: [{ id: 'x', kind: 'gitlab-secrets-json' }],
    };
    expect(estimateDeploy(stacks(false), { bootOrder }).minutes).toBe(30);
  });

  it("waits for a data service's endpoint parameter, and for a node of a group by its tags", () => {
    const bootOrder: BootOrderPlan = {
      subjects: [
        { ref: { kind: 'group', id: 'rails' }, role: 'rails', phases: ['install', 'configure', 'start'] },
      ],
      artifacts: [
        {
          id: 'database-ready:postgres',
          kind: 'database-ready',
          producer: { kind: 'service', id: 'postgres' },
          parameter: '/prod/data-endpoints/database',
        },
      ],
      waits: [
        {
          waiter: { kind: 'group', id: 'rails' },
          artifact: 'database-ready:postgres',
          before: 'configure',
          enforcedBy: 'boot-script',
          timeoutSeconds: 1800,
        },
      ],
    };
    const template: CfnTemplate = {
      Resources: {
        Single: { Type: 'AWS::RDS::DBInstance', Properties: { MultiAZ: false } },
        Primary: { Type: 'AWS::RDS::DBInstance', Properties: { MultiAZ: true } },
        Name: {
          Type: 'AWS::Route53::RecordSet',
          Properties: { ResourceRecords: [{ 'Fn::GetAtt': ['Primary', 'Endpoint.Address'] }] },
        },
        Endpoint: {
          Type: 'AWS::SSM::Parameter',
          DependsOn: ['Name'],
          Properties: { Name: '/prod/data-endpoints/database', Value: 'database.prod.internal:5432' },
        },
        Other: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Name: '/prod/data-endpoints/redis', Value: 'redis:6379' },
        },
        Group: {
          Type: 'AWS::AutoScaling::AutoScalingGroup',
          CreationPolicy: { ResourceSignal: { Timeout: 'PT30M' } },
          Properties: { Tags: [{ Key: GROUP_TAG, Value: 'rails', PropagateAtLaunch: true }] },
        },
      },
    };
    // The group reaches the wait at 7; the parameter exists once the Multi-AZ instance (20) and its
    // name (1) do, at 21.5; then it configures (3) and starts (2).
    const estimate = estimateDeploy([{ name: 's', template }], { bootOrder });
    expect(estimate.minutes).toBe(26.5);
    expect(estimate.criticalPath.map((step) => step.logicalId)).toEqual([
      'Primary',
      'Name',
      'Endpoint',
      'Group',
    ]);
    // Without the parameter in the templates, the wait never ends: the group fails at its creation
    // timeout (PT30M), not as soon as the instance exists.
    const { Endpoint: _endpoint, ...withoutParameter } = template.Resources!;
    expect(
      estimateDeploy([{ name: 's', template: { Resources: withoutParameter } }], { bootOrder }).minutes,
    ).toBe(30);
  });
});
