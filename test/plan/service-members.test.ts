/**
 * Members of RDS and ElastiCache as CloudFormation can place them: a Multi-AZ RDS instance's
 * primary and standby are AWS's choice (no AZ), read replicas and cache clusters are pinned.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheMembers,
  databaseMembers,
  type MemberlessService,
  withMembers,
} from '../../src/plan/service-members.js';
import type { ElastiCacheService, RdsService } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';

describe('service members', () => {
  // Built before the tests run, not when the file loads, so that a mutant active during the tests reaches them.
  let plans: ReturnType<typeof allPlans>;
  beforeAll(() => {
    plans = allPlans();
  });

  it('places the members of every supported plan', () => {
    expect(plans.length).toBeGreaterThan(0);
    for (const { plan } of plans) {
      const zones = plan.availabilityZones;
      const rds = plan.services.filter((service): service is RdsService => service.kind === 'rds');
      for (const db of rds) {
        expect(db.members.map((member) => member.role)).toEqual([
          'primary',
          ...(db.multiAz ? ['standby'] : []),
          ...Array.from({ length: db.readReplicas }, () => 'read-replica'),
        ]);
        for (const member of db.members.filter((candidate) => candidate.role !== 'read-replica')) {
          // CloudFormation takes no AvailabilityZone for a Multi-AZ instance: the Plan must not claim one.
          expect(member).toMatchObject({ placement: 'chosen-by-aws' });
          expect(member.availabilityZone).toBeUndefined();
        }
        const replicas = db.members.filter((member) => member.role === 'read-replica');
        replicas.forEach((replica, index) => {
          expect(replica).toMatchObject({
            placement: 'pinned',
            availabilityZone: zones[(index + 1) % zones.length],
          });
        });
      }
      const caches = plan.services.filter(
        (service): service is ElastiCacheService => service.kind === 'elasticache',
      );
      for (const cache of caches) {
        expect(cache.members).toHaveLength(cache.count);
        expect(cache.members.map((member) => member.role)).toEqual([
          'primary',
          ...Array.from({ length: cache.replicas }, () => 'replica'),
        ]);
        cache.members.forEach((member, index) => {
          expect(member).toMatchObject({
            id: `${cache.id}-${String(index + 1).padStart(3, '0')}`,
            placement: 'pinned',
            availabilityZone: zones[index % zones.length],
          });
        });
        // Failover needs a replica outside the primary's AZ.
        expect(
          cache.members.some((member) => member.availabilityZone !== cache.members[0]!.availabilityZone),
        ).toBe(true);
      }
      const ids = [...rds, ...caches].flatMap((service) => service.members.map((member) => member.id));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});

describe('service members from hand-built services', () => {
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  const database = (multiAz: boolean, readReplicas: number): Omit<RdsService, 'members'> => ({
    kind: 'rds',
    id: 'db',
    role: 'postgres',
    engine: 'postgres',
    engineVersion: '16',
    instanceClass: 'db.m7g.large',
    arch: 'arm64',
    multiAz,
    count: multiAz ? 2 : 1,
    readReplicas,
    storageGiB: 100,
    maxStorageGiB: 1000,
    storageType: 'gp3',
    backupRetentionDays: 7,
    deletionProtection: true,
    parameters: {},
    replicaParameters: {},
    databases: [],
  });
  const cache = (replicas: number): Omit<ElastiCacheService, 'members'> => ({
    kind: 'elasticache',
    id: 'kv',
    role: 'redis',
    engine: 'redis',
    engineVersion: '7.1',
    nodeType: 'cache.m7g.large',
    arch: 'arm64',
    replicas,
    count: replicas + 1,
    multiAz: replicas > 0,
    automaticFailover: replicas > 0,
    clusterMode: false,
    transitEncryption: true,
    atRestEncryption: true,
    snapshotRetentionDays: 0,
  });

  it('leaves a Multi-AZ primary and standby to AWS, with no AZ, and pins read replicas from the second AZ', () => {
    expect(databaseMembers(database(true, 4), zones)).toStrictEqual([
      { id: 'db-primary', role: 'primary', placement: 'chosen-by-aws' },
      { id: 'db-standby', role: 'standby', placement: 'chosen-by-aws' },
      { id: 'db-read-replica-1', role: 'read-replica', availabilityZone: 'zone-b', placement: 'pinned' },
      { id: 'db-read-replica-2', role: 'read-replica', availabilityZone: 'zone-c', placement: 'pinned' },
      { id: 'db-read-replica-3', role: 'read-replica', availabilityZone: 'zone-a', placement: 'pinned' },
      { id: 'db-read-replica-4', role: 'read-replica', availabilityZone: 'zone-b', placement: 'pinned' },
    ]);
  });

  it('gives a single-AZ database without read replicas its primary alone', () => {
    expect(databaseMembers(database(false, 0), zones)).toStrictEqual([
      { id: 'db-primary', role: 'primary', placement: 'chosen-by-aws' },
    ]);
  });

  it('pins a read replica to the only AZ when there is one', () => {
    expect(databaseMembers(database(false, 2), ['zone-a'])).toStrictEqual([
      { id: 'db-primary', role: 'primary', placement: 'chosen-by-aws' },
      { id: 'db-read-replica-1', role: 'read-replica', availabilityZone: 'zone-a', placement: 'pinned' },
      { id: 'db-read-replica-2', role: 'read-replica', availabilityZone: 'zone-a', placement: 'pinned' },
    ]);
  });

  it('pins each cache cluster, primary first, round the AZs', () => {
    expect(cacheMembers(cache(3), zones)).toStrictEqual([
      { id: 'kv-001', role: 'primary', availabilityZone: 'zone-a', placement: 'pinned' },
      { id: 'kv-002', role: 'replica', availabilityZone: 'zone-b', placement: 'pinned' },
      { id: 'kv-003', role: 'replica', availabilityZone: 'zone-c', placement: 'pinned' },
      { id: 'kv-004', role: 'replica', availabilityZone: 'zone-a', placement: 'pinned' },
    ]);
  });

  it('gives a cache without replicas its primary alone', () => {
    expect(cacheMembers(cache(0), zones)).toStrictEqual([
      { id: 'kv-001', role: 'primary', availabilityZone: 'zone-a', placement: 'pinned' },
    ]);
  });

  it('numbers the tenth cache cluster 010', () => {
    expect(
      cacheMembers(cache(9), zones)
        .map((member) => member.id)
        .slice(-2),
    ).toEqual(['kv-009', 'kv-010']);
  });

  it('adds members to each RDS and ElastiCache service, in order, and passes the others through', () => {
    const other = { kind: 's3', id: 'bucket' } as unknown as MemberlessService;
    const resolved = withMembers([database(true, 1), other, cache(1)], ['zone-a', 'zone-b']);
    expect(resolved).toHaveLength(3);
    expect(resolved[0]).toStrictEqual({
      ...database(true, 1),
      members: [
        { id: 'db-primary', role: 'primary', placement: 'chosen-by-aws' },
        { id: 'db-standby', role: 'standby', placement: 'chosen-by-aws' },
        { id: 'db-read-replica-1', role: 'read-replica', availabilityZone: 'zone-b', placement: 'pinned' },
      ],
    });
    expect(resolved[1]).toBe(other);
    expect(resolved[2]).toStrictEqual({
      ...cache(1),
      members: [
        { id: 'kv-001', role: 'primary', availabilityZone: 'zone-a', placement: 'pinned' },
        { id: 'kv-002', role: 'replica', availabilityZone: 'zone-b', placement: 'pinned' },
      ],
    });
  });
});

describe('service members beyond the published sizes', () => {
  // Built in each test, not when the file loads, so that a mutant active during the test reaches it.
  let plan: ReturnType<typeof planFor>;
  let rds: RdsService;
  let cache: ElastiCacheService;
  beforeEach(() => {
    plan = planFor({ architecture: { size: '10k' } });
    rds = plan.services.find((service): service is RdsService => service.kind === 'rds')!;
    cache = plan.services.find((service): service is ElastiCacheService => service.kind === 'elasticache')!;
  });
  const zones = ['zone-a', 'zone-b'];

  it('gives a single-AZ database no standby, and wraps read replicas round the AZs', () => {
    const members = databaseMembers({ ...rds, multiAz: false, readReplicas: 3 }, zones);
    expect(members.map((member) => [member.id, member.role, member.availabilityZone])).toEqual([
      [`${rds.id}-primary`, 'primary', undefined],
      [`${rds.id}-read-replica-1`, 'read-replica', 'zone-b'],
      [`${rds.id}-read-replica-2`, 'read-replica', 'zone-a'],
      [`${rds.id}-read-replica-3`, 'read-replica', 'zone-b'],
    ]);
  });

  it('numbers cache clusters from 001 and wraps them round the AZs', () => {
    const members = cacheMembers({ ...cache, replicas: 2 }, zones);
    expect(members.map((member) => [member.id, member.role, member.availabilityZone])).toEqual([
      [`${cache.id}-001`, 'primary', 'zone-a'],
      [`${cache.id}-002`, 'replica', 'zone-b'],
      [`${cache.id}-003`, 'replica', 'zone-a'],
    ]);
  });

  it('adds members to RDS and ElastiCache only, leaving other services as they are', () => {
    const others = plan.services.filter(
      (service) => service.kind !== 'rds' && service.kind !== 'elasticache',
    );
    expect(others.length).toBeGreaterThan(0);
    const memberless = plan.services.map((service) => {
      if (service.kind !== 'rds' && service.kind !== 'elasticache') return service;
      const { members: _members, ...rest } = service;
      return rest;
    });
    const resolved = withMembers(memberless, plan.availabilityZones);
    expect(resolved).toEqual(plan.services);
    for (const service of others) expect(resolved).toContain(service);
  });
});
