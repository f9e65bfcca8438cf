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
import { type BucketPlan, OBJECT_STORAGE_PURPOSES, type S3Service } from '../types.js';
import { type BuildContext, RAILS_CODE_ROLES } from './context.js';

/**
 * How long an overwritten or deleted object stays recoverable: a month covers a mistake noticed at
 * the next monthly review, while bounding what the old bytes of busy buckets (artifacts, registry)
 * cost.
 */
export const NONCURRENT_VERSION_DAYS = 30;

export function planObjectStorage(context: BuildContext): S3Service {
  const { spec } = context;
  const accessRoles = RAILS_CODE_ROLES.filter((role) => catalogRole(context.reference, role) !== undefined);
  const buckets: BucketPlan[] = OBJECT_STORAGE_PURPOSES.map((purpose) => ({
    purpose,
    bucketName: `${spec.objectStorage.bucketPrefix}${spec.name}-${purpose.replaceAll('_', '-')}`,
    versioned: true,
    ...(purpose === 'backups' ? { expireAfterDays: spec.backups.retentionDays } : {}),
    noncurrentVersionsExpireAfterDays:
      purpose === 'backups' ? spec.backups.retentionDays : NONCURRENT_VERSION_DAYS,
    accessRoles,
  }));
  return {
    kind: 's3',
    id: 'object-storage',
    role: 'object-storage',
    buckets,
    accessLogBucketName: `${spec.objectStorage.bucketPrefix}${spec.name}-access-logs`,
  };
}
