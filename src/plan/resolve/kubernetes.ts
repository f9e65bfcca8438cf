/** Cloud Native Hybrid: the EKS cluster, its node groups and the add-ons that run beside GitLab. */
import {
  ADD_ON_SERVICE_ACCOUNTS,
  CLUSTER_ADD_ON_CHARTS,
  type ClusterAddOnChart,
  EKS_MANAGED_ADD_ONS,
} from '../../catalog/eks-add-ons.js';
import { eksSupportOn } from '../../catalog/eks-versions.js';
import { KUBERNETES_VERSION } from '../../catalog/gitlab-requirements.js';
import type { ClusterAddOnReleasePlan, EksAddOnPlan, EksNodeGroupPlan, EksService } from '../types.js';
import { restoreScratchGiB } from './backup-node.js';
import type { BuildContext } from './context.js';
import { hasGitalyServers } from './gitaly.js';
import { archOf, chooseInstanceType } from './machines.js';

/** Root volume of a Kubernetes node: room for GitLab's images (several GB each) and pod scratch space. */
export const NODE_ROOT_VOLUME_GIB = 100;

/**
 * The toolbox's volume. The chart's toolbox unpacks a restored archive on `persistence.*`, an
 * emptyDir on the node's root volume unless enabled, and GitLab's chart asks for it to be sized
 * with the installation, "in most cases the same size as the backup disk space" (Toolbox,
 * "Persistence configuration" and "Restore considerations", doc/charts/gitlab/toolbox/_index.md;
 * the restore's note on extracting the tarball to disk, doc/backup-restore/restore.md;
 * integratop/gitlab-org-charts-mirror 4791f8d9f204b41b6d5dc9b6cabbccdafa9fce97 and
 * 41ac50109aea616c4604b94b261c2d9aca257f71). `gitlab-aws backup create` runs `backup-utility` in the
 * same pod, so the volume holds one archive being made, or one archive and its contents unpacked:
 * the backup node's staging size, doubled as a Linux package restore checks its node for.
 */
function toolboxVolumeGiB(context: BuildContext): number {
  const { spec } = context;
  return restoreScratchGiB(spec.database.storageGiB, spec.gitaly.volumeGiB, hasGitalyServers(context));
}

/** `today` (YYYY-MM-DD) judges the version's EKS support; the plan itself reads no clock. */
export function planEks(context: BuildContext, today: string): EksService {
  const { spec, reference } = context;
  const nodeGroups: EksNodeGroupPlan[] = reference.roles
    .filter((role) => role.backing === 'eks-node-group')
    .map((role) => {
      const instanceType = chooseInstanceType(spec, role);
      // Webservice and Sidekiq pools scale with load; supporting services stay at their documented size.
      const scales = role.role !== 'supporting-pool';
      return {
        role: role.role as EksNodeGroupPlan['role'],
        instanceType,
        arch: archOf(instanceType),
        minSize: role.nodes,
        desiredSize: role.nodes,
        maxSize: scales ? role.nodes * 2 : role.nodes,
      };
    });
  const clusterName = spec.name;
  const addOns: EksAddOnPlan[] = EKS_MANAGED_ADD_ONS.map((name) => {
    const serviceAccount = ADD_ON_SERVICE_ACCOUNTS[name];
    return { name, ...(serviceAccount ? { serviceAccount } : {}) };
  });
  const adminRoleArn = spec.access.clusterAdminRoleArn;
  return {
    kind: 'eks',
    id: 'eks',
    role: 'webservice-pool',
    clusterName,
    kubernetesVersion: KUBERNETES_VERSION,
    kubernetesSupport: eksSupportOn(KUBERNETES_VERSION, today),
    nodeGroups,
    nodeRootVolume: { sizeGiB: NODE_ROOT_VOLUME_GIB, type: 'gp3' },
    toolboxVolume: { sizeGiB: toolboxVolumeGiB(context), type: 'gp3' },
    metadataHopLimit: 1,
    addOns,
    addOnReleases: planAddOnReleases(clusterName, spec.region),
    ...(adminRoleArn ? { adminRoleArn } : {}),
  };
}

/**
 * The cluster add-ons' Helm releases with the values the Plan knows. Each release that calls AWS
 * creates its service account under the name its IRSA role trusts; the controller and the
 * autoscaler get the region from their values, since their pods cannot reach IMDS.
 */
export function planAddOnReleases(clusterName: string, region: string): ClusterAddOnReleasePlan[] {
  const values: Record<ClusterAddOnChart, Record<string, unknown>> = {
    'aws-load-balancer-controller': {
      clusterName,
      region,
      // Two replicas with leader election: the chart's default, kept explicit.
      replicaCount: 2,
      serviceAccount: {
        create: true,
        name: CLUSTER_ADD_ON_CHARTS['aws-load-balancer-controller'].serviceAccount!.name,
      },
    },
    'cluster-autoscaler': {
      cloudProvider: 'aws',
      awsRegion: region,
      // Finds the node groups by the tags EKS puts on their auto scaling groups.
      autoDiscovery: { clusterName },
      rbac: {
        serviceAccount: {
          create: true,
          name: CLUSTER_ADD_ON_CHARTS['cluster-autoscaler'].serviceAccount!.name,
        },
      },
    },
    'metrics-server': {
      // Horizontal pod autoscaling of webservice and Sidekiq reads it: two replicas, one always up.
      replicas: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    },
  };
  return (Object.keys(CLUSTER_ADD_ON_CHARTS) as ClusterAddOnChart[]).map((name) => {
    const source = CLUSTER_ADD_ON_CHARTS[name];
    return {
      name,
      namespace: 'kube-system',
      repository: source.repository,
      chart: source.chart,
      version: source.version,
      values: values[name],
      ...(source.serviceAccount ? { serviceAccount: source.serviceAccount } : {}),
    };
  });
}
