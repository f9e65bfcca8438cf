/**
 * The stack table (`STACK_CONTENTS`, which the README and every stack's description show) says
 * what the synthesized stacks hold: each phrase names resource types the stack has, and every
 * resource type a stack has, other than the wiring of those resources, is named by a phrase.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_CONTENTS, STACK_ORDER, type StackKind } from '../../src/plan/stacks.js';
import { planFor, type SpecOverrides } from '../fixtures/plans.js';
import { type CfnTemplate, synthesize } from './synth.js';

/** What each phrase of a stack's contents stands for, as CloudFormation resource types. */
const CLAIMS: Readonly<Record<StackKind, Readonly<Record<string, readonly string[]>>>> = {
  network: {
    VPC: ['AWS::EC2::VPC', 'AWS::EC2::InternetGateway'],
    subnets: ['AWS::EC2::Subnet'],
    'S3 gateway endpoint': ['AWS::EC2::VPCEndpoint'],
    'flow logs': ['AWS::EC2::FlowLog', 'AWS::Logs::LogGroup', 'AWS::IAM::Role'],
    'private DNS zone (a Cloud Map namespace)': ['AWS::ServiceDiscovery::PrivateDnsNamespace'],
    'security groups': ['AWS::EC2::SecurityGroup'],
    'access-log bucket': ['AWS::S3::Bucket'],
    'the GitLab version and pinned Ubuntu image parameters': ['AWS::SSM::Parameter'],
    'the KMS keys of root volumes and Kubernetes secrets': ['AWS::KMS::Key'],
  },
  data: {
    'KMS keys': ['AWS::KMS::Key'],
    'RDS PostgreSQL': ['AWS::RDS::DBInstance', 'AWS::IAM::Role'],
    ElastiCache: ['AWS::ElastiCache::ReplicationGroup'],
    'S3 buckets': ['AWS::S3::Bucket'],
    'Secrets Manager secrets': ['AWS::SecretsManager::Secret'],
    'Gitaly data volumes': ['AWS::EC2::Volume'],
    'the SSM parameters publishing the database and Redis endpoints': ['AWS::SSM::Parameter'],
    "the databases' and read replicas' private DNS names": ['AWS::Route53::RecordSet'],
    'the SES e-mail identity with its DKIM and MAIL FROM records and SMTP user': [
      'AWS::SES::EmailIdentity',
      'AWS::Route53::RecordSet',
      'AWS::IAM::User',
      'AWS::IAM::AccessKey',
    ],
    'CloudWatch alarms on the databases and Redis': ['AWS::CloudWatch::Alarm'],
  },
  edge: {
    'external Network Load Balancer': ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
    'the Application Load Balancer behind it': ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
    'their target groups': ['AWS::ElasticLoadBalancingV2::TargetGroup'],
    'ACM certificate': ['AWS::CertificateManager::Certificate'],
    'Route 53 records': ['AWS::Route53::RecordSet'],
    'the parameter listing the target groups the 1k node registers with': ['AWS::SSM::Parameter'],
  },
  compute: {
    'instance roles': ['AWS::IAM::Role', 'AWS::IAM::InstanceProfile'],
    'NAT gateways': ['AWS::EC2::NatGateway', 'AWS::EC2::EIP'],
    'auto scaling groups': ['AWS::AutoScaling::AutoScalingGroup'],
    'scaling policies': ['AWS::AutoScaling::ScalingPolicy'],
    'scaling-event rule': ['AWS::Events::Rule'],
    'bastion instances': ['AWS::EC2::Instance', 'AWS::EC2::EIP'],
    // Scaling, recovery and the Praefect load balancer's unhealthy targets.
    'alarms on these': ['AWS::CloudWatch::Alarm'],
    'private DNS records': ['AWS::Route53::RecordSet'],
    'configuration parameters': ['AWS::SSM::Parameter'],
    'internal Praefect load balancer': [
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::TargetGroup',
    ],
    'NGINX access log group': ['AWS::Logs::LogGroup', 'AWS::Logs::MetricFilter'],
    // With its managed add-ons and the admin's access entry.
    EKS: ['AWS::EKS::Cluster', 'AWS::EKS::Nodegroup', 'AWS::EKS::Addon', 'AWS::EKS::AccessEntry'],
    'OpenID Connect provider': ['AWS::IAM::OIDCProvider'],
    'service account roles': ['AWS::IAM::Role'],
    'the build that installs it': [
      'AWS::CodeBuild::Project',
      'AWS::EKS::AccessEntry',
      'Custom::AWS',
      'AWS::Lambda::Function',
      'AWS::CloudFormation::WaitConditionHandle',
      'AWS::CloudFormation::WaitCondition',
    ],
  },
  ops: {
    'CloudWatch alarms': ['AWS::CloudWatch::Alarm'],
    'SNS topic': ['AWS::SNS::Topic'],
    'AWS Backup vault and plan': ['AWS::Backup::BackupVault', 'AWS::Backup::BackupPlan', 'AWS::IAM::Role'],
    'KMS keys of the vault and the topic': ['AWS::KMS::Key'],
    'SSM association of the scheduled gitlab-backup': ['AWS::SSM::Association'],
  },
};

/** How the named resources are wired (routes, policies, listeners, launch templates...): not listed. */
const WIRING = new Set([
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::RouteTable',
  'AWS::EC2::Route',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::IAM::Policy',
  // Where CDK moves a role's statements once its inline policy would pass IAM's size limit.
  'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Alias',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBSubnetGroup',
  'AWS::ElastiCache::ParameterGroup',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::S3::BucketPolicy',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::EC2::LaunchTemplate',
  'AWS::SNS::TopicPolicy',
  'AWS::Backup::BackupSelection',
]);

/** Environments between them having every kind of resource: a Gitaly Cluster with ASGs, EKS, bastions. */
const SPECS: readonly SpecOverrides[] = [
  { architecture: { size: '3k' } },
  {
    architecture: { size: '3k', type: 'cloud-native-hybrid' },
    access: { clusterAdminRoleArn: 'arn:aws:iam::123456789012:role/gitlab-admins' },
  },
  { architecture: { size: '1k' }, access: { admin: 'bastion' } },
];

describe('STACK_CONTENTS', () => {
  let typesOf: Record<StackKind, Set<string>>;

  beforeAll(() => {
    typesOf = Object.fromEntries(STACK_ORDER.map((kind) => [kind, new Set<string>()])) as never;
    for (const spec of SPECS) {
      const templates = synthesize(planFor(spec)).json as Record<StackKind, CfnTemplate>;
      for (const kind of STACK_ORDER) {
        for (const resource of Object.values(templates[kind].Resources)) typesOf[kind].add(resource.Type);
      }
    }
  });

  it.each(STACK_ORDER)('names what the %s stack holds, each phrase backed by its resources', (kind) => {
    const claims = CLAIMS[kind];
    const unsaid = Object.keys(claims).filter((phrase) => !STACK_CONTENTS[kind].includes(phrase));
    expect(unsaid).toEqual([]);
    const absent = Object.entries(claims).flatMap(([phrase, types]) =>
      types.filter((type) => !typesOf[kind].has(type)).map((type) => `${phrase}: no ${type}`),
    );
    expect(absent).toEqual([]);
    const claimed = new Set(Object.values(claims).flat());
    const unnamed = [...typesOf[kind]].filter((type) => !claimed.has(type) && !WIRING.has(type)).sort();
    expect(unnamed).toEqual([]);
  });
});
