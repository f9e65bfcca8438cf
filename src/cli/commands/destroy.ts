import { environmentToolkit, loadAppFactory } from '../../lifecycle/aws.js';
import { SdkDataStores } from '../../lifecycle/data-stores.js';
import {
  confirmEnvironmentName,
  confirmRetainedDeletion,
  destroyEnvironment,
  destroyWithData,
  planDestroy,
  renderDestroyPlan,
  renderDestroyReport,
} from '../../lifecycle/destroy.js';
import { gracefulInterrupt } from '../../lifecycle/interrupt.js';
import { connect, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { planFromArgs } from '../spec-args.js';

export const command: CliCommand = {
  name: 'destroy',
  async run(invocation) {
    const { io, values } = invocation;
    const plan = planFromArgs(invocation, { changesAws: true });
    const output = lifecycleOutput(io, { ci: values.ci === true });
    const includeData = values['include-data'] === true;
    const deleteRetained = confirmRetainedDeletion({
      environment: plan.spec.name,
      includeData,
      typed: values['delete-retained'] as string | undefined,
    });
    const destroy = planDestroy(plan, { includeData, deleteRetained });
    for (const line of renderDestroyPlan(plan, destroy)) output.line(line);
    await confirmEnvironmentName({
      environment: plan.spec.name,
      confirm: values.confirm as string | undefined,
      prompt: io.isTTY && values.ci !== true ? io.prompt : undefined,
      what: includeData ? 'delete it and its data' : 'delete it (data is kept)',
    });
    const { clients } = await connect(plan);
    if (plan.runners) {
      // The runner goes from GitLab with its fleet, while GitLab still answers.
      const { unregisterRunner, httpRunnersApi, SecretsManagerSecretStore } = await import(
        '../../lifecycle/runner-registration.js'
      );
      await unregisterRunner({
        plan,
        api: (token) => httpRunnersApi(plan.gitlab.externalUrl, token),
        secrets: new SecretsManagerSecretStore(clients.secretsManager),
        log: output.line,
      }).catch((error: Error) => output.line(`Runner: could not delete it from GitLab (${error.message})`));
    }
    const toolkit = await environmentToolkit(plan, output.ioHost, await loadAppFactory());
    const interrupt = gracefulInterrupt({
      signals: process,
      log: (line) => io.err(`${line}\n`),
      operation: 'destroy',
      exit: (code) => process.exit(code),
    });
    try {
      if (includeData) {
        const report = await destroyWithData({
          plan,
          toolkit,
          destroy,
          stores: new SdkDataStores(clients),
          now: new Date(),
          signal: interrupt.signal,
          log: output.line,
        });
        for (const line of renderDestroyReport(report)) output.line(line);
        return report.completed ? 0 : interrupt.signal.aborted ? 130 : 1;
      }
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
