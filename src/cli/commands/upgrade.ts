import { putParameter } from '../../lifecycle/aws.js';
import { railsInstances } from '../../lifecycle/backup.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { executeUpgrade, planUpgrade, SINGLE_NODE_DOWNTIME } from '../../lifecycle/upgrade.js';
import { connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs, SPEC_OPTIONS, SPEC_USAGE } from '../spec-args.js';
import { command as backupCommand } from './backup.js';

export const command: CliCommand = {
  name: 'upgrade',
  usage:
    `gitlab-aws upgrade --to VERSION [options]\n${SPEC_USAGE}\n` +
    '      --to VERSION       version to upgrade to (one minor release at a time)\n' +
    '      --from VERSION     version running now (default: read from a Rails node)\n' +
    '      --no-backup        skip the backup taken first\n' +
    '      --dry-run          print the steps without running them',
  options: {
    ...SPEC_OPTIONS,
    to: { type: 'string' },
    from: { type: 'string' },
    'no-backup': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    ci: { type: 'boolean' },
  },
  async run(invocation) {
    const { io, values } = invocation;
    if (values.to === undefined) throw new UserError('--to VERSION is required', 2);
    const plan = planFromArgs(invocation);
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
    const interrupt = gracefulInterrupt({
      signals: process,
      log: (l) => io.err(`${l}\n`),
      operation: 'upgrade',
      exit: process.exit,
    });
    try {
      const done = await executeUpgrade(steps, {
        ...fleet,
        setParameter: (name, value) => putParameter(clients.ssm, name, value),
        backup: async () => {
          const code = await backupCommand.run({ ...invocation, positionals: ['create'] });
          if (code !== 0) throw new UserError('the pre-upgrade backup failed; nothing was upgraded');
        },
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
