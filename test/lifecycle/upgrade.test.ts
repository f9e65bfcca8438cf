import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AutoScalingInstanceRefresher,
  SsmRemoteRunner,
  TaggedNodeDirectory,
} from '../../src/lifecycle/fleet.js';
import type { StatefulChange } from '../../src/lifecycle/stateful-changes.js';
import {
  compareVersions,
  executeImageRoll,
  executeUpgrade,
  formatVersion,
  type ImageRollProps,
  imageRollReplacements,
  parseVersion,
  planImageRoll,
  planUpgrade,
  refreshPercentages,
  SINGLE_NODE_DOWNTIME,
  type UpgradeExecutorProps,
  type UpgradeStep,
  upgradePathProblems,
} from '../../src/lifecycle/upgrade.js';
import { UPGRADE_STOPS, type UpgradeStop } from '../../src/lifecycle/upgrade-stops.js';
import type { AutoScalingGroupPlan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { boundedSleep } from './bounded-sleep.js';
import { runRemoteScript } from './remote-script-trace.js';
import { backupJobs, MemoryProgressStore, migrationCounts, recordingStandby } from './upgrade-fakes.js';

const plan = planFor();

describe('upgradePathProblems', () => {
  it.each([
    ['19.1.3', '19.2.1'],
    ['19.2.4', '19.3.0'],
    ['19.3.0', '19.3.2'],
    ['18.11.11', '19.0.1'],
    ['17.3.7', '17.4.1'],
    ['19.11.0', '20.0.0'],
  ])('allows %s -> %s', (from, to) => {
    expect(upgradePathProblems(from, to)).toEqual([]);
  });

  it('refuses a downgrade and a no-op', () => {
    expect(upgradePathProblems('19.3.0', '19.2.4')[0]).toContain('downgrades need a restore from backup');
    expect(upgradePathProblems('19.3.0', '19.3.0')).toEqual(['GitLab already runs 19.3.0']);
  });

  it('refuses leaving a stop below its documented patch', () => {
    const [problem] = upgradePathProblems('17.3.2', '17.4.0');
    expect(problem).toContain(
      '17.3 is a required upgrade stop: upgrade to 17.3 (17.3.7 or a later 17.3 patch) first',
    );
    expect(problem).toContain('doc/update/upgrade_paths.md at 017a6c129d6a');
  });

  it('refuses skipping a stop across a major release', () => {
    const problems = upgradePathProblems('18.10.2', '19.0.0');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('18.11 is a required upgrade stop');
  });

  it('refuses more than one minor release at once', () => {
    expect(upgradePathProblems('19.3.0', '19.4.0')).toEqual([]);
    expect(upgradePathProblems('19.3.0', '19.5.0')).toEqual([
      'a zero-downtime upgrade goes one minor release at a time: from 19.3.0 the next is 19.4',
    ]);
  });

  it('names conditional stops with their condition', () => {
    expect(upgradePathProblems('16.0.10', '16.2.0', UPGRADE_STOPS)[0]).toContain(
      '16.1 is a required upgrade stop for instances with NPM packages in the package registry',
    );
  });

  it('records a source for every stop', () => {
    for (const stop of UPGRADE_STOPS) expect(stop.source.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('planUpgrade', () => {
  // Planned in beforeAll, not while the file is collected, so that mutation testing's mutants
  // (switched on in beforeAll) reach it.
  let steps: UpgradeStep[];
  let titles: string[];
  beforeAll(() => {
    steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true });
    titles = steps.map((step) => step.title);
  });
  const step = (title: string) => steps.find((candidate) => candidate.title === title)!;

  it('follows the zero-downtime order: Gitaly, Praefect, one Rails node, refreshes, post-deploy migrations', () => {
    expect(titles).toEqual([
      'Check that every batched background migration has finished',
      'Back up GitLab, the database and the Gitaly volumes',
      'Upgrade Gitaly on gitaly-1',
      'Upgrade Gitaly on gitaly-2',
      'Upgrade Gitaly on gitaly-3',
      'Upgrade Praefect on praefect-1 (deploy node: runs the Praefect migrations)',
      'Upgrade Praefect on praefect-2',
      'Upgrade Praefect on praefect-3',
      'Check the Gitaly Cluster on praefect-1 before any Rails node is upgraded',
      'Upgrade one rails node and run the regular migrations (post-deployment migrations skipped)',
      'Make new instances install GitLab 19.4.1',
      'Replace every rails node, a new one healthy before each old one goes',
      'Replace every sidekiq node, a new one healthy before each old one goes',
      'Run the post-deployment migrations',
      'Wait for the batched background migrations of the new version',
      'Upgrade the package on backup-1, where gitlab-backup runs',
      'Upgrade the package on monitoring-1',
    ]);
  });

  it("upgrades the Plan's Praefect deploy node first and migrates there only", () => {
    const moved = { ...plan, deployNodes: { ...plan.deployNodes, praefect: 'praefect-3' } };
    const praefectSteps = planUpgrade(moved, { from: '19.3.0', to: '19.4.1', backup: false }).filter((step) =>
      step.title.startsWith('Upgrade Praefect'),
    );
    expect(praefectSteps.map((step) => step.title)).toEqual([
      'Upgrade Praefect on praefect-3 (deploy node: runs the Praefect migrations)',
      'Upgrade Praefect on praefect-1',
      'Upgrade Praefect on praefect-2',
    ]);
    // Run each step's script for real and read the gitlab.rb it leaves behind.
    const migrates = praefectSteps.map((step) => {
      if (step.kind !== 'run-command') throw new Error('expected a command');
      const run = runRemoteScript(step.commands, {
        '/etc/gitlab/gitlab.rb': "praefect['auto_migrate'] = false\n",
      });
      expect(run.status, run.stderr).toBe(0);
      return run.files['/etc/gitlab/gitlab.rb']!.includes("praefect['auto_migrate'] = true");
    });
    expect(migrates).toEqual([true, false, false]);
  });

  it('installs the exact package version without letting the package reconfigure on its own', () => {
    const gitaly = step('Upgrade Gitaly on gitaly-1');
    if (gitaly.kind !== 'run-command') throw new Error('expected a command');
    const run = runRemoteScript(gitaly.commands);
    expect(run.status, run.stderr).toBe(0);
    expect(run.trace[0]).toBe('touch /etc/gitlab/skip-auto-reconfigure');
    expect(run.trace[2]).toContain('gitlab-ee=19.4.1-ee.0');
    expect(run.trace.slice(-3)).toEqual([
      'gitlab-ctl reconfigure',
      'gitlab-ctl restart-except gitaly',
      'gitlab-ctl status gitaly',
    ]);
  });

  it('runs regular migrations on one Rails node with post-deployment migrations skipped, the rest at the end', () => {
    const deployNode = step(
      'Upgrade one rails node and run the regular migrations (post-deployment migrations skipped)',
    );
    if (deployNode.kind !== 'deploy-node') throw new Error('expected the deploy node');
    expect(deployNode.groupId).toBe('rails');
    const run = runRemoteScript(deployNode.commands, {
      '/var/opt/gitlab/nginx/nginx.pid': '4242\n',
      '/etc/gitlab/gitlab.rb': "external_url 'x'\n",
    });
    expect(run.status, run.stderr).toBe(0);
    // Restarted on the new code (NGINX included) before its readiness is asked.
    expect(run.trace.slice(-2)).toEqual([
      'SKIP_POST_DEPLOYMENT_MIGRATIONS=true gitlab-ctl reconfigure',
      'gitlab-ctl restart',
    ]);
    expect(run.trace[0]).toBe('kill -QUIT 4242'); // drained before it restarts
    expect(run.files['/etc/gitlab/gitlab.rb']).toBe(
      "external_url 'x'\ngitlab_rails['auto_migrate'] = true\n",
    );
    const postDeploy = step('Run the post-deployment migrations');
    if (postDeploy.kind !== 'run-command') throw new Error('expected a command');
    expect(postDeploy.commands).toContain('gitlab-rake gitlab:db:configure');
  });

  it('refreshes groups without going below their minimum', () => {
    const refreshes = steps.filter((step) => step.kind === 'instance-refresh');
    expect(
      refreshes.map((step) => [step.groupId, step.minHealthyPercentage, step.maxHealthyPercentage]),
    ).toEqual([
      ['rails', 100, 134],
      ['sidekiq', 100, 150],
    ]);
    for (const refresh of refreshes) expect(refresh.minHealthyPercentage).toBe(100);
  });

  it('skips the backup with --no-backup and refuses a skipped stop before planning anything', () => {
    expect(planUpgrade(plan, { from: '19.3.0', to: '19.4.0', backup: false })[0]!.kind).not.toBe('backup');
    expect(() => planUpgrade(plan, { from: '19.3.0', to: '19.6.0', backup: true })).toThrow(
      /19\.5 is a required upgrade stop/,
    );
  });

  it('sets gitlab.rb flags with shell that works', () => {
    const praefect = step('Upgrade Praefect on praefect-1 (deploy node: runs the Praefect migrations)');
    if (praefect.kind !== 'run-command') throw new Error('expected a command');
    const run = runRemoteScript(praefect.commands, {
      '/etc/gitlab/gitlab.rb': "external_url 'x'\npraefect['auto_migrate'] = false\n",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.files['/etc/gitlab/gitlab.rb']).toBe("external_url 'x'\npraefect['auto_migrate'] = true\n");
  });
});

describe('executeUpgrade through SSM and Auto Scaling', () => {
  const ssm = mockClient(SSMClient);
  const ec2 = mockClient(EC2Client);
  const autoScaling = mockClient(AutoScalingClient);

  beforeEach(() => {
    ssm.reset();
    ec2.reset();
    autoScaling.reset();
    ec2.on(DescribeInstancesCommand).callsFake((input) => {
      const node = input.Filters.find((f: { Name: string }) => f.Name === 'tag:gitlab-aws:node').Values[0];
      return { Reservations: [{ Instances: [{ InstanceId: `i-${node}` }] }] };
    });
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input) => {
      const group = input.Filters.find((f: { Name: string }) => f.Name === 'tag:gitlab-aws:group').Values[0];
      return {
        AutoScalingGroups: [
          {
            AutoScalingGroupName: `gitlab-test-${group}-asg`,
            Instances: [
              { InstanceId: `i-${group}-a`, LifecycleState: 'Pending', HealthStatus: 'Healthy' },
              { InstanceId: `i-${group}-b`, LifecycleState: 'InService', HealthStatus: 'Healthy' },
            ],
          },
        ],
      };
    });
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'refresh-1' });
    autoScaling
      .on(DescribeInstanceRefreshesCommand)
      .resolvesOnce({ InstanceRefreshes: [{ Status: 'InProgress' }] })
      .resolves({ InstanceRefreshes: [{ Status: 'Successful' }] });
    let sent = 0;
    ssm.on(SendCommandCommand).callsFake(() => ({ Command: { CommandId: `cmd-${++sent}` } }));
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Success', StandardOutputContent: `ok\n${migrationCounts(0)}` });
  });

  function executor(extra: { backups?: string[]; parameters?: [string, string][] } = {}) {
    const environment = plan.spec.name;
    return {
      directory: new TaggedNodeDirectory({
        environment,
        ec2: new EC2Client({}),
        autoScaling: new AutoScalingClient({}),
      }),
      runner: new SsmRemoteRunner({ ssm: new SSMClient({}), sleep: boundedSleep().sleep }),
      refresher: new AutoScalingInstanceRefresher({
        autoScaling: new AutoScalingClient({}),
        sleep: boundedSleep().sleep,
      }),
      setParameter: async (name: string, value: string) => {
        extra.parameters?.push([name, value]);
      },
      backup: async () => {
        extra.backups?.push('backup');
        return { backupJobIds: [] };
      },
      backupJobs: backupJobs([]),
      standby: recordingStandby([]),
      progress: new MemoryProgressStore(),
      versions: { from: '19.3.0', to: '19.4.1' },
      log: () => {},
    } satisfies UpgradeExecutorProps;
  }

  it('runs each command with AWS-RunShellScript on the right instance, in order, and refreshes each group', async () => {
    const parameters: [string, string][] = [];
    const backups: string[] = [];
    const steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true });
    expect(await executeUpgrade(steps, executor({ parameters, backups }))).toBe(steps.length);
    const sends = ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input);
    expect(sends.every((input) => input.DocumentName === 'AWS-RunShellScript')).toBe(true);
    expect(sends.map((input) => input.InstanceIds![0])).toEqual([
      'i-rails-b', // no unfinished background migration
      'i-gitaly-1',
      'i-gitaly-2',
      'i-gitaly-3',
      'i-praefect-1',
      'i-praefect-2',
      'i-praefect-3',
      'i-praefect-1', // the Gitaly Cluster gate
      'i-rails-b', // an in-service member, not the one still launching
      'i-rails-b', // its readiness, before it goes back in service
      'i-rails-b', // post-deployment migrations
      'i-rails-b', // background migrations finished
      'i-backup-1', // its package, once the database is migrated
      'i-monitoring-1',
    ]);
    expect(sends[1]!.Parameters!['commands']).toEqual(
      (steps[2] as Extract<(typeof steps)[number], { kind: 'run-command' }>).commands,
    );
    const refreshes = autoScaling.commandCalls(StartInstanceRefreshCommand).map((call) => call.args[0].input);
    expect(
      refreshes.map((input) => [input.AutoScalingGroupName, input.Preferences?.MinHealthyPercentage]),
    ).toEqual([
      ['gitlab-test-rails-asg', 100],
      ['gitlab-test-sidekiq-asg', 100],
    ]);
    expect(parameters).toEqual([['/gitlab-test/gitlab-version', '19.4.1']]);
    expect(backups).toEqual(['backup']);
    // the version is published before the first refresh starts new instances
    const setVersionIndex = steps.findIndex((step) => step.kind === 'set-version');
    expect(setVersionIndex).toBeLessThan(steps.findIndex((step) => step.kind === 'instance-refresh'));
  });

  it('stops at the first failed command and reports its output', async () => {
    ssm.on(GetCommandInvocationCommand, { InstanceId: 'i-gitaly-2' }).resolves({
      Status: 'Failed',
      StandardErrorContent: 'E: Version 19.4.1-ee.0 for gitlab-ee was not found',
    });
    const steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: false });
    await expect(executeUpgrade(steps, executor())).rejects.toThrow(
      /Upgrade Gitaly on gitaly-2" on i-gitaly-2: Failed \(command cmd-3\)[\s\S]*was not found/,
    );
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(3);
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it('fails when an instance refresh does not succeed', async () => {
    autoScaling
      .on(DescribeInstanceRefreshesCommand)
      .resolves({ InstanceRefreshes: [{ Status: 'Cancelled', StatusReason: 'health checks failed' }] });
    const steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: false });
    await expect(executeUpgrade(steps, executor())).rejects.toThrow(
      'instance refresh of gitlab-test-rails-asg: Cancelled (health checks failed)',
    );
  });

  it('starts no further step after Ctrl-C', async () => {
    const controller = new AbortController();
    const steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: false });
    const done = await executeUpgrade(steps, {
      ...executor(),
      log: (line) => {
        if (line.includes('gitaly-2')) controller.abort();
      },
      signal: controller.signal,
    });
    expect(done).toBe(3);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(3);
  });
});

