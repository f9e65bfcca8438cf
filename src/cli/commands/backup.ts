import { stackOutputs } from '../../lifecycle/aws.js';
import {
  backupIdFor,
  backupResourceArns,
  backupVaultOf,
  createBackup,
  environmentVaults,
  listBackups,
  readDataStack,
  renderBackupList,
} from '../../lifecycle/backup.js';
import { SdkDataStores } from '../../lifecycle/data-stores.js';
import { createHybridBackup } from '../../lifecycle/hybrid-backup.js';
import { chartBuildsOf } from '../../lifecycle/hybrid-builds.js';
import { runsChart } from '../../plan/chart.js';
import { stackName } from '../../plan/stacks.js';
import type { Plan } from '../../plan/types.js';
import { type ConnectedEnvironment, connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';

/**
 * One backup of the environment: gitlab-backup on a Rails node (the archive and its secrets in the
 * backups bucket) and AWS Backup jobs of what the scheduled backup plan snapshots (the resources of
 * the data stack that carry its tag), in the ops stack's vault. `backup create` and the backup
 * taken before an upgrade are this one.
 */
export async function backupEnvironment(
  plan: Plan,
  connected: Pick<ConnectedEnvironment, 'clients' | 'identity'>,
  log: (line: string) => void,
) {
  const { clients, identity } = connected;
  const ops = await stackOutputs(clients.cloudFormation, stackName(plan, 'ops'));
  const vault = backupVaultOf(stackName(plan, 'ops'), ops);
  const resourceArns = backupResourceArns(
    plan,
    await readDataStack(plan, new SdkDataStores(clients)),
    identity.account,
  );
  if (runsChart(plan)) {
    // Cloud Native Hybrid: the chart's toolbox makes the archive, in the chart's build.
    return createHybridBackup({
      plan,
      account: identity.account,
      backupId: backupIdFor(plan, new Date()),
      builds: await chartBuildsOf(plan, clients),
      backup: clients.backup,
      vault,
      resourceArns,
      log,
    });
  }
  return createBackup({
    plan,
    account: identity.account,
    backupId: backupIdFor(plan, new Date()),
    ...fleetOf(plan, clients),
    backup: clients.backup,
    vault,
    resourceArns,
    log,
  });
}

export const command: CliCommand = {
  name: 'backup',
  async run(invocation) {
    const { io, values, positionals } = invocation;
    const action = positionals[0] ?? 'create';
    if (action !== 'create' && action !== 'list')
      throw new UserError(`unknown backup action "${action}": use create or list`, 2);
    const plan = planFromArgs(invocation, { changesAws: action === 'create' });
    const output = lifecycleOutput(io, { ci: values.ci === true });
    const { clients, identity } = await connect(plan);
    if (action === 'list') {
      // By name, not through the ops stack: backups outlive it (`destroy` deletes it and keeps them).
      const listings = await listBackups({
        plan,
        account: identity.account,
        s3: clients.s3,
        backup: clients.backup,
        vaultNames: await environmentVaults(clients.backup, plan),
      });
      for (const line of renderBackupList(listings, new Date())) output.line(line);
      return 0;
    }
    const created = await backupEnvironment(plan, { clients, identity }, output.line);
    output.line(
      `Backup ${created.backupId}: ${created.archive} and ${created.secrets}; AWS Backup jobs ${created.backupJobIds.join(', ')}`,
    );
    output.line(`Restore it with: gitlab-aws restore ${created.backupId}`);
    return 0;
  },
};
