/**
 * The backup node of the Plan: which environments get one, the machine and the staging volume it
 * gets, and what it is not (in a target group, auto scaled, kept when its stack goes).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceArchitecture } from '../../src/catalog/index.js';
import { SPEC_SIZES } from '../../src/catalog/types.js';
import {
  archiveStagingGiB,
  BACKUP_STAGING_MOUNT_POINT,
  planBackupNode,
} from '../../src/plan/resolve/backup-node.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';

describe('archiveStagingGiB', () => {
  it("is the database's storage, plus the repositories only when no Gitaly node streams them itself", () => {
    expect(archiveStagingGiB(120, 1000, true)).toBe(120);
    expect(archiveStagingGiB(120, 1000, false)).toBe(1120);
  });
});

describe('the backup node', () => {
  let plans: { name: string; plan: Plan }[];
  let graviton: Plan;
  let largeDatabase: Plan;
  beforeAll(() => {
    plans = allPlans().map(({ combination, plan }) => ({
      name: `${combination.size} ${combination.type} ${combination.availabilityZones} AZs`,
      plan,
    }));
    graviton = planFor({ architecture: { size: '5k', cpu: 'graviton' } });
    largeDatabase = planFor({ architecture: { size: '2k' }, database: { storageGiB: 750 } });
  });

  it('exists once in every Linux package environment from 2k, and in no other', () => {
    const withBackupNode = plans
      .filter(({ plan }) => plan.nodes.some((node) => node.role === 'backup'))
      .map(({ name }) => name);
    const expected = plans
      .filter(
        ({ plan }) =>
          plan.architecture.type === 'linux-package' && !['poc', '1k'].includes(plan.architecture.size),
      )
      .map(({ name }) => name);
    expect(withBackupNode).toEqual(expected);
    // The one bucket it writes, where it exists.
    const writesBackups = plans
      .filter(({ plan }) =>
        plan.services.some(
          (service) =>
            service.kind === 's3' &&
            service.buckets.some(
              (bucket) => bucket.purpose === 'backups' && bucket.accessRoles.includes('backup'),
            ),
        ),
      )
      .map(({ name }) => name);
    expect(writesBackups).toEqual(expected);
    expect(expected.length).toBe((SPEC_SIZES.length - 2) * 2);
    for (const { plan } of plans) {
      expect(plan.nodes.filter((node) => node.role === 'backup').length).toBeLessThanOrEqual(1);
    }
  });

  it("is the size page's Sidekiq machine, fixed in the first AZ's private subnet", () => {
    for (const { name, plan } of plans) {
      const node = plan.nodes.find((candidate) => candidate.role === 'backup');
      if (!node) continue;
      const sidekiq = referenceArchitecture(plan.architecture.size, 'linux-package').roles.find(
        (role) => role.role === 'sidekiq',
      )!;
      expect(node, name).toMatchObject({
        id: 'backup-1',
        instanceType: sidekiq.awsInstanceType,
        availabilityZone: plan.availabilityZones[0],
        subnet: 'private',
      });
      expect(node.autoScalingGroup, name).toBeUndefined();
    }
    const arm = graviton.nodes.find((node) => node.role === 'backup')!;
    expect([arm.instanceType, arm.arch]).toEqual(['m7g.xlarge', 'arm64']);
  });

  it('stages archives on a gp3 volume of the database size, mounted at the backup path and not kept', () => {
    for (const plan of [largeDatabase, ...plans.map((entry) => entry.plan)]) {
      const node = plan.nodes.find((candidate) => candidate.role === 'backup');
      if (!node) continue;
      const staging = node.volumes.filter((volume) => volume.purpose === 'backup-staging');
      expect(staging).toEqual([
        {
          purpose: 'backup-staging',
          deviceName: '/dev/sdf',
          mountPoint: BACKUP_STAGING_MOUNT_POINT,
          sizeGiB: plan.spec.database.storageGiB,
          type: 'gp3',
          retainOnDelete: false,
        },
      ]);
      expect(node.volumes.find((volume) => volume.purpose === 'root')?.sizeGiB).toBe(100);
      // Nothing to keep: the archive leaves for the backups bucket.
      expect(plan.statefulResources.filter((resource) => resource.description.includes(node.id))).toEqual([]);
    }
    expect(largeDatabase.nodes.find((node) => node.role === 'backup')!.volumes[1]!.sizeGiB).toBe(750);
    expect(BACKUP_STAGING_MOUNT_POINT).toBe('/var/opt/gitlab/backups');
  });

  it('takes no traffic: in no load balancer target group and no auto scaling group', () => {
    for (const { plan } of plans) {
      for (const service of plan.services) {
        if (service.kind !== 'nlb') continue;
        expect(service.listeners.map((listener) => listener.targetRole)).not.toContain('backup');
      }
      expect(plan.autoScalingGroups.map((group) => group.role)).not.toContain('backup');
    }
  });

  it('is planned from the reference architecture: none where the catalog gives the size none', () => {
    const oneK = planFor({ architecture: { size: '1k' } });
    expect(oneK.nodes.some((node) => node.role === 'backup')).toBe(false);
    expect(
      planBackupNode({
        spec: oneK.spec,
        reference: referenceArchitecture('1k', 'linux-package'),
        availabilityZones: oneK.availabilityZones,
        privateDnsZone: oneK.privateDnsZone,
        gitalyMode: 'single',
      }),
    ).toEqual([]);
  });
});
