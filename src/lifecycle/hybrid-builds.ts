/**
 * Cloud Native Hybrid's day-2 operations run where Helm and kubectl reach the cluster's private API
 * endpoint: the chart's CodeBuild project (src/infra/gitlab-chart.ts), which installs the chart for
 * CloudFormation and, started here with an OPERATION, backs up, restores and upgrades GitLab
 * (src/config/helm/scripts/gitlab-chart-build.sh). `ChartBuilds` is the seam: CodeBuild and
 * CloudWatch Logs behind it, a scripted fake in the tests. Around it:
 * - `runChartOperation` starts one build, prints its log as it comes, waits within a bound and
 *   fails with the build's phase and where its whole log is;
 * - `watchChartInstall` follows the install CloudFormation started during a deploy and reports the
 *   rollout of GitLab's pods from the lines the build prints.
 */

import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  ListBuildsForProjectCommand,
  StartBuildCommand,
} from '@aws-sdk/client-codebuild';
import {
  type ChartOperation,
  OPERATION_TIMEOUT_MINUTES,
  operationEnvironment,
} from '../config/helm/install.js';
import { stackName } from '../plan/stacks.js';
import type { Plan } from '../plan/types.js';
import { type AwsClients, stackResources } from './aws.js';
import type { Sleep } from './fleet.js';
import { pollUntil } from './polling.js';

/** A build's state as CodeBuild reports it. */
export interface ChartBuildState {
  readonly id: string;
  /** IN_PROGRESS until it ends: SUCCEEDED, FAILED, FAULT, TIMED_OUT or STOPPED. */
  readonly status: string;
  /** The phase it is in (or ended in): QUEUED, PROVISIONING, BUILD, COMPLETED... */
  readonly phase: string;
  /** Where its whole log is, once CodeBuild has created the stream. */
  readonly log?: { readonly group: string; readonly stream: string };
}

/** The chart's build project, as the lifecycle uses it. */
export interface ChartBuilds {
  /** Starts a build with these variables on top of the project's own; returns its id. */
  start(environment: Readonly<Record<string, string>>, timeoutMinutes: number): Promise<string>;
  state(buildId: string): Promise<ChartBuildState>;
  /** Log lines after `cursor` (undefined: from the start), and the cursor to read on from. */
  logLines(buildId: string, cursor?: string): Promise<{ lines: string[]; cursor?: string }>;
}

/** Pause between two looks at a build, in milliseconds. */
export const BUILD_POLL_MS = 15_000;

/** Lines of CodeBuild's own (`[Container] ...`) are not the script's: they are left out of what is printed. */
const isScriptLine = (line: string) => line.trim() !== '' && !line.startsWith('[Container]');

export interface ChartOperationProps {
  readonly builds: ChartBuilds;
  readonly log: (line: string) => void;
  /** Pauses between polls; tests pass one that returns at once. */
  readonly sleep?: Sleep;
}

/**
 * Runs one operation in the chart's build and waits for it, printing the script's lines as they
 * come. Returns every line of the script's output (the background-migration count is read from
 * it); a build that ends other than SUCCEEDED, or outlasts the operation's bound, throws.
 */
