/**
 * `check --send-test-mail`: GitLab sends its test e-mail from a web node, through the SMTP settings
 * the node really has (Amazon SES when the Plan sends e-mail), over SSM Run Command.
 */
import type { Plan } from '../plan/types.js';
import type { NodeDirectory, RemoteRunner } from './fleet.js';
import { REMOTE_SCRIPT_FILES, remoteScript } from './remote-scripts.js';

export interface TestMailOptions {
  readonly plan: Plan;
  /** Recipient; in the SES sandbox it must be a verified identity. */
  readonly to: string;
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
}

export interface TestMailResult {
  readonly instanceId: string;
  readonly output: string;
}

/** Where the test e-mail is sent from: the 1k node, or the auto scaling group of the web nodes. */
export function mailingGroup(plan: Plan): { readonly node: string } | { readonly group: string } {
  if (plan.deployNodes.singleNode) return { node: plan.deployNodes.singleNode };
  const group = plan.autoScalingGroups.find(
    (candidate) => candidate.role === 'rails' || candidate.role === 'gitlab',
  );
  if (!group) throw new Error('the Plan has no web nodes on EC2 to send a test e-mail from');
  return { group: group.id };
}

/** The command lines SSM runs on the node to send the test e-mail to `to`. */
export function testMailCommands(to: string): string[] {
  return remoteScript(REMOTE_SCRIPT_FILES.sendTestMail, { TO_ADDRESS: to });
}

/** Sends the test e-mail from the first in-service web node. */
export async function sendTestMail(options: TestMailOptions): Promise<TestMailResult> {
  const sender = mailingGroup(options.plan);
  const [instanceId] =
    'node' in sender
      ? [await options.directory.instanceOf(sender.node)]
      : await options.directory.instancesOf(sender.group);
  if (!instanceId) {
    const where = 'node' in sender ? sender.node : `the ${sender.group} group`;
    throw new Error(`no in-service node in ${where} to send a test e-mail from`);
  }
  const result = await options.runner.run({
    instanceId,
    commands: testMailCommands(options.to),
    comment: 'gitlab-aws check --send-test-mail',
    timeoutSeconds: 300,
  });
  return { instanceId, output: result.output };
}
