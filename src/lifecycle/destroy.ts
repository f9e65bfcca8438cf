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
 *
 * Before the stacks of `--include-data` go, destroy takes final snapshots of its own (the RDS
 * primary and every Gitaly volume, named after the environment and the time, waited for), lifts
 * RDS deletion protection (CloudFormation cannot delete a protected instance) and deletes the read
 * replicas (retained, they would keep the data stack's subnet group in use and its deletion would
 * fail; they hold nothing the primary's snapshot lacks). What the stacks retain is deleted only on
 * a second confirmation, `--delete-retained <name>`: buckets with every object version, secrets,
 * the snapshotted Gitaly volumes and log groups. KMS keys and the backup vault always stay: the
 * snapshots are encrypted with those keys, and the vault holds the recovery points.
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
import type { DataStores, DataVolume, DeleteOutcome } from './data-stores.js';
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
  /** What destroy does before deleting the stacks, one line per action (with `--include-data`). */
  readonly beforeStacks: readonly string[];
  /** Retained resources destroy deletes after the stacks, on the second confirmation. */
  readonly deletedAfterStacks: readonly StatefulResourcePlan[];
}

/** Kinds of retained resources the second confirmation deletes; keys and the vault always stay. */
const DELETABLE_WHEN_RETAINED: readonly StatefulResourcePlan['kind'][] = [
  'bucket',
  'secret',
  'volume',
  'log-group',
];

/** RDS read replicas: retained by their stack, deleted by destroy before the data stack goes. */
function isReadReplica(resource: StatefulResourcePlan): boolean {
  return resource.kind === 'rds' && resource.onStackDelete === 'retain';
}

/** Resources destroy snapshots itself before the stacks go: the RDS primary and the Gitaly volumes. */
function snapshotsFirst(resource: StatefulResourcePlan): boolean {
  return (resource.kind === 'rds' && !isReadReplica(resource)) || resource.kind === 'volume';
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
    network: 'VPC, subnets, security groups and private DNS zone',
    data: 'data stack',
    edge: 'load balancers, certificate and DNS records',
    compute: `instances ${nodes.join(', ')}; auto scaling groups ${groups.join(', ')}; NAT gateways`,
    ops: 'alarms, alarm topic and the AWS Backup plan (recovery points already taken are kept)',
  };
  return `${stackName(plan, kind)}: ${describe[kind]}`;
}

export interface DestroyOptions {
  /** Delete the data stack and the network stack too. */
  readonly includeData: boolean;
  /** Delete what the stacks retain after them (the second confirmation was given). */
  readonly deleteRetained?: boolean;
}

