import { ACCOUNT_ID_LENGTH, nameInAccount } from '../../contracts.js';
import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

/** S3's longest bucket name. */
const MAX_BUCKET_NAME_LENGTH = 63;

/** Any account id: every one has the same length, which is all the rule needs. */
const SOME_ACCOUNT_ID = '0'.repeat(ACCOUNT_ID_LENGTH);

export const bucketName: PlanRule = {
  id: 'GLA-BUCKET-NAME',
  level: 'error',
  category: 'aws',
  description: 'S3 bucket names must be at most 63 characters',
  evaluate: ({ plan }) =>
    servicesOf(plan, 's3')
      .flatMap((service) => [
        ...service.buckets.map((bucket) => bucket.bucketName),
        service.accessLogBucketName,
      ])
      .filter((pattern) => nameInAccount(pattern, SOME_ACCOUNT_ID).length > MAX_BUCKET_NAME_LENGTH)
      .map((pattern) => ({
        field: 'objectStorage.bucketPrefix',
        message: `Bucket name ${pattern} is ${nameInAccount(pattern, SOME_ACCOUNT_ID).length} characters with its ${ACCOUNT_ID_LENGTH}-digit account id, longer than S3's ${MAX_BUCKET_NAME_LENGTH}; shorten name or objectStorage.bucketPrefix.`,
      })),
};
