/**
 * The upgrade against seams that fail the way AWS does: target groups still draining, instance
 * refreshes that never finish, backup jobs that fail, commands that fail or come back cut short,
 * background migrations that take their time, and a re-run after a failed step.
 */

import { spawnSync } from 'node:child_process';
import {
  AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingInstanceRefresher } from '../../src/lifecycle/fleet.js';
import { readRemoteScript } from '../../src/lifecycle/remote-scripts.js';
import {
  executeUpgrade,
  parseBackgroundMigrations,
  planUpgrade,
  refreshTiming,
  renderUpgradePlan,
  type UpgradeExecutorProps,
  type UpgradeStep,
  upgradePathProblems,
  upgradeStepCommands,
} from '../../src/lifecycle/upgrade.js';
import { stepsDigest } from '../../src/lifecycle/upgrade-progress.js';
import { planFor } from '../fixtures/plans.js';
import { boundedSleep } from './bounded-sleep.js';
import { runRemoteScript } from './remote-script-trace.js';
import {
  backupJobs,
  MemoryProgressStore,
  migrationCounts,
  recordingStandby,
  ScriptedRunner,
} from './upgrade-fakes.js';

const plan = planFor();

let steps: UpgradeStep[];
beforeAll(() => {
  steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true });
});
const stepTitled = (prefix: string) => steps.find((step) => step.title.startsWith(prefix))!;

/** Executor props over a scripted runner; `events` records what happened, in order. */
function executor(runner: ScriptedRunner, overrides: Partial<UpgradeExecutorProps> = {}) {
  const events: string[] = [];
  const progress = new MemoryProgressStore();
  const props: UpgradeExecutorProps = {
    directory: {
      instanceOf: async (nodeId) => `i-${nodeId}`,
      groupNameOf: async (groupId) => `asg-${groupId}`,
      instancesOf: async (groupId) => [`i-${groupId}-1`],
    },
    runner: {
      run: async (request) => {
        events.push(`run ${request.comment}`);
        return runner.run(request);
      },
    },
    refresher: {
      refresh: async (request) => {
        events.push(`refresh ${request.groupName}`);
      },
    },
    standby: recordingStandby(events),
    setParameter: async (name, value) => {
      events.push(`set ${name}=${value}`);
    },
    backup: async () => {
      events.push('backup');
      return { backupJobIds: ['job-db', 'job-vol'] };
    },
    backupJobs: backupJobs(events),
    progress,
    versions: { from: '19.3.0', to: '19.4.1' },
    log: (line) => events.push(`log ${line}`),
    sleep: boundedSleep().sleep,
    ...overrides,
  };
  return { events, progress, props };
}

/** A runner on which the background migrations are all finished. */
const healthyRunner = () =>
  new ScriptedRunner().answer(/background migration/, { output: migrationCounts(0) });

describe('the deploy node is out of service for its upgrade (Standby)', () => {
  it('enters Standby before the upgrade, checks readiness on the node, and goes back in service after', async () => {
    const { events, props } = executor(healthyRunner());
    await executeUpgrade(steps, props);
    const deploy = stepTitled('Upgrade one rails node');
    const around = events.filter(
      (event) => /i-rails-1|Upgrade one rails/.test(event) && !event.startsWith('log'),
    );
    expect(around).toEqual([
      'standby asg-rails i-rails-1',
      `run ${deploy.title}`, // the upgrade and the regular migrations
      `run ${deploy.title}`, // the readiness check
      'in service asg-rails i-rails-1',
    ]);
  });

  it('goes back in service when the readiness check fails, and stops there naming the step', async () => {
    let readiness = 0;
    const runner = healthyRunner();
    const { events, props } = executor(runner, {
      runner: {
        run: async (request) => {
          if (request.commands.some((line) => line.includes('/-/readiness')) && ++readiness === 1) {
            events.push('readiness failed');
            throw new Error('GitLab did not answer /-/readiness within 600 s');
          }
          return runner.run(request);
        },
      },
    });
    await expect(executeUpgrade(steps, props)).rejects.toThrow(
      new RegExp(
        `stopped at step 10 of ${steps.length} \\(Upgrade one rails node.*skipped\\)\\): GitLab did not answer`,
      ),
    );
    expect(events.slice(-2)).toEqual(['readiness failed', 'in service asg-rails i-rails-1']);
    expect(events.some((event) => event.startsWith('set '))).toBe(false);
  });

  it('reports the upgrade failure, not a failing way back, and logs that one', async () => {
    const runner = healthyRunner().answer(/Upgrade one rails/, { status: 'Failed', output: 'E: broken' }, 1);
    const { events, props } = executor(runner, {
      standby: {
        enter: async () => ({
          exit: async () => {
            throw new Error('ExitStandby: throttled');
          },
        }),
      },
    });
    await expect(executeUpgrade(steps, props)).rejects.toThrow(
      /Upgrade one rails[\s\S]*Failed[\s\S]*E: broken/,
    );
    expect(events).toContain('log   could not put i-rails-1 back in service: ExitStandby: throttled');
  });
});

