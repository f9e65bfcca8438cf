/**
 * Cloud Native Hybrid's day-2 operations through the chart's build, against a fake CodeBuild
 * (chart-builds.ts) that can fail: a build's log printed as it comes and its failure reported with
 * its phase and log; the backup (AWS Backup jobs, then the toolbox), the restore (refused for
 * another version, and saying what state a failure leaves), the upgrade (VMs first, the chart,
 * background migrations counted in the toolbox, resumed after a failure), and the deploy's report of
 * the install's rollout.
 */
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RAILS_SECRETS_SUFFIX } from '../../src/config/helm/install.js';
import { backupsBucket } from '../../src/lifecycle/backup.js';
import { createHybridBackup, executeHybridRestore } from '../../src/lifecycle/hybrid-backup.js';
import { runChartOperation, watchChartInstall } from '../../src/lifecycle/hybrid-builds.js';
import { HYBRID_DOWNTIME, planHybridUpgrade } from '../../src/lifecycle/hybrid-upgrade.js';
import { PollTimeout } from '../../src/lifecycle/polling.js';
import {
  executeUpgrade,
  renderUpgradePlan,
  type UpgradeExecutorProps,
  type UpgradeStep,
} from '../../src/lifecycle/upgrade.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { FakeChartBuilds } from './chart-builds.js';
import { MemoryProgressStore, migrationCounts, ScriptedRunner } from './upgrade-fakes.js';

const ACCOUNT = '123456789012';
const instant = async () => {};
const ID = '1767225600_2026_01_01_19.3.0-ee';

let plan: Plan;
beforeAll(() => {
  plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
});

describe('runChartOperation', () => {
  it("prints the script's lines as they come, not CodeBuild's own, and returns them", async () => {
    const builds = new FakeChartBuilds().script({
      lines: [
        '[Container] 2026/01/01 Running command bash /tmp/gitlab-chart-build.sh',
        'Backup b1: saved',
        '',
      ],
    });
    const log: string[] = [];
    const output = await runChartOperation(
      plan,
      { kind: 'backup', backupId: ID, account: ACCOUNT },
      { builds, log: (line) => log.push(line), sleep: instant },
    );
    expect(output).toEqual(['Backup b1: saved']);
    expect(log).toEqual(['  chart build gitlab-install:1: backup', '  Backup b1: saved']);
    expect(builds.started[0]!.environment).toMatchObject({ OPERATION: 'backup', BACKUP_ID: ID });
    expect(builds.started[0]!.timeoutMinutes).toBe(8 * 60);
  });

  it('fails with the phase, where the whole log is and the last lines when the build fails', async () => {
    const builds = new FakeChartBuilds().script({
      lines: ['one', 'two', 'three', 'error: no running toolbox pod in gitlab'],
      ends: 'FAILED',
      failsIn: 'BUILD',
    });
    const failure = runChartOperation(
      plan,
      { kind: 'background-migrations' },
      { builds, log: () => {}, sleep: instant },
    );
    await expect(failure).rejects.toThrow(
      /gitlab-install:1 \(background-migrations\) ended FAILED in its BUILD phase; its whole log: CloudWatch Logs \/aws\/codebuild\/Installer 1\n {2}last lines:\n[\s\S]*no running toolbox pod/,
    );
  });

  it('gives up on a build that never ends, after its bound', async () => {
    const builds = new FakeChartBuilds().script({ ends: 'never' });
    const failure = runChartOperation(
      plan,
      { kind: 'background-migrations' },
      { builds, log: () => {}, sleep: instant },
    );
    await expect(failure).rejects.toBeInstanceOf(PollTimeout);
    await expect(failure).rejects.toThrow(/still in BUILD after 25 min/);
  });
});

