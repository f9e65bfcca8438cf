/**
 * Reaching the environment's machines: finding them, running shell commands on them through SSM
 * Run Command, and replacing auto scaling group members with an instance refresh.
 *
 * Instances and groups are found by tag, so no instance id is ever stored. The tags are the
 * contract with the infrastructure layer, named once in src/plan/contracts.ts:
 * - ENVIRONMENT_TAG = spec name, on every instance and auto scaling group;
 * - NODE_TAG = Plan node id (e.g. gitaly-2), on fixed instances;
 * - GROUP_TAG = Plan auto scaling group id (e.g. rails), on auto scaling groups.
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ENVIRONMENT_TAG, GROUP_TAG, NODE_TAG } from '../plan/contracts.js';
import { formatDuration, PollTimeout, pollUntil } from './polling.js';

/** SSM document that runs a shell script on Linux instances. */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

/** Finds the instances and groups of an environment. */
export interface NodeDirectory {
  /** Instance id of a fixed node (Plan node id). */
  instanceOf(nodeId: string): Promise<string>;
  /** Auto scaling group name of a Plan group id. */
  groupNameOf(groupId: string): Promise<string>;
  /** In-service instance ids of a Plan group id. */
  instancesOf(groupId: string): Promise<string[]>;
}

/** Runs shell commands on one instance and waits for them. */
export interface RemoteRunner {
  run(request: RemoteCommand): Promise<RemoteCommandResult>;
}

export interface RemoteCommand {
  readonly instanceId: string;
  readonly commands: readonly string[];
  /** Shown in the SSM console's command history. */
  readonly comment: string;
  readonly timeoutSeconds: number;
}

export interface RemoteCommandResult {
  readonly commandId: string;
  readonly output: string;
}

/** Replaces an auto scaling group's instances while keeping capacity. */
export interface InstanceRefresher {
  refresh(request: InstanceRefreshRequest): Promise<void>;
}

export interface InstanceRefreshRequest {
  readonly groupName: string;
  /** Share of desired capacity that must stay healthy throughout. */
  readonly minHealthyPercentage: number;
  /** Share of desired capacity that may run at once (above 100: new instances launch before old ones go). */
  readonly maxHealthyPercentage: number;
  /** Seconds a new instance needs before it counts as healthy. */
  readonly instanceWarmupSeconds: number;
  /** The most the whole refresh may take, in seconds; past it the refresh is left running and reported. */
  readonly timeoutSeconds: number;
}

