/**
 * S3: one bucket per object type, read and written by the roles that run GitLab's Rails code, and
 * the bucket their access logs (and the load balancers') go to.
 *
 * Object storage is backed up by S3 versioning rather than AWS Backup: `gitlab-backup` skips object
 * storage (GitLab's backup documentation leaves it to the provider), and versioning keeps every
 * overwritten or deleted object recoverable for a while at the price of its bytes only, with no
 * second copy or restore job. Noncurrent versions expire after NONCURRENT_VERSION_DAYS (the backups
 * bucket keeps them as long as the backups themselves).
 */
import { catalogRole } from '../../catalog/index.js';
import type { RoleId } from '../../catalog/types.js';
import type { Spec } from '../../spec/index.js';
import { ACCOUNT_ID_PLACEHOLDER } from '../contracts.js';
import { type BucketPlan, OBJECT_STORAGE_PURPOSES, type S3Service } from '../types.js';
import { hasBackupNode } from './backup-node.js';
import { type BuildContext, RAILS_CODE_ROLES } from './context.js';
import { hasGitalyServers } from './gitaly.js';

/**
 * How long an overwritten or deleted object stays recoverable: a month covers a mistake noticed at
 * the next monthly review, while bounding what the old bytes of busy buckets (artifacts, registry)
 * cost.
 */
export const NONCURRENT_VERSION_DAYS = 30;

/**
 * A bucket's name: the spec's prefix and name, what the bucket holds, then the account and region it
 * lives in. Bucket names are global, so a name without the account is one anybody could create first
 * (and another deployer of an environment called `gitlab` would); with it, only the account itself
 * can. The same pattern as AWS CDK's bootstrap bucket (`cdk-<qualifier>-assets-<account>-<region>`).
 */
export function bucketNamePattern(
  spec: Pick<Spec, 'name' | 'region' | 'objectStorage'>,
  holds: string,
): string {
  return `${spec.objectStorage.bucketPrefix}${spec.name}-${holds}-${ACCOUNT_ID_PLACEHOLDER}-${spec.region}`;
}

/** Roles besides the Rails code's that write the backups bucket. */
function backupsWriters(context: BuildContext): RoleId[] {
  return [
    ...(hasGitalyServers(context) ? (['gitaly'] as const) : []),
    ...(hasBackupNode(context) ? (['backup'] as const) : []),
  ];
}

export function planObjectStorage(context: BuildContext): S3Service {
  const { spec } = context;
  const accessRoles = RAILS_CODE_ROLES.filter((role) => catalogRole(context.reference, role) !== undefined);
  const buckets: BucketPlan[] = OBJECT_STORAGE_PURPOSES.map((purpose) => ({
    purpose,
    bucketName: bucketNamePattern(spec, purpose.replaceAll('_', '-')),
    versioned: true,
    ...(purpose === 'backups' ? { expireAfterDays: spec.backups.retentionDays } : {}),
    noncurrentVersionsExpireAfterDays:
      purpose === 'backups' ? spec.backups.retentionDays : NONCURRENT_VERSION_DAYS,
    // Gitaly servers write their repositories' server-side backups to the backups bucket, and the
    // backup node its archives, which is the one bucket it uses (see src/plan/scheduled-backup.ts).
    accessRoles: purpose === 'backups' ? [...accessRoles, ...backupsWriters(context)] : accessRoles,
  }));
  return {
    kind: 's3',
    id: 'object-storage',
    role: 'object-storage',
    buckets,
    accessLogBucketName: bucketNamePattern(spec, 'access-logs'),
  };
}
