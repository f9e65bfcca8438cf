/**
 * Object storage: every object type in its own bucket of the Plan, through the consolidated
 * settings, with credentials from the pods' IAM roles (IRSA: `use_iam_profile`, no keys anywhere).
 * The registry keeps images in its bucket and the toolbox writes backups to the backups bucket.
 * The connection documents hold no secret, only the provider and region; they are Kubernetes
 * Secrets because the chart reads them from Secrets.
 * Sources: the chart's consolidated object storage (`global.appConfig.object_store`,
 * `examples/objectstorage/rails.s3.yaml`, `registry.s3.yaml`, `backup-storage` in
 * `doc/advanced/external-object-storage`), integratop/gitlab-org-charts-mirror
 * 3403350c8b8ef65a71b3676ebafafea435b54c41.
 */
import { stringify } from 'yaml';
import { CHART_OBJECT_TYPES, chartBuckets } from '../../plan/chart.js';
import { nameInAccount } from '../../plan/contracts.js';
import type { ObjectStoragePurpose, Plan } from '../../plan/types.js';
import { CHART_SECRETS } from './names.js';
import type { ChartEndpoints, Values } from './types.js';

/** The bucket of a purpose in the account; throws when the Plan has none (a plan check says so first). */
export function bucketIn(
  plan: Pick<Plan, 'services'>,
  purpose: ObjectStoragePurpose,
  accountId: string,
): string {
  const name = chartBuckets(plan)[purpose];
  if (!name) throw new Error(`the Plan has no ${purpose} bucket`);
  return nameInAccount(name, accountId);
}

export function objectStorageValues(
  plan: Pick<Plan, 'services'>,
  endpoints: Pick<ChartEndpoints, 'accountId'>,
): Values {
  const bucket = (purpose: ObjectStoragePurpose) => bucketIn(plan, purpose, endpoints.accountId);
  const types = Object.fromEntries(
    Object.entries(CHART_OBJECT_TYPES).map(([type, purpose]) => [
      type,
      {
        enabled: true,
        bucket: bucket(purpose),
        // Only diffs older than a merge request's latest version go to S3: the recent ones stay fast.
        ...(type === 'externalDiffs' ? { when: 'outdated' } : {}),
      },
    ]),
  );
  const backups = bucket('backups');
  return {
    global: {
      minio: { enabled: false },
      appConfig: {
        object_store: {
          enabled: true,
          proxy_download: true,
          connection: { secret: CHART_SECRETS.objectStorage.name, key: CHART_SECRETS.objectStorage.key },
        },
        ...types,
        // Restores stage in the same bucket: the Plan has no bucket of its own for them.
        backups: { bucket: backups, tmpBucket: backups },
      },
      registry: { bucket: bucket('registry') },
    },
    registry: {
      enabled: true,
      storage: { secret: CHART_SECRETS.registryStorage.name, key: CHART_SECRETS.registryStorage.key },
    },
    gitlab: {
      toolbox: {
        backups: {
          objectStorage: {
            backend: 's3',
            config: { secret: CHART_SECRETS.backupStorage.name, key: CHART_SECRETS.backupStorage.key },
          },
        },
      },
    },
  };
}

/** Contents of the connection documents, by Secret name: the provider and region, never a key. */
export function objectStorageConnections(
  plan: Pick<Plan, 'services' | 'region'>,
  endpoints: Pick<ChartEndpoints, 'accountId'>,
): Record<string, Record<string, string>> {
  return {
    [CHART_SECRETS.objectStorage.name]: {
      [CHART_SECRETS.objectStorage.key]: stringify({
        provider: 'AWS',
        region: plan.region,
        use_iam_profile: true,
      }),
    },
    [CHART_SECRETS.registryStorage.name]: {
      [CHART_SECRETS.registryStorage.key]: stringify({
        s3: { bucket: bucketIn(plan, 'registry', endpoints.accountId), region: plan.region, v4auth: true },
      }),
    },
    // s3cmd's configuration: the region only; s3cmd takes the pod's IAM role like the SDKs.
    [CHART_SECRETS.backupStorage.name]: {
      [CHART_SECRETS.backupStorage.key]: `[default]\nbucket_location = ${plan.region}\n`,
    },
  };
}
