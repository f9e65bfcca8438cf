/**
 * Taking the node that runs the regular migrations out of service for the time of its upgrade, and
 * putting it back once it answers its readiness check.
 *
 * Draining NGINX alone is not enough on an auto scaling group member behind the NLB: the load
 * balancer keeps routing to the node until its health check fails (about 20 s), SSH (gitlab-shell)
 * is not drained at all, and the group's ELB health check would replace the node mid-migration.
 * Auto Scaling's Standby does all three: it deregisters the instance from every target group of
 * the group (HTTP and SSH alike, waiting for their deregistration delay) and the group neither
 * health-checks nor replaces a Standby instance.
 *
 * Capacity: EnterStandby either lowers the desired capacity by one (ShouldDecrementDesiredCapacity
 * true) or keeps it, in which case the group launches a replacement at once. A replacement would
 * boot for about 12 minutes into the old version (the version parameter changes later), only to be
 * replaced again by the refresh, and stopping it would mean suspending the group's Launch process,
 * which also stops scale-out during the upgrade. So the desired capacity is lowered, and where that
 * would go below the group's minimum (AWS refuses it then) the minimum is lowered by one for the
 * time of the upgrade and restored after ExitStandby, which raises the desired capacity again.
 * Both are undone on failure too: a node left in Standby is a node nobody health-checks.
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Sleep } from './fleet.js';
import { pollUntil } from './polling.js';

/** Takes one group member out of service, and back. */
export interface StandbyControl {
  /** Moves the instance to Standby and waits until no target group routes to it. */
  enter(groupName: string, instanceId: string): Promise<StandbyLease>;
}

export interface StandbyLease {
  /** Puts the instance back in service, waits until every target group finds it healthy, restores the minimum. */
  exit(): Promise<void>;
}

/** What the group's capacity must be for one member to go to Standby with the desired capacity lowered. */
export function standbyCapacity(group: { readonly minSize: number; readonly desiredCapacity: number }): {
  /** The minimum to set for the time of the Standby; undefined when it can stay. */
  readonly temporaryMinSize?: number;
} {
  return group.desiredCapacity - 1 >= group.minSize ? {} : { temporaryMinSize: group.desiredCapacity - 1 };
}

/** Target states that still send, or may still send, traffic to the instance. */
const ROUTED_STATES = new Set(['initial', 'healthy', 'unhealthy', 'draining', 'unhealthy.draining']);

export class AutoScalingStandby implements StandbyControl {
  constructor(
    private readonly props: {
      readonly autoScaling: AutoScalingClient;
      readonly elb: ElasticLoadBalancingV2Client;
      readonly log: (line: string) => void;
      readonly sleep?: Sleep;
      readonly pollMs?: number;
      /** The most to wait for deregistration (the target groups' delay) and for health after, in seconds. */
      readonly timeoutSeconds?: number;
    },
  ) {}

  async enter(groupName: string, instanceId: string): Promise<StandbyLease> {
    const { autoScaling, log } = this.props;
    const answer = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
    );
    const group = answer.AutoScalingGroups?.[0];
    if (!group) throw new Error(`auto scaling group ${groupName} not found`);
    const minSize = group.MinSize ?? 0;
    const { temporaryMinSize } = standbyCapacity({ minSize, desiredCapacity: group.DesiredCapacity ?? 0 });
    const targetGroups = group.TargetGroupARNs ?? [];
    const restoreMin = async () => {
      if (temporaryMinSize === undefined) return;
      await autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, MinSize: minSize }),
      );
      log(`  ${groupName}: minimum back to ${minSize}`);
    };
    if (temporaryMinSize !== undefined) {
      log(`  ${groupName}: minimum ${minSize} -> ${temporaryMinSize} while ${instanceId} is in Standby`);
      await autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, MinSize: temporaryMinSize }),
      );
    }
    const exit = async () => {
      try {
        await autoScaling.send(
          new ExitStandbyCommand({ AutoScalingGroupName: groupName, InstanceIds: [instanceId] }),
        );
        await this.waitForState(instanceId, 'InService');
        await this.waitForTargets(targetGroups, instanceId, 'healthy');
      } finally {
        await restoreMin();
      }
    };
    try {
      await autoScaling.send(
        new EnterStandbyCommand({
          AutoScalingGroupName: groupName,
          InstanceIds: [instanceId],
          ShouldDecrementDesiredCapacity: true,
        }),
      );
    } catch (error) {
      await restoreMin();
      throw error;
    }
    try {
      await this.waitForState(instanceId, 'Standby');
      await this.waitForTargets(targetGroups, instanceId, 'deregistered');
    } catch (error) {
      // The wait's error is the one to report; a failing way back is logged with it.
      await exit().catch((exitError: Error) =>
        log(`  could not put ${instanceId} back in service: ${exitError.message}`),
      );
      throw error;
    }
    return { exit };
  }

  private async waitForState(instanceId: string, state: 'Standby' | 'InService'): Promise<void> {
    await pollUntil(
      `${instanceId} going to ${state}`,
      async () => {
        const answer = await this.props.autoScaling.send(
          new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
        );
        const current = answer.AutoScalingInstances?.[0]?.LifecycleState ?? 'unknown';
        return current === state ? { done: true, value: undefined } : { done: false, status: current };
      },
      this.pollOptions(),
    );
  }

  /** Until no target group routes to the instance (`deregistered`), or every one finds it `healthy`. */
  private async waitForTargets(
    targetGroups: readonly string[],
    instanceId: string,
    goal: 'deregistered' | 'healthy',
  ): Promise<void> {
    await pollUntil(
      `${instanceId} ${goal === 'healthy' ? 'healthy in' : 'deregistered from'} its target groups`,
      async () => {
        const states = await Promise.all(
          targetGroups.map(async (arn) => {
            const health = await this.props.elb.send(
              new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }),
            );
            return health.TargetHealthDescriptions?.[0]?.TargetHealth?.State ?? 'unused';
          }),
        );
        const pending = states.filter((state) =>
          goal === 'healthy' ? state !== 'healthy' : ROUTED_STATES.has(state),
        );
        return pending.length === 0
          ? { done: true, value: undefined }
          : { done: false, status: states.join(', ') };
      },
      this.pollOptions(),
    );
  }

  private pollOptions() {
    return {
      sleep: this.props.sleep,
      pollMs: this.props.pollMs ?? 10_000,
      timeoutSeconds: this.props.timeoutSeconds ?? 900,
      progress: (status: string) => this.props.log(`  ${status}`),
    };
  }
}
