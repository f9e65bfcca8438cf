/**
 * `gitlab-aws upgrade --to <version>`: GitLab's zero-downtime order for multi-node Linux package
 * installs (doc/update/zero_downtime.md, skratsch-solutions/gitlabhq
 * d08a1508d191015791d908b4d42036623e6603ae): stateful backends first, application code last.
 *
 * RDS and ElastiCache are upgraded by AWS, so the order here is: Gitaly nodes one at a time
 * (Gitaly reloads gracefully), Praefect (its deploy node runs the Praefect migrations), one Rails
 * node running the regular migrations with post-deployment migrations skipped, then every Rails
 * and Sidekiq node replaced by a rolling instance refresh that launches each new node before an old
 * one goes, then the post-deployment migrations.
 *
 * New auto scaling group members install the version in the environment's version parameter
 * (`gitlabVersionParameterName`, src/plan/contracts.ts), so setting it is what makes the refresh
 * install the new release.
 *
 * The 1k node runs everything on one instance, so it has no zero-downtime upgrade: GitLab is down
 * while its package is replaced and its bundled database migrated (doc/update/zero_downtime.md
 * names multi-node installs as the requirement), and `upgrade` says so before it starts.
 *
 * Between the steps are the checks GitLab's procedure asks for, each with a bound, and each shown
 * by `--dry-run` under its step (`upgradeStepDetails`):
 * - no batched background migration unfinished before the upgrade, and those the new version
 *   queued finished after it (doc/update/background_migrations.md, gitlabhq/gitlabhq
 *   07a9524568513ae546463194955fc96ab82fcc41; the skratsch-solutions mirror does not hold the file);
 * - the backup's AWS Backup jobs completed before any node changes;
 * - each Gitaly and Praefect node running again before the next, and the Gitaly Cluster checked
 *   (`gitlab-ctl praefect check`, and Praefect's own `sql-migrate-status` with no migration pending:
 *   the Linux package's `gitlab-ctl praefect` runs /opt/gitlab/embedded/bin/praefect with
 *   /var/opt/gitlab/praefect/config.toml and offers `check` but no migration status,
 *   files/gitlab-ctl-commands/lib/gitlab_ctl/praefect.rb in gitlabhq/omnibus-gitlab at tag
 *   19.3.0+ee.0, 8bae586ed153bd3598bf6f11dc4cfeaefd693a72) before any Rails node;
 * - the deploy node out of its target groups for its upgrade (src/lifecycle/standby.ts) and
 *   answering /-/readiness from the node itself before it goes back; the refreshed nodes' launch
 *   hook waits for the same check in their boot script.
 * Completed steps are recorded (src/lifecycle/upgrade-progress.ts), so a failed upgrade run again
 * resumes at the step that failed.
 *
 * `planUpgrade` is pure (tests assert the steps); `executeUpgrade` runs them through the fleet
 * interfaces.
 */

import type { ChartOperation } from '../config/helm/install.js';
import { UserError } from '../errors.js';
import {
  gitlabVersionParameterName,
  machineImageParameterName,
  UBUNTU_IMAGE_PARAMETER,
} from '../plan/contracts.js';
import { externalLoadBalancer } from '../plan/query.js';
import type { Arch, AutoScalingGroupPlan, Plan, PlanNode } from '../plan/types.js';
import type { BackupJobWaiter } from './backup-jobs.js';
import type { InstanceRefresher, NodeDirectory, RemoteRunner, Sleep } from './fleet.js';
import { formatDuration, pollUntil } from './polling.js';
import { REMOTE_SCRIPT_FILES, type RemoteScriptFile, remoteScript } from './remote-scripts.js';
import type { StandbyControl } from './standby.js';
import type { StatefulChange } from './stateful-changes.js';
import { stepsDigest, type UpgradeProgressStore } from './upgrade-progress.js';
import { UPGRADE_STOPS, type UpgradeStop } from './upgrade-stops.js';

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseVersion(text: string): Version {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!match) throw new UserError(`"${text}" is not a GitLab version such as 19.3.1`, 2);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export const formatVersion = (v: Version) => `${v.major}.${v.minor}.${v.patch}`;

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

const sameMinor = (a: Version, b: Version) => a.major === b.major && a.minor === b.minor;

/** One reason an upgrade path is refused; undefined when the rule is satisfied. */
type UpgradePathRule = (from: Version, to: Version, stops: readonly UpgradeStop[]) => string | undefined;