export async function runChartOperation(
  plan: Plan,
  operation: ChartOperation,
  props: ChartOperationProps,
): Promise<string[]> {
  const timeoutMinutes = OPERATION_TIMEOUT_MINUTES[operation.kind];
  const buildId = await props.builds.start(operationEnvironment(plan, operation), timeoutMinutes);
  props.log(`  chart build ${buildId}: ${operation.kind}`);
  const output: string[] = [];
  let cursor: string | undefined;
  const read = async () => {
    const page = await props.builds.logLines(buildId, cursor);
    cursor = page.cursor;
    for (const line of page.lines.filter(isScriptLine)) {
      output.push(line);
      props.log(`  ${line}`);
    }
  };
  const state = await pollUntil(
    `the chart build ${buildId} (${operation.kind})`,
    async () => {
      const now = await props.builds.state(buildId);
      await read();
      return now.status === 'IN_PROGRESS'
        ? { done: false, status: `in ${now.phase}` }
        : { done: true, value: now };
    },
    // A few minutes more than CodeBuild lets the build run: CodeBuild ends it first.
    { sleep: props.sleep, pollMs: BUILD_POLL_MS, timeoutSeconds: (timeoutMinutes + 10) * 60 },
  );
  // What the build printed between the last look and its end.
  await read();
  if (state.status !== 'SUCCEEDED') {
    const where = state.log ? `; its whole log: CloudWatch Logs ${state.log.group} ${state.log.stream}` : '';
    throw new Error(
      `the chart build ${buildId} (${operation.kind}) ended ${state.status} in its ${state.phase} phase${where}` +
        (output.length > 0
          ? `\n  last lines:\n${output
              .slice(-5)
              .map((line) => `    ${line}`)
              .join('\n')}`
          : ''),
    );
  }
  return output;
}

/** How a deploy sees the chart's install. */
export interface ChartInstallWatch {
  /** Stops watching (the deploy ended) and waits for the watcher to finish. */
  stop(): Promise<void>;
}

export interface ChartInstallWatchProps {
  readonly builds: ChartBuilds & {
    /** The newest build of the project started at or after `since`, if any. */
    newestSince(since: Date): Promise<string | undefined>;
  };
  /** When the deploy started: the install it waits for starts after. */
  readonly since: Date;
  readonly log: (line: string) => void;
  readonly sleep?: Sleep;
}

/**
 * Follows the chart's install while a deploy runs: once CloudFormation has started the build, its
 * phase changes and the rollout lines the script prints (`rollout: <deployment> <ready>/<wanted>
 * ready`, and what it did with Rails' secrets) are reported, each once, until the build ends or
 * the deploy does. Nothing is reported for a deploy that starts no install. A failing look at
 * CodeBuild is reported once and ends the watch; it never fails the deploy.
 */
export function watchChartInstall(props: ChartInstallWatchProps): ChartInstallWatch {
  let stopped = false;
  const sleep = props.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const watching = (async () => {
    let buildId: string | undefined;
    let phase = '';
    let cursor: string | undefined;
    const seen = new Set<string>();
    while (!stopped) {
      buildId ??= await props.builds.newestSince(props.since);
      if (buildId) {
        const state = await props.builds.state(buildId);
        if (state.phase !== phase) {
          phase = state.phase;
          props.log(`GitLab chart install (${buildId}): ${phase.toLowerCase()}`);
        }
        const page = await props.builds.logLines(buildId, cursor);
        cursor = page.cursor;
        for (const line of page.lines.filter((entry) => /^(rollout|Rails secrets):/.test(entry))) {
          if (seen.has(line)) continue;
          seen.add(line);
          props.log(`  ${line}`);
        }
        if (state.status !== 'IN_PROGRESS') {
          props.log(`GitLab chart install ${state.status.toLowerCase()}`);
          return;
        }
      }
      await sleep(BUILD_POLL_MS);
    }
  })().catch((error: Error) => props.log(`(could not follow the chart install: ${error.message})`));
  return {
    async stop() {
      stopped = true;
      await watching;
    },
  };
}

/** The chart's build project of a deployed environment: the compute stack's CodeBuild project. */
export async function chartBuildProject(cloudFormation: CloudFormationClient, plan: Plan): Promise<string> {
  const compute = stackName(plan, 'compute');
  const project = (await stackResources(cloudFormation, compute)).find(
    (resource) => resource.ResourceType === 'AWS::CodeBuild::Project',
  )?.PhysicalResourceId;
  if (!project) throw new Error(`${compute} has no chart build project: deploy the environment first`);
  return project;
}

/** ChartBuilds on CodeBuild, with each build's log read from CloudWatch Logs. */
export class CodeBuildChartBuilds implements ChartBuilds {
  constructor(
    private readonly clients: { readonly codeBuild: CodeBuildClient; readonly logs: CloudWatchLogsClient },
    private readonly projectName: string,
  ) {}

