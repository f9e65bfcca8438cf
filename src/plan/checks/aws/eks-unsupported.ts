import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const eksUnsupported: PlanRule = {
  id: 'GLA-EKS-UNSUPPORTED',
  level: 'error',
  category: 'aws',
  description: 'EKS no longer creates clusters of the Kubernetes version',
  evaluate: ({ plan }) =>
    servicesOf(plan, 'eks')
      .filter((eks) => eks.kubernetesSupport === 'unsupported')
      .map((eks) => ({
        field: 'architecture.type',
        message: `EKS Kubernetes ${eks.kubernetesVersion} is past extended support (or not in gitlab-aws's EKS calendar), so EKS refuses to create the cluster. Upgrade gitlab-aws for a supported Kubernetes version, or use architecture.type: linux-package.`,
      })),
};
