/**
 * The runner fleet's administrator token, made where deploy cannot see it: the SSM command runs for
 * real (dash and bash) with GitLab's and AWS's commands stubbed, its Ruby runs in a real ruby
 * against a stand-in of GitLab's models, and the choice of node and the secret's states go through
 * fakes of the seams.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeDirectory, RemoteCommand, RemoteRunner } from '../../src/lifecycle/fleet.js';
import { REMOTE_SCRIPT_FILES, readRemoteScript } from '../../src/lifecycle/remote-scripts.js';
import {
  adminTokenCommands,
  adminTokenTarget,
  ensureAdminToken,
  registerRunner,
  type SecretStore,
} from '../../src/lifecycle/runner-registration.js';
import { RUNNER_ADMIN_TOKEN_UNSET } from '../../src/plan/resolve/runners.js';
import type { Plan } from '../../src/plan/types.js';
import { requireTool } from '../config/support.js';
import { planFor } from '../fixtures/plans.js';
import { runRemoteScript, type ScriptLauncher } from './remote-script-trace.js';

const SECRET = 'gitlab-test/runner-admin-token';

let single: Plan;
let cluster: Plan;
beforeAll(() => {
  single = planFor({ architecture: { size: '1k' }, runners: { enabled: true } });
  cluster = planFor({ architecture: { size: '3k' }, runners: { enabled: true } });
});

describe.each<ScriptLauncher>(['dash-exec', 'bash-source'])('the token script started by %s', (launcher) => {
  it('makes a 20-character token on the node and hands it to Rails and Secrets Manager as a file only', () => {
    const run = runRemoteScript(adminTokenCommands(single), {}, {}, launcher);
    expect(run.status, run.stderr).toBe(0);
    const calls = run.trace.join('\n');
    const aws = run.trace.find((line) => line.startsWith('aws '))!;
    const tokenFile = aws.match(/--secret-string file:\/\/(\S+)$/)![1]!;
    // rm is a stub: the file the trap would remove is still there to read.
    const token = readFileSync(tokenFile, 'utf8');
    rmSync(tokenFile);
    expect(token).toMatch(/^[0-9a-f]{20}$/);
    expect(aws).toBe(
      `aws secretsmanager put-secret-value --region us-west-2 --secret-id ${SECRET} --secret-string file://${tokenFile}`,
    );
    expect(calls).toMatch(/^gitlab-rails runner name, days, scopes = ARGV\n/);
    expect(calls).toContain(
      'expires #{token.expires_at}" gitlab-aws gitlab-test runners 365 create_runner,manage_runner\naws secretsmanager',
    );
    expect(run.trace.at(-1)).toBe(`rm -f ${tokenFile}`);
    // Neither in an argument nor in what Run Command records.
    for (const text of [calls, run.stdout, run.stderr, adminTokenCommands(single).join('\n')]) {
      expect(text).not.toContain(token);
    }
    expect(run.stdout).toBe(`create-runner-admin-token: stored in ${SECRET}\n`);
  });

  it('stores nothing when Rails fails to make the token', () => {
    const run = runRemoteScript(adminTokenCommands(single), {}, { 'gitlab-rails': { status: 1 } }, launcher);
    expect(run.status).not.toBe(0);
    expect(run.trace.some((line) => line.startsWith('aws '))).toBe(false);
    const removed = run.trace.at(-1)!.match(/^rm -f (\S+)$/)![1]!;
    if (existsSync(removed)) rmSync(removed);
  });
});

/** The Ruby the script hands to `gitlab-rails runner`, as the file has it. */
function rubyOfScript(): string {
  const text = readRemoteScript(REMOTE_SCRIPT_FILES.createRunnerAdminToken);
  return text.slice(text.indexOf("<<'RUBY'\n") + "<<'RUBY'\n".length, text.indexOf('\nRUBY\n'));
}

