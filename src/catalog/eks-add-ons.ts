/**
 * What a Cloud Native Hybrid cluster runs besides GitLab: the EKS managed add-ons and the Helm
 * charts of the cluster add-ons, as data with where each was read.
 *
 * Managed add-ons (Amazon EKS User Guide, "Amazon EKS add-ons", docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html):
 * the VPC CNI, CoreDNS and kube-proxy every cluster needs, and the EBS CSI driver for persistent
 * volumes. No version is pinned: EKS installs the default version of each for the cluster's
 * Kubernetes version.
 *
 * Pods reach AWS through IAM roles for service accounts (IRSA) only, the mechanism GitLab's chart
 * documents for its own pods; the EKS Pod Identity agent is not installed. The nodes' IMDS hop limit
 * is 1, so a pod outside the host network cannot borrow the node role.
 *
 * Helm charts, each read at the newest commit of its repository:
 * - AWS Load Balancer Controller 3.5.0 (app v3.5.0): aws/eks-charts
 *   5239609242f3430be50fb0b714a24d3ef2b47983, stable/aws-load-balancer-controller/Chart.yaml and
 *   values.yaml (`clusterName`, `region`, `vpcId`, `serviceAccount`).
 * - Cluster Autoscaler 9.59.0 (app 1.35.0, the Kubernetes minor it must match): kubernetes/autoscaler
 *   55c37cd5eb550756c5ccc5a89e9068d77797e575, cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml
 *   and values.yaml (`autoDiscovery.clusterName`, `awsRegion`, `rbac.serviceAccount`).
 * - Metrics Server 3.13.1 (app 0.8.1): kubernetes-sigs/metrics-server
 *   5ed5d3a2cf940a8c7541cfbac19af822f4c97844, charts/metrics-server/Chart.yaml and values.yaml
 *   (`replicas`, `podDisruptionBudget`).
 */

/** EKS managed add-ons of the cluster. */
export const EKS_MANAGED_ADD_ONS = ['vpc-cni', 'coredns', 'kube-proxy', 'aws-ebs-csi-driver'] as const;
export type EksManagedAddOn = (typeof EKS_MANAGED_ADD_ONS)[number];

/** A Kubernetes service account, in its namespace. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * The service account of each managed add-on that calls AWS with a role of its own. The VPC CNI's
 * aws-node runs in the host network and keeps the node role's AmazonEKS_CNI_Policy; CoreDNS and
 * kube-proxy call no AWS API. The EBS CSI controller's account is the one its add-on creates
 * (aws-ebs-csi-driver docs/install.md, kubernetes-sigs/aws-ebs-csi-driver).
 */
export const ADD_ON_SERVICE_ACCOUNTS: Readonly<Partial<Record<EksManagedAddOn, ServiceAccountRef>>> = {
  'aws-ebs-csi-driver': { namespace: 'kube-system', name: 'ebs-csi-controller-sa' },
};

export type ClusterAddOnChart = 'aws-load-balancer-controller' | 'cluster-autoscaler' | 'metrics-server';

export interface ClusterAddOnChartSource {
  /** Helm repository URL. */
  readonly repository: string;
  readonly chart: ClusterAddOnChart;
  readonly version: string;
  /** The service account the release runs as, when it calls AWS (with its IRSA role). */
  readonly serviceAccount?: ServiceAccountRef;
}

export const CLUSTER_ADD_ON_CHARTS: Readonly<Record<ClusterAddOnChart, ClusterAddOnChartSource>> = {
  'aws-load-balancer-controller': {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    version: '3.5.0',
    serviceAccount: { namespace: 'kube-system', name: 'aws-load-balancer-controller' },
  },
  'cluster-autoscaler': {
    repository: 'https://kubernetes.github.io/autoscaler',
    chart: 'cluster-autoscaler',
    version: '9.59.0',
    serviceAccount: { namespace: 'kube-system', name: 'cluster-autoscaler' },
  },
  'metrics-server': {
    repository: 'https://kubernetes-sigs.github.io/metrics-server',
    chart: 'metrics-server',
    version: '3.13.1',
  },
};

/**
 * The Kubernetes minor the Cluster Autoscaler release is built for: it must match the cluster's
 * (cluster-autoscaler README, "Releases"). The check compares it with the Plan's version.
 */
export const CLUSTER_AUTOSCALER_KUBERNETES_MINOR = '1.35';
