/**
 * `gitlab-aws deploy`: the Plan's checks, then the version gate, then the stateful-change gate,
 * then the stacks wave by wave (independent stacks of a wave concurrently), then what the user
 * needs to sign in.
 *
 * Deploy never changes the GitLab version of a deployed environment. A new version reaching the
 * version parameter through a deploy would have each new Rails node migrate the database at boot,
 * before Gitaly is upgraded, without stopping at GitLab's required upgrade stops and without the
 * post-deployment migrations; `gitlab-aws upgrade` owns that change and does it in GitLab's order.
 */
import { UserError } from '../errors.js';
import { gitlabVersionParameterName, LOAD_BALANCER_DNS_OUTPUT } from '../plan/contracts.js';
import { stackName } from '../plan/stacks.js';
import type { Plan } from '../plan/types.js';
import { findStatefulChanges, type StatefulChange, unapprovedStatefulChanges } from './stateful-changes.js';
import type { AssemblyStack, CdkToolkit, DeployedStackOutputs } from './toolkit.js';
import { compareVersions, formatVersion, parseVersion } from './upgrade.js';

export interface DeployEnvironmentProps {
  readonly plan: Plan;
  readonly toolkit: CdkToolkit;
  /** Logical ids whose replacement or deletion the user accepted (`--allow-replace`). */
  readonly allowReplace: readonly string[];
  /**
   * Reads the version the deployed environment installs (its version parameter, which `upgrade`
   * moves); undefined before the first deploy. Absent, the version is not checked: `upgrade
   * --image` deploys the environment without changing its version.
   */
  readonly deployedVersion?: () => Promise<string | undefined>;
  /** Change-set name used for every stack of this deploy. */
  readonly changeSetName: string;
  /** Aborted on Ctrl-C: stacks in flight finish, no further stack starts. */
  readonly signal?: AbortSignal;
  /** Writes one line of narration. */
  readonly log: (line: string) => void;
}

export type DeployOutcome =
  | {
      readonly kind: 'deployed';
      readonly stacks: readonly DeployedStackOutputs[];
      /** The external load balancer's DNS name, from the edge stack's outputs (for the endpoint check). */
      readonly loadBalancerDnsName?: string;
    }
  | {
      readonly kind: 'interrupted';
      /** Stacks CloudFormation finished before the interruption took effect. */
      readonly deployed: readonly string[];
      /** Stacks never started. */
      readonly notStarted: readonly string[];
    };

/** A change-set name unique per deploy and sortable, e.g. gitlab-aws-20250418T090000Z. */
export function changeSetNameFor(now: Date): string {
  return `gitlab-aws-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** Error-level findings of the Plan stop a deploy before anything touches AWS. */
export function refuseOnPlanErrors(plan: Pick<Plan, 'checks'>): void {
  const errors = plan.checks.filter((check) => check.level === 'error');
  if (errors.length === 0) return;
  throw new UserError(
    [
      `deploy refused: the plan has ${errors.length} error(s); fix the spec and run \`gitlab-aws plan\` to review:`,
      ...errors.map((check) => `  ${check.id}: ${check.message}`),
    ].join('\n'),
  );
}

/**
 * A deploy whose spec names another GitLab version than the environment runs stops before any
 * change: a newer one is `upgrade`'s to install, an older one cannot be installed over a database
 * migrated further. `deployed` is undefined before the first deploy, which installs the spec's.
 */