describe('instance refreshes keep capacity and end', () => {
  const autoScaling = mockClient(AutoScalingClient);
  beforeEach(() => {
    autoScaling.reset();
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
  });

  it('launches a new node before an old one goes, and bounds the refresh by the modelled boot', () => {
    for (const step of steps.filter((candidate) => candidate.kind === 'instance-refresh')) {
      const group = plan.autoScalingGroups.find((candidate) => candidate.id === step.groupId)!;
      expect(step.minHealthyPercentage).toBe(100);
      expect(step.maxHealthyPercentage).toBeGreaterThan(100);
      expect(step.timeoutSeconds).toBe(refreshTiming(group).timeoutSeconds);
      // Longer than every member booting to the launch hook's bound, one at a time.
      expect(step.timeoutSeconds).toBeGreaterThanOrEqual(group.desiredCapacity * group.boot.timeoutSeconds);
    }
  });

  it('gives up after its bound with the state it is in and the commands to cancel or roll back', async () => {
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [{ Status: 'InProgress', PercentageComplete: 33, InstancesToUpdate: 2 }],
    });
    const lines: string[] = [];
    const refresher = new AutoScalingInstanceRefresher({
      autoScaling: new AutoScalingClient({}),
      sleep: boundedSleep().sleep,
      pollMs: 15_000,
      log: (line) => lines.push(line),
    });
    await expect(
      refresher.refresh({
        groupName: 'asg-sidekiq',
        minHealthyPercentage: 100,
        maxHealthyPercentage: 150,
        instanceWarmupSeconds: 300,
        timeoutSeconds: 60,
      }),
    ).rejects.toThrow(
      /refresh r-1 of asg-sidekiq is still InProgress \(33% done, 2 to replace\) after 1 min[\s\S]*aws autoscaling cancel-instance-refresh --auto-scaling-group-name asg-sidekiq[\s\S]*aws autoscaling rollback-instance-refresh --auto-scaling-group-name asg-sidekiq/,
    );
    // Looked at once, then every 15 s for a minute.
    expect(autoScaling.commandCalls(DescribeInstanceRefreshesCommand)).toHaveLength(5);
    expect(lines).toEqual(['  asg-sidekiq: InProgress (33% done, 2 to replace)']);
  });
});