  async start(environment: Readonly<Record<string, string>>, timeoutMinutes: number): Promise<string> {
    const answer = await this.clients.codeBuild.send(
      new StartBuildCommand({
        projectName: this.projectName,
        timeoutInMinutesOverride: timeoutMinutes,
        environmentVariablesOverride: Object.entries(environment).map(([name, value]) => ({
          name,
          value,
          type: 'PLAINTEXT',
        })),
      }),
    );
    const id = answer.build?.id;
    if (!id) throw new Error(`CodeBuild started no build of ${this.projectName}`);
    return id;
  }

  async state(buildId: string): Promise<ChartBuildState> {
    const answer = await this.clients.codeBuild.send(new BatchGetBuildsCommand({ ids: [buildId] }));
    const build = answer.builds?.[0];
    if (!build) throw new Error(`CodeBuild knows no build ${buildId}`);
    const { groupName, streamName } = build.logs ?? {};
    return {
      id: buildId,
      status: build.buildStatus ?? 'IN_PROGRESS',
      phase: build.currentPhase ?? 'QUEUED',
      ...(groupName && streamName ? { log: { group: groupName, stream: streamName } } : {}),
    };
  }

  /** The newest build of the project, when it started at or after `since`. */
  async newestSince(since: Date): Promise<string | undefined> {
    const listed = await this.clients.codeBuild.send(
      new ListBuildsForProjectCommand({ projectName: this.projectName, sortOrder: 'DESCENDING' }),
    );
    const newest = listed.ids?.[0];
    if (!newest) return undefined;
    const answer = await this.clients.codeBuild.send(new BatchGetBuildsCommand({ ids: [newest] }));
    const started = answer.builds?.[0]?.startTime;
    return started && started.getTime() >= since.getTime() ? newest : undefined;
  }

  async logLines(buildId: string, cursor?: string): Promise<{ lines: string[]; cursor?: string }> {
    const { log } = await this.state(buildId);
    if (!log) return { lines: [], ...(cursor ? { cursor } : {}) };
    const answer = await this.clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: log.group,
        logStreamName: log.stream,
        startFromHead: true,
        ...(cursor ? { nextToken: cursor } : {}),
      }),
    );
    const lines = (answer.events ?? []).flatMap((event) =>
      (event.message ?? '').replace(/\n$/, '').split('\n'),
    );
    const next = answer.nextForwardToken ?? cursor;
    return { lines, ...(next ? { cursor: next } : {}) };
  }
}

/** The chart's builds of a deployed environment, through CodeBuild in its region. */
export async function chartBuildsOf(
  plan: Plan,
  clients: Pick<AwsClients, 'cloudFormation' | 'logs'>,
): Promise<CodeBuildChartBuilds> {
  return new CodeBuildChartBuilds(
    { codeBuild: new CodeBuildClient({ region: plan.region }), logs: clients.logs },
    await chartBuildProject(clients.cloudFormation, plan),
  );
}

/**
 * The chart's builds as a deploy sees them: the project is looked up on each look until the compute
 * stack has it (a first deploy creates it part-way), so the watch starts reporting once it exists.
 */
export function deployChartBuilds(
  plan: Plan,
  clients: Pick<AwsClients, 'cloudFormation' | 'logs'>,
): ChartInstallWatchProps['builds'] {
  let builds: CodeBuildChartBuilds | undefined;
  const resolved = () => {
    if (!builds) throw new Error('the chart build project is not known yet');
    return builds;
  };
  return {
    async newestSince(since) {
      builds ??= await chartBuildsOf(plan, clients).catch(() => undefined);
      return builds?.newestSince(since);
    },
    start: (environment, timeoutMinutes) => resolved().start(environment, timeoutMinutes),
    state: (buildId) => resolved().state(buildId),
    logLines: (buildId, cursor) => resolved().logLines(buildId, cursor),
  };
}
