import { bootstrapAccount, bootstrapStatus } from '../../lifecycle/aws.js';
import { connect, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { planFromArgs } from '../spec-args.js';

export const command: CliCommand = {
  name: 'bootstrap',
  async run(invocation) {
    const plan = planFromArgs(invocation);
    const output = lifecycleOutput(invocation.io, {
      ci: invocation.values.ci === true,
      verbose: invocation.values.verbose === true,
    });
    const { clients, identity } = await connect(plan);
    const status = await bootstrapStatus(clients);
    if (status.bootstrapped) {
      output.line(
        `aws://${identity.account}/${plan.region} is bootstrapped (version ${status.version}); nothing to do.`,
      );
      return 0;
    }
    output.line(
      `aws://${identity.account}/${plan.region} is not bootstrapped (${status.reason}); bootstrapping...`,
    );
    await bootstrapAccount(output.ioHost, identity, plan.region);
    output.line('Bootstrapped. Next: gitlab-aws deploy');
    return 0;
  },
};
