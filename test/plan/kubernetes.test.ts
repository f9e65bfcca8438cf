/**
 * The EKS part of a Cloud Native Hybrid Plan: node groups, the managed add-ons and which of them get
 * an IRSA role, the add-on Helm releases with the values the Plan knows, and the admin role.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_AUTOSCALER_KUBERNETES_MINOR } from '../../src/catalog/eks-add-ons.js';
import { KUBERNETES_VERSION } from '../../src/catalog/gitlab-requirements.js';
import { restoreScratchGiB } from '../../src/plan/resolve/backup-node.js';
import { NODE_ROOT_VOLUME_GIB, planAddOnReleases } from '../../src/plan/resolve/kubernetes.js';
import type { EksService, Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/gitlab-admins';
const eksOf = (plan: Plan) => plan.services.find((service): service is EksService => service.kind === 'eks')!;

describe('EKS of a Cloud Native Hybrid plan', () => {
  let plan: Plan;
  let eks: EksService;
  beforeAll(() => {
    plan = planFor({
      name: 'gitlab-cnh',
      region: 'eu-west-1',
      architecture: { size: '3k', type: 'cloud-native-hybrid' },
      access: { clusterAdminRoleArn: ADMIN_ROLE },
    });
    eks = eksOf(plan);
  });

  it('names the cluster after the environment and gives the admin role the spec names', () => {
    expect(eks.clusterName).toBe('gitlab-cnh');
    expect(eks.adminRoleArn).toBe(ADMIN_ROLE);
    expect(
      eksOf(planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } })).adminRoleArn,
    ).toBeUndefined();
  });

  it('keeps IMDS to the host network and gives the nodes root volumes of the planned size', () => {
    expect(eks.metadataHopLimit).toBe(1);
    expect(eks.nodeRootVolume).toEqual({ sizeGiB: NODE_ROOT_VOLUME_GIB, type: 'gp3' });
  });

  it("gives the toolbox room for an archive and its contents unpacked, the backup node's staging size twice", () => {
    // Gitaly streams the repositories to the bucket: the archive is the database's dump.
    expect(plan.scheduledBackup.repositoriesServerSide).toBe(true);
    expect(eks.toolboxVolume).toEqual({ sizeGiB: 2 * plan.spec.database.storageGiB, type: 'gp3' });
    const bigger = eksOf(
      planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' }, database: { storageGiB: 700 } }),
    );
    expect(bigger.toolboxVolume.sizeGiB).toBe(1400);
    expect(restoreScratchGiB(100, 1000, true)).toBe(200);
    // Without server-side backups the archive holds the repositories too.
    expect(restoreScratchGiB(100, 1000, false)).toBe(2200);
    expect(restoreScratchGiB(9000, 1000, true)).toBe(16_384);
  });

  it('scales the webservice and Sidekiq pools to twice their documented size, the supporting pool not', () => {
    const bounds = Object.fromEntries(
      eks.nodeGroups.map((group) => [group.role, [group.minSize, group.desiredSize, group.maxSize]]),
    );
    for (const role of ['webservice-pool', 'sidekiq-pool'] as const) {
      const [min, desired, max] = bounds[role]!;
      expect([desired, max], role).toEqual([min, min! * 2]);
    }
    const [min, , max] = bounds['supporting-pool']!;
    expect(max).toBe(min);
  });

  it('runs the VPC CNI, CoreDNS, kube-proxy and the EBS CSI driver, only the driver with a role of its own', () => {
    expect(eks.addOns).toEqual([
      { name: 'vpc-cni' },
      { name: 'coredns' },
      { name: 'kube-proxy' },
      {
        name: 'aws-ebs-csi-driver',
        serviceAccount: { namespace: 'kube-system', name: 'ebs-csi-controller-sa' },
      },
    ]);
  });

  it('installs the load balancer controller, the autoscaler and Metrics Server, told the cluster and region', () => {
    expect(eks.addOnReleases).toEqual(planAddOnReleases('gitlab-cnh', 'eu-west-1'));
    const byName = new Map(eks.addOnReleases.map((release) => [release.name, release]));
    expect([...byName.keys()]).toEqual([
      'aws-load-balancer-controller',
      'cluster-autoscaler',
      'metrics-server',
    ]);
    expect(byName.get('aws-load-balancer-controller')!.values).toMatchObject({
      clusterName: 'gitlab-cnh',
      region: 'eu-west-1',
      serviceAccount: { create: true, name: 'aws-load-balancer-controller' },
    });
    expect(byName.get('cluster-autoscaler')!.values).toMatchObject({
      cloudProvider: 'aws',
      awsRegion: 'eu-west-1',
      autoDiscovery: { clusterName: 'gitlab-cnh' },
      rbac: { serviceAccount: { create: true, name: 'cluster-autoscaler' } },
    });
    // The service account each release creates is the one its IRSA role trusts.
    for (const release of eks.addOnReleases.filter((entry) => entry.serviceAccount)) {
      const values = JSON.stringify(release.values);
      expect(values, release.name).toContain(`"name":"${release.serviceAccount!.name}"`);
      expect(release.namespace).toBe(release.serviceAccount!.namespace);
    }
    expect(byName.get('metrics-server')!.serviceAccount).toBeUndefined();
    // Pod autoscaling depends on Metrics Server: it must survive a node drain.
    expect(byName.get('metrics-server')!.values).toEqual({
      replicas: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    });
    for (const release of eks.addOnReleases) {
      expect(release.repository, release.name).toMatch(/^https:\/\//);
      expect(release.version, release.name).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it("runs the Cluster Autoscaler built for the cluster's Kubernetes minor", () => {
    expect(CLUSTER_AUTOSCALER_KUBERNETES_MINOR).toBe(KUBERNETES_VERSION);
    expect(eks.kubernetesVersion).toBe(KUBERNETES_VERSION);
  });

  it('has no EKS in a Linux package plan', () => {
    expect(planFor({ architecture: { size: '3k' } }).services.some((service) => service.kind === 'eks')).toBe(
      false,
    );
  });
});
