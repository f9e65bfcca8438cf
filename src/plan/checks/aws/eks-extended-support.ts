import { EKS_VERSIONS } from '../../../catalog/eks-versions.js';
import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const eksExtendedSupport: PlanRule = {
  id: 'GLA-EKS-EXTENDED-SUPPORT',
  level: 'warning',
  category: 'aws',
  description: 'The EKS Kubernetes version is past standard support and costs the extended-support rate',
  evaluate: ({ plan }) =>
    servicesOf(plan, 'eks')
      .filter((eks) => eks.kubernetesSupport === 'extended')
      .map((eks) => ({
        field: 'architecture.type',
        message: `EKS Kubernetes ${eks.kubernetesVersion} left standard support on ${EKS_VERSIONS[eks.kubernetesVersion]?.endOfStandardSupport}: the cluster costs $0.60 an hour instead of $0.10 (priced in the bill). Use a newer gitlab-aws, whose Kubernetes version has standard support.`,
      })),
};
