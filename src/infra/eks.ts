/**
 * The EKS cluster of Cloud Native Hybrid: GitLab's stateless parts (webservice, Sidekiq and the
 * supporting services) run here as the GitLab Helm chart, while Gitaly, PostgreSQL and Redis stay
 * on EC2 and managed services. One managed node group per pool of the Plan, spread over the
 * private subnets of every AZ.
 *
 * Built from the CloudFormation resources directly: the higher-level EKS construct deploys a
 * kubectl Lambda and nested stacks, none of which a cluster needs to exist. Workloads are installed
 * with Helm afterwards, the cluster add-ons' releases (the Plan's `addOnReleases`, with
 * `releaseValues`) before GitLab's chart. The API endpoint is private: administrators reach it from
 * inside the VPC (Session Manager or a bastion), as the role the spec names (an access entry).
 *
 * Pods reach AWS through IRSA only (see src/catalog/eks-add-ons.ts): the cluster's OIDC issuer is an
 * IAM identity provider, and each add-on that calls AWS has a role trusting its one service account
 * (eks-roles.ts). Nodes answer IMDS to the host network only (hop limit 1). Never Fargate: every pod
 * runs on the managed node groups, which the Cluster Autoscaler scales between the Plan's bounds.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ClusterAddOnReleasePlan, EksAddOnPlan, EksNodeGroupPlan, EksService } from '../plan/types.js';
import { acknowledge, tagNode } from './common.js';
import {
  clusterAutoscalerStatements,
  ebsCsiDriverStatements,
  loadBalancerControllerStatements,
  serviceAccountRole,
} from './eks-roles.js';
import { acknowledgeKeyByAlias, keyByAlias } from './security.js';

/** EKS's access policy for cluster admins (Amazon EKS User Guide, "Review access policy permissions"). */
const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy';

export interface KubernetesClusterProps {
  /** The Plan's EKS service. */
  readonly service: EksService;
  /** The VPC; the cluster and nodes use its private subnets. */
  readonly vpc: ec2.IVpc;
  /** Security group of the Kubernetes nodes (the source the data tiers admit). */
  readonly nodeSecurityGroup: ec2.ISecurityGroup;
  /** Key encrypting Kubernetes secrets in etcd. */
  readonly secretsKey: kms.IKey;
  /** That key's alias, which the cluster role's grant names it by. */
  readonly secretsKeyAlias: string;
  /** Key encrypting node root volumes. */
  readonly volumeKey: kms.IKey;
  /** ARNs of the external load balancer's target groups the GitLab chart binds (the controller registers pods there). */
  readonly targetGroupArns: readonly string[];
}

export class KubernetesCluster extends Construct {
  /** The EKS cluster. */
  readonly cluster: eks.CfnCluster;
  /** Node groups by pool. */
  readonly nodeGroups: ReadonlyMap<EksNodeGroupPlan['role'], eks.CfnNodegroup>;
  /** Role the nodes run as. */
  readonly nodeRole: iam.Role;
  /** The cluster's OIDC issuer as an IAM identity provider: the principal of every IRSA role. */
  readonly openIdConnectProvider: iam.CfnOIDCProvider;
  /** EKS managed add-ons by name. */
  readonly addOns: ReadonlyMap<EksAddOnPlan['name'], eks.CfnAddon>;
  /** IRSA roles of the cluster add-on releases that call AWS, by release name. */
  readonly releaseRoles: ReadonlyMap<ClusterAddOnReleasePlan['name'], iam.Role>;
  /** IRSA role of the EBS CSI driver's controller. */
  readonly ebsCsiDriverRole: iam.Role;
  /** Cluster admin access of the role the spec names, when it names one. */
  readonly adminAccess?: eks.CfnAccessEntry;
  private readonly vpcId: string;

