import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

describe('the 1k node in the Plan', () => {
  let gp3: Plan;
  let io1: Plan;
  let threeK: Plan;
  beforeAll(() => {
    gp3 = planFor({ architecture: { size: '1k' }, gitaly: { throughputMiBps: 500 } });
    io1 = planFor({ architecture: { size: '1k' }, gitaly: { volumeType: 'io1', iops: 6000 } });
    threeK = planFor({ architecture: { size: '3k' } });
  });

  it('attaches its data volume as the second device and mounts it on the package data directory', () => {
    const node = gp3.nodes[0]!;
    expect([node.id, node.role, node.privateDnsName]).toEqual([
      'gitlab-1',
      'gitlab',
      'gitlab-1.gitlab-test.internal',
    ]);
    expect(node.volumes.map((volume) => [volume.purpose, volume.deviceName, volume.mountPoint])).toEqual([
      ['root', '/dev/sda1', undefined],
      ['gitlab-data', '/dev/sdf', '/var/opt/gitlab'],
    ]);
    // The package, its logs and caches need the larger root volume Rails nodes get.
    expect(node.volumes[0]!.sizeGiB).toBe(100);
    // PostgreSQL and Redis are bundled: no managed service or its secrets.
    expect(gp3.services.map((service) => service.kind).sort()).toEqual(['nlb', 's3']);
    expect(gp3.secrets.map((secret) => secret.id)).not.toContain('database-password');
    expect(node.gitalyStorage).toBe('default');
    expect(node.processBudget).toMatchObject({
      memoryGiB: node.memoryGiB,
      bundledServicesGiB: node.memoryGiB / 4,
    });
  });

  it("takes the volume's type, IOPS and throughput from the spec's gitaly fields", () => {
    expect(gp3.nodes[0]!.volumes[1]).toEqual({
      purpose: 'gitlab-data',
      deviceName: '/dev/sdf',
      mountPoint: '/var/opt/gitlab',
      sizeGiB: gp3.spec.gitaly.volumeGiB + gp3.spec.database.storageGiB,
      type: 'gp3',
      iops: 8000,
      throughputMiBps: 500,
      retainOnDelete: true,
    });
    const provisioned = io1.nodes[0]!.volumes[1]!;
    expect(provisioned).toMatchObject({ type: 'io1', iops: 6000 });
    expect('throughputMiBps' in provisioned).toBe(false);
    const unset = planFor({ architecture: { size: '1k' }, gitaly: { volumeType: 'io2' } }).nodes[0]!
      .volumes[1]!;
    expect('iops' in unset).toBe(false);
  });

  it('is only planned where the page runs everything on one node', () => {
    expect(threeK.nodes.some((node) => node.role === 'gitlab')).toBe(false);
    expect(threeK.deployNodes.singleNode).toBeUndefined();
    expect(threeK.services.some((service) => service.kind === 'rds')).toBe(true);
  });
});
