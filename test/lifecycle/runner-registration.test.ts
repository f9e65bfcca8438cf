import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkRunnerOnline,
  type GitLabRunner,
  type GitLabRunnersApi,
  httpRunnersApi,
  registerRunner,
  type SecretStore,
  unregisterRunner,
} from '../../src/lifecycle/runner-registration.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

/** GitLab's runners API in memory, recording what was called and with which token. */
class FakeGitLab {
  readonly runners: GitLabRunner[] = [];
  readonly calls: string[] = [];
  private next = 41;
  api(token: string): GitLabRunnersApi {
    return {
      createRunner: async (request) => {
        this.calls.push(
          `create ${request.description} tags=${request.tagList.join(',')} untagged=${request.runUntagged} as ${token}`,
        );
        const id = ++this.next;
        this.runners.push({ id, description: request.description, status: 'never_contacted' });
        return { id, token: `glrt-token-${id}` };
      },
      listInstanceRunners: async () => [...this.runners],
      deleteRunner: async (id) => {
        this.calls.push(`delete ${id}`);
        this.runners.splice(
          this.runners.findIndex((runner) => runner.id === id),
          1,
        );
      },
    };
  }
}

class FakeSecrets implements SecretStore {
  constructor(readonly values: Map<string, string>) {}
  async read(name: string) {
    return this.values.get(name);
  }
  async write(name: string, value: string) {
    this.values.set(name, value);
  }
}

let plan: Plan;
beforeAll(() => {
  plan = planFor({ runners: { enabled: true, tags: ['docker', 'aws'] } });
});

function setup(values: Record<string, string> = { 'gitlab-test/runner-admin-token': 'glpat-admin' }) {
  const gitlab = new FakeGitLab();
  const secrets = new FakeSecrets(new Map(Object.entries(values)));
  const log: string[] = [];
  return {
    gitlab,
    secrets,
    log,
    props: { plan, api: (t: string) => gitlab.api(t), secrets, log: (l: string) => log.push(l) },
  };
}

describe('runner registration', () => {
  it('creates the runner with the admin token and stores its glrt- token where the manager reads it', async () => {
    const { gitlab, secrets, props } = setup();
    expect(await registerRunner(props)).toEqual({ kind: 'created', runnerId: 42 });
    expect(gitlab.calls).toEqual([
      `create ${plan.runners!.description} tags=docker,aws untagged=false as glpat-admin`,
    ]);
    expect(secrets.values.get('gitlab-test/runner-authentication-token')).toBe('glrt-token-42');
  });

  it('keeps a registered runner on the next deploy, and replaces one whose token was lost', async () => {
    const { gitlab, secrets, props } = setup();
    await registerRunner(props);
    expect(await registerRunner(props)).toEqual({ kind: 'kept', runnerId: 42 });
    expect(gitlab.calls).toHaveLength(1);
    secrets.values.set('gitlab-test/runner-authentication-token', 'random-initial-value');
    expect(await registerRunner(props)).toEqual({ kind: 'created', runnerId: 43 });
    expect(gitlab.calls.slice(1)).toEqual(['delete 42', expect.stringMatching(/^create /)]);
    expect(gitlab.runners.map((runner) => runner.id)).toEqual([43]);
  });

  it('stops with the way to give it an admin token when there is none', async () => {
    const { props } = setup({});
    await expect(registerRunner(props)).rejects.toThrow(
      /personal access token .*gitlab-test\/runner-admin-token/,
    );
  });

  it("checks a supplied token's prefix and creates nothing", async () => {
    const supplied = planFor({ runners: { enabled: true, authenticationToken: { secret: 'ci/runner' } } });
    const good = setup({ 'ci/runner': 'glrt-mine' });
    expect(await registerRunner({ ...good.props, plan: supplied })).toEqual({ kind: 'supplied' });
    expect(good.gitlab.calls).toEqual([]);
    const bad = setup({ 'ci/runner': 'GR1348941old' });
    await expect(registerRunner({ ...bad.props, plan: supplied })).rejects.toThrow(
      /does not hold a runner authentication token/,
    );
    const missing = setup({});
    await expect(registerRunner({ ...missing.props, plan: supplied })).rejects.toThrow(/does not exist/);
  });

  it('does nothing without a fleet', async () => {
    const { gitlab, props } = setup();
    expect(await registerRunner({ ...props, plan: planFor() })).toEqual({ kind: 'none' });
    expect(await checkRunnerOnline({ ...props, plan: planFor() })).toBeUndefined();
    expect(await unregisterRunner({ ...props, plan: planFor() })).toBe(0);
    expect(gitlab.calls).toEqual([]);
  });
});

describe('check and destroy', () => {
  it('passes once GitLab sees the runner online, and says what to do otherwise', async () => {
    const { gitlab, props } = setup();
    expect((await checkRunnerOnline(props))!.status).toBe('fail');
    await registerRunner(props);
    expect(await checkRunnerOnline(props)).toEqual({
      status: 'fail',
      detail: "runner #42 is never_contacted: see the manager's journal (journalctl -u gitlab-runner)",
    });
    gitlab.runners[0] = { ...gitlab.runners[0]!, status: 'online' };
    expect(await checkRunnerOnline(props)).toEqual({ status: 'pass', detail: 'runner #42 online' });
  });

  it('deletes only its own runner from GitLab on destroy', async () => {
    const { gitlab, props } = setup();
    gitlab.runners.push({ id: 7, description: 'someone else', status: 'online' });
    await registerRunner(props);
    expect(await unregisterRunner(props)).toBe(1);
    expect(gitlab.runners.map((runner) => runner.id)).toEqual([7]);
  });
});

describe('GitLab API over HTTP', () => {
  it('calls the documented endpoints with the token, paging the runner list', async () => {
    const requests: string[] = [];
    const page = (count: number, from: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: from + i,
        description: `r${from + i}`,
        status: 'online',
        extra: 1,
      }));
    const fakeFetch = (async (url: string, init: RequestInit) => {
      requests.push(
        `${init.method} ${url} ${(init.headers as Record<string, string>)['PRIVATE-TOKEN']} ${init.body ?? ''}`,
      );
      if (url.includes('/user/runners'))
        return new Response(JSON.stringify({ id: 5, token: 'glrt-x' }), { status: 201 });
      if (url.endsWith('&page=1')) return new Response(JSON.stringify(page(100, 1)));
      if (url.endsWith('&page=2')) return new Response(JSON.stringify(page(3, 101)));
      return new Response(null, { status: url.includes('/runners/9') ? 404 : 204 });
    }) as unknown as typeof fetch;
    const api = httpRunnersApi('https://gitlab.example.com', 'glpat-t', fakeFetch);
    expect(await api.createRunner({ description: 'd', tagList: ['a', 'b'], runUntagged: false })).toEqual({
      id: 5,
      token: 'glrt-x',
    });
    expect(await api.listInstanceRunners()).toHaveLength(103);
    await api.deleteRunner(3);
    await expect(api.deleteRunner(9)).rejects.toThrow(/DELETE \/runners\/9: HTTP 404/);
    expect(requests[0]).toBe(
      'POST https://gitlab.example.com/api/v4/user/runners glpat-t {"runner_type":"instance_type","description":"d","tag_list":"a,b","run_untagged":false}',
    );
    expect(requests[1]).toContain(
      'GET https://gitlab.example.com/api/v4/runners/all?type=instance_type&per_page=100&page=1 glpat-t',
    );
    expect(requests[3]).toContain('DELETE https://gitlab.example.com/api/v4/runners/3');
  });
});
