import { Toolkit } from '@aws-cdk/toolkit-lib';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
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
