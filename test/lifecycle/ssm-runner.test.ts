/**
 * SsmRemoteRunner against SSM as it answers: an invocation that does not exist yet, one in
 * progress, output cut at GetCommandInvocation's limits, commands that fail or time out. The whole
 * output goes to the Run Command log group, and every failure says where.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_EXECUTION_SECONDS, SSM_OUTPUT_LIMITS, SsmRemoteRunner } from '../../src/lifecycle/fleet.js';

const ssm = mockClient(SSMClient);
const logs = mockClient(CloudWatchLogsClient);
const instant = async () => {};
const GROUP = '/gitlab-aws/gl-prod/run-command';
const request = {
  instanceId: 'i-rails1',
  commands: ['gitlab-rake db:migrate'],
  comment: 'Run the post-deployment migrations',
  timeoutSeconds: 4 * 3600,
};
const runner = (withLogs = true) =>
  new SsmRemoteRunner({
    ssm: new SSMClient({}),
    logGroupName: GROUP,
    ...(withLogs ? { logs: new CloudWatchLogsClient({}) } : {}),
    sleep: instant,
  });
const notYet = Object.assign(new Error('not yet'), { name: 'InvocationDoesNotExist' });
const failure = (attempt: Promise<unknown>) =>
  attempt.then(
    () => '',
    (error: Error) => error.message,
  );

describe('SsmRemoteRunner', () => {
  beforeEach(() => {
    ssm.reset();
    logs.reset();
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
  });

  it('sends the whole output to the log group, with the execution timeout asked for', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(notYet)
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success', StandardOutputContent: 'done\n', StandardErrorContent: '' });
    expect(await runner().run(request)).toEqual({ commandId: 'cmd-1', output: 'done\n' });
    const sent = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: ['i-rails1'],
      Parameters: { commands: ['gitlab-rake db:migrate'], executionTimeout: ['14400'] },
      TimeoutSeconds: 600,
      CloudWatchOutputConfig: { CloudWatchLogGroupName: GROUP, CloudWatchOutputEnabled: true },
    });
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
  });

  it('says when SSM cut a successful output', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Success',
      StandardOutputContent: 'x'.repeat(SSM_OUTPUT_LIMITS.stdout),
    });
    expect((await runner().run(request)).outputTruncated).toBe(true);
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Success',
      StandardOutputContent: 'x'.repeat(SSM_OUTPUT_LIMITS.stdout - 1),
      StandardErrorContent: 'e'.repeat(SSM_OUTPUT_LIMITS.stderr - 1),
    });
    expect((await runner().run(request)).outputTruncated).toBeUndefined();
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Success',
      StandardErrorContent: 'e'.repeat(SSM_OUTPUT_LIMITS.stderr),
    });
    expect((await runner().run(request)).outputTruncated).toBe(true);
  });

  it('names the log streams and shows the end of a short failed output', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StatusDetails: 'Failed',
      StandardOutputContent: 'migrating\n',
      StandardErrorContent: 'PG::DiskFull\n',
    });
    expect(await failure(runner().run(request))).toBe(
      [
        `"Run the post-deployment migrations" on i-rails1: Failed (command cmd-1); whole output in CloudWatch Logs group ${GROUP}, streams cmd-1/i-rails1/aws-runShellScript/stdout and cmd-1/i-rails1/aws-runShellScript/stderr`,
        'last output:',
        'migrating\nPG::DiskFull\n',
      ].join('\n'),
    );
    expect(logs.commandCalls(GetLogEventsCommand)).toHaveLength(0);
  });

  it('reads the end of a cut output back from CloudWatch Logs, where the error is', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StatusDetails: 'NonZeroExitCode',
      StandardOutputContent: 'x'.repeat(SSM_OUTPUT_LIMITS.stdout),
      StandardErrorContent: 'warning\n',
    });
    logs
      .on(GetLogEventsCommand, { logStreamName: 'cmd-1/i-rails1/aws-runShellScript/stderr' })
      .resolves({ events: [{ message: 'rake aborted!' }, { message: 'PG::DiskFull' }] })
      .on(GetLogEventsCommand, { logStreamName: 'cmd-1/i-rails1/aws-runShellScript/stdout' })
      .resolves({ events: [] });
    const message = await failure(runner().run(request));
    expect(message).toContain('on i-rails1: Failed (NonZeroExitCode) (command cmd-1)');
    expect(message).toContain(
      'SSM cut the output at 24000 characters of standard output and 8000 of standard error; last lines of stderr (CloudWatch Logs):\nrake aborted!\nPG::DiskFull',
    );
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: GROUP,
      startFromHead: false,
      limit: 40,
    });
  });

  it('says a cut output is not the end when the log group cannot be read', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StandardOutputContent: `${'x'.repeat(SSM_OUTPUT_LIMITS.stdout - 6)}middle`,
    });
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    for (const attempt of [runner(true), runner(false)]) {
      const message = await failure(attempt.run(request));
      expect(message).toContain('so this is not its end; read the end in the log group. Output as cut:\n');
      expect(message).toMatch(/xmiddle$/);
    }
  });

  it('explains a timeout by the limit the command had', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });
    expect(await failure(runner().run(request))).toContain(
      'TimedOut: ran longer than its 14400 s, or was not delivered within 600 s (command cmd-1)',
    );
  });

  it('refuses a timeout SSM would not take, before sending anything', async () => {
    for (const timeoutSeconds of [0, 1.5, MAX_EXECUTION_SECONDS + 1]) {
      await expect(runner().run({ ...request, timeoutSeconds })).rejects.toThrow(
        `a command may run 1 to 172800 s under SSM, not ${timeoutSeconds}`,
      );
    }
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('stops waiting once SSM should have ended the command, saying where its output is', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    const slowPolls = new SsmRemoteRunner({ ssm: new SSMClient({}), sleep: instant, pollMs: 100_000 });
    const message = await failure(slowPolls.run({ ...request, timeoutSeconds: 100 }));
    // 600 s to deliver, 100 s to run, 300 s to spare: the eleventh poll is past it.
    expect(message).toBe(
      '"Run the post-deployment migrations" on i-rails1: still InProgress after 1100 s (command cmd-1); its output is in the SSM console under command cmd-1',
    );
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(11);
    expect(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input.CloudWatchOutputConfig).toBeUndefined();
  });
});
