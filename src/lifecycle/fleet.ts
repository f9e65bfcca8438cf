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
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
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
  /** Standard output, then standard error, as far as SSM keeps them (see SSM_OUTPUT_LIMITS). */
  readonly output: string;
  /** SSM cut the output: its end is only in the Run Command log group. */
  readonly outputTruncated?: boolean;
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

/**
 * How much of a command's output GetCommandInvocation returns, in characters: the first 24,000 of
 * standard output and the first 8,000 of standard error (SSM API reference, GetCommandInvocation,
 * StandardOutputContent and StandardErrorContent). The rest reaches only CloudWatch Logs.
 */
export const SSM_OUTPUT_LIMITS = { stdout: 24_000, stderr: 8_000 } as const;

/** The longest AWS-RunShellScript lets a command run: its executionTimeout parameter allows 172800 s (48 hours). */
export const MAX_EXECUTION_SECONDS = 172_800;

/** How long SSM waits for the instance to pick a command up before it gives up (SendCommand TimeoutSeconds). */
const DELIVERY_SECONDS = 600;

/** The plugin AWS-RunShellScript runs the commands in, which names its log streams. */
const RUN_SHELL_SCRIPT_PLUGIN = 'aws-runShellScript';

/** Lines of a failed command's output read back from CloudWatch Logs when SSM cut the output. */
const TAIL_LINES = 40;

export interface SsmRemoteRunnerProps {
  readonly ssm: SSMClient;
  /**
   * CloudWatch Logs group SSM sends every command's whole output to (`runCommandLogGroupName`);
   * without one the output is only what GetCommandInvocation keeps.
   */
  readonly logGroupName?: string;
  /** Reads the end of a cut output back from the log group when a command fails. */
  readonly logs?: Pick<CloudWatchLogsClient, 'send'>;
  readonly sleep?: Sleep;
  readonly pollMs?: number;
}

export class SsmRemoteRunner implements RemoteRunner {
  constructor(private readonly props: SsmRemoteRunnerProps) {}

  async run(request: RemoteCommand): Promise<RemoteCommandResult> {
    const { timeoutSeconds } = request;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_EXECUTION_SECONDS) {
      throw new Error(
        `"${request.comment}": a command may run 1 to ${MAX_EXECUTION_SECONDS} s under SSM, not ${timeoutSeconds}`,
      );
    }
    const { logGroupName } = this.props;
    const sent = await this.props.ssm.send(
      new SendCommandCommand({
        DocumentName: RUN_SHELL_SCRIPT,
        InstanceIds: [request.instanceId],
        // Explicit: the document's default is 3600 s, shorter than a migration on a large database.
        Parameters: { commands: [...request.commands], executionTimeout: [String(timeoutSeconds)] },
        Comment: request.comment.slice(0, 100),
        TimeoutSeconds: DELIVERY_SECONDS,
        ...(logGroupName
          ? {
              CloudWatchOutputConfig: { CloudWatchLogGroupName: logGroupName, CloudWatchOutputEnabled: true },
            }
          : {}),
      }),
    );
    const commandId = sent.Command?.CommandId ?? '';
    const sleep = this.props.sleep ?? realSleep;
    const pollMs = this.props.pollMs ?? 5000;
    // SSM ends every command by then (TimedOut at the latest); past it, stop waiting rather than hang.
    const deadlineMs = (DELIVERY_SECONDS + timeoutSeconds + 300) * 1000;
    for (let waitedMs = 0; ; ) {
      await sleep(pollMs);
      waitedMs += pollMs;
      const invocation = await this.props.ssm
        .send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: request.instanceId }))
        .catch((error: Error) => {
          // Right after SendCommand the invocation may not exist yet.
          if (error.name === 'InvocationDoesNotExist') return undefined;
          throw error;
        });
      const status = invocation?.Status ?? 'Pending';
      if (!FINAL_COMMAND_STATUSES.has(status)) {
        if (waitedMs > deadlineMs) {
          throw new Error(
            `"${request.comment}" on ${request.instanceId}: still ${status} after ${Math.round(waitedMs / 1000)} s (command ${commandId}); ${this.whereOutputIs(commandId, request.instanceId)}`,
          );
        }
        continue;
      }
      const stdout = invocation?.StandardOutputContent ?? '';
      const stderr = invocation?.StandardErrorContent ?? '';
      const truncated =
        stdout.length >= SSM_OUTPUT_LIMITS.stdout || stderr.length >= SSM_OUTPUT_LIMITS.stderr;
      const output = `${stdout}${stderr}`;
      if (status === 'Success') return { commandId, output, ...(truncated ? { outputTruncated: true } : {}) };
      const why =
        status === 'TimedOut'
          ? `TimedOut: ran longer than its ${timeoutSeconds} s, or was not delivered within ${DELIVERY_SECONDS} s`
          : `${status}${invocation?.StatusDetails && invocation.StatusDetails !== status ? ` (${invocation.StatusDetails})` : ''}`;
      throw new Error(
        [
          `"${request.comment}" on ${request.instanceId}: ${why} (command ${commandId}); ${this.whereOutputIs(commandId, request.instanceId)}`,
          await this.lastOutput(commandId, request.instanceId, output, truncated),
        ].join('\n'),
      );
    }
  }

  /** Where the whole output of a command is, for every failure message. */
  private whereOutputIs(commandId: string, instanceId: string): string {
    const { logGroupName } = this.props;
    if (!logGroupName) return `its output is in the SSM console under command ${commandId}`;
    const stream = `${commandId}/${instanceId}/${RUN_SHELL_SCRIPT_PLUGIN}`;
    return `whole output in CloudWatch Logs group ${logGroupName}, streams ${stream}/stdout and ${stream}/stderr`;
  }

  /**
   * The end of a failed command's output, where its error is. SSM keeps only the start of a long
   * output, so then the end is read back from the log group when it can be, and otherwise the
   * message says that what follows is not the end.
   */
  private async lastOutput(
    commandId: string,
    instanceId: string,
    output: string,
    truncated: boolean,
  ): Promise<string> {
    if (!truncated) return `last output:\n${output.slice(-2000)}`;
    const cut = `SSM cut the output at ${SSM_OUTPUT_LIMITS.stdout} characters of standard output and ${SSM_OUTPUT_LIMITS.stderr} of standard error`;
    const { logs, logGroupName } = this.props;
    if (logs && logGroupName) {
      const tails = await Promise.all(
        (['stderr', 'stdout'] as const).map(async (stream) => {
          const answer = await logs
            .send(
              new GetLogEventsCommand({
                logGroupName,
                logStreamName: `${commandId}/${instanceId}/${RUN_SHELL_SCRIPT_PLUGIN}/${stream}`,
                startFromHead: false,
                limit: TAIL_LINES,
              }),
            )
            .catch(() => undefined);
          const lines = (answer?.events ?? []).map((event) => event.message ?? '');
          return lines.length > 0 ? `last lines of ${stream} (CloudWatch Logs):\n${lines.join('\n')}` : '';
        }),
      );
      const found = tails.filter(Boolean);
      if (found.length > 0) return `${cut}; ${found.join('\n')}`;
    }
    return `${cut}, so this is not its end; read the end in the log group. Output as cut:\n${output.slice(-2000)}`;
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
