/** Limits of AWS itself that the layout would break. */

import { bucketName } from './aws/bucket-name.js';
import { vpcTooSmall } from './aws/vpc-too-small.js';
import type { PlanRule } from './rule.js';

export const AWS_RULES: readonly PlanRule[] = [vpcTooSmall, bucketName];
