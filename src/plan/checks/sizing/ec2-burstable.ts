import { isBurstableInstanceType } from '../../../catalog/instance-types.js';
import type { PlanRule } from '../rule.js';

export const ec2Burstable: PlanRule = {
  id: 'GLA-EC2-BURSTABLE',
  level: 'error',
  category: 'sizing',
  description: 'Burstable instance types throttle GitLab components',
  guidance: 'ec2-burstable-instances',
  evaluate: ({ plan }) => {
    const roles = new Set(
      plan.nodes
        .filter((node) => node.role !== 'bastion' && isBurstableInstanceType(node.instanceType))
        .map((node) => `${node.role} (${node.instanceType})`),
    );
    return [...roles].map((what) => ({
      message: `${what} is a burstable type: GitLab components run out of CPU credits. Use the reference architecture's type or another non-burstable one.`,
    }));
  },
};