export function refuseVersionChange(plan: Plan, deployed: string | undefined): void {
  if (deployed === undefined) return;
  const parameter = gitlabVersionParameterName(plan);
  let running: ReturnType<typeof parseVersion>;
  try {
    running = parseVersion(deployed);
  } catch {
    throw new UserError(
      `deploy refused: the version parameter ${parameter} holds "${deployed}", not a GitLab version; ` +
        'run `gitlab-aws upgrade --to <version>` with the version the nodes run (it writes the parameter)',
    );
  }
  const wanted = parseVersion(plan.gitlab.version);
  const order = compareVersions(wanted, running);
  if (order === 0) return;
  const [from, to] = [formatVersion(running), formatVersion(wanted)];
  throw new UserError(
    order > 0
      ? [
          `deploy refused: the spec asks for GitLab ${to}, the environment runs ${from} (${parameter}).`,
          'A version change is an upgrade: Gitaly first, then Praefect, then one Rails node migrating with',
          'post-deployment migrations skipped, then the rest, then the post-deployment migrations; deploy',
          `would have every new node install ${to} and migrate at boot instead. Run:`,
          `  gitlab-aws upgrade --to ${to}`,
          'then deploy again.',
        ].join('\n')
      : [
          `deploy refused: the spec asks for GitLab ${to}, the environment runs ${from} (${parameter}),`,
          `and GitLab does not downgrade over a database migrated to ${from}. Set gitlab.version: ${from}`,
          'in the spec, then deploy again.',
        ].join('\n'),
  );
}

/** Stateful changes not named by `--allow-replace` stop a deploy. */
export function refuseUnapprovedStatefulChanges(
  changes: readonly StatefulChange[],
  allowReplace: readonly string[],
): void {
  const blocked = unapprovedStatefulChanges(changes, allowReplace);
  if (blocked.length === 0) return;
  const moves = blocked.filter((change) => change.action === 'move');
  const approvable = blocked.filter((change) => change.action !== 'move');
  throw new UserError(
    [
      `deploy refused: ${blocked.length} change(s) would replace, delete or move resources that hold data:`,
      ...blocked.map((change) =>
        change.from
          ? `  ${change.stackName} ${change.logicalId} (${change.resourceType}): moves from ${change.from.stackName} ${change.from.logicalId}, holds ${change.holds}`
          : `  ${change.stackName} ${change.logicalId} (${change.resourceType}): ${change.action}, holds ${change.holds}`,
      ),
      ...(moves.length > 0 ? [MOVE_REFUSAL] : []),
      ...(approvable.length > 0
        ? [
            'Review them with `gitlab-aws diff`. To accept, repeat the deploy with ' +
              approvable.map((change) => `--allow-replace ${change.logicalId}`).join(' '),
          ]
        : []),
    ].join('\n'),
  );
}

/**
 * Why a move between stacks is refused whatever the flags say: the environment was deployed by a
 * release with another stack layout, and CloudFormation cannot move a named resource in place.
 */
export const MOVE_REFUSAL =
  'These resources sit in another stack in the deployed environment (a release with an older stack layout). ' +
  'CloudFormation cannot move a resource between stacks in place: the new stack would create it under the ' +
  'same name, collide with the one the old stack keeps, and roll the deploy back. --allow-replace cannot ' +
  'accept a move; deploy this environment with the release that created it.';

export async function deployEnvironment(props: DeployEnvironmentProps): Promise<DeployOutcome> {
  const { plan, toolkit, log } = props;
  refuseOnPlanErrors(plan);
  if (props.deployedVersion) refuseVersionChange(plan, await props.deployedVersion());

  const stacks = await toolkit.listStacks();
  const stackNames = stacks.map((stack) => stack.name);
  log(`Comparing ${stackNames.length} stacks with what is deployed...`);
  const diffs = await toolkit.diff(stackNames);
  refuseUnapprovedStatefulChanges(findStatefulChanges(diffs), props.allowReplace);

  const deployed = await deployAsDependenciesAllow(stacks, {
    deploy: (name) =>
      toolkit.deploy({ stackNames: [name], concurrency: 1, changeSetName: props.changeSetName }),
    stopped: () => props.signal?.aborted === true,
    starting: (name) => log(`Deploying ${name} (change set ${props.changeSetName})`),
  });
  if (deployed.notStarted.length > 0) {
    return {
      kind: 'interrupted',
      deployed: deployed.outputs.map((stack) => stack.stackName),
      notStarted: deployed.notStarted,
    };
  }
  const outputs = deployed.outputs;
  const loadBalancerDnsName = outputs.find((stack) => stack.stackName === stackName(plan, 'edge'))?.outputs[
    LOAD_BALANCER_DNS_OUTPUT
  ];
  return { kind: 'deployed', stacks: outputs, ...(loadBalancerDnsName ? { loadBalancerDnsName } : {}) };
}

