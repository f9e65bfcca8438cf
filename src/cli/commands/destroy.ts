import { environmentToolkit, loadAppFactory } from '../../lifecycle/aws.js';
import {
  confirmEnvironmentName,
  destroyEnvironment,
  planDestroy,
  renderDestroyPlan,
} from '../../lifecycle/destroy.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { connect, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { planFromArgs, SPEC_OPTIONS, SPEC_USAGE } from '../spec-args.js';

export const command: CliCommand = {
  name: 'destroy',
  usage:
    `gitlab-aws destroy [options]\n${SPEC_USAGE}\n` +
    '      --include-data     also delete the database (final snapshot), Gitaly volumes, buckets and secrets\n' +
    '      --confirm NAME     the environment name, when there is no terminal to type it at\n' +
    '      --ci               plain output',
  options: {
    ...SPEC_OPTIONS,
    'include-data': { type: 'boolean' },
    confirm: { type: 'string' },
    ci: { type: 'boolean' },
  },
  async run(invocation) {
    const { io, values } = invocation;
    const plan = planFromArgs(invocation);
    const output = lifecycleOutput(io, { ci: values.ci === true });
    const destroy = planDestroy(plan, { includeData: values['include-data'] === true });
    for (const line of renderDestroyPlan(plan, destroy)) output.line(line);
    await confirmEnvironmentName({
      environment: plan.spec.name,
      confirm: values.confirm as string | undefined,
      prompt: io.isTTY && values.ci !== true ? io.prompt : undefined,
      what: values['include-data'] === true ? 'delete it and its data' : 'delete it (data is kept)',
    });
    await connect(plan);
    const toolkit = await environmentToolkit(plan, output.ioHost, await loadAppFactory());
    const interrupt = gracefulInterrupt({
      signals: process,
      log: (line) => io.err(`${line}\n`),
      operation: 'destroy',
      exit: (code) => process.exit(code),
    });
    try {
      const deleted = await destroyEnvironment({
        plan,
        toolkit,
        destroy,
        signal: interrupt.signal,
        log: output.line,
      });
      output.line(`Deleted ${deleted.join(', ') || 'nothing'}.`);
      return deleted.length === destroy.deletedStacks.length ? 0 : 130;
    } finally {
      interrupt.dispose();
    }
  },
};
