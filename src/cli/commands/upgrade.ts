import {
  environmentToolkit,
  getParameter,
  loadAppFactory,
  putImageParameter,
  putParameter,
} from '../../lifecycle/aws.js';
import { railsInstances } from '../../lifecycle/backup.js';
import { changeSetNameFor, deployEnvironment } from '../../lifecycle/deploy.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { findStatefulChanges } from '../../lifecycle/stateful-changes.js';
import {
  executeImageRoll,
  executeUpgrade,
  imageRollReplacements,
  planImageRoll,
  planUpgrade,
  SINGLE_NODE_DOWNTIME,
} from '../../lifecycle/upgrade.js';
import type { Plan } from '../../plan/types.js';
import { connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { CHANGING_SPEC_OPTIONS, CHANGING_SPEC_USAGE, planFromArgs } from '../spec-args.js';
import { command as backupCommand } from './backup.js';

type Invocation = Parameters<CliCommand['run']>[0];

/** Runs `backup create` as part of an upgrade; a failed backup stops it before any change. */
async function backupFirst(invocation: Invocation): Promise<void> {
  const code = await backupCommand.run({ ...invocation, positionals: ['create'] });
  if (code !== 0) throw new UserError('the pre-upgrade backup failed; nothing was upgraded');
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
  const { clients } = await connect(plan);
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
      backup: () => backupFirst(invocation),
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
  usage:
    `gitlab-aws upgrade --to VERSION [options]\n       gitlab-aws upgrade --image [options]\n${CHANGING_SPEC_USAGE}\n` +
    '      --to VERSION       version to upgrade to (one minor release at a time)\n' +
    '      --image            pin the newest Ubuntu 24.04 image and replace every node through a deploy\n' +
    '      --from VERSION     version running now (default: read from a Rails node)\n' +
    '      --no-backup        skip the backup taken first\n' +
    '      --dry-run          print the steps without running them',
  options: {
    ...CHANGING_SPEC_OPTIONS,
    to: { type: 'string' },
    image: { type: 'boolean' },
    from: { type: 'string' },
    'no-backup': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    ci: { type: 'boolean' },
  },
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
    const { clients } = await connect(plan);
    const fleet = fleetOf(plan, clients);
    let from = values.from as string | undefined;
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
    const steps = planUpgrade(plan, { from, to: values.to as string, backup: values['no-backup'] !== true });
    if (plan.deployNodes.singleNode) output.line(SINGLE_NODE_DOWNTIME);
    if (values['dry-run'] === true) {
      for (const [index, step] of steps.entries()) output.line(`${index + 1}. ${step.title}`);
      return 0;
    }
    const interrupt = upgradeInterrupt(io);
    try {
      const done = await executeUpgrade(steps, {
        ...fleet,
        setParameter: (name, value) => putParameter(clients.ssm, name, value),
        backup: () => backupFirst(invocation),
        log: output.line,
        signal: interrupt.signal,
      });
      if (done < steps.length) {
        output.line(
          `Stopped after step ${done} of ${steps.length}; every finished step is complete on its nodes. Rerun with --from to continue.`,
        );
        return 130;
      }
    } finally {
      interrupt.dispose();
    }
    output.line(
      `GitLab ${values.to} is running. Set gitlab.version: ${values.to} in the spec so deploy keeps it.`,
    );
    return 0;
  },
};

/** Ctrl-C during an upgrade: the first lets what is in flight finish, the second stops watching. */
function upgradeInterrupt(io: { err(text: string): void }) {
  return gracefulInterrupt({
    signals: process,
    log: (line) => io.err(`${line}\n`),
    operation: 'upgrade',
    exit: process.exit,
  });
}
