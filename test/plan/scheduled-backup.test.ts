import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKUP_FAILED_METRIC,
  BACKUP_OFFSET_HOURS,
  BACKUP_PREFIX,
  offsetSchedule,
  planScheduledBackup,
  SCHEDULED_BACKUP_TIMEOUT_SECONDS,
  scheduledBackupAlarms,
} from '../../src/plan/scheduled-backup.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const fields = (schedule: string) => schedule.replace(/^cron\(|\)$/g, '').split(' ');

describe('offsetSchedule', () => {
  it.each([
    ['cron(0 2 * * ? *)', 'cron(0 14 * * ? *)', 12],
    ['cron(15 11 * * ? *)', 'cron(15 23 * * ? *)', 12],
    ['cron(0 12 * * ? *)', 'cron(0 0 * * ? *)', -12],
    ['cron(30 23 ? * SUN *)', 'cron(30 11 ? * SUN *)', -12],
    ['cron(5 4 1 * ? *)', 'cron(5 16 1 * ? *)', 12],
  ])('%s -> %s', (schedule, moved, offsetHours) => {
    expect(offsetSchedule(schedule)).toEqual({ schedule: moved, offsetHours });
  });

  it('keeps every hour of the day on its day, half a day away', () => {
    for (let hour = 0; hour < 24; hour += 1) {
      const schedule = `cron(7 ${hour} ? * MON-FRI 2027)`;
      const moved = offsetSchedule(schedule);
      const [minutes, movedHour, ...days] = fields(moved.schedule);
      expect(Number(movedHour)).toBeGreaterThanOrEqual(0);
      expect(Number(movedHour)).toBeLessThan(24);
      expect(Number(movedHour) - hour).toBe(moved.offsetHours);
      expect(Math.abs(moved.offsetHours)).toBe(BACKUP_OFFSET_HOURS);
      expect([minutes, ...days]).toEqual(['7', '?', '*', 'MON-FRI', '2027']);
    }
    // Longer than AWS Backup's default 8-hour start window, so gitlab-backup never starts inside it.
    expect(BACKUP_OFFSET_HOURS).toBeGreaterThan(8);
  });

  it('runs once a day, at noon, when the snapshots run several times a day', () => {
    expect(offsetSchedule('cron(0 */6 * * ? *)')).toEqual({
      schedule: 'cron(0 12 * * ? *)',
      offsetHours: 12,
    });
    expect(offsetSchedule('cron(0 1,13 * * ? *)').schedule).toBe('cron(0 12 * * ? *)');
  });

  it('reads the fields however they are spaced', () => {
    expect(offsetSchedule('cron( 0  3 * * ? * )').schedule).toBe('cron(0 15 * * ? *)');
  });

  it('refuses what is not a six-field cron expression', () => {
    expect(() => offsetSchedule('cron(0 2 * * ?)')).toThrow(
      'not a six-field cron expression: cron(0 2 * * ?)',
    );
    expect(() => offsetSchedule('rate(1 day)')).toThrow('not a six-field cron expression');
  });
});

