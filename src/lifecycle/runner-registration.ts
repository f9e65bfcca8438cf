/**
 * The runner fleet's registration, without anyone pasting a token: once GitLab answers, `deploy`
 * creates an instance runner through GitLab's API (`POST /api/v4/user/runners`, the runner creation
 * workflow that replaces registration tokens, which GitLab 20 removes) with an administrator's token
 * read from Secrets Manager (made on a Rails node and written there by the node when the secret holds
 * none, `ensureAdminToken`), and stores the `glrt-` authentication token GitLab returns in the
 * secret the runner manager waits for. `check` asks GitLab whether the runner is online; `destroy`
 * deletes it. A runner the user created is only checked for its token's prefix.
 *
 * GitLab's API and Secrets Manager are behind two small interfaces; tests use fakes of both.
 * API paths and fields: doc/api/users.md ("Create a runner linked to a user") and doc/api/runners.md
 * in gitlabhq/gitlabhq.
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { UserError } from '../errors.js';
import { RUNNER_ADMIN_TOKEN_UNSET } from '../plan/resolve/runners.js';
import type { Plan, RunnerFleetPlan } from '../plan/types.js';
import { RUNNER_TOKEN_PREFIX } from '../spec/runners.js';
import type { NodeDirectory, RemoteRunner } from './fleet.js';
import { REMOTE_SCRIPT_FILES, remoteScript } from './remote-scripts.js';

/** A runner as GitLab's API describes it. */
export interface GitLabRunner {
  readonly id: number;
  readonly description: string;
  /** online, offline, stale or never_contacted. */
  readonly status: string;
}

/** The part of GitLab's REST API the fleet uses. */
export interface GitLabRunnersApi {
  /** POST /api/v4/user/runners: an instance runner, and its authentication token. */
  createRunner(request: {
    readonly description: string;
    readonly tagList: readonly string[];
    readonly runUntagged: boolean;
  }): Promise<{ readonly id: number; readonly token: string }>;
  /** GET /api/v4/runners/all?type=instance_type, every page. */
  listInstanceRunners(): Promise<readonly GitLabRunner[]>;
  /** DELETE /api/v4/runners/:id. */
  deleteRunner(id: number): Promise<void>;
}

/** Secret values by name or ARN. */
export interface SecretStore {
  /** The secret's string, or undefined when there is no such secret. */
  read(name: string): Promise<string | undefined>;
  /** Replaces the secret's value (the secret exists: the compute stack made it). */
  write(name: string, value: string): Promise<void>;
}

export interface RunnerRegistrationProps {
  readonly plan: Plan;
  /** GitLab's API, given the administrator's token. */
  readonly api: (adminToken: string) => GitLabRunnersApi;
  readonly secrets: SecretStore;
  readonly log: (line: string) => void;
}

export type RunnerRegistration =
  | { readonly kind: 'none' }
  | { readonly kind: 'created'; readonly runnerId: number }
  | { readonly kind: 'kept'; readonly runnerId: number }
  | { readonly kind: 'supplied' };

const isRunnerToken = (value: string | undefined): value is string =>
  value?.startsWith(RUNNER_TOKEN_PREFIX) === true;

/** The administrator token in its secret, or undefined while the secret is missing or holds the stack's placeholder. */
async function storedAdminToken(secrets: SecretStore, name: string): Promise<string | undefined> {
  const token = (await secrets.read(name))?.trim();
  return token && token !== RUNNER_ADMIN_TOKEN_UNSET ? token : undefined;
}

/** What to do by hand where deploy cannot make the administrator token itself. */
function manualAdminToken(runners: RunnerFleetPlan, name: string): string {
  const scopes = runners.registration.kind === 'api' ? runners.registration.adminToken.scopes : [];
  return `create a personal access token for root with scopes ${scopes.join(' and ')} (as root under User settings > Access tokens, or with gitlab-rails runner as GitLab's "Create a personal access token programmatically" shows), store it with\n  aws secretsmanager put-secret-value --secret-id ${name} --secret-string <token>\nand run gitlab-aws deploy again`;
}

async function adminApi(runners: RunnerFleetPlan, props: Pick<RunnerRegistrationProps, 'api' | 'secrets'>) {
  if (runners.registration.kind !== 'api') return undefined;
  const name = runners.registration.adminTokenSecretName;
  const token = await storedAdminToken(props.secrets, name);
  if (!token) {
    throw new UserError(
      `the runner fleet needs a GitLab administrator's personal access token in Secrets Manager secret ${name}, which deploy creates on a Rails node; to make one yourself, ${manualAdminToken(runners, name)}`,
    );
  }
  return props.api(token);
}

