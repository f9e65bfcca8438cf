/**
 * The EKS cluster of Cloud Native Hybrid: GitLab's stateless parts (webservice, Sidekiq and the
 * supporting services) run here as the GitLab Helm chart, while Gitaly, PostgreSQL and Redis stay
 * on EC2 and managed services. One managed node group per pool of the Plan, spread over the
 * private subnets of every AZ.
 *
 * Built from the CloudFormation resources directly: the higher-level EKS construct deploys a
 * kubectl Lambda and nested stacks, none of which a cluster needs to exist. Workloads are installed
 * with Helm afterwards. The API endpoint is private: administrators reach it from inside the VPC
 * (Session Manager or a bastion).
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { EksNodeGroupPlan, EksService } from '../plan/types.js';
import { acknowledge, tagNode } from './common.js';

export interface KubernetesClusterProps {
  /** Name of the cluster (the environment's). */
  readonly clusterName: string;
  /** The Plan's EKS service. */
  readonly service: EksService;
  /** The VPC; the cluster and nodes use its private subnets. */
  readonly vpc: ec2.IVpc;
  /** Security group of the Kubernetes nodes (the source the data tiers admit). */
  readonly nodeSecurityGroup: ec2.ISecurityGroup;
  /** Key encrypting Kubernetes secrets in etcd. */
  readonly secretsKey: kms.IKey;
  /** Key encrypting node root volumes. */
  readonly volumeKey: kms.IKey;
}

export class KubernetesCluster extends Construct {
  /** The EKS cluster. */
  readonly cluster: eks.CfnCluster;
  /** Node groups by pool. */
  readonly nodeGroups: ReadonlyMap<EksNodeGroupPlan['role'], eks.CfnNodegroup>;
  /** Role the nodes run as. */
  readonly nodeRole: iam.Role;
  /** The cluster's OpenID Connect issuer as an IAM identity provider: pods take IAM roles through it (IRSA). */
  readonly openIdConnectProvider: iam.CfnOIDCProvider;

  constructor(scope: Construct, id: string, props: KubernetesClusterProps) {
    super(scope, id);
    const { service, vpc } = props;
    const subnetIds = vpc.privateSubnets.map((subnet) => subnet.subnetId);
    const clusterRole = new iam.Role(this, 'ClusterRole', {
      assumedBy: new iam.ServicePrincipal('eks.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSClusterPolicy')],
    });
    this.cluster = new eks.CfnCluster(this, 'Cluster', {
      name: props.clusterName,
      version: service.kubernetesVersion,
      roleArn: clusterRole.roleArn,
      resourcesVpcConfig: {
        subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: false,
      },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      // Kubernetes secrets in etcd are envelope-encrypted with the environment's secrets key.
      encryptionConfig: [{ provider: { keyArn: props.secretsKey.keyArn } }],
      logging: {
        clusterLogging: {
          enabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((type) => ({
            type,
          })),
        },
      },
    });
    // On the role's policy only (see GitLabSecrets.grantRead for why not the key policy).
    clusterRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
        resources: [props.secretsKey.keyArn],
      }),
    );

    this.openIdConnectProvider = new iam.CfnOIDCProvider(this, 'OpenIdConnectProvider', {
      url: this.cluster.attrOpenIdConnectIssuerUrl,
      clientIdList: ['sts.amazonaws.com'],
    });

    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        'AmazonEKSWorkerNodePolicy',
        'AmazonEKS_CNI_Policy',
        'AmazonEC2ContainerRegistryReadOnly',
        'AmazonSSMManagedInstanceCore',
      ].map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });

    const nodeGroups = new Map<EksNodeGroupPlan['role'], eks.CfnNodegroup>();
    for (const group of service.nodeGroups) {
      // A launch template so that nodes get IMDSv2, encrypted root volumes and the node security
      // group (plus the cluster's own group, which carries control plane traffic).
      const launchTemplate = new ec2.CfnLaunchTemplate(this, `${group.role}-template`, {
        launchTemplateData: {
          metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
          securityGroupIds: [
            this.cluster.attrClusterSecurityGroupId,
            props.nodeSecurityGroup.securityGroupId,
          ],
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              ebs: { volumeSize: 100, volumeType: 'gp3', encrypted: true, kmsKeyId: props.volumeKey.keyArn },
            },
          ],
          monitoring: { enabled: true },
        },
      });
      const nodeGroup = new eks.CfnNodegroup(this, group.role, {
        clusterName: this.cluster.ref,
        nodegroupName: group.role,
        nodeRole: this.nodeRole.roleArn,
        subnets: subnetIds,
        instanceTypes: [group.instanceType],
        amiType: group.arch === 'arm64' ? 'AL2023_ARM_64_STANDARD' : 'AL2023_x86_64_STANDARD',
        capacityType: 'ON_DEMAND',
        scalingConfig: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
        launchTemplate: { id: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber },
        // The Helm chart's node selectors pick pools by this label.
        labels: { workload: group.role },
        updateConfig: { maxUnavailable: 1 },
      });
      tagNode(nodeGroup, group.role);
      nodeGroups.set(group.role, nodeGroup);
    }
    this.nodeGroups = nodeGroups;

    acknowledge(clusterRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'AmazonEKSClusterPolicy is the AWS-maintained policy the EKS control plane role requires.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy'],
      },
    ]);
    acknowledge(this.nodeRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'The worker node, CNI and registry policies are the AWS-maintained set EKS documents for managed node groups; SSM core gives Session Manager access.',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy',
          'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy',
          'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
          'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore',
        ],
      },
    ]);
  }
}