/** Where to go and how to sign in once the stacks are up. */
export function signInSummary(plan: Plan): string[] {
  const rootPassword = plan.secrets.find((secret) => secret.id === 'root-password');
  const domain = plan.spec.domain.name;
  return [
    `GitLab:          ${plan.gitlab.externalUrl}`,
    `Clone over SSH:  git@${domain}:<group>/<project>.git`,
    ...(rootPassword
      ? [
          `Root password:   Secrets Manager secret ${rootPassword.name} (${plan.region}); read it with`,
          `                 aws secretsmanager get-secret-value --region ${plan.region} --secret-id ${rootPassword.name} --query SecretString --output text`,
        ]
      : []),
    'Sign in as:      root',
  ];
}

/** What to tell the user after Ctrl-C, so they know the state CloudFormation is left in. */
export function interruptedSummary(outcome: Extract<DeployOutcome, { kind: 'interrupted' }>): string[] {
  return [
    'Deploy interrupted. CloudFormation finished every stack it had started; no stack is mid-update.',
    `  Deployed:    ${outcome.deployed.join(', ') || 'none'}`,
    `  Not started: ${outcome.notStarted.join(', ') || 'none'}`,
    'Run `gitlab-aws deploy` again to continue where it stopped.',
  ];
}

/**
 * Deploys each stack as soon as every stack it depends on is deployed, as CloudFormation's own
 * dependencies allow (and as `cdk deploy --concurrency` schedules them), not wave by wave: the
 * compute stack, which needs nothing of the data stack, starts beside it rather than after its
 * databases (the first-deploy estimate, src/report/estimate.ts, times the same schedule). Once
 * `stopped()` says so (Ctrl-C), or a stack has failed, no further stack starts; the ones in flight
 * finish, and a failure is thrown once they have.
 */
export async function deployAsDependenciesAllow(
  stacks: readonly AssemblyStack[],
  actions: {
    readonly deploy: (name: string) => Promise<readonly DeployedStackOutputs[]>;
    readonly stopped: () => boolean;
    readonly starting: (name: string) => void;
  },
): Promise<{ outputs: DeployedStackOutputs[]; notStarted: string[] }> {
  const names = new Set(stacks.map((stack) => stack.name));
  const outputs: DeployedStackOutputs[] = [];
  const started = new Set<string>();
  const runs = new Map<string, Promise<boolean>>();
  let failure: { error: unknown } | undefined;
  // Whether the stack deployed; false when it did not start (stopped, failed or a dependency did not deploy).
  const run = (stack: AssemblyStack): Promise<boolean> => {
    const known = runs.get(stack.name);
    if (known) return known;
    const dependencies = stack.dependsOn
      .filter((name) => names.has(name))
      .map((name) => run(stacks.find((candidate) => candidate.name === name)!));
    const promise = Promise.all(dependencies).then(async (ready) => {
      if (!ready.every(Boolean) || failure || actions.stopped()) return false;
      started.add(stack.name);
      actions.starting(stack.name);
      try {
        outputs.push(...(await actions.deploy(stack.name)));
        return true;
      } catch (error) {
        failure ??= { error };
        return false;
      }
    });
    runs.set(stack.name, promise);
    return promise;
  };
  await Promise.all(stacks.map(run));
  if (failure) throw failure.error;
  // In the order the stacks were given, whatever order they finished in.
  const order = stacks.map((stack) => stack.name);
  outputs.sort((a, b) => order.indexOf(a.stackName) - order.indexOf(b.stackName));
  return { outputs, notStarted: order.filter((name) => !started.has(name)) };
}
