/**
 * Members of RDS and ElastiCache as CloudFormation can place them: a Multi-AZ RDS instance's
 * primary and standby are AWS's choice (no AZ), read replicas and cache clusters are pinned.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { cacheMembers, databaseMembers, withMembers } from '../../src/plan/service-members.js';
import type { ElastiCacheService, RdsService } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';

describe('service members', () => {
  it.each(allPlans().map(({ combination, plan }) => ({ ...combination, plan })))(
    '$size $type $availabilityZones AZs',
    ({ plan }) => {
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
    },
  );
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