/** Just enough of GitLab's User and PersonalAccessToken for the Ruby, recording what it is asked. */
const GITLAB_STAND_IN = `
$calls = []
Days = Struct.new(:count) do
  def from_now; "in #{count} days"; end
end
class Integer; def days; Days.new(self); end; end
Token = Struct.new(:id, :name, :scopes, :expires_at, :value) do
  def set_token(value); self.value = value; end
  def save!; $calls << "save #{name} #{scopes.join(',')} #{expires_at} #{value}"; end
  def revoke!; $calls << "revoke #{id}"; end
end
class Tokens
  def active; self; end
  def where(name:); $calls << "find active #{name}"; [Token.new(7, name)]; end
  def create(scopes:, name:, expires_at:); Token.new(8, name, scopes, expires_at); end
end
class Array; def find_each(&block); each(&block); end; end
class User
  def self.find_by_username(name); $calls << "user #{name}"; name == 'root' ? new : nil; end
  def personal_access_tokens; Tokens.new; end
end
at_exit { $stderr.puts($calls.join("\\n")) }
`;

describe.runIf(requireTool('ruby'))("the token script's Ruby, in ruby", () => {
  const runRuby = (input: string) =>
    spawnSync(
      'ruby',
      [
        '-e',
        `${GITLAB_STAND_IN}\n${rubyOfScript()}`,
        'gitlab-aws t runners',
        '365',
        'create_runner,manage_runner',
      ],
      { encoding: 'utf8', input },
    );

  it('revokes the earlier token of its name and saves a new one for root with the value from stdin', () => {
    const run = runRuby('0123456789abcdef0123\n');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      'user root',
      'find active gitlab-aws t runners',
      'revoke 7',
      'save gitlab-aws t runners create_runner,manage_runner in 365 days 0123456789abcdef0123',
    ]);
    expect(run.stdout).not.toContain('0123456789abcdef0123');
    expect(run.stdout).toContain('personal access token 8 (gitlab-aws t runners) of root');
  });

  it('refuses a value that is not 20 characters', () => {
    const run = runRuby('short\n');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('the token must be 20 characters long');
    expect(run.stderr).not.toContain('save ');
  });
});

class FakeSecrets implements SecretStore {
  constructor(readonly values: Map<string, string>) {}
  async read(name: string) {
    return this.values.get(name);
  }
  async write(name: string, value: string) {
    this.values.set(name, value);
  }
}

/** A node directory and Run Command: running the token script writes a token, as the node would. */
function fakeFleet(secrets: FakeSecrets, writes = true) {
  const sent: RemoteCommand[] = [];
  const directory: NodeDirectory = {
    instanceOf: async (node) => `i-${node}`,
    groupNameOf: async (group) => `gitlab-test-${group}`,
    instancesOf: async (group) => (group === 'rails' ? ['i-rails-1', 'i-rails-2'] : []),
  };
  const runner: RemoteRunner = {
    run: async (request) => {
      sent.push(request);
      if (writes) secrets.values.set(SECRET, 'made-on-the-node-0001');
      return { commandId: 'c-1', output: '' };
    },
  };
  return { sent, directory, runner };
}

