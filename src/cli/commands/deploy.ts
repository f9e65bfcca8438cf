import { bootstrapStatus, environmentToolkit, loadAppFactory } from '../../lifecycle/aws.js';
import {
  changeSetNameFor,
  deployEnvironment,
  interruptedSummary,
  signInSummary,
} from '../../lifecycle/deploy.js';
import { renderEndpointChecks, runEndpointChecks } from '../../lifecycle/endpoint-checks.js';
import { Route53HostedZoneFinder, requireHostedZoneId } from '../../lifecycle/hosted-zone.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { connect, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { CHANGING_SPEC_OPTIONS, CHANGING_SPEC_USAGE, planFromArgs } from '../spec-args.js';

export const command: CliCommand = {
  name: 'deploy',
  usage:
    `gitlab-aws deploy [options]\n${CHANGING_SPEC_USAGE}\n` +
    '      --allow-replace ID  accept replacing or deleting this stateful resource (repeatable)\n' +
    '      --ci                plain line output instead of live progress\n' +
    "      --verbose           also print the CDK toolkit's messages",
  options: {
    ...CHANGING_SPEC_OPTIONS,
    'allow-replace': { type: 'string', multiple: true },
    ci: { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  async run(invocation) {
    const { io, values } = invocation;
    const plan = planFromArgs(invocation, { changesAws: true });
    const output = lifecycleOutput(io, { ci: values.ci === true, verbose: values.verbose === true });
    const { clients, identity } = await connect(plan);
    const bootstrap = await bootstrapStatus(clients);
    if (!bootstrap.bootstrapped) {
      throw new UserError(
        `aws://${identity.account}/${plan.region} is not bootstrapped (${bootstrap.reason}): run gitlab-aws bootstrap first`,
      );
    }
    const hostedZoneId = await requireHostedZoneId(plan, new Route53HostedZoneFinder(clients.route53));
    const toolkit = await environmentToolkit(plan, output.ioHost, await loadAppFactory(), { hostedZoneId });
    const interrupt = gracefulInterrupt({
      signals: process,
      log: (line) => io.err(`${line}\n`),
      operation: 'deploy',
      exit: (code) => process.exit(code),
    });
    let loadBalancerDnsName: string | undefined;
    try {
      const outcome = await deployEnvironment({
        plan,
        toolkit,
        allowReplace: (values['allow-replace'] as string[] | undefined) ?? [],
        changeSetName: changeSetNameFor(new Date()),
        signal: interrupt.signal,
        log: output.line,
      });
      if (outcome.kind === 'interrupted') {
        for (const line of interruptedSummary(outcome)) output.line(line);
        return 130;
      }
      loadBalancerDnsName = outcome.loadBalancerDnsName;
    } finally {
      interrupt.dispose();
    }
    output.line('');
    for (const line of signInSummary(plan)) output.line(line);
    output.line('');
    const results = await runEndpointChecks({
      url: plan.gitlab.externalUrl,
      expectedVersion: plan.gitlab.version,
      loadBalancerDnsName,
    });
    for (const line of renderEndpointChecks(results, output.style)) output.line(line);
    return results.some((result) => result.status === 'fail') ? 1 : 0;
  },
};
