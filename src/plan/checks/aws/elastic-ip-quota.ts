import { nodesOf } from '../../query.js';
import { type PlanRule, when } from '../rule.js';

/**
 * Elastic IP addresses an account may hold per region by default, shared by everything in it: "EC2-VPC
 * Elastic IPs", quota code L-0263D0A3 (Amazon VPC User Guide, "Amazon VPC quotas", Elastic IP
 * addresses per Region: 5; docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html, read
 * 2026-11-29).
 */
export const DEFAULT_ELASTIC_IP_QUOTA = 5;
export const ELASTIC_IP_QUOTA_CODE = 'L-0263D0A3';

export const elasticIpQuota: PlanRule = {
  id: 'GLA-ELASTIC-IP-QUOTA',
  level: 'warning',
  category: 'aws',
  description: 'NAT gateway and bastion Elastic IPs take the whole default quota of 5 per region',
  evaluate: ({ plan, spec }) => {
    // One address per NAT gateway (one per AZ) and one per bastion.
    const nat = plan.network.natGateways;
    const bastions = nodesOf(plan, 'bastion').length;
    const used = nat + bastions;
    return when(used >= DEFAULT_ELASTIC_IP_QUOTA, {
      field: bastions > 0 ? 'access.admin' : 'availabilityZones',
      message: `This environment takes ${used} Elastic IPs in ${plan.region} (${nat} for NAT gateways, ${bastions} for bastions), and an account may hold ${DEFAULT_ELASTIC_IP_QUOTA} per region by default, shared with everything else in it: the deploy fails as soon as one more is in use. Set access.admin: ssm (no bastions)${spec.availabilityZones > 2 ? ', or availabilityZones: 2 (one NAT gateway fewer)' : ''}, or raise "EC2-VPC Elastic IPs" (quota code ${ELASTIC_IP_QUOTA_CODE}) in Service Quotas for ${plan.region} before deploying.`,
    });
  },
};
