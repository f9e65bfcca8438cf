/**
 * What deleting each stack does to the Plan's stateful resources, per size: every data store of
 * the Plan is listed once, and nothing holding data is deleted without a snapshot.
 */
import { describe, expect, it } from 'vitest';
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
        node.volumes.some((volume) => volume.purpose === 'git-data'),
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
