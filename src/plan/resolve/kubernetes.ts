/** Cloud Native Hybrid: the EKS cluster and its node groups for the stateless parts. */
import { eksSupportOn } from '../../catalog/eks-versions.js';
import { KUBERNETES_VERSION } from '../../catalog/gitlab-requirements.js';
import type { EksNodeGroupPlan, EksService } from '../types.js';
import type { BuildContext } from './context.js';
import { archOf, chooseInstanceType } from './machines.js';

/** `today` (YYYY-MM-DD) judges the version's EKS support; the plan itself reads no clock. */
export function planEks(context: BuildContext, today: string): EksService {
  const { spec, reference } = context;
  const nodeGroups: EksNodeGroupPlan[] = reference.roles
    .filter((role) => role.backing === 'eks-node-group')
    .map((role) => {
      const instanceType = chooseInstanceType(spec, role);
      // Webservice and Sidekiq pools scale with load; supporting services stay at their documented size.
      const scales = role.role !== 'supporting-pool';
      return {
        role: role.role as EksNodeGroupPlan['role'],
        instanceType,
        arch: archOf(instanceType),
        minSize: role.nodes,
        desiredSize: role.nodes,
        maxSize: scales ? role.nodes * 2 : role.nodes,
      };
    });
  return {
    kind: 'eks',
    id: 'eks',
    role: 'webservice-pool',
    kubernetesVersion: KUBERNETES_VERSION,
    kubernetesSupport: eksSupportOn(KUBERNETES_VERSION, today),
    nodeGroups,
  };
}
