/**
 * The toolbox's backup schedule and arguments, decided from the Plan: the spec's EventBridge
 * schedule as a Kubernetes one (what the rendered chart runs is checked in helm-chart.test.ts),
 * `backup-utility` skipping what S3 keeps, and a volume with room for the database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  backupUtilityArgs,
  kubernetesSchedule,
  TOOLBOX_BACKUP_STORAGE_CLASS,
  toolboxBackupManifests,
  toolboxBackupValues,
  toolboxBackupVolumeGiB,
} from '../../src/config/helm/toolbox-backups.js';
import { serviceOf } from '../../src/plan/query.js';
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
    // Names stay names, a W in one is no EventBridge W; spacing is free, the cron() wrapper optional.
    expect(kubernetesSchedule('cron(0 4 ? * WED *)')).toBe('0 4 * * WED');
    expect(kubernetesSchedule('cron(0  4 ? * 1 *)')).toBe('0 4 * * 0');
    expect(kubernetesSchedule('0 4 ? * 1 * ')).toBe('0 4 * * 0');
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
    // Nothing to skip when S3 holds only the backups: no --skip at all.
    const backupsOnly = {
      ...withoutServerSide,
      services: plan.services.map((service) =>
        service.kind === 's3'
          ? { ...service, buckets: service.buckets.filter((bucket) => bucket.purpose === 'backups') }
          : service,
      ),
    };
    expect(backupUtilityArgs(backupsOnly)).toEqual(['--s3tool', 'awscli']);
  });

  it('has room for twice the largest the database may grow to, within the largest gp3 volume', () => {
    const database = plan.services.find(
      (service): service is RdsService => service.kind === 'rds' && service.role === 'postgres',
    )!;
    expect(toolboxBackupVolumeGiB(plan)).toBe(2 * database.maxStorageGiB);
    // GitLab's database, not Praefect's, whichever comes first.
    const praefectFirst = { ...plan, services: [...plan.services].reverse() };
    expect(praefectFirst.services.find((service) => service.kind === 'rds')).not.toBe(database);
    expect(toolboxBackupVolumeGiB(praefectFirst)).toBe(2 * database.maxStorageGiB);
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

describe('toolboxBackupValues', () => {
  it("runs backup-utility on the Plan's gitlab-backup schedule, in UTC, one at a time, on its own encrypted gp3 volume", () => {
    const plan = planFor({
      architecture: { size: '3k', type: 'cloud-native-hybrid' },
      backups: { schedule: 'cron(15 20 ? * 2 *)' },
    });
    const cron = (
      toolboxBackupValues(plan) as { gitlab: { toolbox: { backups: { cron: Record<string, unknown> } } } }
    ).gitlab.toolbox.backups.cron;
    // Snapshots at 20:15 on Mondays: gitlab-backup 12 hours earlier, the same day.
    expect(plan.scheduledBackup.schedule).toBe('cron(15 8 ? * 2 *)');
    expect(cron).toEqual({
      enabled: true,
      schedule: '15 8 * * 1',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      extraArgs: backupUtilityArgs(plan).join(' '),
      persistence: {
        enabled: true,
        useGenericEphemeralVolume: true,
        storageClass: TOOLBOX_BACKUP_STORAGE_CLASS,
        accessMode: 'ReadWriteOnce',
        size: `${toolboxBackupVolumeGiB(plan)}Gi`,
      },
    });
    // A Kubernetes object name: lower-case letters, digits and dashes.
    expect(TOOLBOX_BACKUP_STORAGE_CLASS).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    const [storageClass, ...rest] = toolboxBackupManifests();
    expect(rest).toEqual([]);
    expect(storageClass).toMatchObject({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: TOOLBOX_BACKUP_STORAGE_CLASS,
        labels: { 'app.kubernetes.io/managed-by': 'gitlab-aws' },
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      // A larger toolbox volume in the Plan resizes the claim instead of failing the chart's upgrade.
      allowVolumeExpansion: true,
    });
    expect(
      (toolboxBackupValues(plan) as { gitlab: { toolbox: Record<string, unknown> } }).gitlab.toolbox
        .persistence,
    ).toEqual({
      enabled: true,
      storageClass: TOOLBOX_BACKUP_STORAGE_CLASS,
      accessMode: 'ReadWriteOnce',
      size: `${serviceOf(plan, 'eks').toolboxVolume.sizeGiB}Gi`,
    });
  });
});