export const UPGRADE_PATH_RULES: readonly UpgradePathRule[] = [
  (from, to) =>
    compareVersions(to, from) < 0
      ? `${formatVersion(to)} is older than the running ${formatVersion(from)}: downgrades need a restore from backup, not an upgrade`
      : undefined,
  (from, to) => (compareVersions(to, from) === 0 ? `GitLab already runs ${formatVersion(to)}` : undefined),
  (from, to, stops) => {
    // The first stop the path would leave behind: past it, but not (fully) on it yet.
    const skipped = stops
      .map((stop) => ({ stop, version: parseVersion(stop.version) }))
      .find(
        ({ version }) =>
          compareVersions(from, version) < 0 && compareVersions(to, version) > 0 && !sameMinor(to, version),
      );
    if (!skipped) return undefined;
    const stop = `${skipped.version.major}.${skipped.version.minor}`;
    const least =
      skipped.version.patch > 0
        ? ` (${skipped.stop.version} or a later ${stop} patch)`
        : ' (its latest patch release)';
    return (
      `${stop} is a required upgrade stop${skipped.stop.onlyWhen ? ` for instances with ${skipped.stop.onlyWhen}` : ''}: ` +
      `upgrade to ${stop}${least} first, let its background migrations finish, then continue ` +
      `(${skipped.stop.source.path} at ${skipped.stop.source.commit.slice(0, 12)}` +
      `${skipped.stop.patchSource ? `; latest patch from ${skipped.stop.patchSource.repository} ${skipped.stop.patchSource.path}` : ''})`
    );
  },
  (from, to) => {
    const nextMinor = to.major === from.major && to.minor === from.minor + 1;
    const nextMajor = to.major === from.major + 1 && to.minor === 0;
    return sameMinor(from, to) || nextMinor || nextMajor
      ? undefined
      : `a zero-downtime upgrade goes one minor release at a time: from ${formatVersion(from)} the next is ${from.major}.${from.minor + 1}`;
  },
];

/** Every reason the path from → to is refused (empty when it is allowed). */
export function upgradePathProblems(
  from: string,
  to: string,
  stops: readonly UpgradeStop[] = UPGRADE_STOPS,
): string[] {
  const [fromVersion, toVersion] = [parseVersion(from), parseVersion(to)];
  return UPGRADE_PATH_RULES.map((rule) => rule(fromVersion, toVersion, stops)).filter(
    (problem): problem is string => problem !== undefined,
  );
}

/**
 * Where a command runs: a fixed node, one in-service member of an auto scaling group, or (Cloud
 * Native Hybrid) the chart's toolbox, reached through the chart's build.
 */
export type UpgradeTarget =
  | { readonly nodeId: string }
  | { readonly groupId: string }
  | { readonly cluster: true };

export type UpgradeStep =
  | {
      readonly kind: 'backup';
      readonly title: string;
      /** The most to wait for the AWS Backup jobs to complete. */
      readonly timeoutSeconds: number;
    }
  | {
      readonly kind: 'run-command';
      readonly title: string;
      readonly target: UpgradeTarget;
      readonly commands: readonly string[];
      /** How long SSM lets the commands run; UPGRADE_BOUNDS.commandSeconds unless they migrate. */
      readonly timeoutSeconds?: number;
      /** What the commands wait for before they succeed, as the plan shows it. */
      readonly waitsFor?: string;
    }
  | {
      /** A health check: the upgrade stops unless it passes. */
      readonly kind: 'gate';
      readonly title: string;
      readonly target: UpgradeTarget;
      readonly commands: readonly string[];
      readonly checks: string;
    }
  | {
      readonly kind: 'background-migrations';
      readonly title: string;
      /** A node that runs Rails (the 1k node, or a member of the migrations group). */
      readonly target: UpgradeTarget;
      readonly commands: readonly string[];
      /** `refuse`: stop unless none is unfinished (before); `wait`: wait until none is (after). */
      readonly mode: 'refuse' | 'wait';
      readonly timeoutSeconds: number;
    }
  | {
      /** The node that runs the regular migrations: taken out of service (Standby) around its upgrade. */
      readonly kind: 'deploy-node';
      readonly title: string;
      readonly groupId: string;
      readonly commands: readonly string[];
      /** Run on the node before it goes back in service; they wait for its readiness check. */
      readonly readinessCommands: readonly string[];
      readonly readinessTimeoutSeconds: number;
    }
  | {
      readonly kind: 'set-version';
      readonly title: string;
      readonly parameterName: string;
      readonly version: string;
    }
  | {
      /** An operation of the chart's build (Cloud Native Hybrid): Helm and the toolbox reach the cluster there. */
      readonly kind: 'chart';
      readonly title: string;
      readonly operation: ChartOperation;
      /** What it waits for and how long it may take, as the plan shows it. */
      readonly details: readonly string[];
    }
  | {
      readonly kind: 'instance-refresh';
      readonly title: string;
      readonly groupId: string;
      readonly minHealthyPercentage: number;
      readonly maxHealthyPercentage: number;
      readonly instanceWarmupSeconds: number;
      /** The most the refresh may take before it is reported, still running, with what to do. */
      readonly timeoutSeconds: number;
    };

