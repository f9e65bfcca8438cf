import { describe, expect, it } from 'vitest';
import { StackProgressRenderer } from '../../src/lifecycle/progress.js';
import { styleFor } from '../../src/lifecycle/style.js';
import { LifecycleIoHost } from '../../src/lifecycle/toolkit-io-host.js';
import { monitoringMessages, recordedEvents } from './stack-events.js';

function render(live: boolean, colour = false) {
  let output = '';
  const errors: string[] = [];
  const renderer = new StackProgressRenderer({
    write: (text) => (output += text),
    live,
    style: styleFor(colour),
  });
  const host = new LifecycleIoHost({ progress: renderer, err: (text) => errors.push(text) });
  return { host, output: () => output, errors };
}

async function play(host: LifecycleIoHost, stackName: string, fixture: string, total?: number) {
  for (const message of monitoringMessages(stackName, recordedEvents(fixture), total))
    await host.notify(message);
}

describe('plain progress (CI, pipes)', () => {
  it('prints one line per CloudFormation event with resources done/total', async () => {
    const { host, output } = render(false);
    await play(host, 'gl-prod-network', 'network-create', 5);
    const lines = output().trimEnd().split('\n');
    expect(lines[0]).toBe('gl-prod-network: started (5 resources)');
    expect(lines).toContain('gl-prod-network [1/5] CREATE_COMPLETE AWS::EC2::VPC Vpc');
    expect(lines).toContain('gl-prod-network [5/5] CREATE_COMPLETE AWS::EC2::NatGateway NatGatewayA');
    expect(lines.at(-1)).toBe('gl-prod-network: CREATE_COMPLETE');
    expect(output()).not.toContain('\x1b[');
  });

  it('shows the failure reason and the rollback', async () => {
    const { host, output } = render(false);
    await play(host, 'gl-prod-compute', 'compute-update-rollback', 2);
    const lines = output().trimEnd().split('\n');
    const failure = lines.find((line) => line.includes('UPDATE_FAILED'))!;
    expect(failure).toContain(
      'AWS::AutoScaling::AutoScalingGroup RailsGroup (Received 0 SUCCESS signal(s) out of 3.',
    );
    // the failed group no longer counts as done until the rollback completes it again
    expect(failure).toMatch(/^gl-prod-compute \[1\/2\]/);
    expect(lines.at(-1)).toBe('gl-prod-compute: UPDATE_ROLLBACK_COMPLETE');
  });

  it('counts resources without a known total', async () => {
    const { host, output } = render(false);
    await play(host, 'gl-prod-network', 'network-create');
    expect(output()).toContain('gl-prod-network [5/?] CREATE_COMPLETE AWS::EC2::NatGateway NatGatewayA');
  });
});

describe('live progress (terminal)', () => {
  it('redraws one line per stack in place and keeps failures above the block', async () => {
    const { host, output } = render(true, true);
    await play(host, 'gl-prod-network', 'network-create', 5);
    await play(host, 'gl-prod-compute', 'compute-update-rollback', 2);
    const text = output();
    expect(text).toContain('\x1b[1A\x1b[0J'); // cursor up over the one-line block
    expect(text).toContain('\x1b[2A\x1b[0J'); // two stacks on screen
    expect(text).toContain(
      '\x1b[31mgl-prod-compute: UPDATE_FAILED AWS::AutoScaling::AutoScalingGroup RailsGroup',
    );
    const finalBlock = text.slice(text.lastIndexOf('\x1b[0J') + 4).split('\n');
    expect(finalBlock[0]).toBe(
      '\x1b[32mgl-prod-network [####################] [5/5] CREATE_COMPLETE\x1b[39m',
    );
    expect(finalBlock[1]).toBe(
      '\x1b[31mgl-prod-compute [####################] [2/2] UPDATE_ROLLBACK_COMPLETE\x1b[39m',
    );
  });

  it('shows the current resource while a stack is in progress', async () => {
    const { host, output } = render(true);
    const messages = monitoringMessages('gl-prod-network', recordedEvents('network-create'), 5);
    for (const message of messages.slice(0, 6)) await host.notify(message); // up to the subnets starting
    const lastBlock = output().slice(output().lastIndexOf('\x1b[0J') + 4);
    expect(lastBlock).toBe(
      'gl-prod-network [####................] [1/5] CREATE_IN_PROGRESS AWS::EC2::Subnet PrivateSubnetA\n',
    );
  });
});

describe('LifecycleIoHost', () => {
  it('prints toolkit errors and warnings but not its chatter, and takes default answers', async () => {
    const { host, errors } = render(false);
    const base = { time: new Date(0), action: 'deploy' as const, data: undefined };
    await host.notify({ ...base, level: 'error', message: 'Stack gl-prod-data failed' });
    await host.notify({ ...base, level: 'info', message: 'Synthesis time: 2.1s' });
    expect(errors).toEqual(['Stack gl-prod-data failed\n']);
    const answer = await host.requestResponse({
      ...base,
      level: 'info',
      code: 'CDK_TOOLKIT_I7010',
      message: 'Are you sure?',
      defaultResponse: true,
    });
    expect(answer).toBe(true);
  });
});
