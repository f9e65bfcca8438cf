import { LARGEST_VPC_PREFIX } from '../../network.js';
import { type PlanRule, when } from '../rule.js';

export const vpcTooSmall: PlanRule = {
  id: 'GLA-VPC-TOO-SMALL',
  level: 'error',
  category: 'aws',
  description: 'The VPC range is too small for the subnet layout',
  evaluate: ({ spec }) =>
    when(Number(spec.network.vpcCidr.split('/')[1]) > LARGEST_VPC_PREFIX, {
      field: 'network.vpcCidr',
      message: `${spec.network.vpcCidr} is too small to give each AZ a private and a public subnet. Use a /${LARGEST_VPC_PREFIX} or larger range, such as 10.0.0.0/16.`,
    }),
};