export interface UpgradeOptions {
  /** Version running now. */
  readonly from: string;
  /** Version to upgrade to. */
  readonly to: string;
  /** Take a backup first (the default). */
  readonly backup: boolean;
}

/** How long each wait may last. Bounds, not estimates: past one, the upgrade stops and says what to do. */
export const UPGRADE_BOUNDS = {
  /** AWS Backup snapshots of the database and the Gitaly volumes (the first full EBS snapshot is slow). */
  backupJobsSeconds: 4 * 3600,
  /** Sidekiq working through the batched background migrations the new version queued. */
  backgroundMigrationsSeconds: 6 * 3600,
  /** The upgraded deploy node answering /-/readiness after reconfigure restarted it. */
  readinessSeconds: 600,
  /**
   * A command that runs database migrations: over an hour on a large database, and SSM stops a
   * command at its execution timeout (one hour unless told otherwise).
   */
  migrationsSeconds: 6 * 3600,
  /** Any other command on a node: a package upgrade, a check. */
  commandSeconds: 3600,
} as const;

/** The header values every package upgrade script takes: the package and its exact version. */
function packageValues(plan: Plan, version: string): Record<string, string> {
  return {
    GITLAB_PACKAGE: plan.gitlab.packageName,
    GITLAB_PACKAGE_VERSION: `${version}-${plan.gitlab.edition}.0`,
  };
}

/** A package upgrade script, with the functions it shares with the others. */
const upgradeScript = (file: RemoteScriptFile, values: Record<string, string>) =>
  remoteScript(file, values, [REMOTE_SCRIPT_FILES.packageFunctions]);

/**
 * The refresh never lets a group drop below its desired capacity: MinHealthyPercentage 100, with
 * room for one extra instance (MaxHealthyPercentage above 100) so that each new node launches, boots
 * and turns healthy before an old one goes. A minimum below 100 would let AWS terminate old nodes
 * first: a Sidekiq group of two at 50 % is left with one, and the rounding of small groups can take
 * it to none while the replacements still boot for twelve minutes.
 */
export function refreshPercentages(group: AutoScalingGroupPlan): { min: number; max: number } {
  const oneInstance = Math.ceil(100 / Math.max(1, group.desiredCapacity));
  return { min: 100, max: Math.min(200, 100 + oneInstance) };
}

/**
 * Warm-up and time bound of a group's refresh, from its modelled boot.
 *
 * New members wait in Pending:Wait on the group's launch hook until their boot script completes it
 * (src/infra/auto-scaling.ts: CONTINUE once GitLab answers, ABANDON after boot.timeoutSeconds), and
 * the refresh's warm-up counts from InService, after the hook. So the ~12-minute boot is already
 * behind a node when its warm-up starts, and the warm-up is the time its load balancer health checks
 * need: the group's grace period. The bound is every member replaced one at a time, each taking its
 * longest boot and the warm-up, at the group's largest size.
 */
export function refreshTiming(group: AutoScalingGroupPlan): {
  warmupSeconds: number;
  timeoutSeconds: number;
} {
  const warmupSeconds = group.healthCheckGracePeriodSeconds;
  return {
    warmupSeconds,
    timeoutSeconds:
      Math.max(group.maxCapacity, group.desiredCapacity) * (group.boot.timeoutSeconds + warmupSeconds),
  };
}

const byRole = (plan: Plan, role: PlanNode['role']) =>
  plan.nodes.filter((node) => node.role === role && !node.autoScalingGroup);

/** What `upgrade` tells the user before a 1k upgrade starts. */
export const SINGLE_NODE_DOWNTIME =
  'GitLab is down during the upgrade: the 1k node runs every service, so there is no other node to serve while it upgrades.';

/**
 * GitLab's check that the batched background migrations have finished: before the upgrade it
 * refuses to start otherwise; after it, it waits for those the new version queued.
 */
export function backgroundMigrationsStep(mode: 'refuse' | 'wait', target: UpgradeTarget): UpgradeStep {
  return {
    kind: 'background-migrations',
    title:
      mode === 'refuse'
        ? 'Check that every batched background migration has finished'
        : 'Wait for the batched background migrations of the new version',
    target,
    commands: remoteScript(REMOTE_SCRIPT_FILES.checkBackgroundMigrations),
    mode,
    timeoutSeconds: mode === 'refuse' ? 0 : UPGRADE_BOUNDS.backgroundMigrationsSeconds,
  };
}

/**
 * The 1k node: the background migrations checked, a backup, the package upgraded in place with
 * GitLab down, new instances pinned to it, and the new version's background migrations waited for.
 */
