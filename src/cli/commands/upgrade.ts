import {
  type AwsClients,
  environmentToolkit,
  getParameter,
  loadAppFactory,
  putImageParameter,
  putParameter,
} from '../../lifecycle/aws.js';
import { railsInstances } from '../../lifecycle/backup.js';
import { AwsBackupJobWaiter } from '../../lifecycle/backup-jobs.js';
import { changeSetNameFor, deployEnvironment } from '../../lifecycle/deploy.js';
import { AutoScalingInstanceRefresher } from '../../lifecycle/fleet.js';
import { chartBuildsOf, runChartOperation } from '../../lifecycle/hybrid-builds.js';
import { HYBRID_DOWNTIME, planHybridUpgrade } from '../../lifecycle/hybrid-upgrade.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { AutoScalingStandby } from '../../lifecycle/standby.js';
import { findStatefulChanges } from '../../lifecycle/stateful-changes.js';
import {
  executeImageRoll,
  executeUpgrade,
  imageRollReplacements,
  planImageRoll,
  planUpgrade,
  renderUpgradePlan,
  SINGLE_NODE_DOWNTIME,
  UPGRADE_BOUNDS,
} from '../../lifecycle/upgrade.js';
import { SsmUpgradeProgressStore } from '../../lifecycle/upgrade-progress.js';
import { runsChart } from '../../plan/chart.js';
import type { Plan } from '../../plan/types.js';
import { type ConnectedEnvironment, connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';
import { backupEnvironment } from './backup.js';

type Invocation = Parameters<CliCommand['run']>[0];

/**
 * The pre-upgrade backup: the same backup as `backup create`, returning the AWS Backup jobs it
 * started so that the upgrade waits for them before it changes anything.
 */
async function upgradeBackup(plan: Plan, connected: ConnectedEnvironment, log: (line: string) => void) {
  const created = await backupEnvironment(plan, connected, log);
  log(`Backup ${created.backupId}: ${created.archive}`);
  return created;
}

/** The AWS side of `upgrade --to`: standby, backup jobs and the progress record. */
function upgradeSeams(plan: Plan, clients: AwsClients, log: (line: string) => void) {
  return {
    standby: new AutoScalingStandby({ autoScaling: clients.autoScaling, elb: clients.elb, log }),
    backupJobs: new AwsBackupJobWaiter({ backup: clients.backup, log }),
    progress: new SsmUpgradeProgressStore({ ssm: clients.ssm, environment: plan.spec.name }),
  };
}

/** `upgrade --image`: pin the newest Ubuntu image, then let a deploy roll the nodes. */
async function rollImage(invocation: Invocation, plan: Plan): Promise<number> {
  const { io, values } = invocation;
  const output = lifecycleOutput(io, { ci: values.ci === true });
  const steps = planImageRoll(plan, { backup: values['no-backup'] !== true });
  if (values['dry-run'] === true) {
    for (const [index, step] of steps.entries()) output.line(`${index + 1}. ${step.title}`);
    return 0;
  }
  const connected = await connect(plan);
  const { clients } = connected;
  const fleet = fleetOf(plan, clients);
  const interrupt = upgradeInterrupt(io);
  try {
    const outcome = await executeImageRoll(steps, {
      ...fleet,
      readParameter: (name) => getParameter(clients.ssm, name),
      pinImage: (name, imageId) => putImageParameter(clients.ssm, name, imageId),
      deploy: async () => {
        const toolkit = await environmentToolkit(plan, output.ioHost, await loadAppFactory());
        const stacks = await toolkit.listStacks();
        const changes = findStatefulChanges(await toolkit.diff(stacks.map((stack) => stack.name)));
        const deployed = await deployEnvironment({
          plan,
          toolkit,
          allowReplace: imageRollReplacements(changes),
          changeSetName: changeSetNameFor(new Date()),
          signal: interrupt.signal,
          log: output.line,
        });
        if (deployed.kind === 'interrupted')
          throw new UserError('deploy interrupted; run upgrade --image again');
      },
      // The same backup as `upgrade --to`, its AWS Backup jobs completed before any node is replaced.
      backup: async () => {
        const { backupJobIds } = await upgradeBackup(plan, connected, output.line);
        await new AwsBackupJobWaiter({ backup: clients.backup, log: output.line }).waitForJobs(
          backupJobIds,
          UPGRADE_BOUNDS.backupJobsSeconds,
        );
      },
      log: output.line,
      signal: interrupt.signal,
    });
    if (outcome.changed.length > 0 && outcome.done < steps.length) {
      output.line(
        `Stopped after step ${outcome.done} of ${steps.length}. Rerun upgrade --image to continue.`,
      );
      return 130;
    }
    for (const change of outcome.changed) output.line(`${change.arch}: ${change.from} -> ${change.to}`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

export const command: CliCommand = {
  name: 'upgrade',
  async run(invocation) {
    const { io, values } = invocation;
    if (values.image === true) {
      if (values.to !== undefined) {
        throw new UserError('--image and --to are two upgrades: run them one after the other', 2);
      }
      return rollImage(invocation, planFromArgs(invocation, { changesAws: values['dry-run'] !== true }));
    }
    if (values.to === undefined) throw new UserError('--to VERSION is required', 2);
    const plan = planFromArgs(invocation, { changesAws: values['dry-run'] !== true });
    const output = lifecycleOutput(io, { ci: values.ci === true });
    const to = values.to as string;
    const backup = values['no-backup'] !== true;
    if (runsChart(plan)) return upgradeHybrid(invocation, plan, output, { to, backup });
    if (values['dry-run'] === true && values.from !== undefined) {
      // The plan of steps needs no AWS account when the running version is given.
      if (plan.deployNodes.singleNode) output.line(SINGLE_NODE_DOWNTIME);
      for (const line of renderUpgradePlan(planUpgrade(plan, { from: values.from as string, to, backup })))
        output.line(line);
      return 0;
    }
    const connected = await connect(plan);
    const { clients } = connected;
    const fleet = fleetOf(plan, clients);
    const seams = upgradeSeams(plan, clients, output.line);
    // A run that stopped part-way recorded where; the running version read from a node may already
    // be the new one by then, so the record's says where this upgrade started.
    const saved = await seams.progress.load();
    let from = values.from as string | undefined;
    if (from === undefined && saved && saved.to === to) {
      from = saved.from;
      output.line(`An earlier upgrade from ${from} to ${to} stopped after step ${saved.completed}.`);
    }
    if (from === undefined) {
      const instanceId = (await railsInstances(plan, fleet.directory, 'one-rails'))[0];
      if (!instanceId)
        throw new UserError('no healthy Rails node to read the running version from; pass --from');
      const answer = await fleet.runner.run({
        instanceId,
        commands: ['head -n 1 /opt/gitlab/version-manifest.txt'],
        comment: 'gitlab-aws upgrade: read running version',
        timeoutSeconds: 60,
      });
      from = /(\d+\.\d+\.\d+)/.exec(answer.output)?.[1];
      if (!from) throw new UserError(`could not read the running version from ${instanceId}; pass --from`);
    }
    const steps = planUpgrade(plan, { from, to, backup });
    if (plan.deployNodes.singleNode) output.line(SINGLE_NODE_DOWNTIME);
    if (values['dry-run'] === true) {
      for (const line of renderUpgradePlan(steps)) output.line(line);
      return 0;
    }
    return runUpgrade(
      io,
      output,
      steps,
      to,
      '; every finished step is complete on its nodes and recorded.',
      (signal) =>
        executeUpgrade(steps, {
          ...fleet,
          refresher: new AutoScalingInstanceRefresher({ autoScaling: clients.autoScaling, log: output.line }),
          ...seams,
          versions: { from, to },
          setParameter: (name, value) => putParameter(clients.ssm, name, value),
          backup: () => upgradeBackup(plan, connected, output.line),
          log: output.line,
          signal,
        }),
    );
  },
};

/**
 * Cloud Native Hybrid: the Gitaly and Praefect VMs, then the chart, through the same executor. The
 * running version is the spec's (deploy refuses any other), so `--dry-run` needs no AWS account.
 */
async function upgradeHybrid(
  invocation: Invocation,
  plan: Plan,
  output: ReturnType<typeof lifecycleOutput>,
  options: { readonly to: string; readonly backup: boolean },
): Promise<number> {
  const { io, values } = invocation;
  const from = (values.from as string | undefined) ?? plan.gitlab.version;
  const steps = planHybridUpgrade(plan, { from, ...options });
  output.line(HYBRID_DOWNTIME);
  if (values['dry-run'] === true) {
    for (const line of renderUpgradePlan(steps)) output.line(line);
    return 0;
  }
  const connected = await connect(plan);
  const { clients, identity } = connected;
  const builds = await chartBuildsOf(plan, clients);
  return runUpgrade(io, output, steps, options.to, '.', (signal) =>
    executeUpgrade(steps, {
      ...fleetOf(plan, clients),
      ...upgradeSeams(plan, clients, output.line),
      versions: { from, to: options.to },
      setParameter: (name, value) => putParameter(clients.ssm, name, value),
      backup: () => upgradeBackup(plan, { clients, identity }, output.line),
      chart: (operation) => runChartOperation(plan, operation, { builds, log: output.line }),
      log: output.line,
      signal,
    }),
  );
}

/**
 * Runs the upgrade's steps under the Ctrl-C handling, then says how it ended: interrupted (exit 130,
 * where to continue; `stoppedNote` ends the first sentence) or done (which version to put in the spec).
 */
async function runUpgrade(
  io: Invocation['io'],
  output: ReturnType<typeof lifecycleOutput>,
  steps: readonly unknown[],
  to: string,
  stoppedNote: string,
  execute: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const interrupt = upgradeInterrupt(io);
  try {
    const done = await execute(interrupt.signal);
    if (done < steps.length) {
      output.line(
        `Stopped after step ${done} of ${steps.length}${stoppedNote} Run the same command again to continue at step ${done + 1}.`,
      );
      return 130;
    }
  } finally {
    interrupt.dispose();
  }
  output.line(`GitLab ${to} is running. Set gitlab.version: ${to} in the spec so deploy keeps it.`);
  return 0;
}

/** Ctrl-C during an upgrade: the first lets what is in flight finish, the second stops watching. */
function upgradeInterrupt(io: { err(text: string): void }) {
  return gracefulInterrupt({
    signals: process,
    log: (line) => io.err(`${line}\n`),
    operation: 'upgrade',
    exit: process.exit,
  });
}