describe('batched background migrations', () => {
  it('refuses to start while any is unfinished, before the backup or any node', async () => {
    const runner = new ScriptedRunner().answer(/background migration/, { output: migrationCounts(2, 1) });
    const { events, props } = executor(runner);
    await expect(executeUpgrade(steps, props)).rejects.toThrow(
      expect.objectContaining({
        name: 'UserError',
        message: expect.stringMatching(
          /^upgrade refused: 2 batched background migration\(s\) unfinished, 1 of them failed/,
        ),
      }),
    );
    expect(events.filter((event) => !event.startsWith('log'))).toEqual([`run ${steps[0]!.title}`]);
  });

  it('waits for those the new version queued, showing how many are left', async () => {
    const runner = new ScriptedRunner()
      .answer(/background migration/, { output: migrationCounts(0) }, 1)
      .answer(/background migration/, { output: migrationCounts(3) }, 2)
      .answer(/background migration/, { output: migrationCounts(1) }, 1)
      .answer(/background migration/, { output: migrationCounts(0) });
    const { events, props } = executor(runner);
    expect(await executeUpgrade(steps, props)).toBe(steps.length);
    expect(events.filter((event) => event.includes('unfinished'))).toEqual([
      'log   batched background migrations: 3 unfinished',
      'log   batched background migrations: 1 unfinished',
    ]);
    const monitoring = events.indexOf(`run ${stepTitled('Upgrade the package on monitoring').title}`);
    expect(events.lastIndexOf('log   batched background migrations: 1 unfinished')).toBeLessThan(monitoring);
  });

  it('stops on a failed one, on output cut short, and after its bound', async () => {
    const wait = stepTitled('Wait for the batched') as Extract<
      UpgradeStep,
      { kind: 'background-migrations' }
    >;
    const only = [{ ...wait, timeoutSeconds: 120 }];
    const run = (answer: string) =>
      executeUpgrade(only, executor(new ScriptedRunner().answer(/./, { output: answer })).props);
    await expect(run(migrationCounts(1, 1))).rejects.toThrow('1 batched background migration(s) failed');
    await expect(run('batched_background_migrations unfinis')).rejects.toThrow(
      'could not read the background migration counts (output cut short or the query failed)',
    );
    await expect(run(migrationCounts(4))).rejects.toThrow(
      'the batched background migrations: still 4 unfinished after 2 min',
    );
    // Rails' warnings on standard error come after the line in what SSM returns.
    expect(parseBackgroundMigrations(`warning\n${migrationCounts(12, 3)}W, [deprecated]\n`)).toEqual({
      unfinished: 12,
      failed: 3,
    });
    expect(() =>
      parseBackgroundMigrations('x batched_background_migrations unfinished=1 failed=0'),
    ).toThrow();
  });

  it("counts with GitLab's documented query through Rails, printing the line that is parsed", () => {
    const run = runRemoteScript(
      (steps[0] as Extract<UpgradeStep, { kind: 'background-migrations' }>).commands,
      {},
      { 'gitlab-rails': { stdout: migrationCounts(5, 2).trim() } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.trace[0]).toContain('gitlab-rails runner -e production');
    expect(run.trace.join('\n')).toContain('WHERE status NOT IN (3, 6)');
    expect(parseBackgroundMigrations(run.stdout)).toEqual({ unfinished: 5, failed: 2 });
    const ruby = /'\n([\s\S]*)\n'/.exec(readRemoteScript('upgrade-check-background-migrations.sh'))![1]!;
    const syntax = spawnSync('ruby', ['-c', '-e', ruby], { encoding: 'utf8' });
    expect(syntax.stdout + syntax.stderr).toContain('Syntax OK');
  });
});

describe('health gates between steps', () => {
  const run = (title: string, answers: Parameters<typeof runRemoteScript>[2]) => {
    const step = stepTitled(title);
    const commands = step.kind === 'deploy-node' ? step.readinessCommands : upgradeStepCommands(step)[0]!;
    return runRemoteScript(commands, {}, answers);
  };

  it('checks the Gitaly Cluster and Praefect migrations before any Rails node', () => {
    const titles = steps.map((step) => step.title);
    const gate = titles.indexOf('Check the Gitaly Cluster on praefect-1 before any Rails node is upgraded');
    expect(gate).toBe(titles.findIndex((title) => title.startsWith('Upgrade one rails')) - 1);
    expect(gate).toBeGreaterThan(titles.indexOf('Upgrade Praefect on praefect-3'));
    const applied = '| 20200109161404_hello_world | 2020-02-26 16:00:32 +0000 UTC |';
    const clean = run('Check the Gitaly Cluster', { praefect: { stdout: applied } });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.trace).toEqual([
      'gitlab-ctl praefect check',
      'praefect -config /var/opt/gitlab/praefect/config.toml sql-migrate-status',
    ]);
    for (const pending of ['no', 'unknown migration']) {
      const dirty = run('Check the Gitaly Cluster', {
        praefect: { stdout: `${applied}\n| 20250101000000_new_table | ${pending} |` },
      });
      expect(dirty.status, pending).toBe(1);
      expect(dirty.stderr).toContain('migrations not applied');
    }
    expect(run('Check the Gitaly Cluster', { 'gitlab-ctl': { status: 1 } }).status).toBe(1);
  });

  it('waits for each upgraded Gitaly node to run again, and fails when it does not', () => {
    const down = run('Upgrade Gitaly on gitaly-1', { 'gitlab-ctl status': { status: 1 } });
    expect(down.status).not.toBe(0);
    expect(down.stderr).toContain('gitaly is not running after the upgrade');
  });

  it('asks the deploy node itself for /-/readiness until it answers, within a bound', () => {
    const ready = run('Upgrade one rails node', {});
    expect(ready.status, ready.stderr).toBe(0);
    expect(ready.trace).toEqual(['curl -fsS -o /dev/null --max-time 10 http://127.0.0.1/-/readiness']);
    const never = run('Upgrade one rails node', { curl: { status: 22 } });
    expect(never.status).toBe(1);
    expect(never.stderr).toContain('did not answer /-/readiness within 600 s');
    expect(never.trace).toHaveLength(600 / 5 + 1);
  });

  it('sends the PROXY protocol header when the NLB passes it to NGINX', () => {
    const proxied = planFor({ edge: { proxyProtocol: true } });
    const deploy = planUpgrade(proxied, { from: '19.3.0', to: '19.4.1', backup: false }).find(
      (step) => step.kind === 'deploy-node',
    )!;
    const ready = runRemoteScript(deploy.readinessCommands);
    expect(ready.trace[0]).toContain('--haproxy-protocol');
  });
});