describe('plan.scheduledBackup', () => {
  let single: Plan;
  let cluster: Plan;
  let weekly: Plan;
  let hybrid: Plan;
  beforeAll(() => {
    single = planFor({ architecture: { size: '1k' } });
    cluster = planFor({ architecture: { size: '3k' } });
    hybrid = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    weekly = planFor({ architecture: { size: '1k' }, backups: { schedule: 'cron(30 20 ? * SAT *)' } });
  });

  it('runs gitlab-backup on the 1k node: persistent, with the Rails code and the data volume the dump comes from', () => {
    expect(single.scheduledBackup.runner).toBe(single.deployNodes.singleNode);
    const runner = single.nodes.find((node) => node.id === single.scheduledBackup.runner)!;
    expect(runner.autoScalingGroup).toBeUndefined();
    expect(runner.volumes.some((volume) => volume.purpose === 'gitlab-data')).toBe(true);
  });

  it('runs gitlab-backup on the backup node where every Rails node is in an auto scaling group', () => {
    expect(cluster.nodes.filter((node) => node.role === 'rails').every((node) => node.autoScalingGroup)).toBe(
      true,
    );
    const runner = cluster.nodes.find((node) => node.id === cluster.scheduledBackup.runner)!;
    expect(runner.role).toBe('backup');
    expect(runner.autoScalingGroup).toBeUndefined();
    expect(runner.volumes.some((volume) => volume.purpose === 'backup-staging')).toBe(true);
  });

  it("names no runner on Cloud Native Hybrid, whose backups are the chart toolbox's", () => {
    expect(hybrid.nodes.some((node) => node.role === 'backup')).toBe(false);
    expect(hybrid.scheduledBackup.runner).toBeUndefined();
    expect('runner' in hybrid.scheduledBackup).toBe(false);
  });

  it('runs half a day away from the spec schedule, which stays the snapshots', () => {
    expect(single.scheduledBackup.snapshotSchedule).toBe(single.spec.backups.schedule);
    expect(single.scheduledBackup).toMatchObject(offsetSchedule(single.spec.backups.schedule));
    expect(weekly.scheduledBackup.snapshotSchedule).toBe('cron(30 20 ? * SAT *)');
    expect(weekly.scheduledBackup.schedule).toBe('cron(30 8 ? * SAT *)');
    expect(weekly.scheduledBackup.offsetHours).toBe(-12);
  });

  it('leaves repositories to the Gitaly servers when there are some, and lets them write the backups bucket', () => {
    expect(cluster.scheduledBackup.repositoriesServerSide).toBe(true);
    expect(single.scheduledBackup.repositoriesServerSide).toBe(false);
    const backups = (plan: Plan) =>
      plan.services
        .flatMap((service) => (service.kind === 's3' ? service.buckets : []))
        .find((b) => b.purpose === 'backups')!;
    expect(backups(cluster).accessRoles).toContain('gitaly');
    expect(backups(single).accessRoles).not.toContain('gitaly');
    // Only the backups bucket: Gitaly has no business in the others.
    const others = cluster.services
      .flatMap((service) => (service.kind === 's3' ? service.buckets : []))
      .filter((bucket) => bucket.purpose !== 'backups');
    for (const bucket of others) expect(bucket.accessRoles).not.toContain('gitaly');
  });

  it('reports each run in a metric of the environment, and bounds a run', () => {
    expect(single.scheduledBackup.failureMetric).toEqual({
      namespace: `gitlab-aws/${single.spec.name}`,
      name: BACKUP_FAILED_METRIC,
    });
    expect(single.scheduledBackup.timeoutSeconds).toBe(SCHEDULED_BACKUP_TIMEOUT_SECONDS);
    // Long enough for a large database dump, and over before the next day's run starts.
    expect(SCHEDULED_BACKUP_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(3600);
    expect(SCHEDULED_BACKUP_TIMEOUT_SECONDS).toBeLessThan(24 * 3600);
    expect(BACKUP_FAILED_METRIC).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it('alarms to the topic on a failed run, and only where a run is scheduled', () => {
    const alarms = single.alarms.filter((alarm) => alarm.metric.name === BACKUP_FAILED_METRIC);
    expect(alarms).toEqual(scheduledBackupAlarms(single.scheduledBackup));
    expect(alarms).toHaveLength(1);
    const [alarm] = alarms;
    expect(alarm).toMatchObject({
      id: `${single.scheduledBackup.runner}-scheduled-backup-failed`,
      subject: single.scheduledBackup.runner,
      role: 'backup',
      action: 'notify',
      comparison: 'greater-than-or-equal',
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: 'not-breaching',
      metric: {
        namespace: single.scheduledBackup.failureMetric.namespace,
        statistic: 'Maximum',
        periodSeconds: 3600,
        dimensions: [],
      },
    });
    expect(alarm!.why).toContain('gitlab-secrets.json');
    expect(
      cluster.alarms
        .filter((entry) => entry.metric.name === BACKUP_FAILED_METRIC)
        .map((entry) => entry.subject),
    ).toEqual(['backup-1']);
    expect(hybrid.alarms.some((entry) => entry.metric.name === BACKUP_FAILED_METRIC)).toBe(false);
  });

  it("keeps the Linux package's archives under gitlab-backup/, the chart's at the bucket's root with its Rails secrets", () => {
    for (const linux of [single, cluster]) {
      expect(linux.scheduledBackup.archives).toEqual({
        prefix: BACKUP_PREFIX,
        archiveSuffix: '_gitlab_backup.tar',
        secretsSuffix: '_gitlab-secrets.json',
      });
    }
    expect(BACKUP_PREFIX).toBe('gitlab-backup/');
    expect(hybrid.scheduledBackup.archives).toEqual({
      prefix: '',
      archiveSuffix: '_gitlab_backup.tar',
      secretsSuffix: '_rails-secrets.yml',
    });
  });

  it('is decided from the nodes and the spec alone', () => {
    expect(planScheduledBackup(single)).toEqual(single.scheduledBackup);
    expect(planScheduledBackup({ ...single, deployNodes: {} }).runner).toBeUndefined();
    expect(planScheduledBackup(cluster).runner).toBe('backup-1');
    expect(
      planScheduledBackup({ ...cluster, nodes: cluster.nodes.filter((n) => n.role !== 'backup') }).runner,
    ).toBeUndefined();
    expect(
      planScheduledBackup({ ...cluster, nodes: cluster.nodes.filter((n) => n.role !== 'gitaly') })
        .repositoriesServerSide,
    ).toBe(false);
  });
});
