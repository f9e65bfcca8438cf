/** Bastion hosts for SSH hops, when the spec asks for them instead of SSM. */
import type { Arch, PlanNode } from '../types.js';
import type { BuildContext } from './context.js';
import { sizeOf } from './machines.js';
import { rootVolume } from './nodes.js';

/** Bastions are idle hosts for SSH hops; a burstable type is right for them (and only them). */
const BASTION_INSTANCE_TYPE: Record<Arch, string> = { x86_64: 't3.micro', arm64: 't4g.micro' };

export function planBastionNodes(context: BuildContext): PlanNode[] {
  const { spec } = context;
  if (spec.access.admin !== 'bastion') return [];
  const arch: Arch = spec.architecture.cpu === 'graviton' ? 'arm64' : 'x86_64';
  const instanceType = BASTION_INSTANCE_TYPE[arch];
  // One bastion per public subnet of the first two AZs, as GitLab's AWS guide sets them up.
  return context.availabilityZones.slice(0, 2).map((zone, index) => ({
    id: `bastion-${index + 1}`,
    role: 'bastion' as const,
    instanceType,
    arch,
    ...sizeOf(instanceType, undefined),
    availabilityZone: zone,
    subnet: 'public' as const,
    volumes: [rootVolume('bastion')],
  }));
}
