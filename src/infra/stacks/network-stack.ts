/** The network stack: VPC, private DNS zone and the security groups every other stack references. */
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { serviceOf } from '../../plan/query.js';
import type { S3Service } from '../../plan/types.js';
import { AccessLogBucket } from '../data/object-storage.js';
import { GitLabNetwork } from '../network.js';
import { removalPolicies } from '../removal-policy.js';
import { SecurityGroups, securityGroupsPropsOf } from '../security.js';
import type { GitLabStackProps } from './gitlab-stack.js';

/** The network stack needs nothing from the others. */
export type NetworkStackProps = GitLabStackProps;

export class NetworkStack extends Stack {
  /** VPC, subnets and private zone. */
  readonly network: GitLabNetwork;
  /** One security group per tier. */
  readonly securityGroups: SecurityGroups;
  /**
   * S3 server and load balancer access logs. Here rather than with the data: the edge stack's load
   * balancer logs to it, and edge must not wait for the data stack's databases to be created.
   */
  readonly accessLogs: AccessLogBucket;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { plan } = props;
    this.network = new GitLabNetwork(this, 'Network', {
      network: plan.network,
      availabilityZones: plan.availabilityZones,
      privateDnsZone: plan.privateDnsZone,
      removalPolicyOf: removalPolicies(plan.statefulResources),
    });
    this.accessLogs = new AccessLogBucket(this, 'ObjectStorage', {
      service: serviceOf<S3Service>(plan, 's3'),
      removalPolicyOf: removalPolicies(plan.statefulResources),
    });
    this.securityGroups = new SecurityGroups(
      this,
      'SecurityGroups',
      securityGroupsPropsOf(plan, this.network.vpc),
    );
  }
}
