/**
 * What every AWS-driving command sets up the same way: output style, progress display, the
 * toolkit's IoHost, the SDK clients and the caller's identity (which fails fast without
 * credentials). Kept here so the command files only parse arguments and print.
 */

import { type AwsClients, type CallerIdentity, createAwsClients, requireIdentity } from '../lifecycle/aws.js';
import { AutoScalingInstanceRefresher, SsmRemoteRunner, TaggedNodeDirectory } from '../lifecycle/fleet.js';
import { StackProgressRenderer } from '../lifecycle/progress.js';
import { type Style, styleFor } from '../lifecycle/style.js';
import { LifecycleIoHost } from '../lifecycle/toolkit-io-host.js';
import { runCommandLogGroupName } from '../plan/contracts.js';
import type { Plan } from '../plan/types.js';
import type { CliIo } from './command.js';

export interface LifecycleOutput {
  readonly style: Style;
  /** Prints one line to standard output. */
  readonly line: (text: string) => void;
  readonly ioHost: LifecycleIoHost;
}

/** Live progress and colour on a terminal; plain lines with `--ci` or when piped. */
export function lifecycleOutput(
  io: CliIo,
  options: { readonly ci?: boolean; readonly verbose?: boolean; readonly yes?: boolean },
): LifecycleOutput {
  const interactive = io.isTTY && !options.ci;
  const style = styleFor(interactive);
  const progress = new StackProgressRenderer({ write: io.out, live: interactive, style });
  return {
    style,
    line: (text) => io.out(`${text}\n`),
    // The toolkit's questions go to the terminal, or are answered yes with --yes (see LifecycleIoHost).
    ioHost: new LifecycleIoHost({
      progress,
      err: io.err,
      verbose: options.verbose ?? false,
      ...(io.prompt && !options.ci ? { prompt: io.prompt } : {}),
      assumeYes: options.yes ?? false,
    }),
  };
}

export interface ConnectedEnvironment {
  readonly clients: AwsClients;
  readonly identity: CallerIdentity;
}

/** SDK clients for the plan's region, after checking there are credentials. */
export async function connect(plan: Plan): Promise<ConnectedEnvironment> {
  const clients = createAwsClients(plan.region);
  const identity = await requireIdentity(clients.sts);
  return { clients, identity };
}

/** Node lookup, SSM runner and instance refresher of a connected environment. */
export function fleetOf(plan: Plan, clients: AwsClients) {
  return {
    directory: new TaggedNodeDirectory({
      environment: plan.spec.name,
      ec2: clients.ec2,
      autoScaling: clients.autoScaling,
    }),
    runner: new SsmRemoteRunner({
      ssm: clients.ssm,
      logGroupName: runCommandLogGroupName(plan),
      logs: clients.logs,
    }),
    refresher: new AutoScalingInstanceRefresher({ autoScaling: clients.autoScaling }),
  };
}
