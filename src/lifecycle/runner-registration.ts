/**
 * The runner fleet's registration, without anyone pasting a token: once GitLab answers, `deploy`
 * creates an instance runner through GitLab's API (`POST /api/v4/user/runners`, the runner creation
 * workflow that replaces registration tokens, which GitLab 20 removes) with an administrator's token
 * read from Secrets Manager, and stores the `glrt-` authentication token GitLab returns in the
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
import type { Plan, RunnerFleetPlan } from '../plan/types.js';
import { RUNNER_TOKEN_PREFIX } from '../spec/runners.js';

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

async function adminApi(runners: RunnerFleetPlan, props: Pick<RunnerRegistrationProps, 'api' | 'secrets'>) {
  if (runners.registration.kind !== 'api') return undefined;
  const name = runners.registration.adminTokenSecretName;
  const token = (await props.secrets.read(name))?.trim();
  if (!token) {
    throw new UserError(
      `the runner fleet needs a GitLab administrator's personal access token (scopes create_runner and manage_runner) in Secrets Manager secret ${name}; create one as root under User settings > Access tokens, store it with\n  aws secretsmanager create-secret --name ${name} --secret-string <token>\nand run gitlab-aws deploy again`,
    );
  }
  return props.api(token);
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