  constructor(scope: Construct, id: string, props: KubernetesClusterProps) {
    super(scope, id);
    const { service, vpc } = props;
    this.vpcId = vpc.vpcId;
    const subnetIds = vpc.privateSubnets.map((subnet) => subnet.subnetId);
    const clusterRole = new iam.Role(this, 'ClusterRole', {
      assumedBy: new iam.ServicePrincipal('eks.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSClusterPolicy')],
    });
    this.cluster = new eks.CfnCluster(this, 'Cluster', {
      name: service.clusterName,
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
    const secretsKey = keyByAlias(props.secretsKeyAlias);
    clusterRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
        resources: secretsKey.resourceArns,
        conditions: secretsKey.conditions,
      }),
    );
    acknowledgeKeyByAlias(clusterRole);

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
          // IMDSv2 only; one hop, so pods outside the host network never get the node role.
          metadataOptions: {
            httpTokens: 'required',
            httpPutResponseHopLimit: service.metadataHopLimit,
            httpEndpoint: 'enabled',
          },
          securityGroupIds: [
            this.cluster.attrClusterSecurityGroupId,
            props.nodeSecurityGroup.securityGroupId,
          ],
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              ebs: {
                volumeSize: service.nodeRootVolume.sizeGiB,
                volumeType: service.nodeRootVolume.type,
                encrypted: true,
                kmsKeyId: props.volumeKey.keyArn,
              },
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

    // The OIDC issuer as an identity provider; IAM trusts the issuer's certificate authority itself,
    // so no thumbprint is pinned.
    const issuerUrl = this.cluster.attrOpenIdConnectIssuerUrl;
    this.openIdConnectProvider = new iam.CfnOIDCProvider(this, 'OpenIdConnectProvider', {
      url: issuerUrl,
      clientIdList: ['sts.amazonaws.com'],
    });
    const roleOf = (id: string, account: NonNullable<EksAddOnPlan['serviceAccount']>) =>
      serviceAccountRole(this, id, this.openIdConnectProvider, issuerUrl, account);

    const ebsCsiAccount = service.addOns.find((addOn) => addOn.name === 'aws-ebs-csi-driver')?.serviceAccount;
    if (!ebsCsiAccount) throw new Error('the Plan runs the EBS CSI driver without its service account');
    this.ebsCsiDriverRole = roleOf('EbsCsiDriverRole', ebsCsiAccount);
    for (const statement of ebsCsiDriverStatements(this, service.clusterName)) {
      this.ebsCsiDriverRole.addToPrincipalPolicy(statement);
    }

    // Managed add-ons take over the versions EKS bootstraps; created once nodes exist, since CoreDNS
    // and the EBS CSI controller only become active when their pods can run.
    const addOns = new Map<EksAddOnPlan['name'], eks.CfnAddon>();
    for (const addOnPlan of service.addOns) {
      const addOn = new eks.CfnAddon(this, `${addOnPlan.name}-add-on`, {
        clusterName: this.cluster.ref,
        addonName: addOnPlan.name,
        resolveConflicts: 'OVERWRITE',
        ...(addOnPlan.name === 'aws-ebs-csi-driver'
          ? { serviceAccountRoleArn: this.ebsCsiDriverRole.roleArn }
          : {}),
      });
      for (const group of nodeGroups.values()) addOn.node.addDependency(group);
      addOns.set(addOnPlan.name, addOn);
    }
    this.addOns = addOns;

    const releaseRoles = new Map<ClusterAddOnReleasePlan['name'], iam.Role>();
    for (const release of service.addOnReleases) {
      if (!release.serviceAccount) continue;
      const role = roleOf(`${release.name}-role`, release.serviceAccount);
      const statements =
        release.name === 'aws-load-balancer-controller'
          ? loadBalancerControllerStatements(props.targetGroupArns)
          : release.name === 'cluster-autoscaler'
            ? clusterAutoscalerStatements(service.clusterName)
            : [];
      if (statements.length === 0) throw new Error(`no IAM policy for the ${release.name} release`);
      for (const statement of statements) role.addToPrincipalPolicy(statement);
      acknowledge(role, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "The add-on's published policy: describe calls take no resource, and writes are narrowed by the tags the add-on or EKS sets on what it manages.",
          appliesTo: wildcardFindings(statements),
        },
      ]);
      releaseRoles.set(release.name, role);
    }
    this.releaseRoles = releaseRoles;
    acknowledge(this.ebsCsiDriverRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "The EBS CSI driver names volumes it has yet to create: its writes are narrowed to volumes and snapshots carrying its tag and to this cluster's instances.",
        appliesTo: wildcardFindings(ebsCsiDriverStatements(this, service.clusterName)),
      },
    ]);

    if (service.adminRoleArn) {
      this.adminAccess = new eks.CfnAccessEntry(this, 'AdminAccess', {
        clusterName: this.cluster.ref,
        principalArn: service.adminRoleArn,
        type: 'STANDARD',
        accessPolicies: [
          {
            policyArn: `arn:${Stack.of(this).partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`,
            accessScope: { type: 'cluster' },
          },
        ],
      });
    }

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
  /**
   * A cluster add-on release's Helm values: the Plan's, with what only the deploy knows, the VPC
   * id for the load balancer controller and the IRSA role on the service account of a release that
   * calls AWS.
   */
  releaseValues(release: ClusterAddOnReleasePlan): Record<string, unknown> {
    const role = this.releaseRoles.get(release.name);
    const annotations = role ? { annotations: { 'eks.amazonaws.com/role-arn': role.roleArn } } : {};
    const values: Record<string, unknown> = { ...release.values };
    if (release.name === 'aws-load-balancer-controller') {
      values.vpcId = this.vpcId;
      values.serviceAccount = { ...(values.serviceAccount as object), ...annotations };
    } else if (release.name === 'cluster-autoscaler') {
      const rbac = values.rbac as { serviceAccount: object };
      values.rbac = { ...rbac, serviceAccount: { ...rbac.serviceAccount, ...annotations } };
    }
    return values;
  }
}

/** cdk-nag's names of the wildcard resources of some statements, e.g. `Resource::arn:<AWS::Partition>:ec2:*:*:volume/*`. */
function wildcardFindings(statements: readonly iam.PolicyStatement[]): string[] {
  const partition = /^arn:\$\{Token\[AWS\.Partition\.\d+\]\}/;
  const resources = statements.flatMap((statement) => statement.resources).filter((arn) => arn.includes('*'));
  return [...new Set(resources.map((arn) => `Resource::${arn.replace(partition, 'arn:<AWS::Partition>')}`))];
}
