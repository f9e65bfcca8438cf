/**
 * What deleting each stack does to the Plan's stateful resources, per size: every data store of
 * the Plan is listed once, and nothing holding data is deleted without a snapshot.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { planStatefulResources } from '../../src/plan/deletion.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';

describe('plan.statefulResources', () => {
  it.each(allPlans().map(({ combination, plan }) => ({ ...combination, plan })))(
    '$size $type $availabilityZones AZs',
    ({ plan }) => {
      const byDescription = (description: string) =>
        plan.statefulResources.filter((resource) => resource.description === description);
      const buckets = plan.services.flatMap((service) => (service.kind === 's3' ? service.buckets : []));
      for (const bucket of buckets)
        expect(byDescription(`S3 bucket ${bucket.bucketName}`)).toMatchObject([
          { kind: 'bucket', stack: 'data', onStackDelete: 'retain' },
        ]);
      for (const secret of plan.secrets)
        expect(byDescription(`Secrets Manager secret ${secret.name}`)).toMatchObject([
          { kind: 'secret', stack: 'data', onStackDelete: secret.retainOnDelete ? 'retain' : 'delete' },
        ]);
      const gitData = plan.nodes.filter((node) =>
        node.volumes.some((volume) => volume.purpose === 'git-data' || volume.purpose === 'gitlab-data'),
      );
      expect(
        plan.statefulResources
          .filter((resource) => resource.kind === 'volume')
          .map((resource) => resource.id),
      ).toEqual(gitData.map((node) => `volume-${node.id}`));
      for (const resource of plan.statefulResources.filter((candidate) => candidate.kind === 'volume'))
        expect(resource.onStackDelete).toBe('retain');
      for (const service of plan.services) {
        if (service.kind === 'rds') {
          expect(
            plan.statefulResources.find((resource) => resource.id === `rds-${service.id}`),
          ).toMatchObject({
            onStackDelete: 'snapshot',
          });
          expect(
            plan.statefulResources.filter((resource) =>
              resource.id.startsWith(`rds-${service.id}-read-replica-`),
            ),
          ).toHaveLength(service.readReplicas);
        }
        if (service.kind === 'elasticache')
          expect(
            plan.statefulResources.find((resource) => resource.id === `elasticache-${service.id}`),
          ).toMatchObject({ onStackDelete: 'snapshot' });
      }
      // Data is never lost by deleting a stack: nothing that holds data is simply deleted.
      expect(
        plan.statefulResources.filter(
          (resource) =>
            resource.onStackDelete === 'delete' &&
            ['rds', 'elasticache', 'bucket', 'volume'].includes(resource.kind),
        ),
      ).toEqual([]);
      expect(new Set(plan.statefulResources.map((resource) => resource.id)).size).toBe(
        plan.statefulResources.length,
      );
    },
  );

  it('lists the NGINX log group only where a group serves HTTP', () => {
    const has = (plan: ReturnType<typeof planFor>) =>
      plan.statefulResources.some((resource) => resource.id === 'log-group-nginx');
    expect(has(planFor({ architecture: { size: '3k' } }))).toBe(true);
    expect(has(planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } }))).toBe(false);
  });
});

describe('plan.statefulResources, resource by resource', () => {
  // 10k has read replicas, two ElastiCache groups, a Gitaly Cluster and a web tier.
  // Built in each test, not when the file loads, so that a mutant active during the test reaches it.
  let plan: Plan;
  let name: string;
  let objectStorage: Plan['spec']['objectStorage'];
  beforeEach(() => {
    plan = planFor({ architecture: { size: '10k' } });
    ({ name, objectStorage } = plan.spec);
  });
  const byId = (id: string) => plan.statefulResources.find((resource) => resource.id === id);

  it('lists resources stack by stack, in deploy order', () => {
    const order = ['network', 'data', 'edge', 'compute', 'ops'];
    const stacks = plan.statefulResources.map((resource) => order.indexOf(resource.stack));
    expect(stacks).toEqual([...stacks].sort((a, b) => a - b));
    expect(new Set(plan.statefulResources.map((resource) => resource.stack))).toEqual(
      new Set(['network', 'data', 'compute', 'ops']),
    );
  });

  it('keeps the flow logs, the data keys, the backup vault and its keys', () => {
    expect(byId('log-group-flow-logs')).toMatchObject({
      kind: 'log-group',
      stack: 'network',
      onStackDelete: 'retain',
    });
    const dataKeys = plan.statefulResources.filter(
      (resource) => resource.kind === 'kms-key' && resource.stack === 'data',
    );
    expect(dataKeys).toHaveLength(5);
    for (const key of dataKeys) {
      const purpose = key.id.replace(/^kms-key-/, '');
      expect(key.description).toContain(`alias/${name}/${purpose}`);
      expect(key.onStackDelete).toBe('retain');
    }
    expect(new Set(dataKeys.map((key) => key.description)).size).toBe(5);
    for (const id of ['backup-vault', 'kms-key-backup-vault', 'kms-key-alarm-topic'])
      expect(byId(id), id).toMatchObject({ stack: 'ops', onStackDelete: 'retain' });
    expect(byId('backup-vault')?.kind).toBe('backup-vault');
    expect(byId('kms-key-alarm-topic')?.kind).toBe('kms-key');
    expect(byId('kms-key-backup-vault')?.kind).toBe('kms-key');
    // destroy prints each description: every one says what the resource is, and no two say the same.
    const descriptions = plan.statefulResources.map((resource) => resource.description);
    for (const description of descriptions) expect(description.length).toBeGreaterThan(10);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });

  it('describes each data store by its id and size, and keeps read replicas', () => {
    for (const service of plan.services) {
      if (service.kind === 'rds') {
        const primary = byId(`rds-${service.id}`)!;
        expect(primary).toMatchObject({ kind: 'rds', stack: 'data' });
        for (const part of [service.id, service.instanceClass, `${service.storageGiB} GiB`])
          expect(primary.description).toContain(part);
        expect(primary.onStackDelete).toBe('snapshot');
        const replicas = service.members.filter((member) => member.role === 'read-replica');
        // GitLab's instance has read replicas at this size; Praefect's never has any.
        if (service.role === 'postgres') expect(replicas.length).toBeGreaterThan(0);
        else expect(replicas).toEqual([]);
        for (const replica of replicas)
          expect(byId(`rds-${replica.id}`)).toMatchObject({
            kind: 'rds',
            stack: 'data',
            onStackDelete: 'retain',
            description: expect.stringContaining(replica.id),
          });
        expect(
          plan.statefulResources.filter((resource) => resource.id === `rds-${service.id}-standby`),
        ).toEqual([]);
      }
      if (service.kind === 'elasticache') {
        const cache = byId(`elasticache-${service.id}`)!;
        expect(cache).toMatchObject({ kind: 'elasticache', stack: 'data' });
        for (const part of [service.id, String(service.count), service.nodeType])
          expect(cache.description).toContain(part);
      }
    }
  });

  it('describes each Git data volume by node, size, type and mount point', () => {
    for (const node of plan.nodes) {
      const volume = node.volumes.find((candidate) => candidate.purpose === 'git-data');
      if (!volume) continue;
      const resource = byId(`volume-${node.id}`)!;
      expect(resource).toMatchObject({ kind: 'volume', stack: 'data' });
      for (const part of [node.id, `${volume.sizeGiB} GiB ${volume.type}`, volume.mountPoint!])
        expect(resource.description).toContain(part);
    }
  });

  it('snapshots a volume or deletes a secret that the Plan does not retain', () => {
    const gitaly = plan.nodes.find((node) => node.volumes.some((volume) => volume.purpose === 'git-data'))!;
    const resources = planStatefulResources({
      ...plan,
      nodes: [
        {
          ...gitaly,
          volumes: gitaly.volumes.map((volume) => ({
            ...volume,
            retainOnDelete: false,
            mountPoint: undefined,
          })),
        },
      ],
      secrets: plan.secrets.map((secret) => ({ ...secret, retainOnDelete: false })),
      // The SES credential is always retained (its own test below).
      email: undefined,
    });
    const volume = resources.find((resource) => resource.kind === 'volume')!;
    expect(volume.onStackDelete).toBe('snapshot');
    // Without a mount point the device names the volume.
    expect(volume.description).toContain(
      gitaly.volumes.find((candidate) => candidate.purpose === 'git-data')!.deviceName,
    );
    const secrets = resources.filter((resource) => resource.kind === 'secret');
    expect(secrets).toHaveLength(plan.secrets.length);
    for (const secret of secrets) expect(secret.onStackDelete).toBe('delete');
  });

  it('retains the SES SMTP credential secret under its fixed name when the Plan sends e-mail', () => {
    expect(byId('secret-smtp-credentials')).toMatchObject({
      kind: 'secret',
      stack: 'data',
      onStackDelete: 'retain',
      physicalName: `${name}/smtp-credentials`,
    });
    expect(planStatefulResources({ ...plan, email: undefined }).map((resource) => resource.id)).not.toContain(
      'secret-smtp-credentials',
    );
  });

  it('keeps the access-log bucket in the network stack (edge logs to it without waiting for data), and lists it only where there is one', () => {
    expect(byId('bucket-access-logs')).toMatchObject({
      kind: 'bucket',
      stack: 'network',
      onStackDelete: 'retain',
      description: expect.stringContaining(`${objectStorage.bucketPrefix}${name}-access-logs`),
    });
    const withoutS3 = planStatefulResources({
      ...plan,
      services: plan.services.filter((service) => service.kind !== 's3'),
    });
    expect(withoutS3.filter((resource) => resource.kind === 'bucket')).toEqual([]);
  });

  it('keeps the NGINX log group with the compute stack', () => {
    expect(byId('log-group-nginx')).toMatchObject({
      kind: 'log-group',
      stack: 'compute',
      onStackDelete: 'retain',
      description: expect.stringContaining(`/gitlab-aws/${name}/nginx`),
    });
  });
});