describe('a re-run resumes at the failed step', () => {
  it('records each completed step, and a re-run starts at the one that failed', async () => {
    const failing = healthyRunner().answer(/Upgrade Gitaly on gitaly-2/, { status: 'TimedOut' }, 1);
    const first = executor(failing);
    await expect(executeUpgrade(steps, first.props)).rejects.toThrow(
      new RegExp(
        `^upgrade stopped at step 4 of ${steps.length} \\(Upgrade Gitaly on gitaly-2\\): .*TimedOut[\\s\\S]*it resumes at step 4\\.$`,
      ),
    );
    expect(first.progress.record?.completed).toBe(3);
    expect(first.progress.saved).toEqual([1, 2, 3]);

    const second = executor(healthyRunner());
    second.progress.record = first.progress.record;
    expect(await executeUpgrade(steps, second.props)).toBe(steps.length);
    const ran = second.events.filter((event) => !event.startsWith('log'));
    expect(ran).not.toContain('backup');
    expect(ran).not.toContain(`run ${steps[0]!.title}`);
    expect(ran[0]).toBe('run Upgrade Gitaly on gitaly-2');
    expect(second.events[0]).toBe('log Resuming at step 4: steps 1-3 were done by an earlier run.');
    expect(second.progress.record).toBeUndefined();
  });

  it('says no step is done when the first one fails', async () => {
    const { props } = executor(new ScriptedRunner().answer(/background migration/, { status: 'Failed' }));
    await expect(executeUpgrade(steps, props)).rejects.toThrow(
      /step 1 of \d+ \(Check that every batched[^)]*\): .*Failed[\s\S]*No step is done yet\. Fix the cause/,
    );
  });

  it('starts over for another upgrade or other steps', async () => {
    for (const record of [
      { from: '19.2.4', to: '19.3.0', completed: 3 },
      { from: '19.3.0', to: '19.4.1', completed: 3, steps: 'another-plan' },
    ]) {
      const { events, progress, props } = executor(healthyRunner());
      // The first names the same steps as this run (its digest), but other versions.
      const digest = stepsDigest(steps.map((step) => step.title));
      progress.record = { steps: digest, ...record };
      await executeUpgrade(steps, props);
      expect(events.filter((event) => !event.startsWith('log'))[0]).toBe(`run ${steps[0]!.title}`);
    }
  });
});

