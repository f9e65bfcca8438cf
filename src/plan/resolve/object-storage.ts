/**
 * S3: one bucket per object type, read and written by the roles that run GitLab's Rails code, and
 * the bucket their access logs (and the load balancers') go to.
 */
import { catalogRole } from '../../catalog/index.js';
import { type BucketPlan, OBJECT_STORAGE_PURPOSES, type S3Service } from '../types.js';
import { type BuildContext, RAILS_CODE_ROLES } from './context.js';

export function planObjectStorage(context: BuildContext): S3Service {
  const { spec } = context;
  const accessRoles = RAILS_CODE_ROLES.filter((role) => catalogRole(context.reference, role) !== undefined);
  const buckets: BucketPlan[] = OBJECT_STORAGE_PURPOSES.map((purpose) => ({
    purpose,
    bucketName: `${spec.objectStorage.bucketPrefix}${spec.name}-${purpose.replaceAll('_', '-')}`,
    versioned: purpose === 'backups',
    ...(purpose === 'backups' ? { expireAfterDays: spec.backups.retentionDays } : {}),
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