/** Waits between status polls; tests pass one that returns at once. */
export type Sleep = (milliseconds: number) => Promise<void>;
export const realSleep: Sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export class TaggedNodeDirectory implements NodeDirectory {
  constructor(
    private readonly props: {
      readonly environment: string;
      readonly ec2: EC2Client;
      readonly autoScaling: AutoScalingClient;
    },
  ) {}

  async instanceOf(nodeId: string): Promise<string> {
    const answer = await this.props.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${ENVIRONMENT_TAG}`, Values: [this.props.environment] },
          { Name: `tag:${NODE_TAG}`, Values: [nodeId] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      }),
    );
    const ids = (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '');
    if (ids.length !== 1) {
      throw new Error(`expected one running instance tagged ${NODE_TAG}=${nodeId}, found ${ids.length}`);
    }
    return ids[0]!;
  }

  async groupNameOf(groupId: string): Promise<string> {
    return (await this.group(groupId)).AutoScalingGroupName ?? '';
  }

  async instancesOf(groupId: string): Promise<string[]> {
    const group = await this.group(groupId);
    return (group.Instances ?? [])
      .filter((instance) => instance.LifecycleState === 'InService' && instance.HealthStatus === 'Healthy')
      .map((instance) => instance.InstanceId ?? '');
  }

  private async group(groupId: string) {
    const answer = await this.props.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({
        Filters: [
          { Name: `tag:${ENVIRONMENT_TAG}`, Values: [this.props.environment] },
          { Name: `tag:${GROUP_TAG}`, Values: [groupId] },
        ],
      }),
    );
    const groups = answer.AutoScalingGroups ?? [];
    if (groups.length !== 1)
      throw new Error(
        `expected one auto scaling group tagged ${GROUP_TAG}=${groupId}, found ${groups.length}`,
      );
    return groups[0]!;
  }
}

/** Command invocation statuses after which nothing changes any more. */
const FINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);

export class SsmRemoteRunner implements RemoteRunner {
  constructor(
    private readonly props: { readonly ssm: SSMClient; readonly sleep?: Sleep; readonly pollMs?: number },
  ) {}

  async run(request: RemoteCommand): Promise<RemoteCommandResult> {
    const sent = await this.props.ssm.send(
      new SendCommandCommand({
        DocumentName: RUN_SHELL_SCRIPT,
        InstanceIds: [request.instanceId],
        Parameters: { commands: [...request.commands], executionTimeout: [String(request.timeoutSeconds)] },
        Comment: request.comment.slice(0, 100),
        TimeoutSeconds: 600,
      }),
    );
    const commandId = sent.Command?.CommandId ?? '';
    const sleep = this.props.sleep ?? realSleep;
    for (;;) {
      await sleep(this.props.pollMs ?? 5000);
      const invocation = await this.props.ssm
        .send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: request.instanceId }))
        .catch((error: Error) => {
          // Right after SendCommand the invocation may not exist yet.
          if (error.name === 'InvocationDoesNotExist') return undefined;
          throw error;
        });
      const status = invocation?.Status ?? 'Pending';
      if (!FINAL_COMMAND_STATUSES.has(status)) continue;
      const output = `${invocation?.StandardOutputContent ?? ''}${invocation?.StandardErrorContent ?? ''}`;
      if (status !== 'Success') {
        throw new Error(
          `"${request.comment}" on ${request.instanceId}: ${status} (command ${commandId}); last output:\n${output.slice(-2000)}`,
        );
      }
      return { commandId, output };
    }
  }
}

const FINAL_REFRESH_STATUSES = new Set([
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackSuccessful',
  'RollbackFailed',
]);

export class AutoScalingInstanceRefresher implements InstanceRefresher {
  constructor(
    private readonly props: {
      readonly autoScaling: AutoScalingClient;
      readonly sleep?: Sleep;
      readonly pollMs?: number;
      /** Progress lines (status and share done) as the refresh moves. */
      readonly log?: (line: string) => void;
    },
  ) {}

  async refresh(request: InstanceRefreshRequest): Promise<void> {
    const started = await this.props.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: request.groupName,
        Strategy: 'Rolling',
        Preferences: {
          MinHealthyPercentage: request.minHealthyPercentage,
          MaxHealthyPercentage: request.maxHealthyPercentage,
          InstanceWarmup: request.instanceWarmupSeconds,
          // Every member must be replaced: they all run the old package, whatever their launch template.
          SkipMatching: false,
        },
      }),
    );
    const refreshId = started.InstanceRefreshId ?? '';
    const group = request.groupName;
    const look = async () => {
      const answer = await this.props.autoScaling.send(
        new DescribeInstanceRefreshesCommand({
          AutoScalingGroupName: group,
          InstanceRefreshIds: [refreshId],
        }),
      );
      const refresh = answer.InstanceRefreshes?.[0];
      const status = refresh?.Status ?? 'Pending';
      if (!FINAL_REFRESH_STATUSES.has(status)) {
        const left =
          refresh?.InstancesToUpdate === undefined ? '' : `, ${refresh.InstancesToUpdate} to replace`;
        return {
          done: false as const,
          status: `${status} (${refresh?.PercentageComplete ?? 0}% done${left})`,
        };
      }
      if (status !== 'Successful') {
        throw new Error(
          `instance refresh of ${group}: ${status} (${refresh?.StatusReason ?? 'no reason given'})`,
        );
      }
      return { done: true as const, value: undefined };
    };
    try {
      await pollUntil(`instance refresh ${refreshId} of ${group}`, look, {
        sleep: this.props.sleep,
        pollMs: this.props.pollMs ?? 15_000,
        timeoutSeconds: request.timeoutSeconds,
        progress: (status) => this.props.log?.(`  ${group}: ${status}`),
      });
    } catch (error) {
      if (!(error instanceof PollTimeout)) throw error;
      const ids = `--auto-scaling-group-name ${group}`;
      throw new Error(
        `instance refresh ${refreshId} of ${group} is still ${error.lastStatus} after ${formatDuration(request.timeoutSeconds)}, ` +
          'longer than every node booting to its bound. It is still running: watch it with ' +
          `\`aws autoscaling describe-instance-refreshes ${ids} --instance-refresh-ids ${refreshId}\`, ` +
          `stop it where it is with \`aws autoscaling cancel-instance-refresh ${ids}\`, ` +
          `or replace the new nodes by the old ones with \`aws autoscaling rollback-instance-refresh ${ids}\`; then run upgrade again.`,
      );
    }
  }
}
