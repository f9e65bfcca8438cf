import { executeRestore, parseBackupId, planRestore, restoreOutline } from '../../lifecycle/backup.js';
import { confirmEnvironmentName } from '../../lifecycle/destroy.js';
import { executeHybridRestore, hybridRestoreOutline } from '../../lifecycle/hybrid-backup.js';
import { chartBuildsOf } from '../../lifecycle/hybrid-builds.js';
import { AutoScalingProcesses } from '../../lifecycle/scaling-processes.js';
import { runsChart } from '../../plan/chart.js';
import { ACCOUNT_ID_PLACEHOLDER } from '../../plan/contracts.js';
import type { Plan } from '../../plan/types.js';
import { connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';

export const command: CliCommand = {
  name: 'restore',
  async run(invocation) {
    const { io, values, positionals } = invocation;
    const backupId = positionals[0];
    if (!backupId)
      throw new UserError('which backup? gitlab-aws restore BACKUP_ID (see gitlab-aws backup list)', 2);
    parseBackupId(backupId);
    const keepCurrentSecrets = values['keep-current-secrets'] === true;
    const plan = planFromArgs(invocation, { changesAws: true });
    const output = lifecycleOutput(io, { ci: values.ci === true });
    if (runsChart(plan)) return restoreHybrid(invocation, plan, backupId, output.line);
    // The steps' titles do not depend on the account, which is known only once connected.
    const preview = planRestore(plan, backupId, ACCOUNT_ID_PLACEHOLDER, { keepCurrentSecrets });
    for (const [index, line] of restoreOutline(plan, preview).entries()) output.line(`${index + 1}. ${line}`);
    await confirmEnvironmentName({
      environment: plan.spec.name,
      confirm: values.confirm as string | undefined,
      prompt: io.isTTY && values.ci !== true ? io.prompt : undefined,
      what: `overwrite its database and repositories with ${backupId}`,
    });
    const { clients, identity } = await connect(plan);
    const fleet = fleetOf(plan, clients);
    const steps = planRestore(plan, backupId, identity.account, { keepCurrentSecrets });
    await executeRestore(plan, steps, {
      backupId,
      account: identity.account,
      keepCurrentSecrets,
      directory: fleet.directory,
      runner: fleet.runner,
      scaling: new AutoScalingProcesses(clients.autoScaling),
      s3: clients.s3,
      secretsManager: clients.secretsManager,
      log: output.line,
    });
    output.line(`Restored ${backupId}. Run gitlab-aws check to confirm GitLab answers.`);
    return 0;
  },
};

/** Cloud Native Hybrid: the chart's restore procedure, in the chart's build. */
async function restoreHybrid(
  invocation: Parameters<CliCommand['run']>[0],
  plan: Plan,
  backupId: string,
  log: (line: string) => void,
): Promise<number> {
  const { io, values } = invocation;
  if (values['keep-current-secrets'] === true)
    throw new UserError(
      "--keep-current-secrets is for Linux package environments: a Cloud Native Hybrid restore puts the backup's Rails secrets back, as the chart's procedure does",
      2,
    );
  for (const [index, line] of hybridRestoreOutline(backupId).entries()) log(`${index + 1}. ${line}`);
  await confirmEnvironmentName({
    environment: plan.spec.name,
    confirm: values.confirm as string | undefined,
    prompt: io.isTTY && values.ci !== true ? io.prompt : undefined,
    what: `overwrite its database and repositories with ${backupId}`,
  });
  const { clients, identity } = await connect(plan);
  await executeHybridRestore({
    plan,
    account: identity.account,
    backupId,
    builds: await chartBuildsOf(plan, clients),
    log,
  });
  log(`Restored ${backupId}. Run gitlab-aws check to confirm GitLab answers.`);
  return 0;
}