describe('parseVersion, formatVersion and compareVersions', () => {
  it('reads major.minor.patch from a version with an edition or surrounding space', () => {
    expect(parseVersion(' 19.10.12-ee.0 \n')).toEqual({ major: 19, minor: 10, patch: 12 });
    expect(formatVersion(parseVersion('18.11.3'))).toBe('18.11.3');
  });

  it('refuses text that does not start with a version, as bad input', () => {
    for (const text of ['v19.3.1', '19.3', 'latest'])
      expect(() => parseVersion(text)).toThrow(
        expect.objectContaining({
          name: 'UserError',
          exitCode: 2,
          message: `"${text}" is not a GitLab version such as 19.3.1`,
        }),
      );
  });

  it('orders by major, then minor, then patch', () => {
    const order = ['18.11.9', '19.0.0', '19.0.3', '19.2.1', '19.10.0', '20.0.0'].map(parseVersion);
    for (const [i, a] of order.entries())
      for (const [j, b] of order.entries())
        expect(Math.sign(compareVersions(a, b)), `${i} vs ${j}`).toBe(Math.sign(i - j));
  });
});

describe('upgrade path edges', () => {
  const stop = (version: string, onlyWhen?: string): UpgradeStop => ({
    version,
    ...(onlyWhen ? { onlyWhen } : {}),
    source: { repository: 'r', path: 'doc/stops.md', commit: 'abcdef0123456789abcdef0123456789abcdef01' },
  });

  it('allows starting from a stop and landing on one, but not leaving one behind', () => {
    const stops = [stop('19.2.0')];
    expect(upgradePathProblems('19.2.0', '19.3.0', stops)).toEqual([]);
    expect(upgradePathProblems('19.1.4', '19.2.0', stops)).toEqual([]);
    expect(upgradePathProblems('19.1.4', '19.2.7', stops)).toEqual([]);
    expect(upgradePathProblems('19.1.4', '19.3.0', stops)).toEqual([
      '19.2 is a required upgrade stop: upgrade to 19.2 (its latest patch release) first, let its background migrations finish, then continue (doc/stops.md at abcdef012345)',
      'a zero-downtime upgrade goes one minor release at a time: from 19.1.4 the next is 19.2',
    ]);
  });

  it('refuses leaving a stop on a patch below the documented one, and allows it from that patch on', () => {
    const stops = [stop('17.3.7')];
    expect(upgradePathProblems('17.3.6', '17.4.0', stops)).toEqual([
      '17.3 is a required upgrade stop: upgrade to 17.3 (17.3.7 or a later 17.3 patch) first, let its background migrations finish, then continue (doc/stops.md at abcdef012345)',
    ]);
    expect(upgradePathProblems('17.3.7', '17.4.0', stops)).toEqual([]);
    expect(upgradePathProblems('17.3.9', '17.4.0', stops)).toEqual([]);
  });

  it('names only the first stop left behind, with its condition', () => {
    const stops = [stop('16.1.0', 'NPM packages'), stop('16.3.0')];
    expect(upgradePathProblems('16.0.0', '16.4.0', stops)[0]).toMatch(
      /^16\.1 is a required upgrade stop for instances with NPM packages: upgrade to 16\.1 \(its latest patch release\) first/,
    );
  });

  it('allows the next major only from its first minor, and nothing past it', () => {
    expect(upgradePathProblems('19.11.0', '20.0.4', [])).toEqual([]);
    expect(upgradePathProblems('19.11.0', '20.1.0', [])).toHaveLength(1);
    expect(upgradePathProblems('19.11.0', '21.0.0', [])).toHaveLength(1);
    expect(upgradePathProblems('19.3.0', '20.3.0', [])).toHaveLength(1);
    expect(upgradePathProblems('19.3.0', '19.3.5', [])).toEqual([]);
    expect(upgradePathProblems('19.3.4', '20.4.0', [])).toEqual([
      'a zero-downtime upgrade goes one minor release at a time: from 19.3.4 the next is 19.4',
    ]);
  });

  it('explains a downgrade in the versions given', () => {
    expect(upgradePathProblems('19.3.5', '19.3.2', [])).toEqual([
      '19.3.2 is older than the running 19.3.5: downgrades need a restore from backup, not an upgrade',
    ]);
  });
});