describe('hybrid backup and restore', () => {
  const backup = mockClient(BackupClient);
  beforeEach(() => {
    backup.reset();
    backup
      .on(StartBackupJobCommand)
      .callsFake((input) => ({ BackupJobId: `job-${input.ResourceArn.split('/').at(-1)}` }));
  });

  it('starts the AWS Backup jobs, then the toolbox backup, and names both halves in the bucket', async () => {
    const builds = new FakeChartBuilds();
    const log: string[] = [];
    const created = await createHybridBackup({
      plan,
      account: ACCOUNT,
      backupId: ID,
      builds,
      backup: new BackupClient({}),
      vault: { vaultName: 'v', roleArn: 'arn:aws:iam::123456789012:role/backup' },
      resourceArns: ['arn:aws:rds:us-west-2:123456789012:db/gitlab-postgres'],
      log: (line) => log.push(line),
      sleep: instant,
    });
    expect(created.backupJobIds).toEqual(['job-gitlab-postgres']);
    const bucket = backupsBucket(plan, ACCOUNT);
    expect(created.archive).toBe(`s3://${bucket}/${ID}_gitlab_backup.tar`);
    expect(created.secrets).toBe(`s3://${bucket}/${ID}${RAILS_SECRETS_SUFFIX}`);
    expect(builds.started.map((build) => build.environment.OPERATION)).toEqual(['backup']);
    expect(builds.started[0]!.environment.BACKUP_BUCKET).toBe(bucket);
    expect(log.findIndex((line) => line.startsWith('AWS Backup job'))).toBeLessThan(
      log.findIndex((line) => line.includes('backup-utility')),
    );
  });

  it('refuses a backup of another version or edition before starting anything', async () => {
    const builds = new FakeChartBuilds();
    for (const other of ['1767225600_2026_01_01_19.2.0-ee', '1767225600_2026_01_01_19.3.0']) {
      await expect(
        executeHybridRestore({
          plan,
          account: ACCOUNT,
          backupId: other,
          builds,
          log: () => {},
          sleep: instant,
        }),
      ).rejects.toThrow(
        /restores a backup only onto the version and edition that made it\. Nothing was changed/,
      );
    }
    expect(builds.started).toEqual([]);
  });

  it("restores through the chart's build, and says what state a failed restore leaves", async () => {
    const builds = new FakeChartBuilds().script({}, { ends: 'FAILED' });
    await executeHybridRestore({
      plan,
      account: ACCOUNT,
      backupId: ID,
      builds,
      log: () => {},
      sleep: instant,
    });
    expect(builds.started[0]!.environment).toMatchObject({ OPERATION: 'restore', BACKUP_ID: ID });
    await expect(
      executeHybridRestore({ plan, account: ACCOUNT, backupId: ID, builds, log: () => {}, sleep: instant }),
    ).rejects.toThrow(/GitLab is down with a partly restored database: run the same restore again/);
  });
});

