/**
 * The toolbox's backup schedule and arguments, decided from the Plan: the spec's EventBridge
 * schedule as a Kubernetes one (what the rendered chart runs is checked in helm-chart.test.ts),
 * `backup-utility` skipping what S3 keeps, and a volume with room for the database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  backupUtilityArgs,
  kubernetesSchedule,
  toolboxBackupVolumeGiB,
} from '../../src/config/helm/toolbox-backups.js';
import type { Plan, RdsService } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

describe('kubernetesSchedule', () => {
  it('turns EventBridge cron into a five-field Kubernetes schedule', () => {
    expect(kubernetesSchedule('cron(0 14 * * ? *)')).toBe('0 14 * * *');
    expect(kubernetesSchedule('cron(30 3 ? * 1 *)')).toBe('30 3 * * 0');
    expect(kubernetesSchedule('cron(30 3 ? * 2-6 *)')).toBe('30 3 * * 1-5');
    expect(kubernetesSchedule('cron(30 3 ? * 1,7 *)')).toBe('30 3 * * 0,6');
    expect(kubernetesSchedule('cron(0 4 ? * MON-FRI *)')).toBe('0 4 * * MON-FRI');
    expect(kubernetesSchedule('cron(0 4 ? * */2 *)')).toBe('0 4 * * */2');
    expect(kubernetesSchedule('cron(0 4 1 * ? *)')).toBe('0 4 1 * *');
  });

  it('refuses what a CronJob cannot express', () => {
    expect(() => kubernetesSchedule('cron(0 4 * * ? 2027)')).toThrow(/years/);
    expect(() => kubernetesSchedule('cron(0 4 L * ? *)')).toThrow(/L, W or #/);
    expect(() => kubernetesSchedule('cron(0 4 ? * 2#1 *)')).toThrow(/L, W or #/);
    expect(() => kubernetesSchedule('cron(0 4 * * ?)')).toThrow(/six-field/);
  });
});

describe('the toolbox backup of a hybrid Plan', () => {
  let plan: Plan;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
  });

  it('skips every object type S3 keeps, copies with the AWS CLI, and has Gitaly stream the repositories', () => {
    const args = backupUtilityArgs(plan);
    expect(args.slice(0, 3)).toEqual(['--s3tool', 'awscli', '--skip']);
    expect(args[3]!.split(',').sort()).toEqual(
      [
        'artifacts',
        'ci_secure_files',
        'external_diffs',
        'lfs',
        'packages',
        'registry',
        'terraform_state',
        'uploads',
      ].sort(),
    );
    expect(args.at(-1)).toBe('--repositories-server-side');
    const withoutServerSide = {
      ...plan,
      scheduledBackup: { ...plan.scheduledBackup, repositoriesServerSide: false },
    };
    expect(backupUtilityArgs(withoutServerSide)).not.toContain('--repositories-server-side');
  });

  it('has room for twice the largest the database may grow to, within the largest gp3 volume', () => {
    const database = plan.services.find(
      (service): service is RdsService => service.kind === 'rds' && service.role === 'postgres',
    )!;
    expect(toolboxBackupVolumeGiB(plan)).toBe(2 * database.maxStorageGiB);
    const huge = {
      ...plan,
      services: plan.services.map((service) =>
        service === database ? { ...database, maxStorageGiB: 10_000 } : service,
      ),
    };
    expect(toolboxBackupVolumeGiB(huge)).toBe(16_384);
    expect(() => toolboxBackupVolumeGiB({ services: [] })).toThrow(/no RDS database/);
  });
});
