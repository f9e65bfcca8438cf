/** The network stack: VPC, private DNS zone and the security groups every other stack references. */
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
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

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { plan } = props;
    this.network = new GitLabNetwork(this, 'Network', {
      network: plan.network,
      availabilityZones: plan.availabilityZones,
      privateDnsZone: plan.privateDnsZone,
      removalPolicyOf: removalPolicies(plan.statefulResources),
    });
    this.securityGroups = new SecurityGroups(
      this,
      'SecurityGroups',
      securityGroupsPropsOf(plan, this.network.vpc),
    );
  }
}
