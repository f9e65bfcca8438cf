import { describe, expect, it } from 'vitest';
import { referenceArchitecture } from '../../src/catalog/index.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import type { PlanNode } from '../../src/plan/index.js';
import { NONCURRENT_VERSION_DAYS } from '../../src/plan/resolve/object-storage.js';
import { allPlans, planFor } from '../fixtures/plans.js';

const countBy = (nodes: readonly PlanNode[], key: (node: PlanNode) => string) =>
  nodes.reduce<Record<string, number>>((counts, node) => {
    counts[key(node)] = (counts[key(node)] ?? 0) + 1;
    return counts;
  }, {});

describe('resolvePlan over every size x type x AZ count', () => {
  const plans = allPlans();

  it('resolves all 28 supported combinations', () => {
    expect(plans).toHaveLength(28);
  });

  it.each(
    plans.map(({ combination, plan }) => [
      `${combination.size} ${combination.type} ${combination.availabilityZones}az`,
      plan,
    ]),
  )('%s: spreads every role evenly over its AZs', (_, plan) => {
    for (const role of new Set(plan.nodes.map((node) => node.role))) {
      const nodes = plan.nodes.filter((node) => node.role === role);
      const perZone = plan.availabilityZones.map(
        (zone) => nodes.filter((node) => node.availabilityZone === zone).length,
      );
      // Even spread: no AZ holds more than one node above any other (bastions use only the first two AZs).
      const used =
        role === 'bastion' ? perZone.slice(0, 2) : perZone.slice(0, Math.min(nodes.length, perZone.length));
      expect(Math.max(...perZone) - Math.min(...used), `${role} ${perZone}`).toBeLessThanOrEqual(1);
      for (const node of nodes) expect(plan.availabilityZones).toContain(node.availabilityZone);
    }
  });

  it('keeps the reference node counts for every EC2 role of the Linux package', () => {
    for (const { combination, plan } of plans.filter(
      ({ combination }) => combination.type === 'linux-package',
    )) {
      const reference = referenceArchitecture(combination.size, combination.type);
      const counts = countBy(plan.nodes, (node) => node.role);
      for (const role of reference.roles.filter((entry) => entry.backing === 'ec2-asg')) {
        expect(counts[role.role], `${combination.size} ${role.role}`).toBe(role.nodes);
      }
    }
  });

  it('puts no Rails or Sidekiq VMs in Cloud Native Hybrid plans, and an EKS node group per pool instead', () => {
    for (const { combination, plan } of plans.filter(
      ({ combination }) => combination.type === 'cloud-native-hybrid',
    )) {
      expect(plan.nodes.filter((node) => node.role === 'rails' || node.role === 'sidekiq')).toEqual([]);
      const eks = plan.services.find((service) => service.kind === 'eks');
      expect(eks, combination.size).toBeDefined();
      if (eks?.kind === 'eks') {
        expect(eks.nodeGroups.map((group) => group.role).sort()).toEqual([
          'sidekiq-pool',
          'supporting-pool',
          'webservice-pool',
        ]);
      }
    }
  });

  it('never places an instance in a subnet tier it should not be in', () => {
    for (const { plan } of plans) {
      for (const node of plan.nodes)
        expect(node.subnet, node.id).toBe(node.role === 'bastion' ? 'public' : 'private');
    }
  });
});

