/**
 * IAM roles of the cluster add-ons' service accounts, through IAM roles for service accounts (IRSA):
 * each role trusts one service account of one cluster, by the `sub` and `aud` claims of the tokens
 * the cluster's OIDC issuer signs (Amazon EKS User Guide, "Assign IAM roles to Kubernetes service
 * accounts", docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html).
 *
 * - The AWS Load Balancer Controller runs AWS's published policy (eks-load-balancer-controller-policy.ts)
 *   with one statement narrowed: it registers targets only in the target groups the GitLab chart binds.
 * - The EBS CSI driver runs the policy of its example (kubernetes-sigs/aws-ebs-csi-driver
 *   050d130f5814d2e366158058c557a7c25f536441, docs/example-iam-policy.json, which AWS's
 *   AmazonEBSCSIDriverPolicy follows), narrowed to volumes the driver created (it tags each
 *   `ebs.csi.aws.com/cluster: true`) and to this cluster's instances: the Gitaly data volumes live in
 *   the same account and must never be attached, detached, changed or deleted by it.
 * - The Cluster Autoscaler runs its README's policy for auto-discovery (kubernetes/autoscaler
 *   55c37cd5eb550756c5ccc5a89e9068d77797e575, cluster-autoscaler/cloudprovider/aws/README.md, "Full
 *   Cluster Autoscaler Features Policy"), its writes narrowed as the README recommends by the tags
 *   EKS puts on a managed node group's auto scaling group (`k8s.io/cluster-autoscaler/enabled` and
 *   `k8s.io/cluster-autoscaler/<cluster>`; Amazon EKS User Guide, "Simplify node lifecycle with
 *   managed node groups", docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html).
 */
import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { KubernetesServiceAccountPlan } from '../plan/types.js';
import { LOAD_BALANCER_CONTROLLER_POLICY } from './eks-load-balancer-controller-policy.js';

/**
 * The trust policy of a role one service account assumes. Written as one `Fn::Sub` string: its
 * condition keys start with the issuer's host, which exists only once the cluster does, and a
 * template cannot compute an object key any other way without a custom resource.
 */
export function serviceAccountTrustPolicy(
  provider: iam.CfnOIDCProvider,
  issuerUrl: string,
  account: KubernetesServiceAccountPlan,
): string {
  const document = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: '${Provider}' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            '${Issuer}:sub': `system:serviceaccount:${account.namespace}:${account.name}`,
            '${Issuer}:aud': 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
  return Fn.sub(JSON.stringify(document), {
    Provider: provider.attrArn,
    // The issuer URL without its https:// scheme.
    Issuer: Fn.select(1, Fn.split('//', issuerUrl)),
  });
}

/** A role assumed by one service account of the cluster, through its OIDC provider. */
export function serviceAccountRole(
  scope: Construct,
  id: string,
  provider: iam.CfnOIDCProvider,
  issuerUrl: string,
  account: KubernetesServiceAccountPlan,
): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.FederatedPrincipal(provider.attrArn, {}, 'sts:AssumeRoleWithWebIdentity'),
    description: `IRSA role of the ${account.namespace}/${account.name} service account`,
  });
  (role.node.defaultChild as iam.CfnRole).addPropertyOverride(
    'AssumeRolePolicyDocument',
    serviceAccountTrustPolicy(provider, issuerUrl, account),
  );
  return role;
}

/** The published load balancer controller policy, its target registration narrowed to `targetGroupArns`. */
export function loadBalancerControllerStatements(targetGroupArns: readonly string[]): iam.PolicyStatement[] {
  return LOAD_BALANCER_CONTROLLER_POLICY.map((statement) => {
    const registers = statement.Action.includes('elasticloadbalancing:RegisterTargets');
    // The published statement lets it register any IP in any target group of the account (the
    // Praefect load balancer's included); the chart binds the external load balancer's only.
    const narrowed = registers && !statement.Condition;
    return iam.PolicyStatement.fromJson({
      ...statement,
      Resource: narrowed ? [...targetGroupArns] : statement.Resource,
    });
  });
}

/** The EBS CSI driver's statements, narrowed to its own volumes and snapshots and this cluster's nodes. */
export function ebsCsiDriverStatements(scope: Construct, clusterName: string): iam.PolicyStatement[] {
  const { partition } = Stack.of(scope);
  const arn = (type: string) => `arn:${partition}:ec2:*:*:${type}/*`;
  const driverTagged = { StringEquals: { 'aws:ResourceTag/ebs.csi.aws.com/cluster': 'true' } };
  return [
    new iam.PolicyStatement({
      actions: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInstances',
        'ec2:DescribeSnapshots',
        'ec2:DescribeTags',
        'ec2:DescribeVolumes',
        'ec2:DescribeVolumesModifications',
        'ec2:DescribeVolumeStatus',
      ],
      resources: ['*'],
    }),
    // A new volume or snapshot: only with the driver's tag in the request, which it always sets. A
    // snapshot's source volume must be the driver's own (below), never a Gitaly volume.
    new iam.PolicyStatement({
      actions: ['ec2:CreateVolume'],
      resources: [arn('volume')],
      conditions: { StringEquals: { 'aws:RequestTag/ebs.csi.aws.com/cluster': 'true' } },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateSnapshot'],
      resources: [arn('snapshot')],
      conditions: { StringEquals: { 'aws:RequestTag/ebs.csi.aws.com/cluster': 'true' } },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateVolume'],
      resources: [arn('snapshot')],
      conditions: driverTagged,
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: [arn('volume'), arn('snapshot')],
      conditions: { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSnapshot'] } },
    }),
    // Everything done to an existing volume or snapshot: only to the driver's own.
    new iam.PolicyStatement({
      actions: [
        'ec2:AttachVolume',
        'ec2:DetachVolume',
        'ec2:ModifyVolume',
        'ec2:CreateSnapshot',
        'ec2:DeleteVolume',
        'ec2:DeleteSnapshot',
        'ec2:DeleteTags',
      ],
      resources: [arn('volume'), arn('snapshot')],
      conditions: driverTagged,
    }),
    // Attached to and detached from this cluster's nodes only (EKS tags them with the cluster name).
    new iam.PolicyStatement({
      actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      resources: [arn('instance')],
      conditions: { StringEquals: { 'aws:ResourceTag/eks:cluster-name': clusterName } },
    }),
  ];
}

/** The Cluster Autoscaler's statements: reads anywhere, scaling only this cluster's node groups. */
export function clusterAutoscalerStatements(clusterName: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:GetInstanceTypesFromInstanceRequirements',
        'eks:DescribeNodegroup',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'aws:ResourceTag/k8s.io/cluster-autoscaler/enabled': 'true',
          [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned',
        },
      },
    }),
  ];
}