export function planDestroy(plan: Plan, options: DestroyOptions): DestroyPlan {
  const goes = (kind: StackKind) =>
    options.includeData || (!DATA_STACK_KINDS.includes(kind) && !HOSTS_DATA.includes(kind));
  const deletedStacks = STACK_ORDER.filter(goes);
  const keptStacks = STACK_ORDER.filter((kind) => !goes(kind));
  const rebuildable = deletedStacks.filter((kind) => !DATA_STACK_KINDS.includes(kind));
  const inDeletedStack = (resource: StatefulResourcePlan) => deletedStacks.includes(resource.stack);
  const resources = plan.statefulResources;
  const dataGoes = deletedStacks.includes('data');
  const replicas = dataGoes ? resources.filter(isReadReplica) : [];
  const retained = resources.filter(
    (resource) => inDeletedStack(resource) && resource.onStackDelete === 'retain' && !isReadReplica(resource),
  );
  const deletedAfterStacks =
    options.includeData && options.deleteRetained === true
      ? retained.filter((resource) => DELETABLE_WHEN_RETAINED.includes(resource.kind))
      : [];
  const stamp = `${plan.spec.name}-final-<time>`;
  const beforeStacks = dataGoes
    ? [
        ...resources
          .filter(snapshotsFirst)
          .map((resource) => `final snapshot ${stamp} of ${resource.description}, waited for and kept`),
        ...resources
          .filter((resource) => resource.kind === 'rds')
          .map((resource) => `deletion protection lifted on ${resource.description}`),
        ...replicas.map(
          (resource) =>
            `${resource.description} deleted (a copy of the primary; it would keep ${stackName(plan, 'data')} from being deleted)`,
        ),
      ]
    : [];
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
      ...retained
        .filter((resource) => !deletedAfterStacks.includes(resource))
        .map(
          (resource) =>
            `${resource.description} (retained when ${stackName(plan, resource.stack)} is deleted)`,
        ),
    ],
    blockRedeploy: retained.filter(
      (resource) => resource.physicalName !== undefined && !deletedAfterStacks.includes(resource),
    ),
    beforeStacks,
    deletedAfterStacks,
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
  const retainedDeletable = destroy.deletedStacks.includes('data') && destroy.deletedAfterStacks.length === 0;
  return [
    ...(destroy.beforeStacks.length === 0
      ? []
      : ['First, before any stack is deleted:', ...destroy.beforeStacks.map((line) => `  * ${line}`)]),
    // A preview, printed before the confirmation: nothing is deleted yet.
    `Will delete (${destroy.deletedStacks.map((kind) => stackName(plan, kind)).join(', ')}):`,
    ...destroy.deleted.map((line) => `  - ${line}`),
    ...(destroy.kept.length === 0
      ? []
      : destroy.keptStacks.length > 0
        ? [
            `Will keep (${destroy.keptStacks.map((kind) => stackName(plan, kind)).join(', ')}; still billed):`,
            ...destroy.kept.map((line) => `  + ${line}`),
            'Run `gitlab-aws deploy` to bring GitLab back on the kept data, or `destroy --include-data` to delete the data stack too (what it retains stays).',
          ]
        : [
            'Will keep (retained when their stacks are deleted; still billed):',
            ...destroy.kept.map((line) => `  + ${line}`),
            retainedDeletable
              ? `Retained resources stay in the account until deleted by hand, or by adding --delete-retained ${plan.spec.name} (a second confirmation: buckets with every object version, secrets, the snapshotted Gitaly volumes and log groups are deleted for good after the stacks; KMS keys and the backup vault stay).`
              : 'Retained resources stay in the account until deleted by hand.',
          ]),
    ...(destroy.deletedAfterStacks.length === 0
      ? []
      : [
          `Then deleted for good (--delete-retained ${plan.spec.name}; the secrets decrypt what the final snapshots hold, copy them first if you may restore):`,
          ...destroy.deletedAfterStacks.map((resource) => `  - ${resource.description}`),
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

/**
 * The second confirmation, for deleting what the stacks retain: `--delete-retained` with the
 * environment name, on top of `--include-data` and the first confirmation. A flag rather than a
 * second prompt, so that it is decided before anything starts and works the same without a
 * terminal; without it nothing retained is touched. Returns whether it was given.
 */
export function confirmRetainedDeletion(props: {
  readonly environment: string;
  readonly includeData: boolean;
  readonly typed?: string;
}): boolean {
  if (props.typed === undefined) return false;
  if (!props.includeData) {
    throw new UserError(
      '--delete-retained needs --include-data: the retained resources belong to the data stack',
      2,
    );
  }
  if (props.typed !== props.environment) {
    throw new UserError(
      `refused: --delete-retained "${props.typed}" is not the environment name (${props.environment}); nothing was deleted`,
    );
  }
  return true;
}

export interface DestroyEnvironmentProps {
  readonly plan: Plan;
  readonly toolkit: CdkToolkit;
  readonly destroy: DestroyPlan;
  /** Aborted on Ctrl-C: stacks being deleted finish, no further stack starts. */
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
  /** Filled as stacks are deleted, so a caller sees how far a failed destroy got. */
  readonly deleted?: string[];
}

/** Deletes the planned stacks, dependents first; returns the stack names deleted. */
export async function destroyEnvironment(props: DestroyEnvironmentProps): Promise<string[]> {
  const stacks = await props.toolkit.listStacks();
  const selected = props.destroy.deletedStacks.map((kind) => stackName(props.plan, kind));
  const deleted: string[] = props.deleted ?? [];
  for (const wave of destroyWaves(stacks, selected)) {
    if (props.signal?.aborted) break;
    props.log(`Deleting ${wave.join(', ')}`);
    await props.toolkit.destroy({ stackNames: wave, concurrency: wave.length });
    deleted.push(...wave);
  }
  return deleted;
}

/** One action destroy took on a data store, for the report. */
export interface TeardownStep {
  /** What was acted on and how, e.g. "final snapshot gl-final-20250418-020000 of RDS instance db-1". */
  readonly what: string;
  /** `absent`: there was nothing to act on (already gone). */
  readonly outcome: 'done' | 'absent' | 'failed';
  /** The error, for a failed step. */
  readonly detail?: string;
}

export interface DestroyReport {
  readonly steps: readonly TeardownStep[];
  /** Stack names deleted. */
  readonly deletedStacks: readonly string[];
  /** Whether every planned step ran and succeeded. */
  readonly completed: boolean;
  /** What state things are in when it did not complete. */
  readonly stoppedBecause?: string;
}

export interface DestroyWithDataProps extends DestroyEnvironmentProps {
  readonly stores: DataStores;
  /** When destroy started, for the snapshot names. */
  readonly now: Date;
}

/** `20250418-020000`: sortable, and valid in RDS snapshot identifiers. */
function timestamp(now: Date): string {
  return now.toISOString().slice(0, 19).replaceAll(/[-:]/g, '').replace('T', '-');
}

/** An RDS snapshot identifier: letters, digits and single hyphens. */
export function finalSnapshotName(environment: string, now: Date, suffix?: string): string {
  return [environment, 'final', timestamp(now), suffix]
    .filter((part) => part !== undefined)
    .join('-')
    .replaceAll(/-+/g, '-');
}

const failure = (error: unknown) => (error as Error).message.split('\n')[0] ?? String(error);

/** What the data stack holds, found before anything is deleted. */
interface Inventory {
  readonly primaries: readonly string[];
  readonly replicas: readonly string[];
  readonly protectedInstances: readonly string[];
  readonly volumes: readonly DataVolume[];
  readonly logGroups: readonly string[];
}

async function takeInventory(props: DestroyWithDataProps): Promise<Inventory> {
  const { plan, stores } = props;
  const resourcesOf = async (kind: StackKind) => (await stores.stackResources(stackName(plan, kind))) ?? [];
  const ofType = (resources: readonly { type: string; physicalId: string }[], type: string) =>
    resources.filter((resource) => resource.type === type).map((resource) => resource.physicalId);
  const data = await resourcesOf('data');
  const databases = await stores.describeDatabases(ofType(data, 'AWS::RDS::DBInstance'));
  const logGroups: string[] = [];
  for (const kind of props.destroy.deletedStacks) {
    logGroups.push(...ofType(await resourcesOf(kind), 'AWS::Logs::LogGroup'));
  }
  return {
    primaries: databases
      .filter((instance) => instance.replicaOf === undefined)
      .map((instance) => instance.id),
    replicas: databases.filter((instance) => instance.replicaOf !== undefined).map((instance) => instance.id),
    protectedInstances: databases
      .filter((instance) => instance.deletionProtection)
      .map((instance) => instance.id),
    volumes: await stores.describeVolumes(ofType(data, 'AWS::EC2::Volume')),
    logGroups,
  };
}

/** Runs one step, records it, and tells whether it succeeded. */
async function step(
  steps: TeardownStep[],
  log: (line: string) => void,
  what: string,
  action: () => Promise<unknown>,
): Promise<boolean> {
  try {
    const outcome = (await action()) === 'absent' ? 'absent' : 'done';
    steps.push({ what, outcome });
    log(`${outcome === 'done' ? 'Done' : 'Already gone'}: ${what}`);
    return true;
  } catch (error) {
    steps.push({ what, outcome: 'failed', detail: failure(error) });
    log(`FAILED: ${what}: ${failure(error)}`);
    return false;
  }
}

/** How often a bucket is emptied again when log deliveries land in it while it is deleted. */
const BUCKET_ATTEMPTS = 3;

async function emptyAndDeleteBucket(stores: DataStores, name: string): Promise<DeleteOutcome> {
  for (let attempt = 1; ; attempt++) {
    await stores.emptyBucket(name);
    try {
      return await stores.deleteBucket(name);
    } catch (error) {
      if ((error as Error).name !== 'BucketNotEmpty' || attempt >= BUCKET_ATTEMPTS) throw error;
    }
  }
}

/** The retained resources of the deleted stacks, deleted after the second confirmation. */
async function deleteRetained(
  props: DestroyWithDataProps,
  inventory: Inventory,
  steps: TeardownStep[],
): Promise<boolean> {
  const { stores, log } = props;
  const retained = props.destroy.deletedAfterStacks;
  const results: boolean[] = [];
  // Buckets log their access to the access-log bucket: it goes last.
  const buckets = retained
    .filter((resource) => resource.kind === 'bucket' && resource.physicalName !== undefined)
    .sort((a, b) => Number(a.id === 'bucket-access-logs') - Number(b.id === 'bucket-access-logs'));
  for (const bucket of buckets) {
    const name = bucket.physicalName!;
    results.push(
      await step(steps, log, `S3 bucket ${name} emptied (every object version) and deleted`, () =>
        emptyAndDeleteBucket(stores, name),
      ),
    );
  }
  for (const secret of retained.filter((resource) => resource.kind === 'secret')) {
    const name = secret.physicalName!;
    results.push(await step(steps, log, `secret ${name} deleted`, () => stores.deleteSecret(name)));
  }
  if (retained.some((resource) => resource.kind === 'volume')) {
    for (const volume of inventory.volumes) {
      results.push(
        await step(steps, log, `Gitaly volume ${volume.id} (${volume.nodeId ?? 'no node tag'}) deleted`, () =>
          stores.deleteVolume(volume.id),
        ),
      );
    }
  }
  if (retained.some((resource) => resource.kind === 'log-group')) {
    for (const group of inventory.logGroups) {
      results.push(await step(steps, log, `log group ${group} deleted`, () => stores.deleteLogGroup(group)));
    }
  }
  return results.every(Boolean);
}

/**
 * `destroy --include-data`: final snapshots, deletion protection lifted and read replicas deleted,
 * then the stacks, then (on the second confirmation) what they retain. It stops at the first
 * failure before the stacks, so a failed snapshot leaves every stack and store as it was.
 */
export async function destroyWithData(props: DestroyWithDataProps): Promise<DestroyReport> {
  const { plan, stores, log } = props;
  const steps: TeardownStep[] = [];
  const stopped = (stoppedBecause: string, deletedStacks: readonly string[] = []): DestroyReport => ({
    steps,
    deletedStacks,
    completed: false,
    stoppedBecause,
  });
  const inventory = await takeInventory(props);
  const environment = plan.spec.name;

  const snapshots = await Promise.all([
    ...inventory.primaries.map((id, index) => {
      const name = finalSnapshotName(
        environment,
        props.now,
        inventory.primaries.length > 1 ? `${index + 1}` : undefined,
      );
      return step(steps, log, `final snapshot ${name} of RDS instance ${id}`, () =>
        stores.snapshotDatabase(id, name),
      );
    }),
    ...inventory.volumes.map((volume) => {
      const name = finalSnapshotName(environment, props.now, volume.nodeId ?? volume.id);
      return step(steps, log, `final snapshot ${name} of Gitaly volume ${volume.id}`, () =>
        stores.snapshotVolume(volume.id, name),
      );
    }),
  ]);
  if (!snapshots.every(Boolean)) {
    return stopped(
      'a final snapshot failed: nothing was deleted and deletion protection is unchanged; the snapshots that completed are kept',
    );
  }

  const interrupted = 'interrupted: nothing was deleted';
  if (props.signal?.aborted) return stopped(`${interrupted}; the snapshots taken are kept`);
  const lifted: string[] = [];
  for (const id of inventory.protectedInstances) {
    const ok = await step(steps, log, `deletion protection lifted on RDS instance ${id}`, () =>
      stores.setDeletionProtection(id, false),
    );
    if (!ok) {
      return stopped(
        `deletion protection could not be lifted: nothing was deleted; ${
          lifted.length > 0
            ? `it is off on ${lifted.join(', ')} (aws rds modify-db-instance --deletion-protection --apply-immediately --db-instance-identifier <id> turns it back on)`
            : 'it is on everywhere'
        }`,
      );
    }
    lifted.push(id);
  }

  const replicasGone: string[] = [];
  const protectionOff = () =>
    lifted.length > 0 ? `; deletion protection is off on ${lifted.join(', ')}` : '';
  for (const id of inventory.replicas) {
    if (props.signal?.aborted) {
      return stopped(
        `interrupted: no stack was deleted; read replicas deleted: ${replicasGone.join(', ') || 'none'}${protectionOff()}`,
      );
    }
    const ok = await step(steps, log, `read replica ${id} deleted`, () => stores.deleteDatabase(id));
    if (!ok) return stopped(`a read replica could not be deleted: no stack was deleted${protectionOff()}`);
    replicasGone.push(id);
  }

  const deletedStacks: string[] = [];
  try {
    await destroyEnvironment({ ...props, deleted: deletedStacks });
  } catch (error) {
    steps.push({ what: 'stacks deleted', outcome: 'failed', detail: failure(error) });
    return stopped(
      'a stack could not be deleted: run destroy again once the cause is fixed (the final snapshots are kept); retained resources were not touched',
      deletedStacks,
    );
  }
  if (deletedStacks.length < props.destroy.deletedStacks.length) {
    return stopped(
      'interrupted: the remaining stacks and the retained resources were not touched',
      deletedStacks,
    );
  }
  if (props.destroy.deletedAfterStacks.length === 0) return { steps, deletedStacks, completed: true };
  const retainedGone = await deleteRetained(props, inventory, steps);
  return retainedGone
    ? { steps, deletedStacks, completed: true }
    : stopped(
        'some retained resources could not be deleted (see FAILED above): they are still there',
        deletedStacks,
      );
}

/** The report printed at the end: what was done, what failed, and where things stand. */
export function renderDestroyReport(report: DestroyReport): string[] {
  const mark = { done: 'done  ', absent: 'absent', failed: 'FAILED' } as const;
  return [
    ...report.steps.map(
      (done) => `  ${mark[done.outcome]}  ${done.what}${done.detail ? `: ${done.detail}` : ''}`,
    ),
    `Deleted stacks: ${report.deletedStacks.join(', ') || 'none'}.`,
    ...(report.stoppedBecause ? [`Stopped: ${report.stoppedBecause}.`] : []),
  ];
}