describe('pre-upgrade backup jobs', () => {
  it('starts no node upgrade until the jobs completed', async () => {
    const { events, props } = executor(healthyRunner());
    await expect(
      executeUpgrade(steps, { ...props, backupJobs: backupJobs(events, 'AWS Backup job job-db is FAILED') }),
    ).rejects.toThrow(
      new RegExp(`stopped at step 2 of ${steps.length} \\(Back up[^)]*\\): AWS Backup job job-db is FAILED`),
    );
    expect(events.filter((event) => !event.startsWith('log')).slice(-2)).toEqual([
      'backup',
      'wait job-db,job-vol 14400',
    ]);
  });
});

describe('required upgrade stops are their latest patch', () => {
  it('refuses leaving a stop from x.y.0 when a later patch of it is known, naming that patch and its source', () => {
    expect(upgradePathProblems('19.2.0', '19.3.0')).toEqual([
      expect.stringMatching(
        /^19\.2 is a required upgrade stop: upgrade to 19\.2 \(19\.2\.4 or a later 19\.2 patch\) first.*latest patch from gitlabhq\/omnibus-gitlab/,
      ),
    ]);
    expect(upgradePathProblems('19.2.3', '19.3.0')).toHaveLength(1);
    expect(upgradePathProblems('19.2.4', '19.3.0')).toEqual([]);
    expect(upgradePathProblems('18.11.0', '19.0.0')[0]).toContain('18.11.11');
  });

  it('compares parsed versions: 19.30 is not on the 19.3 stop', () => {
    const stops = [
      {
        version: '19.3.5',
        source: { repository: 'r', path: 'p', commit: 'abcdef0123456789abcdef0123456789abcdef01' },
      },
    ];
    expect(upgradePathProblems('19.30.0', '19.31.0', stops)).toEqual([]);
    expect(upgradePathProblems('19.3.0', '19.4.0', stops)).toHaveLength(1);
  });
});

describe('upgrade --dry-run', () => {
  it('prints every step the executor runs, with its gates and waits under it', () => {
    const lines = renderUpgradePlan(steps);
    const numbered = lines.filter((line) => /^\d+\. /.test(line));
    expect(numbered).toEqual(steps.map((step, index) => `${index + 1}. ${step.title}`));
    const under = (title: string) => {
      const start = lines.findIndex((line) => line.endsWith(title));
      const end = lines.findIndex((line, index) => index > start && /^\d+\. /.test(line));
      return lines.slice(start + 1, end);
    };
    expect(under('Back up GitLab, the database and the Gitaly volumes')[0]).toContain(
      'waits for the AWS Backup jobs to complete (at most 240 min)',
    );
    expect(
      under('Upgrade one rails node and run the regular migrations (post-deployment migrations skipped)'),
    ).toHaveLength(3);
    expect(under('Check that every batched background migration has finished')[0]).toContain(
      'refuses to start',
    );
    expect(under('Replace every rails node, a new one healthy before each old one goes').join('\n')).toMatch(
      /healthy 100-134 %[\s\S]*gives up after/,
    );
  });
});

describe('how long SSM lets each command run', () => {
  it('gives the commands that migrate the database hours, and every other command one hour', async () => {
    const runner = healthyRunner();
    const { props } = executor(runner);
    await executeUpgrade(steps, props);
    const timeoutOf = (title: string) =>
      runner.calls.filter((call) => call.comment.startsWith(title)).map((call) => call.timeoutSeconds);
    // The regular migrations on the deploy node (its readiness check has its own bound), then the
    // post-deployment migrations: SSM's default of one hour is too short for a large database.
    expect(timeoutOf('Upgrade one rails node')[0]).toBe(6 * 3600);
    expect(timeoutOf('Run the post-deployment migrations')).toEqual([6 * 3600]);
    expect(timeoutOf('Upgrade the package on monitoring-1')).toEqual([3600]);
  });

  it('gives the 1k node, which migrates while it upgrades, hours too', () => {
    const single = planFor({ architecture: { size: '1k' } });
    const upgrade = planUpgrade(single, { from: '19.3.0', to: '19.4.1', backup: false }).find(
      (step) => step.kind === 'run-command' && step.title.includes('migrate its database'),
    );
    expect(upgrade).toMatchObject({ timeoutSeconds: 6 * 3600 });
  });
});