describe('resolvePlan details', () => {
  it('sizes the 3k plan from the 3k page', () => {
    const plan = planFor({ architecture: { size: '3k' } });
    expect(countBy(plan.nodes, (node) => `${node.role} ${node.instanceType}`)).toEqual({
      'rails c5.2xlarge': 3,
      'sidekiq m5.xlarge': 2,
      'gitaly m5.xlarge': 3,
      'praefect c5.large': 3,
      'monitoring c5.large': 1,
      // Not on the page: the node gitlab-backup runs on, sized as the page's Sidekiq node.
      'backup m5.xlarge': 1,
    });
    expect(plan.architecture).toMatchObject({ gitalyMode: 'cluster', highAvailability: true, users: 3000 });
  });

  it('uses Graviton types when asked, for instances and managed services', () => {
    const plan = planFor({ architecture: { size: '10k', cpu: 'graviton' } });
    for (const node of plan.nodes) expect(node.arch, `${node.id} ${node.instanceType}`).toBe('arm64');
    const database = plan.services.find((service) => service.kind === 'rds');
    expect(database).toMatchObject({ instanceClass: 'db.m7g.2xlarge', arch: 'arm64' });
  });

  it('splits Redis into cache and persistent from 10k, and adds read replicas', () => {
    const small = planFor({ architecture: { size: '5k' } });
    const large = planFor({ architecture: { size: '10k' } });
    const redisRoles = (plan: typeof small) =>
      plan.services.filter((service) => service.kind === 'elasticache').map((service) => service.role);
    expect(redisRoles(small)).toEqual(['redis']);
    expect(redisRoles(large).sort()).toEqual(['redis-cache', 'redis-persistent']);
    const replicas = (plan: typeof small) =>
      plan.services.find((service) => service.kind === 'rds')?.kind === 'rds'
        ? (plan.services.find((service) => service.kind === 'rds') as { readReplicas: number }).readReplicas
        : -1;
    expect(replicas(small)).toBe(0);
    expect(replicas(large)).toBe(2);
  });

  it('gives every Gitaly node its own retained data volume and, in a cluster, its own storage name', () => {
    const plan = planFor({
      architecture: { size: '5k' },
      gitaly: { volumeGiB: 2000, volumeType: 'io2', iops: 16000 },
    });
    const gitaly = plan.nodes.filter((node) => node.role === 'gitaly');
    expect(gitaly.map((node) => node.gitalyStorage)).toEqual(['gitaly-1', 'gitaly-2', 'gitaly-3']);
    for (const node of gitaly) {
      expect(node.volumes.find((volume) => volume.purpose === 'git-data')).toMatchObject({
        sizeGiB: 2000,
        type: 'io2',
        iops: 16000,
        retainOnDelete: true,
      });
    }
  });

  it('honours a single Gitaly asked for at 3k, and a cluster asked for at 2k', () => {
    const single = planFor({ architecture: { size: '3k' }, gitaly: { mode: 'single' } });
    expect(single.nodes.filter((node) => node.role === 'gitaly')).toHaveLength(1);
    expect(single.nodes.filter((node) => node.role === 'praefect')).toHaveLength(0);
    expect(single.services.some((service) => service.kind === 'nlb' && service.scheme === 'internal')).toBe(
      false,
    );
    const cluster = planFor({ architecture: { size: '2k' }, gitaly: { mode: 'cluster' } });
    expect(cluster.nodes.filter((node) => node.role === 'praefect')).toHaveLength(3);
    expect(cluster.services.filter((service) => service.kind === 'rds')).toMatchObject([
      { role: 'postgres', databases: [{ name: 'gitlabhq_production' }] },
      { role: 'praefect-postgres', databases: [{ name: 'praefect_production', user: 'praefect' }] },
    ]);
    expect(single.services.filter((service) => service.kind === 'rds')).toMatchObject([{ role: 'postgres' }]);
  });

  it('runs 1k on one instance with its data on a retained volume, and no managed database or Redis', () => {
    const plan = planFor({
      architecture: { size: '1k' },
      gitaly: { volumeGiB: 300 },
      database: { storageGiB: 50 },
    });
    expect(plan.autoScalingGroups).toEqual([]);
    expect(plan.nodes.map((node) => [node.id, node.role, node.instanceType, node.autoScalingGroup])).toEqual([
      ['gitlab-1', 'gitlab', 'c5.2xlarge', undefined],
    ]);
    expect(plan.nodes[0]!.volumes.find((volume) => volume.purpose === 'gitlab-data')).toMatchObject({
      mountPoint: '/var/opt/gitlab',
      // Repositories and the bundled database share the volume.
      sizeGiB: 350,
      retainOnDelete: true,
      iops: 8000,
    });
    expect(plan.services.map((service) => service.kind).sort()).toEqual(['nlb', 's3']);
    expect(plan.secrets.map((secret) => secret.id)).toEqual([
      'root-password',
      'gitlab-secrets-json',
      'ssh-host-keys',
    ]);
    expect(plan.deployNodes).toEqual({ singleNode: 'gitlab-1' });
    expect(
      plan.alarms.filter((alarm) => alarm.action === 'recover-instance').map((alarm) => alarm.subject),
    ).toEqual(['gitlab-1']);
    expect(plan.statefulResources.find((resource) => resource.id === 'volume-gitlab-1')).toMatchObject({
      onStackDelete: 'retain',
      description: expect.stringContaining('GitLab data volume of gitlab-1'),
    });
  });

  it('keeps the managed services of the AWS guide for the poc, and budgets Puma next to Sidekiq on its Rails nodes', () => {
    const plan = planFor({ architecture: { size: 'poc' } });
    expect(plan.services.map((service) => service.kind).sort()).toEqual(['elasticache', 'nlb', 'rds', 's3']);
    expect(plan.deployNodes.singleNode).toBeUndefined();
    expect(plan.autoScalingGroups.find((group) => group.id === 'rails')?.processBudget).toMatchObject({
      bundledServicesGiB: 0,
      sidekiqProcesses: 2,
      pumaWorkers: 6,
    });
    // Sizes with Sidekiq nodes keep one Sidekiq process per vCPU there and no budget on Rails.
    expect(
      planFor({ architecture: { size: '3k' } }).autoScalingGroups.map((group) => group.processBudget),
    ).toEqual([undefined, undefined]);
  });

  it('follows the AWS guide for the poc: Rails 2-4, one Gitaly, RDS db.m5.large Multi-AZ', () => {
    const plan = planFor({ architecture: { size: 'poc' }, availabilityZones: 2 });
    expect(plan.autoScalingGroups[0]).toMatchObject({
      id: 'rails',
      instanceType: 'c5.2xlarge',
      minCapacity: 2,
      maxCapacity: 4,
    });
    expect(plan.nodes.filter((node) => node.role === 'gitaly').map((node) => node.instanceType)).toEqual([
      'm5.xlarge',
    ]);
    expect(plan.services.find((service) => service.kind === 'rds')).toMatchObject({
      instanceClass: 'db.m5.large',
      multiAz: true,
    });
  });

  it('adds two bastions in public subnets only when asked', () => {
    expect(planFor().nodes.some((node) => node.role === 'bastion')).toBe(false);
    const plan = planFor({ access: { admin: 'bastion' } });
    const bastions = plan.nodes.filter((node) => node.role === 'bastion');
    expect(bastions.map((node) => [node.availabilityZone, node.subnet])).toEqual([
      ['us-west-2a', 'public'],
      ['us-west-2b', 'public'],
    ]);
  });

  it('lays out one private and one public subnet per AZ inside the VPC range', () => {
    const plan = planFor({ availabilityZones: 3 });
    expect(plan.network.subnets.map((subnet) => `${subnet.name} ${subnet.cidr}`)).toEqual([
      'private-us-west-2a 10.0.0.0/20',
      'private-us-west-2b 10.0.16.0/20',
      'private-us-west-2c 10.0.32.0/20',
      'public-us-west-2a 10.0.48.0/24',
      'public-us-west-2b 10.0.49.0/24',
      'public-us-west-2c 10.0.50.0/24',
    ]);
    expect(
      planFor({ network: { vpcCidr: '172.20.0.0/20' }, availabilityZones: 2 }).network.subnets.map(
        (subnet) => subnet.cidr,
      ),
    ).toEqual(['172.20.0.0/24', '172.20.1.0/24', '172.20.2.0/28', '172.20.2.16/28']);
    expect(plan.network.natGateways).toBe(3);
  });

  it('names every bucket with the prefix, versions every bucket and expires only backups', () => {
    const plan = planFor({ objectStorage: { bucketPrefix: 'acme-gl-' }, backups: { retentionDays: 30 } });
    const s3 = plan.services.find((service) => service.kind === 's3');
    if (s3?.kind !== 's3') throw new Error('no s3 service');
    expect(s3.buckets).toHaveLength(11);
    for (const bucket of s3.buckets) expect(bucket.bucketName.startsWith('acme-gl-gitlab-test-')).toBe(true);
    // Scoped to the account and region: nobody else can hold the names first, two regions never clash.
    expect(
      nameInAccount(
        s3.buckets.find((bucket) => bucket.purpose === 'dependency_proxy')!.bucketName,
        '123456789012',
      ),
    ).toBe('acme-gl-gitlab-test-dependency-proxy-123456789012-us-west-2');
    expect(nameInAccount(s3.accessLogBucketName, '123456789012')).toBe(
      'acme-gl-gitlab-test-access-logs-123456789012-us-west-2',
    );
    expect(s3.buckets.every((bucket) => bucket.versioned)).toBe(true);
    expect(
      s3.buckets
        .filter((bucket) => bucket.expireAfterDays !== undefined)
        .map((bucket) => [bucket.purpose, bucket.expireAfterDays, bucket.noncurrentVersionsExpireAfterDays]),
    ).toEqual([['backups', 30, 30]]);
    const artifacts = s3.buckets.find((bucket) => bucket.purpose === 'artifacts')!;
    expect(artifacts.noncurrentVersionsExpireAfterDays).toBe(NONCURRENT_VERSION_DAYS);
  });

  it('keeps noncurrent versions of backups as long as the backups, and lets the roles running Rails code use the buckets', () => {
    const days = NONCURRENT_VERSION_DAYS + 9;
    const plan = planFor({ architecture: { size: '3k' }, backups: { retentionDays: days } });
    const s3 = plan.services.find((service) => service.kind === 's3');
    if (s3?.kind !== 's3') throw new Error('no s3 service');
    expect([s3.id, s3.role]).toEqual(['object-storage', 'object-storage']);
    expect(s3.buckets.map((bucket) => [bucket.purpose, bucket.noncurrentVersionsExpireAfterDays])).toEqual(
      s3.buckets.map((bucket) => [
        bucket.purpose,
        bucket.purpose === 'backups' ? days : NONCURRENT_VERSION_DAYS,
      ]),
    );
    // 3k runs Rails code on Rails and Sidekiq nodes; 1k on its one GitLab node.
    // Gitaly writes its server-side repository backups to the backups bucket, and the backup node
    // its archives: no other bucket.
    for (const bucket of s3.buckets)
      expect(bucket.accessRoles).toEqual(
        bucket.purpose === 'backups' ? ['rails', 'sidekiq', 'gitaly', 'backup'] : ['rails', 'sidekiq'],
      );
    const small = planFor({ architecture: { size: '1k' } }).services.find((service) => service.kind === 's3');
    if (small?.kind !== 's3') throw new Error('no s3 service');
    for (const bucket of small.buckets) expect(bucket.accessRoles).toEqual(['gitlab']);
  });

  it('lists the secrets each role reads, and Praefect tokens only for a cluster', () => {
    const cluster = planFor({ architecture: { size: '3k' } });
    const single = planFor({ architecture: { size: '2k' } });
    const ids = (plan: typeof cluster) => plan.secrets.map((secret) => secret.id).sort();
    expect(ids(cluster)).toContain('praefect-external-token');
    expect(ids(single)).not.toContain('praefect-external-token');
    expect(cluster.secrets.find((secret) => secret.id === 'database-password')?.readers).toEqual([
      'rails',
      'sidekiq',
      'backup',
    ]);
    for (const secret of cluster.secrets) expect(secret.name).toBe(`gitlab-test/${secret.id}`);
  });

  it('serialises to JSON and back unchanged', () => {
    const plan = planFor({ architecture: { size: '50k' } });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});
