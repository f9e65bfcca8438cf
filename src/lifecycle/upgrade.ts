/**
 * `gitlab-aws upgrade --to <version>`: GitLab's zero-downtime order for multi-node Linux package
 * installs (doc/update/zero_downtime.md, skratsch-solutions/gitlabhq
 * d08a1508d191015791d908b4d42036623e6603ae): stateful backends first, application code last.
 *
 * RDS and ElastiCache are upgraded by AWS, so the order here is: Gitaly nodes one at a time
 * (Gitaly reloads gracefully), Praefect (its deploy node runs the Praefect migrations), one Rails
 * node running the regular migrations with post-deployment migrations skipped, then every Rails
 * and Sidekiq node replaced by a rolling instance refresh that never drops below the group's
 * minimum, then the post-deployment migrations.
 *
 * New auto scaling group members install the version in the environment's version parameter
 * (`gitlabVersionParameterName`, src/plan/contracts.ts), so setting it is what makes the refresh
 * install the new release.
 *
 * The 1k node runs everything on one instance, so it has no zero-downtime upgrade: GitLab is down
 * while its package is replaced and its bundled database migrated (doc/update/zero_downtime.md
 * names multi-node installs as the requirement), and `upgrade` says so before it starts.
 *
 * `planUpgrade` is pure (tests assert the steps); `executeUpgrade` runs them through the fleet
 * interfaces.
 */
import { UserError } from '../errors.js';
import {
  gitlabVersionParameterName,
  machineImageParameterName,
  UBUNTU_IMAGE_PARAMETER,
} from '../plan/contracts.js';
import type { Arch, AutoScalingGroupPlan, Plan, PlanNode } from '../plan/types.js';
import type { InstanceRefresher, NodeDirectory, RemoteRunner } from './fleet.js';
import { REMOTE_SCRIPT_FILES, type RemoteScriptFile, remoteScript } from './remote-scripts.js';
import type { StatefulChange } from './stateful-changes.js';
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
      `(${skipped.stop.source.path} at ${skipped.stop.source.commit.slice(0, 12)})`
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

export type UpgradeStep =
  | { readonly kind: 'backup'; readonly title: string }
  | {
      readonly kind: 'run-command';
      readonly title: string;
      /** A fixed node, or one member of an auto scaling group. */
      readonly target: { readonly nodeId: string } | { readonly groupId: string };
      readonly commands: readonly string[];
    }
  | {
      readonly kind: 'set-version';
      readonly title: string;
      readonly parameterName: string;
      readonly version: string;
    }
  | {
      readonly kind: 'instance-refresh';
      readonly title: string;
      readonly groupId: string;
      readonly minHealthyPercentage: number;
      readonly maxHealthyPercentage: number;
      readonly instanceWarmupSeconds: number;
    };

export interface UpgradeOptions {
  /** Version running now. */
  readonly from: string;
  /** Version to upgrade to. */
  readonly to: string;
  /** Take a backup first (the default). */
  readonly backup: boolean;
}

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
 * Keeps the group at or above its minimum throughout: with the minimum equal to the desired
 * capacity nothing may go before its replacement is healthy, so one extra instance launches first.
 */
export function refreshPercentages(group: AutoScalingGroupPlan): { min: number; max: number } {
  const min = Math.min(100, Math.ceil((group.minCapacity / group.desiredCapacity) * 100));
  const oneInstance = Math.ceil(100 / group.desiredCapacity);
  return { min, max: min === 100 ? Math.min(200, 100 + oneInstance) : 100 };
}

const byRole = (plan: Plan, role: PlanNode['role']) =>
  plan.nodes.filter((node) => node.role === role && !node.autoScalingGroup);

/** What `upgrade` tells the user before a 1k upgrade starts. */
export const SINGLE_NODE_DOWNTIME =
  'GitLab is down during the upgrade: the 1k node runs every service, so there is no other node to serve while it upgrades.';