describe('refreshPercentages', () => {
  const group = (minCapacity: number, desiredCapacity: number) =>
    ({ ...plan.autoScalingGroups[0]!, minCapacity, desiredCapacity }) as AutoScalingGroupPlan;

  it('keeps the minimum healthy and launches one extra instance first when minimum is desired', () => {
    expect(refreshPercentages(group(3, 3))).toEqual({ min: 100, max: 134 });
    expect(refreshPercentages(group(1, 1))).toEqual({ min: 100, max: 200 });
    // A minimum below the desired capacity no longer lets old nodes go before new ones are healthy.
    expect(refreshPercentages(group(2, 4))).toEqual({ min: 100, max: 125 });
    expect(refreshPercentages(group(2, 3))).toEqual({ min: 100, max: 134 });
    expect(refreshPercentages(group(1, 2))).toEqual({ min: 100, max: 150 });
  });
});

describe('planUpgrade on the 1k node', () => {
  const oneK = planFor({ architecture: { size: '1k' } });

  it('backs up, upgrades the one node in place with GitLab down, then pins the version for a replacement', () => {
    const steps = planUpgrade(oneK, { from: '19.3.0', to: '19.4.1', backup: true });
    expect(steps.map((step) => step.kind)).toEqual([
      'background-migrations',
      'backup',
      'run-command',
      'set-version',
      'background-migrations',
    ]);
    expect(steps[0]).toMatchObject({ mode: 'refuse', target: { nodeId: 'gitlab-1' } });
    expect(steps[4]).toMatchObject({ mode: 'wait', target: { nodeId: 'gitlab-1' } });
    expect(steps[2]).toMatchObject({ target: { nodeId: 'gitlab-1' } });
    expect(steps[2]!.title).toContain('GitLab is down during the upgrade');
    expect(steps.some((step) => step.kind === 'instance-refresh')).toBe(false);
    expect(SINGLE_NODE_DOWNTIME).toMatch(/^GitLab is down during the upgrade/);
    expect(planUpgrade(oneK, { from: '19.3.0', to: '19.4.1', backup: false }).map((s) => s.kind)).toEqual([
      'background-migrations',
      'run-command',
      'set-version',
      'background-migrations',
    ]);
  });

  it('installs the exact package, then reconfigures (migrating the bundled database) and restarts', () => {
    const step = planUpgrade(oneK, { from: '19.3.0', to: '19.4.1', backup: false })[1]!;
    if (step.kind !== 'run-command') throw new Error('expected a command');
    const run = runRemoteScript(step.commands);
    expect(run.status, run.stderr).toBe(0);
    expect(run.trace[0]).toBe('touch /etc/gitlab/skip-auto-reconfigure');
    expect(run.trace.some((line) => line.includes('gitlab-ee=19.4.1-ee.0'))).toBe(true);
    expect(run.trace.slice(-2)).toEqual(['gitlab-ctl reconfigure', 'gitlab-ctl restart']);
    expect(run.trace.join('\n')).not.toContain('SKIP_POST_DEPLOYMENT_MIGRATIONS');
  });
});

