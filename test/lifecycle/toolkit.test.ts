import { type IoRequest, Toolkit, ToolkitError } from '@aws-cdk/toolkit-lib';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { StackProgressRenderer } from '../../src/lifecycle/progress.js';
import { styleFor } from '../../src/lifecycle/style.js';
import { ToolkitLibCdkToolkit } from '../../src/lifecycle/toolkit.js';
import { LifecycleIoHost } from '../../src/lifecycle/toolkit-io-host.js';

// Synthesis only: toolkit-lib builds the assembly locally; nothing here reaches AWS.
describe('ToolkitLibCdkToolkit', async () => {
  const errors: string[] = [];
  const toolkit = new Toolkit({
    ioHost: new LifecycleIoHost({
      progress: new StackProgressRenderer({ write: () => {}, live: false, style: styleFor(false) }),
      err: (text) => errors.push(text),
    }),
  });
  const source = await toolkit.fromAssemblyBuilder(async (props) => {
    const app = new App({ outdir: props.outdir, context: props.context });
    const env = { account: '123456789012', region: 'us-west-2' };
    const data = new Stack(app, 'AssemblyData', { stackName: 't-data', env });
    const bucket = new Bucket(data, 'Artifacts');
    const compute = new Stack(app, 'AssemblyCompute', { stackName: 't-compute', env });
    new CfnOutput(compute, 'BucketName', { value: bucket.bucketName });
    return app.synth();
  });
  const cdk = new ToolkitLibCdkToolkit({ toolkit, source });

  it('lists stacks by CloudFormation name with the dependencies cross-stack references create', async () => {
    const stacks = await cdk.listStacks();
    expect(stacks).toEqual([
      { id: 'AssemblyData', name: 't-data', dependsOn: [] },
      { id: 'AssemblyCompute', name: 't-compute', dependsOn: ['t-data'] },
    ]);
  });

  it('refuses to select a stack the app does not have before asking AWS anything', async () => {
    await expect(cdk.deploy({ stackNames: ['t-edge'], concurrency: 1, changeSetName: 'c' })).rejects.toThrow(
      'stack t-edge is not in the synthesized app',
    );
    await expect(cdk.destroy({ stackNames: ['t-edge'], concurrency: 1 })).rejects.toThrow(/t-edge/);
  });
});

/**
 * The toolkit's questions, asked the way toolkit-lib 's deploy asks them: a CDK_TOOLKIT_I5050
 * request when a stack is paused in a failed state (UPDATE_ROLLBACK_FAILED), whose refusal it
 * wraps as the cause of "<stack> failed: ...".
 */
describe('the toolkit asking questions', () => {
  const rollbackQuestion = {
    time: new Date(),
    level: 'info' as const,
    action: 'deploy' as const,
    code: 'CDK_TOOLKIT_I5050' as IoRequest<unknown, boolean>['code'],
    message:
      'Stack is in a paused fail state (UPDATE_ROLLBACK_FAILED) and command line arguments do not include "--no-rollback". Perform a deployment with rollback enabled',
    data: { motivation: 'paused', concurrency: 1 },
    defaultResponse: true,
  };
  const host = (props: Partial<ConstructorParameters<typeof LifecycleIoHost>[0]> = {}) => {
    const printed: string[] = [];
    const ioHost = new LifecycleIoHost({
      progress: new StackProgressRenderer({ write: () => {}, live: false, style: styleFor(false) }),
      err: (text) => printed.push(text),
      ...props,
    });
    return { ioHost, printed };
  };
  /** A Toolkit whose deploy asks `question` of the host, as toolkit-lib does for a paused stack. */
  const askingToolkit = (ioHost: LifecycleIoHost, question: typeof rollbackQuestion) =>
    ({
      list: async () => [{ id: 'AssemblyData', name: 't-data', dependencies: [] }],
      deploy: async () => {
        try {
          if (!(await ioHost.requestResponse(question))) throw new Error('Rollback cancelled');
          return { stacks: [{ stackName: 't-data', outputs: {} }] };
        } catch (error) {
          throw ToolkitError.withCause(
            'DeployStackFailed',
            `t-data failed: ${(error as Error).message}`,
            error,
          );
        }
      },
    }) as unknown as Toolkit;
  const deployData = (toolkit: Toolkit) =>
    new ToolkitLibCdkToolkit({ toolkit, source: {} as never }).deploy({
      stackNames: ['t-data'],
      concurrency: 1,
      changeSetName: 'c',
    });

  it('refuses a rollback without a terminal, naming the stack and the command that continues it', async () => {
    const { ioHost } = host();
    const attempt = deployData(askingToolkit(ioHost, rollbackQuestion));
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toMatch(
      /^deploy stopped: the CDK toolkit asks "Stack is in a paused fail state \(UPDATE_ROLLBACK_FAILED\)/,
    );
    expect(message).toContain('about t-data, and there is no terminal to answer at and --yes was not given');
    expect(message).toContain('aws cloudformation continue-update-rollback --stack-name t-data');
  });

  it('asks at a terminal, and a no stops the deploy', async () => {
    const asked: string[] = [];
    const yes = host({
      prompt: async (question) => {
        asked.push(question);
        return 'y';
      },
    });
    expect(await deployData(askingToolkit(yes.ioHost, rollbackQuestion))).toEqual([
      { stackName: 't-data', outputs: {} },
    ]);
    expect(asked[0]).toMatch(/Perform a deployment with rollback enabled \[y\/N\] $/);
    const no = host({ prompt: async () => '' });
    await expect(deployData(askingToolkit(no.ioHost, rollbackQuestion))).rejects.toThrow(
      /about t-data, and you answered no, so nothing was changed/,
    );
  });

  it('answers yes with --yes, saying so', async () => {
    const { ioHost, printed } = host({ assumeYes: true });
    expect(await deployData(askingToolkit(ioHost, rollbackQuestion))).toHaveLength(1);
    expect(printed.join('')).toContain('rollback enabled\nyes (--yes)\n');
  });

  it('takes the default answer to the questions the CLI has already asked in its own terms', async () => {
    const { ioHost } = host();
    for (const code of ['CDK_TOOLKIT_I5060', 'CDK_TOOLKIT_I7010'] as const) {
      expect(await ioHost.requestResponse({ ...rollbackQuestion, code, message: 'Deploy?' })).toBe(true);
    }
    await expect(
      ioHost.requestResponse({ ...rollbackQuestion, code: 'CDK_TOOLKIT_I8810' as const }),
    ).rejects.toThrow('(CDK_TOOLKIT_I8810), and there is no terminal');
  });

  it('hands an open question to the terminal and returns the answer typed', async () => {
    const { ioHost } = host({ prompt: async () => ' 123456 ' });
    const mfa = {
      ...rollbackQuestion,
      code: 'CDK_SDK_I1100' as const,
      message: 'MFA token',
      defaultResponse: '',
    };
    expect(await ioHost.requestResponse(mfa)).toBe('123456');
    expect(await host({ assumeYes: true, prompt: async () => '42' }).ioHost.requestResponse(mfa)).toBe('42');
  });

  it('lets other failures through unchanged', async () => {
    const failing = {
      list: async () => [{ id: 'AssemblyData', name: 't-data', dependencies: [] }],
      deploy: async () => {
        throw new Error('t-data failed: UPDATE_ROLLBACK_COMPLETE');
      },
    } as unknown as Toolkit;
    await expect(deployData(failing)).rejects.toThrow('t-data failed: UPDATE_ROLLBACK_COMPLETE');
  });
});
