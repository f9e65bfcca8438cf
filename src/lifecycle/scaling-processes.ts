/**
 * Holding auto scaling groups still while GitLab is down on purpose (a restore): suspending the
 * group's own processes, and reading who its members are in whatever state they are.
 *
 * Once Puma stops, the load balancer's health checks fail; a group left alone marks its members
 * unhealthy and replaces them, terminating the node that runs the restore and booting fresh nodes
 * that migrate against a half-restored database. GitLab's restore page names the same trap for
 * Docker Swarm health checks (doc/administration/backup_restore/restore_gitlab.md,
 * skratsch-solutions/gitlabhq 4168cfa9c028293f4e77107617ea564102f73e5f).
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';

/**
 * The processes a restore suspends on every Rails and Sidekiq group, each for a reason:
 * - Launch: no fresh node boots, and migrates, against a database being restored;
 * - Terminate: no member goes, least of all the one running the restore;
 * - HealthCheck: stopped Puma must not mark members unhealthy;
 * - ReplaceUnhealthy: a member marked unhealthy before the suspension is not replaced either;
 * - AZRebalance: no launch-then-terminate to even out zones;
 * - AlarmNotification: idle CPU while Puma is stopped must not scale the group in;
 * - ScheduledActions: nor a scheduled capacity change;
 * - InstanceRefresh: nor an instance refresh started by a deploy or upgrade.
 * AddToLoadBalancer stays on: suspending it would keep nodes launched later out of the target
 * group for good, and with Launch suspended nothing is launched meanwhile.
 */
export const RESTORE_SUSPENDED_PROCESSES = [
  'Launch',
  'Terminate',
  'HealthCheck',
  'ReplaceUnhealthy',
  'AZRebalance',
  'AlarmNotification',
  'ScheduledActions',
  'InstanceRefresh',
] as const;

export type ScalingProcess = (typeof RESTORE_SUSPENDED_PROCESSES)[number];

/** One member of a group as Amazon EC2 Auto Scaling reports it. */
export interface GroupMember {
  readonly instanceId: string;
  /** e.g. InService, Pending:Wait, Terminating, Standby. */
  readonly lifecycleState: string;
}

/** Suspends and resumes a group's processes, and lists all its members. */
export interface ScalingProcesses {
  suspend(groupName: string, processes: readonly ScalingProcess[]): Promise<void>;
  resume(groupName: string, processes: readonly ScalingProcess[]): Promise<void>;
  /** Every member of the group, whatever its lifecycle state or health. */
  members(groupName: string): Promise<GroupMember[]>;
}

/** The AWS CLI command that resumes processes, for a person to run after a failed restore. */
export function resumeCommand(
  region: string,
  groupName: string,
  processes: readonly ScalingProcess[],
): string {
  return `aws autoscaling resume-processes --region ${region} --auto-scaling-group-name ${groupName} --scaling-processes ${processes.join(' ')}`;
}

export class AutoScalingProcesses implements ScalingProcesses {
  constructor(private readonly autoScaling: AutoScalingClient) {}

  async suspend(groupName: string, processes: readonly ScalingProcess[]): Promise<void> {
    await this.autoScaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: groupName, ScalingProcesses: [...processes] }),
    );
  }

  async resume(groupName: string, processes: readonly ScalingProcess[]): Promise<void> {
    await this.autoScaling.send(
      new ResumeProcessesCommand({ AutoScalingGroupName: groupName, ScalingProcesses: [...processes] }),
    );
  }

  async members(groupName: string): Promise<GroupMember[]> {
    const answer = await this.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
    );
    const group = answer.AutoScalingGroups?.[0];
    if (!group) throw new Error(`auto scaling group ${groupName} does not exist`);
    return (group.Instances ?? []).map((instance) => ({
      instanceId: instance.InstanceId ?? '',
      lifecycleState: instance.LifecycleState ?? 'unknown',
    }));
  }
}
