import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

/** S3's longest bucket name. */
const MAX_BUCKET_NAME_LENGTH = 63;

export const bucketName: PlanRule = {
  id: 'GLA-BUCKET-NAME',
  level: 'error',
  category: 'aws',
  description: 'S3 bucket names must be at most 63 characters',
  evaluate: ({ plan }) =>
    servicesOf(plan, 's3')
      .flatMap((service) => service.buckets)
      .filter((bucket) => bucket.bucketName.length > MAX_BUCKET_NAME_LENGTH)
      .map((bucket) => ({
        field: 'objectStorage.bucketPrefix',
        message: `Bucket name ${bucket.bucketName} is longer than S3's 63 characters; shorten name or objectStorage.bucketPrefix.`,
      })),
};