describe('deploy makes the administrator token when the secret holds none', () => {
  it('runs the script on the 1k node, and reports without the token', async () => {
    const secrets = new FakeSecrets(new Map([[SECRET, RUNNER_ADMIN_TOKEN_UNSET]]));
    const fleet = fakeFleet(secrets);
    const log: string[] = [];
    expect(await ensureAdminToken({ plan: single, secrets, ...fleet, log: (line) => log.push(line) })).toBe(
      'created',
    );
    expect(fleet.sent).toEqual([
      {
        instanceId: `i-${single.deployNodes.singleNode}`,
        commands: adminTokenCommands(single),
        comment: 'gitlab-aws deploy: runner administrator token',
        timeoutSeconds: 600,
      },
    ]);
    expect(log).toEqual([
      `Runner: created an administrator token for root on i-${single.deployNodes.singleNode} (create_runner, manage_runner; expires in 365 days) and stored it in ${SECRET}`,
    ]);
    expect(log.join('\n')).not.toContain('made-on-the-node');
  });

  it('runs it on a web node of the Rails group, and then registers with that token', async () => {
    const secrets = new FakeSecrets(new Map());
    const fleet = fakeFleet(secrets);
    expect(await ensureAdminToken({ plan: cluster, secrets, ...fleet, log: () => {} })).toBe('created');
    expect(fleet.sent.map((request) => request.instanceId)).toEqual(['i-rails-1']);
    const tokens: string[] = [];
    await registerRunner({
      plan: cluster,
      secrets,
      log: () => {},
      api: (token) => {
        tokens.push(token);
        return {
          createRunner: async () => ({ id: 1, token: 'glrt-1' }),
          listInstanceRunners: async () => [],
          deleteRunner: async () => {},
        };
      },
    });
    expect(tokens).toEqual(['made-on-the-node-0001']);
  });

  it('keeps a token that is there, and does nothing for a runner the user supplied', async () => {
    const secrets = new FakeSecrets(new Map([[SECRET, 'glpat-theirs']]));
    const fleet = fakeFleet(secrets);
    expect(await ensureAdminToken({ plan: single, secrets, ...fleet, log: () => {} })).toBe('stored');
    const supplied = planFor({ runners: { enabled: true, authenticationToken: { secret: 'ci/runner' } } });
    expect(await ensureAdminToken({ plan: supplied, secrets, ...fleet, log: () => {} })).toBe('not-needed');
    expect(await ensureAdminToken({ plan: planFor(), secrets, ...fleet, log: () => {} })).toBe('not-needed');
    expect(fleet.sent).toEqual([]);
  });

  it('says when the node stored nothing, or there is no node to run on', async () => {
    const secrets = new FakeSecrets(new Map([[SECRET, RUNNER_ADMIN_TOKEN_UNSET]]));
    await expect(
      ensureAdminToken({ plan: single, secrets, ...fakeFleet(secrets, false), log: () => {} }),
    ).rejects.toThrow(`but ${SECRET} does not hold it`);
    const empty = fakeFleet(secrets);
    const noRails = { ...empty.directory, instancesOf: async () => [] };
    await expect(
      ensureAdminToken({ plan: cluster, secrets, ...empty, directory: noRails, log: () => {} }),
    ).rejects.toThrow(/no in-service Rails node in the rails group/);
    expect(empty.sent).toEqual([]);
  });

  it('leaves Cloud Native Hybrid to the toolbox pod, saying how', async () => {
    const hybrid = planFor({
      architecture: { size: '3k', type: 'cloud-native-hybrid' },
      runners: { enabled: true },
    });
    expect(adminTokenTarget(hybrid)).toBeUndefined();
    expect(adminTokenTarget(single)).toEqual({ node: single.deployNodes.singleNode });
    expect(adminTokenTarget(cluster)).toEqual({ group: 'rails' });
    const secrets = new FakeSecrets(new Map([[SECRET, RUNNER_ADMIN_TOKEN_UNSET]]));
    const fleet = fakeFleet(secrets);
    await expect(ensureAdminToken({ plan: hybrid, secrets, ...fleet, log: () => {} })).rejects.toThrow(
      /toolbox pod .*create_runner and manage_runner.*put-secret-value --secret-id gitlab-test\/runner-admin-token/s,
    );
    expect(fleet.sent).toEqual([]);
  });

  it('treats the placeholder as no token when registering', async () => {
    const secrets = new FakeSecrets(new Map([[SECRET, RUNNER_ADMIN_TOKEN_UNSET]]));
    await expect(
      registerRunner({
        plan: single,
        secrets,
        log: () => {},
        api: () => {
          throw new Error('no API without a token');
        },
      }),
    ).rejects.toThrow(/which deploy creates on a Rails node/);
  });
});
