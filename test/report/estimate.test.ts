import { describe, expect, it } from 'vitest';
import {
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
