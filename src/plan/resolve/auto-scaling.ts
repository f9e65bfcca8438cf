/** Auto scaling groups (Rails, Sidekiq, the 1k node) and the members they start with. */
import { catalogRole } from '../../catalog/index.js';
import { ROLE_IDS } from '../../catalog/types.js';
import type { AutoScalingGroupPlan, PlanNode } from '../types.js';
import type { BuildContext } from './context.js';
import { archOf, chooseInstanceType, sizeOf } from './machines.js';
import { rootVolume } from './nodes.js';

/** GitLab's AWS guide scales Rails out at 60 % CPU and in at 45 %. */
const SCALING = { scaleOutCpuPercent: 60, scaleInCpuPercent: 45 } as const;
/** GitLab's AWS guide gives new Rails nodes 300 s before health checks count. */
const HEALTH_CHECK_GRACE_SECONDS = 300;

export function planAutoScalingGroups(context: BuildContext): AutoScalingGroupPlan[] {
  const { spec, reference, availabilityZones } = context;
  if (spec.architecture.type === 'cloud-native-hybrid') return [];
  return [...reference.roles]
    .sort((a, b) => ROLE_IDS.indexOf(a.role) - ROLE_IDS.indexOf(b.role))
    .filter((role) => role.backing === 'ec2-asg')
    .map((role) => {
      const servesWeb = role.role === 'rails' || role.role === 'gitlab';
      const instanceType = chooseInstanceType(spec, role);
      const minCapacity = role.role === 'rails' ? (spec.rails.minNodes ?? role.nodes) : role.nodes;
      // The 1k all-in-one node also runs Sidekiq and housekeeping that expect one node: its group only
      // replaces a failed machine. Rails and Sidekiq groups may double under load.
      const documentedMaximum = role.maxNodes ?? (role.role === 'gitlab' ? role.nodes : minCapacity * 2);
      const maxCapacity =
        role.role === 'rails'
          ? (spec.rails.maxNodes ?? Math.max(documentedMaximum, minCapacity))
          : documentedMaximum;
      return {
        id: role.role,
        role: role.role,
        instanceType,
        arch: archOf(instanceType),
        minCapacity,
        desiredCapacity: minCapacity,
        maxCapacity: Math.max(maxCapacity, minCapacity),
        availabilityZones,
        rootVolume: rootVolume(role.role),
        scaling: SCALING,
        healthCheck: servesWeb ? 'elb' : 'ec2',
        healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_SECONDS,
        targetGroups: servesWeb ? ['http', 'ssh'] : [],
        runsDatabaseMigrations: servesWeb,
      } satisfies AutoScalingGroupPlan;
    });
}

/** The desired-capacity members of a group, spread evenly over the AZs (as the ASG itself does). */
export function groupMembers(context: BuildContext, group: AutoScalingGroupPlan): PlanNode[] {
  const role = catalogRole(context.reference, group.role);
  return Array.from({ length: group.desiredCapacity }, (_, index) => ({
    id: `${group.id}-${index + 1}`,
    role: group.role,
    instanceType: group.instanceType,
    arch: group.arch,
    ...sizeOf(group.instanceType, role),
    availabilityZone: context.availabilityZones[index % context.availabilityZones.length]!,
    subnet: 'private' as const,
    autoScalingGroup: group.id,
    volumes: [group.rootVolume],
  }));
}