function planSingleNodeUpgrade(plan: Plan, nodeId: string, to: string, backup: boolean): UpgradeStep[] {
  return [
    backgroundMigrationsStep('refuse', { nodeId }),
    ...(backup
      ? [
          {
            kind: 'backup' as const,
            title: `Back up GitLab and the data volume of ${nodeId}`,
            timeoutSeconds: UPGRADE_BOUNDS.backupJobsSeconds,
          },
        ]
      : []),
    {
      kind: 'run-command',
      title: `Upgrade GitLab on ${nodeId} and migrate its database (GitLab is down during the upgrade)`,
      target: { nodeId },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeSingleNode, packageValues(plan, to)),
      timeoutSeconds: UPGRADE_BOUNDS.migrationsSeconds,
    },
    {
      kind: 'set-version',
      title: `Make a replacement instance install GitLab ${to}`,
      parameterName: gitlabVersionParameterName(plan),
      version: to,
    },
    backgroundMigrationsStep('wait', { nodeId }),
  ];
}

/** Whether NGINX on web nodes expects the PROXY protocol header (so a local request must send one). */
const proxyProtocol = (plan: Plan) => {
  const external = externalLoadBalancer(plan);
  return external?.kind === 'nlb' && external.proxyProtocol ? 'yes' : 'no';
};

/**
 * The Gitaly nodes one at a time, then Praefect (its deploy node first: it runs the migrations the
 * others then find done), then the Gitaly Cluster checked before any Rails code is upgraded.
 */
export function gitalyUpgradeSteps(plan: Plan, to: string): UpgradeStep[] {
  const isDeployNode = (node: PlanNode) => node.id === plan.deployNodes.praefect;
  const praefects = byRole(plan, 'praefect').sort(
    (a, b) => Number(isDeployNode(b)) - Number(isDeployNode(a)),
  );
  return [
    ...byRole(plan, 'gitaly').map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade Gitaly on ${node.id}`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeGitaly, packageValues(plan, to)),
      waitsFor: 'Gitaly runs again, before the next node',
    })),
    ...praefects.map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade Praefect on ${node.id}${isDeployNode(node) ? ' (deploy node: runs the Praefect migrations)' : ''}`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradePraefect, {
        ...packageValues(plan, to),
        PRAEFECT_AUTO_MIGRATE: isDeployNode(node) ? 'true' : 'false',
      }),
      waitsFor: 'Praefect runs again, before the next node',
    })),
    ...(praefects[0]
      ? [
          {
            kind: 'gate' as const,
            title: `Check the Gitaly Cluster on ${praefects[0].id} before any Rails node is upgraded`,
            target: { nodeId: praefects[0].id },
            commands: remoteScript(REMOTE_SCRIPT_FILES.checkGitalyCluster),
            checks:
              'gitlab-ctl praefect check passes and praefect sql-migrate-status shows every migration applied',
          },
        ]
      : []),
  ];
}