/**
 * Where the administrator token is made: the node or group that runs Rails on EC2 (the 1k node, or
 * the web nodes' group). Cloud Native Hybrid runs Rails in pods, out of Run Command's reach.
 */
export function adminTokenTarget(
  plan: Plan,
): { readonly node: string } | { readonly group: string } | undefined {
  if (plan.deployNodes.singleNode) return { node: plan.deployNodes.singleNode };
  const group = plan.autoScalingGroups.find((candidate) => candidate.role === 'rails');
  return group ? { group: group.id } : undefined;
}

/** The command lines SSM runs on a Rails node to make the administrator token and store it. */
export function adminTokenCommands(plan: Plan): string[] {
  const runners = plan.runners;
  if (runners?.registration.kind !== 'api') throw new Error('the Plan registers no runner through the API');
  const { adminToken, adminTokenSecretName } = runners.registration;
  return remoteScript(REMOTE_SCRIPT_FILES.createRunnerAdminToken, {
    REGION: plan.region,
    SECRET: adminTokenSecretName,
    TOKEN_NAME: adminToken.name,
    TOKEN_SCOPES: adminToken.scopes.join(','),
    EXPIRES_DAYS: adminToken.expiresInDays,
  });
}

export interface AdminTokenProps {
  readonly plan: Plan;
  readonly secrets: SecretStore;
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
  readonly log: (line: string) => void;
}

/**
 * Before the runner is registered: an administrator token is in its secret. Where there is none,
 * a Rails node makes one and writes it to the secret itself, so the token never reaches this
 * process, its output or SSM's record of the command. Returns whether one was made.
 */
export async function ensureAdminToken(props: AdminTokenProps): Promise<'not-needed' | 'stored' | 'created'> {
  const runners = props.plan.runners;
  if (runners?.registration.kind !== 'api') return 'not-needed';
  const name = runners.registration.adminTokenSecretName;
  if (await storedAdminToken(props.secrets, name)) return 'stored';
  const target = adminTokenTarget(props.plan);
  if (!target) {
    throw new UserError(
      `Secrets Manager secret ${name} holds no administrator token, and Cloud Native Hybrid runs Rails in pods that Run Command cannot reach: in the toolbox pod (kubectl exec -it deploy/<release>-toolbox -- bash), ${manualAdminToken(runners, name)}`,
    );
  }
  const [instanceId] =
    'node' in target
      ? [await props.directory.instanceOf(target.node)]
      : await props.directory.instancesOf(target.group);
  if (!instanceId) {
    throw new UserError(
      `no in-service Rails node in ${'node' in target ? target.node : `the ${target.group} group`} to create the runner administrator token on; run gitlab-aws deploy again once it is up`,
    );
  }
  await props.runner.run({
    instanceId,
    commands: adminTokenCommands(props.plan),
    comment: 'gitlab-aws deploy: runner administrator token',
    timeoutSeconds: 600,
  });
  if (!(await storedAdminToken(props.secrets, name))) {
    throw new Error(`the administrator token was created on ${instanceId} but ${name} does not hold it`);
  }
  const { adminToken } = runners.registration;
  props.log(
    `Runner: created an administrator token for root on ${instanceId} (${adminToken.scopes.join(', ')}; expires in ${adminToken.expiresInDays} days) and stored it in ${name}`,
  );
  return 'created';
}

const ours = (runners: RunnerFleetPlan, all: readonly GitLabRunner[]) =>
  all.filter((runner) => runner.description === runners.description);

