/**
 * GitLab's RDS instance and Praefect's own: which exist, how each is sized, the parameters GitLab
 * requires, and what the rest of the Plan (members, alarms, deletion, secrets) says about them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_REQUIRED_SETTINGS } from '../../src/catalog/gitlab-requirements.js';
import { catalogRole, referenceArchitecture } from '../../src/catalog/index.js';
import { servicesOf } from '../../src/plan/query.js';
import { PRAEFECT_DATABASE_STORAGE_GIB } from '../../src/plan/resolve/database.js';
import type { Plan, RdsService } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const byRole = (plan: Plan, role: RdsService['role']) =>
  servicesOf(plan, 'rds').find((service) => service.role === role);

describe('RDS instances of a Plan', () => {
  const plans: Record<string, Plan> = {};
  beforeAll(() => {
    plans['2k'] = planFor({ architecture: { size: '2k' } });
    plans['3k'] = planFor({ architecture: { size: '3k' } });
    plans['3k-graviton'] = planFor({ architecture: { size: '3k', cpu: 'graviton' } });
    plans['3k-single'] = planFor({ architecture: { size: '3k' }, gitaly: { mode: 'single' } });
    plans['2k-cluster'] = planFor({ architecture: { size: '2k' }, gitaly: { mode: 'cluster' } });
    plans['10k'] = planFor({
      architecture: { size: '10k' },
      database: { backupRetentionDays: 21, instanceClass: 'db.m6i.8xlarge' },
    });
    plans['10k-no-replicas'] = planFor({ architecture: { size: '10k' }, database: { readReplicas: 0 } });
    plans['25k'] = planFor({ architecture: { size: '25k' } });
    plans['50k'] = planFor({ architecture: { size: '50k' } });
    plans.io1 = planFor({
      architecture: { size: '3k' },
      database: { storageGiB: 300, maxStorageGiB: 500, storageType: 'io1', iops: 9000 },
    });
  });

  it('gives a Gitaly Cluster its own Praefect instance, sized from the page\'s "Praefect PostgreSQL" row', () => {
    for (const [name, expectedClass] of [
      ['3k', 'db.m6i.large'],
      ['3k-graviton', 'db.m7g.large'],
      ['10k', 'db.m6i.large'],
    ] as const) {
      const plan = plans[name]!;
      const row = catalogRole(
        referenceArchitecture(plan.architecture.size as '3k', 'linux-package'),
        'praefect-postgres',
      )!;
      expect(row.sharesInstanceWith, name).toBeUndefined();
      const praefect = byRole(plan, 'praefect-postgres')!;
      expect(praefect, name).toMatchObject({
        kind: 'rds',
        id: 'praefect-postgres',
        engine: 'postgres',
        engineVersion: byRole(plan, 'postgres')!.engineVersion,
        instanceClass: expectedClass,
        arch: expectedClass.startsWith('db.m7g') ? 'arm64' : 'x86_64',
        multiAz: true,
        count: 2,
        readReplicas: 0,
        storageGiB: PRAEFECT_DATABASE_STORAGE_GIB,
        maxStorageGiB: PRAEFECT_DATABASE_STORAGE_GIB * 5,
        storageType: 'gp3',
        deletionProtection: true,
        databases: [{ name: 'praefect_production', role: 'praefect-postgres', user: 'praefect' }],
      });
      expect(praefect.iops).toBeUndefined();
      expect(praefect.instanceClass).toBe(
        plan.architecture.cpu === 'graviton' ? row.gravitonServiceClass : row.serviceClass,
      );
      // The main instance holds GitLab's database only.
      expect(byRole(plan, 'postgres')!.databases).toEqual([
        { name: 'gitlabhq_production', role: 'postgres', user: 'gitlab' },
      ]);
    }
  });

  it("keeps the spec's backup retention but not its GitLab instance class for Praefect's instance", () => {
    const praefect = byRole(plans['10k']!, 'praefect-postgres')!;
    expect(praefect.backupRetentionDays).toBe(21);
    expect(praefect.instanceClass).toBe('db.m6i.large');
    expect(byRole(plans['10k']!, 'postgres')!.instanceClass).toBe('db.m6i.8xlarge');
  });

  it('has a Praefect instance exactly when the Plan has a Gitaly Cluster', () => {
    for (const [name, plan] of Object.entries(plans)) {
      expect(
        servicesOf(plan, 'rds').map((service) => service.role),
        name,
      ).toEqual(
        plan.architecture.gitalyMode === 'cluster' ? ['postgres', 'praefect-postgres'] : ['postgres'],
      );
    }
    for (const plan of Object.values(plans)) {
      expect(plan.services.every((service) => typeof service === 'object' && 'kind' in service)).toBe(true);
    }
    expect(plans['2k-cluster']!.architecture.gitalyMode).toBe('cluster');
    expect(plans['3k-single']!.architecture.gitalyMode).toBe('single');
  });

  it("sets GitLab's required statement timeout and work_mem, and hot_standby_feedback on replicas only", () => {
    for (const plan of [plans['3k']!, plans['10k']!]) {
      const main = byRole(plan, 'postgres')!;
      expect(main.parameters).toEqual({
        'rds.force_ssl': '1',
        statement_timeout: String(POSTGRES_REQUIRED_SETTINGS.statementTimeoutMs.max),
        work_mem: String(POSTGRES_REQUIRED_SETTINGS.workMemKb.min),
      });
      expect(main.replicaParameters).toEqual({ ...main.parameters, hot_standby_feedback: '1' });
    }
    expect(POSTGRES_REQUIRED_SETTINGS.statementTimeoutMs.max).toBe(60_000);
    expect(POSTGRES_REQUIRED_SETTINGS.workMemKb.min).toBe(8192);
    const praefect = byRole(plans['3k']!, 'praefect-postgres')!;
    expect(praefect.parameters).toEqual({ 'rds.force_ssl': '1' });
    expect(praefect.replicaParameters).toEqual({ 'rds.force_ssl': '1' });
  });

  it('runs read replicas from 10k, or as the spec says', () => {
    expect(byRole(plans['3k']!, 'postgres')!.readReplicas).toBe(0);
    expect(byRole(plans['10k']!, 'postgres')!.readReplicas).toBe(2);
    expect(byRole(plans['25k']!, 'postgres')!.readReplicas).toBe(2);
    expect(byRole(plans['50k']!, 'postgres')!.readReplicas).toBe(2);
    expect(byRole(plans['10k-no-replicas']!, 'postgres')!.readReplicas).toBe(0);
  });

  it("sizes GitLab's Multi-AZ instance from the spec: storage, its 4x ceiling, IOPS", () => {
    expect(byRole(plans['3k']!, 'postgres')).toMatchObject({
      kind: 'rds',
      id: 'postgres',
      engine: 'postgres',
      multiAz: true,
      count: 2,
      storageGiB: 100,
      maxStorageGiB: 400,
      storageType: 'gp3',
      deletionProtection: true,
    });
    expect('iops' in byRole(plans['3k']!, 'postgres')!).toBe(false);
    expect(byRole(plans['io1']!, 'postgres')).toMatchObject({
      storageGiB: 300,
      maxStorageGiB: 500,
      storageType: 'io1',
      iops: 9000,
    });
  });

  it("treats Praefect's instance as data: members, alarms, a final snapshot, its own secret", () => {
    const plan = plans['3k']!;
    const praefect = byRole(plan, 'praefect-postgres')!;
    expect(praefect.members.map((member) => [member.id, member.role, member.placement])).toEqual([
      ['praefect-postgres-primary', 'primary', 'chosen-by-aws'],
      ['praefect-postgres-standby', 'standby', 'chosen-by-aws'],
    ]);
    expect(plan.statefulResources.find((resource) => resource.id === 'rds-praefect-postgres')).toMatchObject({
      kind: 'rds',
      stack: 'data',
      onStackDelete: 'snapshot',
    });
    const alarms = plan.alarms.filter((alarm) => alarm.subject === 'praefect-postgres');
    expect(alarms.map((alarm) => alarm.id).sort()).toEqual([
      'praefect-postgres-cpu',
      'praefect-postgres-free-storage',
    ]);
    for (const alarm of alarms) {
      expect(alarm.metric.dimensions).toEqual([
        { name: 'DBInstanceIdentifier', subject: 'praefect-postgres-primary' },
      ]);
    }
    // Only Praefect reads the password of its database's master user.
    expect(plan.secrets.find((secret) => secret.id === 'praefect-database-password')?.readers).toEqual([
      'praefect',
    ]);
    expect(plans['3k-single']!.secrets.some((secret) => secret.id === 'praefect-database-password')).toBe(
      false,
    );
  });
});
