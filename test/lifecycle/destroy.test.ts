import { describe, expect, it } from 'vitest';
import {
  confirmEnvironmentName,
  destroyEnvironment,
  planDestroy,
  renderDestroyPlan,
} from '../../src/lifecycle/destroy.js';
import { planFor } from '../fixtures/plans.js';
import { environmentStacks, RecordingToolkit } from './recording-toolkit.js';

const plan = planFor();
const env = plan.spec.name;

describe('planDestroy', () => {
  it('keeps data and network by default and lists every kept resource of the plan', () => {
    const destroy = planDestroy(plan, { includeData: false });
    expect(destroy.deletedStacks).toEqual(['edge', 'compute', 'ops']);
    expect(destroy.keptStacks).toEqual(['network', 'data']);
    const buckets = plan.services.flatMap((service) => (service.kind === 's3' ? service.buckets : []));
    for (const bucket of buckets) expect(destroy.kept).toContain(`S3 bucket ${bucket.bucketName}`);
    for (const secret of plan.secrets)
      expect(destroy.kept).toContain(`Secrets Manager secret ${secret.name}`);
    expect(destroy.kept.filter((line) => line.startsWith('Gitaly volume of'))).toHaveLength(
      plan.nodes.filter((node) => node.volumes.some((volume) => volume.purpose === 'git-data')).length,
    );
    expect(destroy.deleted.join('\n')).not.toMatch(/S3 bucket|Secrets Manager|RDS/);
    expect(destroy.deleted.find((line) => line.startsWith(`${env}-compute`))).toContain('gitaly-1');
  });

  it('deletes everything with --include-data, snapshots first', () => {
    const destroy = planDestroy(plan, { includeData: true });
    expect(destroy.deletedStacks).toEqual(['network', 'data', 'edge', 'compute', 'ops']);
    expect(destroy.kept).toEqual([]);
    expect(destroy.deleted.find((line) => line.startsWith('RDS PostgreSQL'))).toContain('final snapshot');
    const rendered = renderDestroyPlan(plan, destroy);
    expect(rendered.some((line) => line.startsWith('Kept'))).toBe(false);
  });
});

describe('destroyEnvironment', () => {
  it('deletes dependents first and never touches kept stacks', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env));
    await destroyEnvironment({
      plan,
      toolkit,
      destroy: planDestroy(plan, { includeData: false }),
      log: () => {},
    });
    expect(toolkit.requests('destroy').map((call) => call.request)).toEqual([
      { stackNames: [`${env}-ops`], concurrency: 1 },
      { stackNames: [`${env}-compute`], concurrency: 1 },
      { stackNames: [`${env}-edge`], concurrency: 1 },
    ]);
  });

  it('deletes data and network last with --include-data', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env));
    await destroyEnvironment({
      plan,
      toolkit,
      destroy: planDestroy(plan, { includeData: true }),
      log: () => {},
    });
    expect(toolkit.requests('destroy').map((call) => call.request.stackNames)).toEqual([
      [`${env}-ops`],
      [`${env}-compute`],
      [`${env}-edge`],
      [`${env}-data`],
      [`${env}-network`],
    ]);
  });
});

describe('confirmEnvironmentName', () => {
  const what = 'delete its data';

  it('accepts the name typed at the prompt or given with --confirm', async () => {
    await expect(
      confirmEnvironmentName({ environment: env, prompt: async () => `${env}\n`, what }),
    ).resolves.toBe(undefined);
    await expect(confirmEnvironmentName({ environment: env, confirm: env, what })).resolves.toBe(undefined);
  });

  it('refuses a different name', async () => {
    await expect(
      confirmEnvironmentName({ environment: env, prompt: async () => 'prod', what }),
    ).rejects.toThrow(/"prod" is not the environment name/);
  });

  it('refuses without a terminal and without --confirm', async () => {
    await expect(confirmEnvironmentName({ environment: env, what })).rejects.toThrow(`--confirm ${env}`);
  });
});
