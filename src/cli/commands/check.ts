import {
  type EndpointCheckResult,
  railsReadiness,
  renderEndpointChecks,
  runEndpointChecks,
} from '../../lifecycle/endpoint-checks.js';
import type { Plan } from '../../plan/types.js';
import { connect, fleetOf, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';
import { readUserFile } from '../user-files.js';

const port = (value: unknown, flag: string) => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535)
    throw new UserError(`${flag} must be a port number`, 2);
  return number;
};

/** Sends the test e-mail through a web node; false when it could not be handed to SMTP. */
async function testMail(plan: Plan, to: string, line: (text: string) => void): Promise<boolean> {
  const { sendTestMail } = await import('../../lifecycle/test-mail.js');
  const { clients } = await connect(plan);
  const { directory, runner } = fleetOf(plan, clients);
  try {
    const sent = await sendTestMail({ plan, to, directory, runner });
    line(
      `pass  test e-mail to ${to} handed to ${plan.email!.smtpHost} by ${sent.instanceId}; check that inbox`,
    );
    return true;
  } catch (error) {
    line(`fail  test e-mail to ${to}: ${(error as Error).message}`);
    return false;
  }
}

/**
 * Readiness asked on a Rails node through SSM: GitLab answers health endpoints only inside its
 * monitoring allowlist. Without AWS credentials it is skipped, saying why; the outside checks stand.
 */
async function readinessInside(plan: Plan): Promise<EndpointCheckResult> {
  let connected: Awaited<ReturnType<typeof connect>>;
  try {
    connected = await connect(plan);
  } catch (error) {
    return {
      id: 'readiness-inside',
      title: 'Readiness (Rails node)',
      status: 'skip',
      detail: `needs AWS access to run it on a Rails node: ${(error as Error).message}`,
    };
  }
  return railsReadiness({ plan, ...fleetOf(plan, connected.clients) });
}

/** Asks GitLab whether the runner fleet's runner is online (spec runners). */
async function runnerOnline(plan: Plan, line: (text: string) => void): Promise<boolean> {
  const { checkRunnerOnline, httpRunnersApi, SecretsManagerSecretStore } = await import(
    '../../lifecycle/runner-registration.js'
  );
  const { clients } = await connect(plan);
  const result = await checkRunnerOnline({
    plan,
    api: (token) => httpRunnersApi(plan.gitlab.externalUrl, token),
    secrets: new SecretsManagerSecretStore(clients.secretsManager),
  });
  if (result) line(`${result.status}  runner: ${result.detail}`);
  return result?.status !== 'fail';
}

export const command: CliCommand = {
  name: 'check',
  async run(invocation) {
    const { io, values } = invocation;
    const output = lifecycleOutput(io, { ci: values.ci === true });
    const mailTo = values['send-test-mail'] as string | undefined;
    if (mailTo !== undefined && !/^[^\s@'"`$\\]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(mailTo)) {
      throw new UserError(
        `--send-test-mail needs an e-mail address such as you@example.com, got ${mailTo}`,
        2,
      );
    }
    const plan = values.url === undefined || mailTo !== undefined ? planFromArgs(invocation) : undefined;
    if (mailTo !== undefined && !plan!.email) {
      throw new UserError(
        'the spec sends no e-mail through Amazon SES (email is off: give domain.hostedZone or set email.enabled: true), so there is no SMTP setup to test',
        2,
      );
    }
    const url = (values.url as string | undefined) ?? plan!.gitlab.externalUrl;
    if (!url.startsWith('https://')) throw new UserError(`--url must be an https:// URL, got ${url}`, 2);
    const results = await runEndpointChecks({
      url,
      token: (values.token as string | undefined) ?? io.env['GITLAB_TOKEN'],
      loadBalancerDnsName: values['lb-dns'] as string | undefined,
      expectedVersion: plan?.gitlab.version,
      connectHost: values.connect as string | undefined,
      httpsPort: port(values['https-port'], '--https-port'),
      sshPort: port(values['ssh-port'], '--ssh-port'),
      ca: values.ca === undefined ? undefined : readUserFile('--ca', values.ca as string, io.cwd),
      insecure: values.insecure === true,
    });
    if (values.url === undefined && values['outside-only'] !== true)
      results.push(await readinessInside(plan!));
    for (const line of renderEndpointChecks(results, output.style)) output.line(line);
    let mailFailed = false;
    if (mailTo !== undefined) mailFailed = !(await testMail(plan!, mailTo, output.line));
    const runnerFailed = plan?.runners ? !(await runnerOnline(plan, output.line)) : false;
    return mailFailed || runnerFailed || results.some((result) => result.status === 'fail') ? 1 : 0;
  },
};
