/** Auto scaling groups (Rails, Sidekiq) and the members they start with. */
import { catalogRole } from '../../catalog/index.js';
import { ROLE_IDS } from '../../catalog/types.js';
import { LAUNCH_HOOK_NAME, NODE_BOOT } from '../contracts.js';
import { type AutoScalingGroupPlan, EXTERNAL_TARGET_GROUPS, type PlanNode } from '../types.js';
import type { BuildContext } from './context.js';
import { archOf, chooseInstanceType, sizeOf } from './machines.js';
import { rootVolume } from './nodes.js';
import { processBudget } from './process-budget.js';

/** GitLab's AWS guide scales Rails out at 60 % CPU and in at 45 %. */
const SCALING = { scaleOutCpuPercent: 60, scaleInCpuPercent: 45 } as const;
/**
 * GitLab's AWS guide gives new Rails nodes 300 s before health checks count. A node is held in the
 * launch lifecycle hook (Pending:Wait) for its whole boot, and the grace period only starts once
 * the hook is completed and the node is InService (Amazon EC2 Auto Scaling User Guide, "Set the
 * health check grace period"). By then the boot script has seen GitLab answer its readiness check,
 * so the grace only has to cover registering with the load balancer's target groups and passing
 * their first health checks: the guide's 300 s is ample, and the boot itself is bounded by
 * NODE_BOOT instead.
 */
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
      // Without Sidekiq nodes (the poc) the web nodes run Sidekiq too, within one memory budget.
      const runsSidekiq = servesWeb && !reference.roles.some((other) => other.role === 'sidekiq');
      const size = sizeOf(instanceType, role);
      const minCapacity = role.role === 'rails' ? (spec.rails.minNodes ?? role.nodes) : role.nodes;
      // Rails and Sidekiq groups may double under load.
      const documentedMaximum = role.maxNodes ?? minCapacity * 2;
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
        boot: NODE_BOOT,
        launchHookName: LAUNCH_HOOK_NAME,
        targetGroups: servesWeb ? [...EXTERNAL_TARGET_GROUPS] : [],
        runsDatabaseMigrations: servesWeb,
        ...(runsSidekiq ? { processBudget: processBudget(size.vcpu, size.memoryGiB, false) } : {}),
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