describe('planUpgrade on other Plans', () => {
  it('explains every refusal, one per line', () => {
    expect(() => planUpgrade(plan, { from: '19.4.3', to: '19.6.0', backup: true })).toThrow(
      expect.objectContaining({
        name: 'UserError',
        message:
          'upgrade refused:\n' +
          `  ${upgradePathProblems('19.4.3', '19.6.0')[0]}\n` +
          '  a zero-downtime upgrade goes one minor release at a time: from 19.4.3 the next is 19.5',
      }),
    );
  });

  it("migrates on the Plan's migrations group, refreshed first, and targets the normalised version", () => {
    const moved = { ...plan, deployNodes: { ...plan.deployNodes, databaseMigrations: 'sidekiq' } };
    const steps = planUpgrade(moved, { from: '19.3.0', to: ' 19.4.1-ee.0', backup: false });
    expect(steps.find((step) => step.kind === 'set-version')).toMatchObject({ version: '19.4.1' });
    expect(steps.filter((step) => step.kind === 'instance-refresh').map((step) => step.groupId)).toEqual([
      'sidekiq',
      'rails',
    ]);
    const deploy = steps.find((step) => step.title.startsWith('Upgrade one'));
    expect(deploy).toMatchObject({ groupId: 'sidekiq' });
    expect(steps.at(-4)).toMatchObject({
      title: 'Run the post-deployment migrations',
      target: { groupId: 'sidekiq' },
    });
  });

  it('falls back to the Rails group, and refuses a Plan without one', () => {
    const unnamed = { ...plan, deployNodes: { ...plan.deployNodes, databaseMigrations: 'nowhere' } };
    expect(
      planUpgrade(unnamed, { from: '19.3.0', to: '19.4.1', backup: false }).find(
        (step) => step.kind === 'instance-refresh',
      ),
    ).toMatchObject({ groupId: 'rails' });
    const hybrid = {
      ...unnamed,
      autoScalingGroups: plan.autoScalingGroups.filter((g) => g.role !== 'rails'),
    };
    expect(() => planUpgrade(hybrid, { from: '19.3.0', to: '19.4.1', backup: false })).toThrow(
      'upgrade needs a Rails auto scaling group; this plan has none (Cloud Native Hybrid upgrades go through Helm)',
    );
  });

  it('refreshes with the group warm-up and its bound, a new node first', () => {
    const steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: false });
    const rails = plan.autoScalingGroups.find((group) => group.id === 'rails')!;
    expect(steps.find((step) => step.kind === 'instance-refresh')).toEqual({
      kind: 'instance-refresh',
      title: 'Replace every rails node, a new one healthy before each old one goes',
      groupId: 'rails',
      minHealthyPercentage: refreshPercentages(rails).min,
      maxHealthyPercentage: refreshPercentages(rails).max,
      instanceWarmupSeconds: rails.healthCheckGracePeriodSeconds,
      timeoutSeconds: rails.maxCapacity * (rails.boot.timeoutSeconds + rails.healthCheckGracePeriodSeconds),
    });
    expect(steps.find((step) => step.kind === 'set-version')).toEqual({
      kind: 'set-version',
      title: 'Make new instances install GitLab 19.4.1',
      parameterName: '/gitlab-test/gitlab-version',
      version: '19.4.1',
    });
    expect(steps.at(-1)).toMatchObject({ target: { nodeId: 'monitoring-1' } });
  });
});

