import { bootstrapStatus, environmentToolkit, getParameter, loadAppFactory } from '../../lifecycle/aws.js';
import {
  changeSetNameFor,
  deployEnvironment,
  interruptedSummary,
  signInSummary,
} from '../../lifecycle/deploy.js';
import { railsReadiness, renderEndpointChecks, runEndpointChecks } from '../../lifecycle/endpoint-checks.js';
import { Route53HostedZoneFinder, requireHostedZoneId } from '../../lifecycle/hosted-zone.js';
import { deployChartBuilds, watchChartInstall } from '../../lifecycle/hybrid-builds.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { runsChart } from '../../plan/chart.js';
import { gitlabVersionParameterName } from '../../plan/contracts.js';
import { connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';

export const command: CliCommand = {
  name: 'deploy',
  async run(invocation) {
    const { io, values } = invocation;
    const plan = planFromArgs(invocation, { changesAws: true });
    const output = lifecycleOutput(io, {
      ci: values.ci === true,
      verbose: values.verbose === true,
      yes: values.yes === true,
    });
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
    // Cloud Native Hybrid: the rollout of GitLab's pods, from the chart's install build.
    const chartInstall = runsChart(plan)
      ? watchChartInstall({ builds: deployChartBuilds(plan, clients), since: new Date(), log: output.line })
      : undefined;
    try {
      const outcome = await deployEnvironment({
        plan,
        toolkit,
        allowReplace: (values['allow-replace'] as string[] | undefined) ?? [],
        changeSetName: changeSetNameFor(new Date()),
        // Missing before the first deploy (the network stack creates it).
        deployedVersion: () =>
          getParameter(clients.ssm, gitlabVersionParameterName(plan)).catch((error: Error) => {
            if (error.name === 'ParameterNotFound') return undefined;
            throw error;
          }),
        signal: interrupt.signal,
        log: output.line,
      });
      if (outcome.kind === 'interrupted') {
        for (const line of interruptedSummary(outcome)) output.line(line);
        return 130;
      }
      loadBalancerDnsName = outcome.loadBalancerDnsName;
    } finally {
      await chartInstall?.stop();
      interrupt.dispose();
    }
    output.line('');
    for (const line of signInSummary(plan)) output.line(line);
    output.line('');
    const results = [
      ...(await runEndpointChecks({
        url: plan.gitlab.externalUrl,
        expectedVersion: plan.gitlab.version,
        loadBalancerDnsName,
      })),
      await railsReadiness({ plan, ...fleetOf(plan, clients) }),
    ];
    for (const line of renderEndpointChecks(results, output.style)) output.line(line);
    if (results.some((result) => result.status === 'fail')) return 1;
    if (plan.runners) {
      // GitLab answers: create the fleet's runner and hand its token to the waiting manager.
      const { ensureAdminToken, registerRunner, httpRunnersApi, SecretsManagerSecretStore } = await import(
        '../../lifecycle/runner-registration.js'
      );
      const secrets = new SecretsManagerSecretStore(clients.secretsManager);
      await ensureAdminToken({ plan, secrets, ...fleetOf(plan, clients), log: output.line });
      await registerRunner({
        plan,
        api: (token) => httpRunnersApi(plan.gitlab.externalUrl, token),
        secrets,
        log: output.line,
      });
    }
    return 0;
  },
};
