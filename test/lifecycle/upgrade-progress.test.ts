/** Where an upgrade records how far it got, in SSM Parameter Store as SSM answers. */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  SsmUpgradeProgressStore,
  stepsDigest,
  upgradeProgressParameterName,
} from '../../src/lifecycle/upgrade-progress.js';

describe('the progress record in SSM', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());
  const store = () => new SsmUpgradeProgressStore({ ssm: new SSMClient({}), environment: 'gl-prod' });
  const notFound = Object.assign(new Error('not found'), { name: 'ParameterNotFound' });

  it('saves, reads back and removes one parameter per environment', async () => {
    const record = { from: '19.3.0', to: '19.4.1', steps: 'abc', completed: 4 };
    ssm.on(PutParameterCommand).resolves({});
    await store().save(record);
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/gl-prod/upgrade-progress',
      Value: JSON.stringify(record),
      Type: 'String',
      Overwrite: true,
    });
    ssm.on(GetParameterCommand, { Name: '/gl-prod/upgrade-progress' }).resolves({
      Parameter: { Value: JSON.stringify(record) },
    });
    expect(await store().load()).toEqual(record);
    ssm.on(DeleteParameterCommand).rejects(notFound);
    await expect(store().clear()).resolves.toBeUndefined();
    expect(ssm.commandCalls(DeleteParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/gl-prod/upgrade-progress',
    });
  });

  it('has nothing when no upgrade stopped part-way, and passes other errors on', async () => {
    ssm.on(GetParameterCommand).rejects(notFound);
    expect(await store().load()).toBeUndefined();
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(store().load()).rejects.toThrow('denied');
    ssm
      .on(DeleteParameterCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(store().clear()).rejects.toThrow('throttled');
  });

  it('has nothing when the parameter holds no value', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/gl-prod/upgrade-progress' } });
    expect(await store().load()).toBeUndefined();
    ssm.on(GetParameterCommand).resolves({});
    expect(await store().load()).toBeUndefined();
  });

  it('removes the record of a finished upgrade', async () => {
    ssm.on(DeleteParameterCommand).resolves({});
    await store().clear();
    expect(ssm.commandCalls(DeleteParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: upgradeProgressParameterName('gl-prod') },
    ]);
  });
});

describe('the digest a re-run compares its steps by', () => {
  it('is the same for the same steps, and differs when a step is added, renamed, moved or split', () => {
    const steps = [
      'Upgrade Gitaly on gitaly-1',
      'Upgrade Gitaly on gitaly-2',
      'Run the post-deployment migrations',
    ];
    const digest = stepsDigest(steps);
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(stepsDigest([...steps])).toBe(digest);
    for (const other of [
      [...steps, 'Upgrade the package on monitoring-1'],
      [steps[0]!, steps[1]!, 'Run the post-deployment migrations on rails-1'],
      [steps[1]!, steps[0]!, steps[2]!],
    ]) {
      expect(stepsDigest(other)).not.toBe(digest);
    }
    // Two titles are not one title with the same letters.
    expect(stepsDigest(['Upgrade Gitaly', 'on gitaly-1'])).not.toBe(
      stepsDigest(['Upgrade Gitalyon gitaly-1']),
    );
  });
});