describe('executeUpgrade, step by step', () => {
  function recorder(instances: Record<string, string[]> = {}) {
    const calls: string[] = [];
    const props: UpgradeExecutorProps = {
      directory: {
        instanceOf: async (nodeId) => `i-${nodeId}`,
        groupNameOf: async (groupId) => `asg-${groupId}`,
        instancesOf: async (groupId) => instances[groupId] ?? [`i-${groupId}-1`, `i-${groupId}-2`],
      },
      runner: {
        run: async (request) => {
          calls.push(`run ${JSON.stringify(request)}`);
          return { commandId: 'c', output: '' };
        },
      },
      refresher: {
        refresh: async (request) => {
          calls.push(`refresh ${JSON.stringify(request)}`);
        },
      },
      setParameter: async (name, value) => {
        calls.push(`set ${name}=${value}`);
      },
      backup: async () => {
        calls.push('backup');
        return { backupJobIds: ['job-1'] };
      },
      backupJobs: backupJobs(calls),
      standby: recordingStandby(calls),
      progress: new MemoryProgressStore(),
      versions: { from: '19.3.0', to: '19.4.1' },
      log: (line) => calls.push(`log ${line}`),
    };
    return { calls, props };
  }

  const steps: UpgradeStep[] = [
    { kind: 'backup', title: 'Back up', timeoutSeconds: 7200 },
    { kind: 'run-command', title: 'On a node', target: { nodeId: 'gitaly-1' }, commands: ['a', 'b'] },
    { kind: 'run-command', title: 'On a group', target: { groupId: 'rails' }, commands: ['c'] },
    { kind: 'set-version', title: 'Set', parameterName: '/p', version: '19.4.1' },
    {
      kind: 'instance-refresh',
      title: 'Refresh',
      groupId: 'sidekiq',
      minHealthyPercentage: 90,
      maxHealthyPercentage: 110,
      instanceWarmupSeconds: 300,
      timeoutSeconds: 5400,
    },
  ];

  it('logs each step numbered, then does exactly it', async () => {
    const { calls, props } = recorder();
    expect(await executeUpgrade(steps, props)).toBe(5);
    expect(calls).toEqual([
      'log [1/5] Back up',
      'backup',
      'wait job-1 7200',
      'log [2/5] On a node',
      `run ${JSON.stringify({ instanceId: 'i-gitaly-1', commands: ['a', 'b'], comment: 'On a node', timeoutSeconds: 3600 })}`,
      'log [3/5] On a group',
      `run ${JSON.stringify({ instanceId: 'i-rails-1', commands: ['c'], comment: 'On a group', timeoutSeconds: 3600 })}`,
      'log [4/5] Set',
      'set /p=19.4.1',
      'log [5/5] Refresh',
      `refresh ${JSON.stringify({ groupName: 'asg-sidekiq', minHealthyPercentage: 90, maxHealthyPercentage: 110, instanceWarmupSeconds: 300, timeoutSeconds: 5400 })}`,
    ]);
  });

  it('fails when a group has no healthy instance, naming the group', async () => {
    const { calls, props } = recorder({ rails: [] });
    await expect(executeUpgrade(steps, props)).rejects.toThrow(
      /^upgrade stopped at step 3 of 5 \(On a group\): no healthy instance in rails\n/,
    );
    expect(calls.filter((call) => call.startsWith('run'))).toHaveLength(1);
  });

  it('starts nothing when aborted before the first step', async () => {
    const { calls, props } = recorder();
    const controller = new AbortController();
    controller.abort();
    expect(await executeUpgrade(steps, { ...props, signal: controller.signal })).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe('upgrade --image', () => {
  const NEWEST = '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id';
  let calls: string[];
  let parameters: Record<string, string>;
  let failingGate: string | undefined;

  beforeEach(() => {
    calls = [];
    parameters = { [`/${plan.spec.name}/ubuntu-image/x86_64`]: 'ami-old', [NEWEST]: 'ami-new' };
    failingGate = undefined;
  });

  const props = (overrides: Partial<ImageRollProps> = {}): ImageRollProps => ({
    directory: {
      instanceOf: async (nodeId) => `i-${nodeId}`,
      groupNameOf: async (groupId) => groupId,
      instancesOf: async () => [],
    },
    runner: {
      run: async (request) => {
        calls.push(`run ${request.instanceId} ${request.commands.join(';')}`);
        if (calls.filter((call) => call.startsWith('run ')).length === Number(failingGate)) {
          throw new Error('praefect check: 1 check failed');
        }
        return { commandId: 'c', output: '' };
      },
    },
    readParameter: async (name) => parameters[name] ?? '',
    pinImage: async (name, imageId) => {
      calls.push(`pin ${name} ${imageId}`);
    },
    deploy: async () => {
      calls.push('deploy');
    },
    backup: async () => {
      calls.push('backup');
    },
    log: () => {},
    ...overrides,
  });

  it('plans Praefect gates around the pin and the deploy, one pin per architecture in use', () => {
    const steps = planImageRoll(plan, { backup: true });
    expect(steps.map((step) => step.kind)).toEqual(['gate', 'backup', 'pin-image', 'deploy', 'gate']);
    const gates = steps.filter((step) => step.kind === 'gate');
    expect(gates.map((gate) => gate.nodeId)).toEqual([plan.deployNodes.praefect, plan.deployNodes.praefect]);
    expect(gates[0]!.commands).toEqual(['gitlab-ctl praefect check']);
    expect(planImageRoll(plan, { backup: false }).map((step) => step.kind)).not.toContain('backup');
    // Without Praefect (1k: one Gitaly node) there is no cluster to gate on.
    const small = planFor({ architecture: { size: '1k' } });
    expect(planImageRoll(small, { backup: false }).map((step) => step.kind)).toEqual(['pin-image', 'deploy']);
  });

  it('pins one parameter per architecture the Plan runs, reading the newest from Canonical', () => {
    const arm = planFor({ architecture: { cpu: 'graviton' } });
    const pins = planImageRoll(arm, { backup: false }).filter((step) => step.kind === 'pin-image');
    const arches = [
      ...new Set([...arm.nodes, ...arm.autoScalingGroups].map((machines) => machines.arch)),
    ].sort();
    expect(arches).toContain('arm64');
    expect(pins.map((pin) => pin.arch)).toEqual(arches);
    for (const pin of pins) {
      expect(pin.parameterName).toBe(`/${arm.spec.name}/ubuntu-image/${pin.arch}`);
      expect(pin.newestParameterName).toContain(pin.arch === 'arm64' ? '/arm64/' : '/amd64/');
    }
  });

  it('checks Praefect, backs up, pins the newest image, deploys, and checks Praefect again, in that order', async () => {
    const outcome = await executeImageRoll(planImageRoll(plan, { backup: true }), props());
    const gate = `run i-${plan.deployNodes.praefect} gitlab-ctl praefect check`;
    expect(calls).toEqual([
      gate,
      'backup',
      `pin /${plan.spec.name}/ubuntu-image/x86_64 ami-new`,
      'deploy',
      gate,
    ]);
    expect(outcome).toEqual({ done: 5, changed: [{ arch: 'x86_64', from: 'ami-old', to: 'ami-new' }] });
  });

  it('stops on an unhealthy cluster before anything changes', async () => {
    failingGate = '1';
    await expect(executeImageRoll(planImageRoll(plan, { backup: true }), props())).rejects.toThrow(
      'praefect check: 1 check failed',
    );
    expect(calls).toEqual([`run i-${plan.deployNodes.praefect} gitlab-ctl praefect check`]);
  });

  it('replaces nothing when the pinned image is already the newest', async () => {
    parameters[NEWEST] = 'ami-old';
    const outcome = await executeImageRoll(planImageRoll(plan, { backup: true }), props());
    expect(outcome).toEqual({ done: 0, changed: [] });
    expect(calls).toEqual([]);
  });

  it('stops between steps when interrupted', async () => {
    const interrupt = new AbortController();
    const outcome = await executeImageRoll(
      planImageRoll(plan, { backup: true }),
      props({
        backup: async () => {
          calls.push('backup');
          interrupt.abort();
        },
        signal: interrupt.signal,
      }),
    );
    expect(outcome.done).toBe(2);
    expect(calls).toEqual([`run i-${plan.deployNodes.praefect} gitlab-ctl praefect check`, 'backup']);
  });

  it('lets the deploy replace instances only: volumes, databases and deletions still stop it', () => {
    const change = (logicalId: string, resourceType: string, action: StatefulChange['action']) => ({
      stackName: 'gl-compute',
      logicalId,
      resourceType,
      action,
      holds: '',
    });
    expect(
      imageRollReplacements([
        change('Gitaly1', 'AWS::EC2::Instance', 'replace'),
        change('Gitaly2', 'AWS::EC2::Instance', 'may-replace'),
        change('Gitaly3', 'AWS::EC2::Instance', 'delete'),
        change('Volume1', 'AWS::EC2::Volume', 'replace'),
        change('Db', 'AWS::RDS::DBInstance', 'replace'),
      ]),
    ).toEqual(['Gitaly1', 'Gitaly2']);
  });
});
