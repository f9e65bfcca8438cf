/**
 * `gitlab-aws destroy`: what goes and what stays, derived from the Plan and the stack layout.
 *
 * By default only the stacks that can be rebuilt from the spec go (compute, edge, ops). The data
 * stack stays, and with it the network stack its database and Redis subnets live in. With
 * `--include-data` and the environment name typed back, every stack goes. What each stateful
 * resource does when its stack goes is the Plan's `statefulResources`: the database and Redis
 * leave final snapshots; buckets, Gitaly volumes, secrets, keys, log groups and the backup vault
 * are retained and stay in the account, on the bill, until deleted by hand. Those whose names the
 * templates fix (secrets, buckets) would make a new deploy of the same spec fail, so the preview
 * lists them with the command that frees each name.
 */
import { UserError } from '../errors.js';
import { nameInAccount } from '../plan/contracts.js';
import {
  DATA_STACK_KINDS,
  KEPT_STACK_KINDS,
  STACK_ORDER,
  type StackKind,
  stackName,
} from '../plan/stacks.js';
import type { Plan, StatefulResourcePlan } from '../plan/types.js';
import { destroyWaves } from './stack-waves.js';
import type { CdkToolkit } from './toolkit.js';

/** Stacks whose resources other stacks' data lives in: they go only when the data goes. */
const HOSTS_DATA: readonly StackKind[] = KEPT_STACK_KINDS.filter((kind) => !DATA_STACK_KINDS.includes(kind));

export interface DestroyPlan {
  /** Stack kinds deleted. */
  readonly deletedStacks: readonly StackKind[];
  /** Stack kinds kept. */
  readonly keptStacks: readonly StackKind[];
  /** What is deleted, one line per resource group, named as in AWS. */
  readonly deleted: readonly string[];
  /** What is kept, one line per resource group, named as in AWS. */
  readonly kept: readonly string[];
  /**
   * Retained resources of deleted stacks whose names the templates fix: a deploy of the same spec
   * creates them again and fails while they exist (the default destroy leaves none: the stacks it
   * keeps are updated in place, so what they hold is adopted).
   */
  readonly blockRedeploy: readonly StatefulResourcePlan[];
}

/** A stateful resource whose stack is deleted: how it goes, or that it stays. */
function goneLine(resource: StatefulResourcePlan): string {
  return resource.onStackDelete === 'snapshot'
    ? `${resource.description}: a final snapshot is taken first`
    : resource.description;
}

/** What each rebuildable stack holds, for the deleted list. */
function stackSummary(plan: Plan, kind: StackKind): string {
  const nodes = plan.nodes.filter((node) => !node.autoScalingGroup).map((node) => node.id);
  const groups = plan.autoScalingGroups.map(
    (group) => `${group.id} (${group.minCapacity}-${group.maxCapacity})`,
  );
  const describe: Readonly<Record<StackKind, string>> = {
    network: 'VPC, subnets and NAT gateways',
    data: 'data stack',
    edge: 'load balancers, certificate and DNS records',
    compute: `instances ${nodes.join(', ')}; auto scaling groups ${groups.join(', ')}`,
    ops: 'alarms, alarm topic and the AWS Backup plan (recovery points already taken are kept)',
  };
  return `${stackName(plan, kind)}: ${describe[kind]}`;
}

export function planDestroy(plan: Plan, options: { readonly includeData: boolean }): DestroyPlan {
  const goes = (kind: StackKind) =>
    options.includeData || (!DATA_STACK_KINDS.includes(kind) && !HOSTS_DATA.includes(kind));
  const deletedStacks = STACK_ORDER.filter(goes);
  const keptStacks = STACK_ORDER.filter((kind) => !goes(kind));
  const rebuildable = deletedStacks.filter((kind) => !DATA_STACK_KINDS.includes(kind));
  const inDeletedStack = (resource: StatefulResourcePlan) => deletedStacks.includes(resource.stack);
  const resources = plan.statefulResources;
  return {
    deletedStacks,
    keptStacks,
    deleted: [
      ...rebuildable.map((kind) => stackSummary(plan, kind)),
      ...resources
        .filter((resource) => inDeletedStack(resource) && resource.onStackDelete !== 'retain')
        .map(goneLine),
    ],
    kept: [
      ...keptStacks.filter((kind) => HOSTS_DATA.includes(kind)).map((kind) => stackSummary(plan, kind)),
      ...resources.filter((resource) => !inDeletedStack(resource)).map((resource) => resource.description),
      ...resources
        .filter((resource) => inDeletedStack(resource) && resource.onStackDelete === 'retain')
        .map(
          (resource) =>
            `${resource.description} (retained when ${stackName(plan, resource.stack)} is deleted)`,
        ),
    ],
    blockRedeploy: resources.filter(
      (resource) =>
        inDeletedStack(resource) &&
        resource.onStackDelete === 'retain' &&
        resource.physicalName !== undefined,
    ),
  };
}