export function planUpgrade(plan: Plan, options: UpgradeOptions): UpgradeStep[] {
  const problems = upgradePathProblems(options.from, options.to);
  if (problems.length > 0)
    throw new UserError(`upgrade refused:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const to = formatVersion(parseVersion(options.to));
  const single = plan.deployNodes.singleNode;
  if (single) return planSingleNodeUpgrade(plan, single, to, options.backup);
  const railsGroup =
    plan.autoScalingGroups.find((group) => group.id === plan.deployNodes.databaseMigrations) ??
    plan.autoScalingGroups.find((group) => group.role === 'rails');
  if (!railsGroup)
    throw new UserError(
      'upgrade needs a Rails auto scaling group; this plan has none (Cloud Native Hybrid upgrades go through Helm)',
    );
  const refreshed = [railsGroup, ...plan.autoScalingGroups.filter((group) => group !== railsGroup)];

  return [
    backgroundMigrationsStep('refuse', { groupId: railsGroup.id }),
    ...(options.backup
      ? [
          {
            kind: 'backup' as const,
            title: 'Back up GitLab, the database and the Gitaly volumes',
            timeoutSeconds: UPGRADE_BOUNDS.backupJobsSeconds,
          },
        ]
      : []),
    ...gitalyUpgradeSteps(plan, to),
    {
      kind: 'deploy-node',
      title: `Upgrade one ${railsGroup.id} node and run the regular migrations (post-deployment migrations skipped)`,
      groupId: railsGroup.id,
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeDeployRailsNode, packageValues(plan, to)),
      readinessCommands: remoteScript(REMOTE_SCRIPT_FILES.waitForReadiness, {
        READINESS_TIMEOUT: UPGRADE_BOUNDS.readinessSeconds,
        PROXY_PROTOCOL: proxyProtocol(plan),
      }),
      readinessTimeoutSeconds: UPGRADE_BOUNDS.readinessSeconds,
    },
    {
      kind: 'set-version',
      title: `Make new instances install GitLab ${to}`,
      parameterName: gitlabVersionParameterName(plan),
      version: to,
    },
    ...refreshed.map((group) => {
      const percentages = refreshPercentages(group);
      const timing = refreshTiming(group);
      return {
        kind: 'instance-refresh' as const,
        title: `Replace every ${group.id} node, a new one healthy before each old one goes`,
        groupId: group.id,
        minHealthyPercentage: percentages.min,
        maxHealthyPercentage: percentages.max,
        instanceWarmupSeconds: timing.warmupSeconds,
        timeoutSeconds: timing.timeoutSeconds,
      };
    }),
    {
      kind: 'run-command',
      title: 'Run the post-deployment migrations',
      target: { groupId: railsGroup.id },
      commands: remoteScript(REMOTE_SCRIPT_FILES.postDeploymentMigrations),
      timeoutSeconds: UPGRADE_BOUNDS.migrationsSeconds,
    },
    backgroundMigrationsStep('wait', { groupId: railsGroup.id }),
    // The backup node runs Rails code against the migrated database: gitlab-backup refuses to run,
    // and a restore needs the same version, until its package matches. It serves nothing, so it
    // goes after the Rails nodes, like the monitoring node (and reconfigures without migrating:
    // auto_migrate is off on it).
    ...byRole(plan, 'backup').map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade the package on ${node.id}, where gitlab-backup runs`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeMonitoring, packageValues(plan, to)),
    })),
    ...byRole(plan, 'monitoring').map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade the package on ${node.id}`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeMonitoring, packageValues(plan, to)),
    })),
  ];
}

/** Every command list a step sends through SSM (none for the steps that only call AWS). */
export function upgradeStepCommands(step: UpgradeStep): (readonly string[])[] {
  switch (step.kind) {
    case 'run-command':
    case 'gate':
    case 'background-migrations':
      return [step.commands];
    case 'deploy-node':
      return [step.commands, step.readinessCommands];
    default:
      return [];
  }
}

/** What a step waits for and checks, as `--dry-run` prints it under its title. */
export function upgradeStepDetails(step: UpgradeStep): string[] {
  switch (step.kind) {
    case 'backup':
      return [
        `waits for the AWS Backup jobs to complete (at most ${formatDuration(step.timeoutSeconds)}); a failed, aborted or expired job stops the upgrade here`,
      ];
    case 'run-command':
      return step.waitsFor ? [`waits until ${step.waitsFor}`] : [];
    case 'gate':
      return [`gate: ${step.checks}; stops here otherwise`];
    case 'background-migrations':
      return step.mode === 'refuse'
        ? ["gate: none unfinished (GitLab's documented check); refuses to start otherwise"]
        : [
            `waits until none is unfinished (at most ${formatDuration(step.timeoutSeconds)}), showing how many are left; a failed one stops here`,
          ];
    case 'deploy-node':
      return [
        'takes the node out of service first (Auto Scaling Standby): waits until no target group routes to it, HTTP and SSH',
        `gate: GitLab on the node answers /-/readiness (at most ${formatDuration(step.readinessTimeoutSeconds)})`,
        'puts it back in service and waits until every target group finds it healthy, also when a command failed',
      ];
    case 'set-version':
      return [];
    case 'chart':
      return [...step.details];
    case 'instance-refresh':
      return [
        `new nodes launch before old ones go (healthy ${step.minHealthyPercentage}-${step.maxHealthyPercentage} %), each after its boot and a ${formatDuration(step.instanceWarmupSeconds)} warm-up`,
        `gives up after ${formatDuration(step.timeoutSeconds)}, naming the commands to cancel or roll back`,
      ];
  }
}

/** The plan `--dry-run` prints: each step numbered, with what it waits for and checks. */
export function renderUpgradePlan(steps: readonly UpgradeStep[]): string[] {
  return steps.flatMap((step, index) => [
    `${index + 1}. ${step.title}`,
    ...upgradeStepDetails(step).map((detail) => `     ${detail}`),
  ]);
}

export interface UpgradeExecutorProps {
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
  readonly refresher: InstanceRefresher;
  /** Takes a group member out of service around the deploy node's upgrade. */
  readonly standby: StandbyControl;
  /** Writes the version parameter. */
  readonly setParameter: (name: string, value: string) => Promise<void>;
  /** Takes the pre-upgrade backup; returns the AWS Backup jobs it started. */
  readonly backup: () => Promise<{ readonly backupJobIds: readonly string[] }>;
  /** Waits for those jobs. */
  readonly backupJobs: BackupJobWaiter;
  /** Where the completed steps are recorded, so a re-run resumes. */
  readonly progress: UpgradeProgressStore;
  /** The versions of this upgrade, recorded with the progress. */
  readonly versions: { readonly from: string; readonly to: string };
  readonly log: (line: string) => void;
  /** Pauses between background-migration polls; tests pass one that returns at once. */
  readonly sleep?: Sleep;
  /** Aborted on Ctrl-C: the step in progress finishes, no further step starts. */
  readonly signal?: AbortSignal;
  /**
   * Runs an operation in the chart's build and returns its output lines (Cloud Native Hybrid:
   * the chart steps and the background migrations counted in the toolbox).
   */
  readonly chart?: (operation: ChartOperation) => Promise<readonly string[]>;
}

/** A step failed: which one, why, and what to do. The steps before it stay recorded as done. */
export class UpgradeStepFailed extends UserError {
  constructor(
    readonly step: number,
    readonly total: number,
    title: string,
    cause: Error,
  ) {
    super(
      `upgrade stopped at step ${step} of ${total} (${title}): ${cause.message}\n` +
        `${step > 1 ? `Steps 1-${step - 1} are done and recorded.` : 'No step is done yet.'} ` +
        `Fix the cause, then run the same upgrade command again: it resumes at step ${step}.`,
    );
  }
}

/** Pause between two looks at the background migrations, in milliseconds. */
const BACKGROUND_MIGRATION_POLL_MS = 60_000;

/**
 * The counts the background-migration script prints, from the output SSM returns: its standard
 * output followed by its standard error (where Rails' warnings go), so the line is found anywhere.
 */
export function parseBackgroundMigrations(output: string): { unfinished: number; failed: number } {
  const match = /^batched_background_migrations unfinished=(\d+) failed=(\d+)$/m.exec(output);
  if (!match) {
    throw new Error(
      `could not read the background migration counts (output cut short or the query failed): ...${output.slice(-300)}`,
    );
  }
  return { unfinished: Number(match[1]), failed: Number(match[2]) };
}

/**
 * Runs the steps in order and returns how many are done. Completed steps are recorded after each
 * one; a run of the same upgrade (same versions, same steps) starts after the last recorded step.
 * A failing step stops the upgrade with UpgradeStepFailed.
 */
export async function executeUpgrade(
  steps: readonly UpgradeStep[],
  props: UpgradeExecutorProps,
): Promise<number> {
  const digest = stepsDigest(steps.map((step) => step.title));
  const record = { ...props.versions, steps: digest };
  const saved = await props.progress.load();
  const resumeAt =
    saved && saved.from === record.from && saved.to === record.to && saved.steps === digest
      ? saved.completed
      : 0;
  if (resumeAt > 0)
    props.log(`Resuming at step ${resumeAt + 1}: steps 1-${resumeAt} were done by an earlier run.`);
  for (const [index, step] of steps.entries()) {
    if (index < resumeAt) continue;
    if (props.signal?.aborted) return index;
    props.log(`[${index + 1}/${steps.length}] ${step.title}`);
    try {
      await executeStep(step, props);
    } catch (error) {
      if (error instanceof UserError && step.kind === 'background-migrations' && step.mode === 'refuse')
        throw error;
      throw new UpgradeStepFailed(index + 1, steps.length, step.title, error as Error);
    }
    await props.progress.save({ ...record, completed: index + 1 });
  }
  await props.progress.clear();
  return steps.length;
}

async function instanceFor(directory: NodeDirectory, target: UpgradeTarget): Promise<string> {
  if ('cluster' in target)
    throw new Error("the cluster's toolbox has no instance: it runs through the chart's build");
  if ('nodeId' in target) return directory.instanceOf(target.nodeId);
  const instanceId = (await directory.instancesOf(target.groupId))[0];
  if (!instanceId) throw new Error(`no healthy instance in ${target.groupId}`);
  return instanceId;
}

async function executeStep(step: UpgradeStep, props: UpgradeExecutorProps): Promise<void> {
  const run = async (
    target: UpgradeTarget,
    commands: readonly string[],
    timeoutSeconds: number = UPGRADE_BOUNDS.commandSeconds,
  ) =>
    props.runner.run({
      instanceId: await instanceFor(props.directory, target),
      commands,
      comment: step.title,
      timeoutSeconds,
    });
  switch (step.kind) {
    case 'backup': {
      const { backupJobIds } = await props.backup();
      await props.backupJobs.waitForJobs(backupJobIds, step.timeoutSeconds);
      return;
    }
    case 'set-version':
      return props.setParameter(step.parameterName, step.version);
    case 'instance-refresh':
      return props.refresher.refresh({
        groupName: await props.directory.groupNameOf(step.groupId),
        minHealthyPercentage: step.minHealthyPercentage,
        maxHealthyPercentage: step.maxHealthyPercentage,
        instanceWarmupSeconds: step.instanceWarmupSeconds,
        timeoutSeconds: step.timeoutSeconds,
      });
    case 'run-command':
      await run(step.target, step.commands, step.timeoutSeconds);
      return;
    case 'gate':
      await run(step.target, step.commands);
      return;
    case 'background-migrations':
      return backgroundMigrations(step, props, async () =>
        'cluster' in step.target
          ? { output: (await chartOf(props)({ kind: 'background-migrations' })).join('\n') }
          : run(step.target, step.commands, 600),
      );
    case 'chart':
      await chartOf(props)(step.operation);
      return;
    case 'deploy-node': {
      const instanceId = await instanceFor(props.directory, { groupId: step.groupId });
      const lease = await props.standby.enter(await props.directory.groupNameOf(step.groupId), instanceId);
      // Back in service also when the upgrade failed: a Standby node is neither health-checked nor
      // replaced, and the group's minimum was lowered for it. A broken node then fails its health
      // check and the group replaces it with one that boots the version the parameter names.
      const command = { instanceId, comment: step.title };
      try {
        await props.runner.run({
          ...command,
          commands: step.commands,
          timeoutSeconds: UPGRADE_BOUNDS.migrationsSeconds,
        });
        await props.runner.run({
          ...command,
          commands: step.readinessCommands,
          timeoutSeconds: step.readinessTimeoutSeconds + 60,
        });
      } catch (error) {
        // The upgrade's error is the one to report; a failing way back is logged with it.
        await lease
          .exit()
          .catch((exitError: Error) =>
            props.log(`  could not put ${instanceId} back in service: ${exitError.message}`),
          );
        throw error;
      }
      await lease.exit();
      return;
    }
  }
}

function chartOf(props: UpgradeExecutorProps): NonNullable<UpgradeExecutorProps['chart']> {
  if (!props.chart) throw new Error("this upgrade has chart steps, and nothing runs the chart's build");
  return props.chart;
}

async function backgroundMigrations(
  step: Extract<UpgradeStep, { kind: 'background-migrations' }>,
  props: UpgradeExecutorProps,
  count: () => Promise<{ readonly output: string }>,
): Promise<void> {
  if (step.mode === 'refuse') {
    const { unfinished, failed } = parseBackgroundMigrations((await count()).output);
    if (unfinished > 0)
      throw new UserError(
        `upgrade refused: ${unfinished} batched background migration(s) unfinished${failed > 0 ? `, ${failed} of them failed` : ''}. ` +
          'Let them finish (Admin > Monitoring > Background migrations; failed ones need a retry there) and run upgrade again. Nothing was changed.',
      );
    return;
  }
  await pollUntil(
    'the batched background migrations',
    async () => {
      const { unfinished, failed } = parseBackgroundMigrations((await count()).output);
      if (failed > 0)
        throw new Error(
          `${failed} batched background migration(s) failed: retry them in Admin > Monitoring > Background migrations`,
        );
      return unfinished === 0
        ? { done: true, value: undefined }
        : { done: false, status: `${unfinished} unfinished` };
    },
    {
      sleep: props.sleep,
      pollMs: BACKGROUND_MIGRATION_POLL_MS,
      timeoutSeconds: step.timeoutSeconds,
      progress: (status) => props.log(`  batched background migrations: ${status}`),
    },
  );
}

/**
 * `gitlab-aws upgrade --image`: move the environment to the newest Ubuntu image.
 *
 * Every instance boots the image pinned in the environment's parameter
 * (`machineImageParameterName`, src/plan/contracts.ts), which the templates read as an SSM-typed
 * stack parameter: CloudFormation resolves it on each deploy, so writing the parameter changes
 * nothing until the compute stack is deployed, and then the deploy does the rolling. It replaces
 * the fixed nodes (an image is replace-only) with the Gitaly instances chained so that one goes
 * at a time, each new instance waiting for its boot signal before the next starts, and it rolls
 * every auto scaling group with the group's rolling update, which keeps the minimum in service and
 * waits for each new member's boot signal. The health gate around it is Praefect's own
 * `gitlab-ctl praefect check` (gitlabhq/omnibus-gitlab files/gitlab-ctl-commands/praefect.rb at
 * e0e0b0ebf8db5893cb543a2bfa9c57ffa564c560): before anything changes, and once the deploy is done.
 */
export type ImageRollStep =
  | { readonly kind: 'backup'; readonly title: string }
  | {
      readonly kind: 'gate';
      readonly title: string;
      readonly nodeId: string;
      readonly commands: readonly string[];
    }
  | {
      readonly kind: 'pin-image';
      readonly title: string;
      readonly arch: Arch;
      /** The environment's pinned parameter. */
      readonly parameterName: string;
      /** Canonical's public parameter with the newest image. */
      readonly newestParameterName: string;
    }
  | { readonly kind: 'deploy'; readonly title: string };

/** Praefect's cluster check, on one Praefect node: it exits non-zero when a check fails. */
const PRAEFECT_CHECK = ['gitlab-ctl praefect check'];

export function planImageRoll(plan: Plan, options: { readonly backup: boolean }): ImageRollStep[] {
  const arches = [
    ...new Set([...plan.nodes, ...plan.autoScalingGroups].map((machines) => machines.arch)),
  ].sort();
  const gateNode = plan.deployNodes.praefect ?? byRole(plan, 'praefect')[0]?.id;
  const gate = (when: string): ImageRollStep[] =>
    gateNode
      ? [
          {
            kind: 'gate',
            title: `Check the Gitaly Cluster on ${gateNode} ${when} (gitlab-ctl praefect check)`,
            nodeId: gateNode,
            commands: PRAEFECT_CHECK,
          },
        ]
      : [];
  return [
    ...gate('before any node is replaced'),
    ...(options.backup
      ? [{ kind: 'backup' as const, title: 'Back up GitLab, the database and the Gitaly volumes' }]
      : []),
    ...arches.map((arch) => ({
      kind: 'pin-image' as const,
      title: `Pin the newest Ubuntu 24.04 image for ${arch}`,
      arch,
      parameterName: machineImageParameterName(plan, arch),
      newestParameterName: UBUNTU_IMAGE_PARAMETER[arch],
    })),
    {
      kind: 'deploy',
      title:
        'Deploy: CloudFormation replaces the fixed nodes (Gitaly one at a time, each waiting for its boot signal) and rolls every auto scaling group (its minimum kept in service)',
    },
    ...gate('after the nodes were replaced'),
  ];
}

export interface ImageRollProps {
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
  readonly readParameter: (name: string) => Promise<string>;
  /** Writes the pinned image parameter. */
  readonly pinImage: (name: string, imageId: string) => Promise<void>;
  /** Deploys the environment, letting CloudFormation replace the instances. */
  readonly deploy: () => Promise<void>;
  readonly backup: () => Promise<void>;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ImageRollOutcome {
  /** Steps completed. */
  readonly done: number;
  /** Images changed, by arch: the pinned id before and after. */
  readonly changed: readonly { readonly arch: Arch; readonly from: string; readonly to: string }[];
}

/**
 * Runs the steps in order, stopping at a failing gate or step. When every pinned image is already
 * the newest, it stops after reading them: nothing is replaced for nothing.
 */
export async function executeImageRoll(
  steps: readonly ImageRollStep[],
  props: ImageRollProps,
): Promise<ImageRollOutcome> {
  const newest = new Map<string, { arch: Arch; from: string; to: string }>();
  for (const step of steps) {
    if (step.kind !== 'pin-image') continue;
    const [from, to] = [
      await props.readParameter(step.parameterName),
      await props.readParameter(step.newestParameterName),
    ];
    props.log(`${step.arch}: pinned ${from}, newest ${to}`);
    if (from !== to) newest.set(step.parameterName, { arch: step.arch, from, to });
  }
  if (newest.size === 0) {
    props.log('Every pinned image is the newest: no node needs replacing.');
    return { done: 0, changed: [] };
  }
  for (const [index, step] of steps.entries()) {
    if (props.signal?.aborted) return { done: index, changed: [...newest.values()] };
    props.log(`[${index + 1}/${steps.length}] ${step.title}`);
    switch (step.kind) {
      case 'backup':
        await props.backup();
        break;
      case 'gate':
        await props.runner.run({
          instanceId: await props.directory.instanceOf(step.nodeId),
          commands: step.commands,
          comment: step.title,
          timeoutSeconds: 600,
        });
        break;
      case 'pin-image': {
        const change = newest.get(step.parameterName);
        if (change) await props.pinImage(step.parameterName, change.to);
        break;
      }
      case 'deploy':
        await props.deploy();
        break;
    }
  }
  return { done: steps.length, changed: [...newest.values()] };
}

/**
 * The data-losing changes an image roll expects and lets through: replacing instances, whose Git
 * data lives on the retained data-stack volume their successor attaches. Anything else (a volume,
 * a database, a bucket) still stops the deploy: it would not come from a new image.
 */
export function imageRollReplacements(changes: readonly StatefulChange[]): string[] {
  return changes
    .filter((change) => change.resourceType === 'AWS::EC2::Instance' && change.action !== 'delete')
    .map((change) => change.logicalId);
}
