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

/** The auto scaling group whose nodes send mail: the web nodes (or the 1k node). */
export function mailingGroup(plan: Plan): string {
  const group = plan.autoScalingGroups.find(
    (candidate) => candidate.role === 'rails' || candidate.role === 'gitlab',
  );
  if (!group) throw new Error('the Plan has no web nodes on EC2 to send a test e-mail from');
  return group.id;
}

/** The command lines SSM runs on the node to send the test e-mail to `to`. */
export function testMailCommands(to: string): string[] {
  return remoteScript(REMOTE_SCRIPT_FILES.sendTestMail, { TO_ADDRESS: to });
}

/** Sends the test e-mail from the first in-service web node. */
export async function sendTestMail(options: TestMailOptions): Promise<TestMailResult> {
  const group = mailingGroup(options.plan);
  const [instanceId] = await options.directory.instancesOf(group);
  if (!instanceId) throw new Error(`no in-service node in the ${group} group to send a test e-mail from`);
  const result = await options.runner.run({
    instanceId,
    commands: testMailCommands(options.to),
    comment: 'gitlab-aws check --send-test-mail',
    timeoutSeconds: 300,
  });
  return { instanceId, output: result.output };
}