/** The 1k node: a backup, the package upgraded in place with GitLab down, new instances pinned to it. */
function planSingleNodeUpgrade(plan: Plan, nodeId: string, to: string, backup: boolean): UpgradeStep[] {
  return [
    ...(backup
      ? [{ kind: 'backup' as const, title: `Back up GitLab and the data volume of ${nodeId}` }]
      : []),
    {
      kind: 'run-command',
      title: `Upgrade GitLab on ${nodeId} and migrate its database (GitLab is down during the upgrade)`,
      target: { nodeId },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeSingleNode, packageValues(plan, to)),
    },
    {
      kind: 'set-version',
      title: `Make a replacement instance install GitLab ${to}`,
      parameterName: gitlabVersionParameterName(plan),
      version: to,
    },
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
  // The Praefect deploy node goes first: it runs the migrations the others then find done.
  const isDeployNode = (node: PlanNode) => node.id === plan.deployNodes.praefect;
  const praefects = byRole(plan, 'praefect').sort(
    (a, b) => Number(isDeployNode(b)) - Number(isDeployNode(a)),
  );
  const refreshed = [railsGroup, ...plan.autoScalingGroups.filter((group) => group !== railsGroup)];

  return [
    ...(options.backup
      ? [{ kind: 'backup' as const, title: 'Back up GitLab, the database and the Gitaly volumes' }]
      : []),
    ...byRole(plan, 'gitaly').map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade Gitaly on ${node.id}`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeGitaly, packageValues(plan, to)),
    })),
    ...praefects.map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade Praefect on ${node.id}${isDeployNode(node) ? ' (deploy node: runs the Praefect migrations)' : ''}`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradePraefect, {
        ...packageValues(plan, to),
        PRAEFECT_AUTO_MIGRATE: isDeployNode(node) ? 'true' : 'false',
      }),
    })),
    {
      kind: 'run-command',
      title: `Upgrade one ${railsGroup.id} node and run the regular migrations (post-deployment migrations skipped)`,
      target: { groupId: railsGroup.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeDeployRailsNode, packageValues(plan, to)),
    },
    {
      kind: 'set-version',
      title: `Make new instances install GitLab ${to}`,
      parameterName: gitlabVersionParameterName(plan),
      version: to,
    },
    ...refreshed.map((group) => {
      const percentages = refreshPercentages(group);
      return {
        kind: 'instance-refresh' as const,
        title: `Replace every ${group.id} node (at least ${group.minCapacity} healthy throughout)`,
        groupId: group.id,
        minHealthyPercentage: percentages.min,
        maxHealthyPercentage: percentages.max,
        // The refresh waits for each new node's launch hook, which its boot script completes once
        // GitLab answers (at most the Plan's boot.timeoutSeconds); warmup counts from InService,
        // so it is only the time to pass the load balancer's health checks: the grace period.
        instanceWarmupSeconds: group.healthCheckGracePeriodSeconds,
      };
    }),
    {
      kind: 'run-command',
      title: 'Run the post-deployment migrations',
      target: { groupId: railsGroup.id },
      commands: remoteScript(REMOTE_SCRIPT_FILES.postDeploymentMigrations),
    },
    ...byRole(plan, 'monitoring').map((node) => ({
      kind: 'run-command' as const,
      title: `Upgrade the package on ${node.id}`,
      target: { nodeId: node.id },
      commands: upgradeScript(REMOTE_SCRIPT_FILES.upgradeMonitoring, packageValues(plan, to)),
    })),
  ];
}

export interface UpgradeExecutorProps {
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
  readonly refresher: InstanceRefresher;
  /** Writes the version parameter. */
  readonly setParameter: (name: string, value: string) => Promise<void>;
  /** Takes the pre-upgrade backup. */
  readonly backup: () => Promise<void>;
  readonly log: (line: string) => void;
  /** Aborted on Ctrl-C: the step in progress finishes, no further step starts. */
  readonly signal?: AbortSignal;
}

/** Runs the steps in order; returns how many completed. A failing step stops the upgrade. */
export async function executeUpgrade(
  steps: readonly UpgradeStep[],
  props: UpgradeExecutorProps,
): Promise<number> {
  for (const [index, step] of steps.entries()) {
    if (props.signal?.aborted) return index;
    props.log(`[${index + 1}/${steps.length}] ${step.title}`);
    switch (step.kind) {
      case 'backup':
        await props.backup();
        break;
      case 'set-version':
        await props.setParameter(step.parameterName, step.version);
        break;
      case 'instance-refresh':
        await props.refresher.refresh({
          groupName: await props.directory.groupNameOf(step.groupId),
          minHealthyPercentage: step.minHealthyPercentage,
          maxHealthyPercentage: step.maxHealthyPercentage,
          instanceWarmupSeconds: step.instanceWarmupSeconds,
        });
        break;
      case 'run-command': {
        const instanceId =
          'nodeId' in step.target
            ? await props.directory.instanceOf(step.target.nodeId)
            : (await props.directory.instancesOf(step.target.groupId))[0];
        if (!instanceId)
          throw new Error(`no healthy instance in ${'groupId' in step.target ? step.target.groupId : ''}`);
        await props.runner.run({
          instanceId,
          commands: step.commands,
          comment: step.title,
          timeoutSeconds: 3600,
        });
        break;
      }
    }
  }
  return steps.length;
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