/** The shell's account id of the caller, for bucket names (which carry the account): asked of STS as the command runs. */
const CALLER_ACCOUNT = '$(aws sts get-caller-identity --query Account --output text)';

/** The AWS CLI command that frees a retained resource's name. */
function deleteCommand(plan: Plan, resource: StatefulResourcePlan): string {
  const name = resource.physicalName;
  return resource.kind === 'secret'
    ? `aws secretsmanager delete-secret --region ${plan.region} --secret-id ${name} --force-delete-without-recovery`
    : `aws s3api delete-bucket --region ${plan.region} --bucket "${nameInAccount(name ?? '', CALLER_ACCOUNT)}"  # after deleting every object version in it`;
}

/**
 * Why a redeploy would fail after the data stack goes, and how to free the names. Secrets keep
 * their names because GitLab's data depends on them (gitlab-secrets.json decrypts the database),
 * so they are never renamed per deployment: they are deleted by hand, after copying them.
 */
function redeployLines(plan: Plan, destroy: DestroyPlan): string[] {
  if (destroy.blockRedeploy.length === 0) return [];
  return [
    `A new deploy of ${plan.spec.name} creates these names again and fails while the retained ones exist. Copy what you need (the secrets decrypt what the final snapshots hold), then delete them, or deploy under another name:`,
    ...destroy.blockRedeploy.map((resource) => `  ${deleteCommand(plan, resource)}`),
  ];
}

export function renderDestroyPlan(plan: Plan, destroy: DestroyPlan): string[] {
  return [
    `Deleted (${destroy.deletedStacks.map((kind) => stackName(plan, kind)).join(', ')}):`,
    ...destroy.deleted.map((line) => `  - ${line}`),
    ...(destroy.kept.length === 0
      ? []
      : destroy.keptStacks.length > 0
        ? [
            `Kept (${destroy.keptStacks.map((kind) => stackName(plan, kind)).join(', ')}; still billed):`,
            ...destroy.kept.map((line) => `  + ${line}`),
            'Run `gitlab-aws deploy` to bring GitLab back on the kept data, or `destroy --include-data` to delete the data stack too (what it retains stays).',
          ]
        : [
            'Kept (retained when their stacks are deleted; still billed):',
            ...destroy.kept.map((line) => `  + ${line}`),
            'Retained resources stay in the account until deleted by hand.',
          ]),
    ...redeployLines(plan, destroy),
  ];
}

/**
 * The environment name typed back, from `--confirm` or the prompt. Deleting an environment is
 * never a default: without a terminal and without `--confirm`, destroy refuses.
 */
export async function confirmEnvironmentName(props: {
  readonly environment: string;
  readonly confirm?: string;
  readonly prompt?: (question: string) => Promise<string>;
  readonly what: string;
}): Promise<void> {
  const typed =
    props.confirm ??
    (props.prompt
      ? (await props.prompt(`Type the environment name (${props.environment}) to ${props.what}: `)).trim()
      : undefined);
  if (typed === undefined) {
    throw new UserError(
      `refused: no terminal to confirm on; pass --confirm ${props.environment} to ${props.what}`,
      2,
    );
  }
  if (typed !== props.environment) {
    throw new UserError(
      `refused: "${typed}" is not the environment name (${props.environment}); nothing was deleted`,
    );
  }
}

export interface DestroyEnvironmentProps {
  readonly plan: Plan;
  readonly toolkit: CdkToolkit;
  readonly destroy: DestroyPlan;
  /** Aborted on Ctrl-C: stacks being deleted finish, no further stack starts. */
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
}

/** Deletes the planned stacks, dependents first; returns the stack names deleted. */
export async function destroyEnvironment(props: DestroyEnvironmentProps): Promise<string[]> {
  const stacks = await props.toolkit.listStacks();
  const selected = props.destroy.deletedStacks.map((kind) => stackName(props.plan, kind));
  const deleted: string[] = [];
  for (const wave of destroyWaves(stacks, selected)) {
    if (props.signal?.aborted) break;
    props.log(`Deleting ${wave.join(', ')}`);
    await props.toolkit.destroy({ stackNames: wave, concurrency: wave.length });
    deleted.push(...wave);
  }
  return deleted;
}
