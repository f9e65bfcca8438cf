/** Limits of AWS itself that the layout would break, and AWS behaviour it would run into. */

import { bucketName } from './aws/bucket-name.js';
import { ebsGp3Throughput } from './aws/ebs-gp3-throughput.js';
import { ebsIopsRatio } from './aws/ebs-iops-ratio.js';
import { eksExtendedSupport } from './aws/eks-extended-support.js';
import { eksUnsupported } from './aws/eks-unsupported.js';
import { elasticIpQuota } from './aws/elastic-ip-quota.js';
import { rdsGp3Iops } from './aws/rds-gp3-iops.js';
import { rdsIopsRatio } from './aws/rds-iops-ratio.js';
import { runnerSpotInterruptions } from './aws/runner-spot-interruptions.js';
import { vpcTooSmall } from './aws/vpc-too-small.js';
import type { PlanRule } from './rule.js';

export const AWS_RULES: readonly PlanRule[] = [
  vpcTooSmall,
  elasticIpQuota,
  bucketName,
  rdsGp3Iops,
  rdsIopsRatio,
  ebsGp3Throughput,
  ebsIopsRatio,
  eksUnsupported,
  eksExtendedSupport,
  runnerSpotInterruptions,
];