/** After a deploy: the runner exists in GitLab and its token is where the manager reads it. */
export async function registerRunner(props: RunnerRegistrationProps): Promise<RunnerRegistration> {
  const runners = props.plan.runners;
  if (!runners) return { kind: 'none' };
  if (runners.registration.kind === 'supplied') {
    const token = await props.secrets.read(runners.tokenSecretName);
    if (!isRunnerToken(token)) {
      throw new UserError(
        `Secrets Manager secret ${runners.tokenSecretName} (runners.authenticationToken) ${token === undefined ? 'does not exist' : `does not hold a runner authentication token (${RUNNER_TOKEN_PREFIX}...)`}; create a runner under Admin > CI/CD > Runners and store its token there`,
      );
    }
    props.log(`Runner: using your runner's token from ${runners.tokenSecretName}`);
    return { kind: 'supplied' };
  }
  const api = (await adminApi(runners, props))!;
  const stored = await props.secrets.read(runners.tokenSecretName);
  const existing = ours(runners, await api.listInstanceRunners());
  if (isRunnerToken(stored) && existing.length === 1) {
    props.log(`Runner: ${runners.description} (#${existing[0]!.id}) already registered`);
    return { kind: 'kept', runnerId: existing[0]!.id };
  }
  // A runner whose token is lost can never connect: replace it rather than leave it listed.
  for (const runner of existing) await api.deleteRunner(runner.id);
  const created = await api.createRunner({
    description: runners.description,
    tagList: runners.tags,
    runUntagged: runners.runUntagged,
  });
  if (!isRunnerToken(created.token)) {
    throw new Error(`GitLab returned a runner token without the ${RUNNER_TOKEN_PREFIX} prefix`);
  }
  await props.secrets.write(runners.tokenSecretName, created.token);
  props.log(
    `Runner: created ${runners.description} (#${created.id}); its token is in ${runners.tokenSecretName}, where the manager picks it up`,
  );
  return { kind: 'created', runnerId: created.id };
}

/** `check`: whether GitLab sees the runner online. */
export async function checkRunnerOnline(
  props: Omit<RunnerRegistrationProps, 'log'>,
): Promise<{ readonly status: 'pass' | 'fail'; readonly detail: string } | undefined> {
  const runners = props.plan.runners;
  if (!runners) return undefined;
  if (runners.registration.kind === 'supplied') {
    return {
      status: 'pass',
      detail: `your runner's status is shown in GitLab (token in ${runners.tokenSecretName})`,
    };
  }
  const api = (await adminApi(runners, props))!;
  const found = ours(runners, await api.listInstanceRunners());
  if (found.length === 0)
    return { status: 'fail', detail: `no runner "${runners.description}" in GitLab: run gitlab-aws deploy` };
  const online = found.filter((runner) => runner.status === 'online');
  return online.length > 0
    ? { status: 'pass', detail: `runner #${online[0]!.id} online` }
    : {
        status: 'fail',
        detail: `runner #${found[0]!.id} is ${found[0]!.status}: see the manager's journal (journalctl -u gitlab-runner)`,
      };
}

/** `destroy`: the runner goes from GitLab with its fleet. A runner the user made stays theirs. */
export async function unregisterRunner(props: RunnerRegistrationProps): Promise<number> {
  const runners = props.plan.runners;
  if (runners?.registration.kind !== 'api') return 0;
  const api = await adminApi(runners, props).catch(() => undefined);
  if (!api) {
    props.log(
      'Runner: no administrator token, so the runner stays listed in GitLab; delete it under Admin > CI/CD > Runners',
    );
    return 0;
  }
  const found = ours(runners, await api.listInstanceRunners());
  for (const runner of found) await api.deleteRunner(runner.id);
  if (found.length > 0)
    props.log(`Runner: deleted ${found.map((runner) => `#${runner.id}`).join(', ')} from GitLab`);
  return found.length;
}

/** GitLab's API over HTTP (`fetch`), authenticated with a personal access token. */
export function httpRunnersApi(
  baseUrl: string,
  token: string,
  fetchFn: typeof fetch = fetch,
): GitLabRunnersApi {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetchFn(`${baseUrl}/api/v4${path}`, {
      method,
      headers: { 'PRIVATE-TOKEN': token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new UserError(`GitLab API ${method} ${path}: HTTP ${response.status}`);
    return response;
  };
  return {
    async createRunner(request) {
      const response = await call('POST', '/user/runners', {
        runner_type: 'instance_type',
        description: request.description,
        tag_list: request.tagList.join(','),
        run_untagged: request.runUntagged,
      });
      const created = (await response.json()) as { id: number; token: string };
      return { id: created.id, token: created.token };
    },
    async listInstanceRunners() {
      const all: GitLabRunner[] = [];
      for (let page = 1; ; page++) {
        const response = await call('GET', `/runners/all?type=instance_type&per_page=100&page=${page}`);
        const runners = (await response.json()) as GitLabRunner[];
        all.push(...runners.map(({ id, description, status }) => ({ id, description, status })));
        if (runners.length < 100) return all;
      }
    },
    async deleteRunner(id) {
      await call('DELETE', `/runners/${id}`);
    },
  };
}

/** Secrets Manager as a SecretStore. */
export class SecretsManagerSecretStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async read(name: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async write(name: string, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
  }
}