describe('hybrid upgrade', () => {
  let steps: UpgradeStep[];
  beforeAll(() => {
    steps = planHybridUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true });
  });

  /** Executor props recording, in order, what each seam was asked to do. */
  function executor(chart: FakeChartBuilds, progress = new MemoryProgressStore()) {
    const events: string[] = [];
    const props: UpgradeExecutorProps = {
      directory: {
        instanceOf: async (nodeId) => `i-${nodeId}`,
        groupNameOf: async (groupId) => `asg-${groupId}`,
        instancesOf: async () => [],
      },
      runner: {
        run: async (request) => {
          events.push(`run ${request.comment}`);
          return new ScriptedRunner().run(request);
        },
      },
      refresher: { refresh: async () => {} },
      standby: { enter: async () => ({ exit: async () => {} }) },
      setParameter: async (name, value) => {
        events.push(`set ${name}=${value}`);
      },
      backup: async () => {
        events.push('backup');
        return { backupJobIds: [] };
      },
      backupJobs: { waitForJobs: async () => {} },
      progress,
      versions: { from: '19.3.0', to: '19.4.1' },
      log: () => {},
      sleep: instant,
      chart: async (operation) => {
        events.push(`chart ${operation.kind}`);
        return runChartOperation(plan, operation, { builds: chart, log: () => {}, sleep: instant });
      },
    };
    return { events, props, progress };
  }

  it('upgrades the VMs, then the chart to the release of the target version, counting migrations in the toolbox', async () => {
    const builds = new FakeChartBuilds().script(
      { lines: [migrationCounts(0).trim()] },
      {},
      { lines: [migrationCounts(2).trim()] },
      { lines: [migrationCounts(0).trim()] },
    );
    const { events, props } = executor(builds);
    expect(await executeUpgrade(steps, props)).toBe(steps.length);
    const order = events.map((event) => event.replace(/ on \S+.*$/, ''));
    expect(order[0]).toBe('chart background-migrations');
    expect(order[1]).toBe('backup');
    const chartUpgrade = order.indexOf('chart upgrade');
    const lastVm = order.findLastIndex((event) =>
      /^run (Upgrade (Gitaly|Praefect)|Check the Gitaly Cluster)/.test(event),
    );
    expect(lastVm).toBeGreaterThan(1);
    expect(order.findIndex((event) => event.startsWith('set '))).toBeGreaterThan(lastVm);
    expect(chartUpgrade).toBeGreaterThan(lastVm);
    expect(order.slice(chartUpgrade + 1)).toEqual([
      'chart background-migrations',
      'chart background-migrations',
    ]);
    expect(
      builds.started.find((build) => build.environment.OPERATION === 'upgrade')!.environment,
    ).toMatchObject({
      TARGET_CHART_VERSION: '10.4.1',
      TARGET_GITLAB_VERSION: '19.4.1',
    });
  });

  it('refuses to start while background migrations are unfinished, changing nothing', async () => {
    const builds = new FakeChartBuilds().script({ lines: [migrationCounts(3).trim()] });
    const { events, props } = executor(builds);
    await expect(executeUpgrade(steps, props)).rejects.toThrow(
      /3 batched background migration\(s\) unfinished/,
    );
    expect(events).toEqual(['chart background-migrations']);
  });

  it('stops at a failed chart step, and a second run resumes there', async () => {
    const progress = new MemoryProgressStore();
    const failing = new FakeChartBuilds().script({ lines: [migrationCounts(0).trim()] }, { ends: 'FAILED' });
    const first = executor(failing, progress);
    const chartStep = steps.findIndex((step) => step.kind === 'chart') + 1;
    await expect(executeUpgrade(steps, first.props)).rejects.toThrow(
      new RegExp(`upgrade stopped at step ${chartStep} of ${steps.length}`),
    );
    const second = executor(
      new FakeChartBuilds().script({}, { lines: [migrationCounts(0).trim()] }),
      progress,
    );
    await executeUpgrade(steps, second.props);
    expect(second.events).toEqual(['chart upgrade', 'chart background-migrations']);
  });

  it('prints its plan with the chart step, and says GitLab does not upgrade Cloud Native Hybrid without downtime', () => {
    const text = renderUpgradePlan(steps).join('\n');
    expect(text).toMatch(/\d+\. Upgrade GitLab's chart to 10\.4\.1 \(GitLab 19\.4\.1\)/);
    expect(text).toContain('runs helm upgrade --wait');
    expect(HYBRID_DOWNTIME).toContain('does not support zero-downtime upgrades for Cloud Native Hybrid');
    expect(() => planHybridUpgrade(plan, { from: '19.3.0', to: '19.5.0', backup: true })).toThrow(
      /one minor release at a time/,
    );
  });
});

describe('watchChartInstall', () => {
  it("reports the install's phases and each rollout line once, until the build ends", async () => {
    const builds = new FakeChartBuilds().installStarts(2, {
      lines: [
        '[Container] Entering phase BUILD',
        'rollout: gitlab-webservice-default 0/15 ready',
        'rollout: gitlab-webservice-default 0/15 ready',
        "Rails secrets: saved the cluster's to Secrets Manager",
        'rollout: gitlab-webservice-default 15/15 ready',
      ],
    });
    const log: string[] = [];
    const watch = watchChartInstall({
      builds,
      since: new Date(),
      log: (line) => log.push(line),
      sleep: instant,
    });
    await watch.stop();
    expect(log).toEqual([]);
    const running = watchChartInstall({
      builds,
      since: new Date(),
      log: (line) => log.push(line),
      sleep: async () => {
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    for (let i = 0; i < 50 && !log.some((line) => line.includes('succeeded')); i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await running.stop();
    expect(log).toEqual([
      'GitLab chart install (gitlab-install:cfn): queued',
      '  rollout: gitlab-webservice-default 0/15 ready',
      'GitLab chart install (gitlab-install:cfn): provisioning',
      "  Rails secrets: saved the cluster's to Secrets Manager",
      'GitLab chart install (gitlab-install:cfn): build',
      '  rollout: gitlab-webservice-default 15/15 ready',
      'GitLab chart install (gitlab-install:cfn): completed',
      'GitLab chart install succeeded',
    ]);
  });

  it('reports that it cannot follow the install, and never fails the deploy', async () => {
    const log: string[] = [];
    const watch = watchChartInstall({
      builds: {
        start: async () => '',
        state: async () => ({ id: '', status: 'IN_PROGRESS', phase: 'BUILD' }),
        logLines: async () => ({ lines: [] }),
        newestSince: async () => {
          throw new Error('AccessDeniedException');
        },
      },
      since: new Date(),
      log: (line) => log.push(line),
      sleep: instant,
    });
    await watch.stop();
    expect(log).toEqual(['(could not follow the chart install: AccessDeniedException)']);
  });
});
