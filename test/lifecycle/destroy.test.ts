import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  confirmEnvironmentName,
  destroyEnvironment,
  planDestroy,
  renderDestroyPlan,
} from '../../src/lifecycle/destroy.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import { allPlans, planFor } from '../fixtures/plans.js';
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

  it('deletes every stack with --include-data, snapshots first, and lists what the stacks retain', () => {
    const destroy = planDestroy(plan, { includeData: true });
    expect(destroy.deletedStacks).toEqual(['network', 'data', 'edge', 'compute', 'ops']);
    expect(destroy.keptStacks).toEqual([]);
    expect(destroy.deleted.find((line) => line.startsWith('RDS PostgreSQL'))).toContain('final snapshot');
    // Buckets and Gitaly volumes are retained by their stack: never promised as emptied or snapshotted.
    expect(destroy.deleted.join('\n')).not.toMatch(/S3 bucket|Gitaly volume|every object/);
    const buckets = plan.services.flatMap((service) => (service.kind === 's3' ? service.buckets : []));
    for (const bucket of buckets)
      expect(destroy.kept).toContain(`S3 bucket ${bucket.bucketName} (retained when ${env}-data is deleted)`);
    const rendered = renderDestroyPlan(plan, destroy);
    expect(rendered).toContain('Will keep (retained when their stacks are deleted; still billed):');
  });

  it('names the retained secrets and buckets a redeploy would create again after --include-data, with the command that frees each', () => {
    expect(planDestroy(plan, { includeData: false }).blockRedeploy).toEqual([]);
    const destroy = planDestroy(plan, { includeData: true });
    const rendered = renderDestroyPlan(plan, destroy);
    const buckets = plan.services.flatMap((service) => (service.kind === 's3' ? service.buckets : []));
    expect(buckets.length).toBeGreaterThan(0);
    for (const secret of plan.secrets) {
      expect(rendered).toContain(
        `  aws secretsmanager delete-secret --region ${plan.region} --secret-id ${secret.name} --force-delete-without-recovery`,
      );
    }
    // Run as printed, with an `aws` that answers STS with an account and echoes the bucket it is given.
    const deleteLines = rendered.filter((line) => line.startsWith('  aws s3api delete-bucket '));
    const fakeAws = `aws() { if [ "$1" = sts ]; then echo 111111111111; else printf '%s\\n' "$*"; fi; }`;
    const ran = spawnSync('bash', ['-c', [fakeAws, ...deleteLines].join('\n')], { encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout.trim().split('\n').sort()).toEqual(
      [
        ...buckets.map((bucket) => bucket.bucketName),
        ...plan.services.flatMap((service) => (service.kind === 's3' ? [service.accessLogBucketName] : [])),
      ]
        .map(
          (name) =>
            `s3api delete-bucket --region ${plan.region} --bucket ${nameInAccount(name, '111111111111')}`,
        )
        .sort(),
    );
    expect(renderDestroyPlan(plan, planDestroy(plan, { includeData: false })).join('\n')).not.toContain(
      'delete-secret',
    );
  });

  it.each(
    allPlans().flatMap(({ combination, plan }) =>
      [false, true].map((includeData) => ({ ...combination, includeData, plan })),
    ),
  )(
    'previews every stateful resource as the Plan says: $size $type $availabilityZones AZs, include data $includeData',
    ({ plan, includeData }) => {
      const destroy = planDestroy(plan, { includeData });
      const name = plan.spec.name;
      // The stacks the default destroy keeps are updated in place by a redeploy: nothing to free.
      if (!includeData) expect(destroy.blockRedeploy).toEqual([]);
      for (const resource of plan.statefulResources) {
        const deleted = destroy.deleted.filter((line) => line.startsWith(resource.description));
        const kept = destroy.kept.filter((line) => line.startsWith(resource.description));
        const stackGoes = destroy.deletedStacks.includes(resource.stack);
        const readReplica = resource.kind === 'rds' && resource.onStackDelete === 'retain';
        if (stackGoes && readReplica) {
          // Retained by its stack, it would keep the data stack's subnet group in use: destroy deletes it first.
          expect(deleted, resource.id).toEqual([]);
          expect(kept, resource.id).toEqual([]);
          expect(destroy.beforeStacks.filter((line) => line.startsWith(resource.description))).toEqual([
            `${resource.description} deleted (a copy of the primary; it would keep ${name}-data from being deleted)`,
          ]);
        } else if (!stackGoes || resource.onStackDelete === 'retain') {
          expect(deleted, resource.id).toEqual([]);
          expect(kept, resource.id).toEqual([
            stackGoes
              ? `${resource.description} (retained when ${name}-${resource.stack} is deleted)`
              : resource.description,
          ]);
        } else {
          expect(kept, resource.id).toEqual([]);
          expect(deleted, resource.id).toEqual([
            resource.onStackDelete === 'snapshot'
              ? `${resource.description}: a final snapshot is taken first`
              : resource.description,
          ]);
        }
      }
    },
  );
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
      // Ops names nothing of compute's: the two go together.
      { stackNames: [`${env}-compute`, `${env}-ops`], concurrency: 2 },
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
      [`${env}-compute`, `${env}-ops`],
      // Edge references nothing of data's, so the two go together.
      [`${env}-data`, `${env}-edge`],
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
