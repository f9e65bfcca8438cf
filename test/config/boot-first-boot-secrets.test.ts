/**
 * The first boot of the nodes that may migrate, run for real under bash: each installs the package
 * and reconfigures without the database, shares the gitlab-secrets.json and SSH host keys that
 * reconfigure left with a compare-and-set in Secrets Manager (a fake that keeps
 * ClientRequestToken's rules, fake-secrets-manager.ts), and waits for the database only to prepare
 * it and migrate. The machine's commands (the package, gitlab-ctl, psql, the deploy lock) are stubs
 * that record their calls; the script's own functions, tar and base64 run as they do on a node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_HEADER, readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { SCRIPT_WAIT_SECONDS_VARIABLE } from '../../src/plan/boot-order.js';
import {
  FIRST_BOOT_PENDING_TAG,
  FIRST_BOOT_SECRET_PLACEHOLDER,
  FIRST_BOOT_SECRET_VERSION,
} from '../../src/plan/contracts.js';
import { type FakeSecretsManager, fakeSecretsManager } from './fake-secrets-manager.js';
import { tempDir } from './support.js';

const SECRETS_JSON = 'prod/gitlab-secrets-json';
const HOST_KEYS = 'prod/ssh-host-keys';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface Node {
  readonly name: string;
  readonly root: string;
  /** What this node ran, in order: its stubs' calls and its AWS CLI calls. */
  trace(): string[];
  /** The gitlab-secrets.json it ended with (without the newline the AWS CLI's text output adds). */
  secretsJson(): string;
  /** Its SSH host key files' contents. */
  hostKeys(): string;
}

interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** A Rails node of the migrating group, with its own root, that generates its own SSH host keys. */
function newNode(world: string, name: string): Node {
  const root = join(world, name);
  mkdirSync(join(root, 'etc/gitlab'), { recursive: true });
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  // What sshd's first start generates: different on every instance.
  writeFileSync(join(root, 'etc/ssh/ssh_host_ed25519_key'), `private key of ${name}\n`);
  writeFileSync(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), `ssh-ed25519 public key of ${name}\n`);
  const read = (file: string) => readFileSync(join(root, file), 'utf8');
  return {
    name,
    root,
    trace: () => read('trace').split('\n').filter(Boolean),
    secretsJson: () => read('etc/gitlab/gitlab-secrets.json').trimEnd(),
    hostKeys: () => `${read('etc/ssh/ssh_host_ed25519_key')}${read('etc/ssh/ssh_host_ed25519_key.pub')}`,
  };
}

/** Boots `node` with the whole boot script; the database answers unless `<node root>/db-down` exists. */
function boot(node: Node, fake: FakeSecretsManager, waitSeconds = 1800): Promise<Run> {
  const { root } = node;
  writeFileSync(join(root, 'trace'), '');
  writeFileSync(
    join(root, 'boot.env'),
    Object.entries({
      GLA_NODE: node.name,
      GLA_ROLE: 'rails',
      GLA_ENVIRONMENT: 'prod',
      GLA_STACK: 'compute',
      GLA_LOGICAL_ID: 'RailsGroup',
      GLA_LAUNCH_HOOK: '',
      GLA_MIGRATES: 'yes',
      GLA_SINGLE_NODE: 'no',
      GLA_WEB: 'yes',
      GLA_SECRETS_JSON_NAME: SECRETS_JSON,
      GLA_HOST_KEYS_NAME: HOST_KEYS,
      GLA_TAG_FIRST_BOOT: FIRST_BOOT_PENDING_TAG,
      GLA_DATA_MOUNT: '',
      GLA_VERSION: '19.3.0',
      GLA_EDITION: 'ee',
      GLA_VERSION_PARAMETER: '/prod/gitlab-version',
      GLA_DB_HOST: 'db.example.internal',
      GLA_DB_PORT: '5432',
      GLA_DB_USER: 'gitlab',
      GLA_DB_NAME: 'gitlabhq_production',
    })
      .map(([name, value]) => `${name}='${value}'\n`)
      .join(''),
  );
  const stub = (file: string, body: string) => {
    writeFileSync(join(root, file), `#!/bin/sh\n${body}\n`);
    chmodSync(join(root, file), 0o755);
  };
  stub('psql', `echo "psql $*" >>"${root}/trace"\n[ ! -e "${root}/db-down" ]`);
  stub('locked', `echo "locked $*" >>"${root}/trace"`);
  const script = withHeader(readScript(SCRIPT_FILES.boot), {
    ENV_FILE: join(root, 'boot.env'),
    SECRETS_DIR: join(root, 'secrets'),
    FACTS_DIR: join(root, 'facts'),
    SELF: '/usr/local/sbin/gitlab-aws-boot',
    LOCKED: join(root, 'locked'),
    FIRST_BOOT_PLACEHOLDER: FIRST_BOOT_SECRET_PLACEHOLDER,
    FIRST_BOOT_VERSION: FIRST_BOOT_SECRET_VERSION,
    ...ARTIFACT_HEADER,
    [SCRIPT_WAIT_SECONDS_VARIABLE]: waitSeconds,
  })
    .replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n')
    .replaceAll('/etc/gitlab/', `${root}/etc/gitlab/`)
    .replaceAll('/etc/ssh', `${root}/etc/ssh`);
  const harness = `
ROOT=${JSON.stringify(root)}
record() { printf '%s\\n' "$*" >>"$ROOT/trace"; }
# The database comes up during the second pause of a node that waits for it.
sleep() { record "sleep $1"; PAUSES=$((\${PAUSES:-0} + 1)); if [ "$PAUSES" -eq 2 ]; then rm -f "$ROOT/db-down"; fi; }
record_facts() { REGION=eu-west-1; INSTANCE_ID=i-${node.name}; }
resume_after_reboot() { :; }
install_tools() { :; }
fetch_node_configuration() { :; }
fetch_secrets() { install -d -m 0700 "$SECRETS_DIR"; printf db-secret-1 >"$SECRETS_DIR/database-password"; printf root-secret-1 >"$SECRETS_DIR/root-password"; }
install_gitlab() { record install_gitlab; }
# Waits for the data services the boot order puts before step $1 (test/config/boot-data-waits.test.ts
# runs the real one): recorded with its step.
data_endpoints() { record "data_endpoints $1"; }
fast_ssh_key_lookup() { :; }
check_running() { record check_running; }
systemctl() { :; }
# reconfigure writes gitlab-secrets.json with new secrets unless one is there, as the package does;
# with $ROOT/stop-at-reconfigure-<n>, the node stops during its n-th (counted across runs).
gitlab-ctl() {
  record "gitlab-ctl $*"
  if [ "$1" = reconfigure ]; then
    echo x >>"$ROOT/reconfigures"
    if [ -e "$ROOT/stop-at-reconfigure-$(wc -l <"$ROOT/reconfigures")" ]; then return 1; fi
  fi
  if [ "$1" = reconfigure ] && [ ! -e "$ROOT/etc/gitlab/gitlab-secrets.json" ]; then
    printf '{"gitlab_rails":{"secret_key_base":"%s"}}\\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')" >"$ROOT/etc/gitlab/gitlab-secrets.json"
  fi
}
PSQL=$ROOT/psql
boot
`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `${script}\n${harness}`], {
      env: {
        PATH: `${fake.bin}:/usr/bin:/bin`,
        FAKE_SM_STATE: fake.state,
        FAKE_SM_NODE: node.name,
        AWS_TRACE: join(root, 'trace'),
      },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** A fresh Secrets Manager holding both secrets' placeholders; removed after the test unless `kept`. */
function newWorld(kept = false) {
  const world = tempDir('first-boot');
  if (!kept) roots.push(world);
  const fake = fakeSecretsManager(world, {
    [SECRETS_JSON]: FIRST_BOOT_SECRET_PLACEHOLDER,
    [HOST_KEYS]: FIRST_BOOT_SECRET_PLACEHOLDER,
  });
  return { world, fake };
}

const count = (lines: string[], pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
/** The host key files stored in the secret (a base64 tarball), concatenated as `hostKeys()` reads them. */
function storedHostKeys(fake: FakeSecretsManager, world: string): string {
  const dir = join(world, 'unpacked');
  mkdirSync(dir);
  const archive = join(world, 'keys.tgz');
  writeFileSync(archive, Buffer.from(fake.current(HOST_KEYS), 'base64'));
  expect(spawnSync('tar', ['-xzf', archive, '-C', dir]).status).toBe(0);
  return ['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub']
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('');
}

describe('first-boot secrets of the nodes that may migrate', () => {
  it('store under a version id Secrets Manager accepts as a ClientRequestToken: 32 to 64 characters', () => {
    expect(FIRST_BOOT_SECRET_VERSION.length).toBeGreaterThanOrEqual(32);
    expect(FIRST_BOOT_SECRET_VERSION.length).toBeLessThanOrEqual(64);
  });

  it('two nodes racing: one value of each secret is stored, the other node installs it, neither overwrites', async () => {
    const { world, fake } = newWorld();
    // Both see the secrets unset and generate their own before either stores anything.
    writeFileSync(join(fake.state, 'barrier-2'), '');
    const [a, b] = [newNode(world, 'rails-a'), newNode(world, 'rails-b')];
    const runs = await Promise.all([boot(a, fake), boot(b, fake)]);
    expect(
      runs.map((run) => run.status),
      runs.map((run) => run.output).join('\n'),
    ).toEqual([0, 0]);

    for (const name of [SECRETS_JSON, HOST_KEYS]) {
      // One write stored, the other refused: the placeholder and exactly one value, under the fixed version id.
      expect(Object.keys(fake.versions(name)).sort()).toEqual(
        ['created-by-cloudformation-000000000000', FIRST_BOOT_SECRET_VERSION].sort(),
      );
      const writes = fake.writes().filter((line) => line.split(' ')[1] === name);
      expect(writes.filter((line) => line.startsWith('stored '))).toHaveLength(1);
      expect(writes.filter((line) => line.startsWith('refused '))).toHaveLength(1);
      expect(writes[1]).toMatch(/^refused \S+ (ResourceExistsException|AccessDeniedException) /);
      expect(fake.pending(name)).toBe(false);
    }
    // Both run with the stored gitlab-secrets.json and host keys.
    expect(a.secretsJson()).toBe(fake.current(SECRETS_JSON).trimEnd());
    expect(b.secretsJson()).toBe(fake.current(SECRETS_JSON).trimEnd());
    expect(a.hostKeys()).toBe(b.hostKeys());
    expect(a.hostKeys()).toBe(storedHostKeys(fake, world));
    // The node whose gitlab-secrets.json lost reconfigures a second time; the winner once.
    const reconfigures = [a, b].map((node) => count(node.trace(), /^gitlab-ctl reconfigure$/)).sort();
    expect(reconfigures).toEqual([1, 2]);
    const winner = fake
      .writes()
      .find((line) => line.startsWith(`stored ${SECRETS_JSON} `))!
      .split(' ')[2];
    expect(count((winner === a.name ? a : b).trace(), /^gitlab-ctl reconfigure$/)).toBe(1);
    for (const node of [a, b]) {
      expect(
        node.trace().filter((line) => line.includes('put-secret-value')),
        node.name,
      ).toEqual([
        expect.stringContaining(
          `--secret-id ${SECRETS_JSON} --client-request-token ${FIRST_BOOT_SECRET_VERSION} `,
        ),
        expect.stringContaining(
          `--secret-id ${HOST_KEYS} --client-request-token ${FIRST_BOOT_SECRET_VERSION} `,
        ),
      ]);
    }
  });

  it('a write refused while nothing is stored fails the boot, and leaves the secret open', async () => {
    const { world, fake } = newWorld();
    writeFileSync(join(fake.state, 'refuse'), '');
    const node = newNode(world, 'rails-a');
    const run = await boot(node, fake);
    expect(run.status).toBe(1);
    expect(run.output).toContain(
      `${SECRETS_JSON}: Secrets Manager refused this node's value, and holds no other node's`,
    );
    expect(node.trace().at(-1)).toMatch(/signal-resource .* --status FAILURE$/);
    expect(fake.current(SECRETS_JSON).trimEnd()).toBe(FIRST_BOOT_SECRET_PLACEHOLDER);
    expect(fake.pending(SECRETS_JSON)).toBe(true);
    expect(node.trace().some((line) => line.startsWith('psql') || line.startsWith('locked'))).toBe(false);
  });
});

describe('nodes that boot after one node stored the secrets', () => {
  // rails-a boots alone and stores both secrets. rails-b checked both secrets, and
  // gitlab-secrets.json again before its write, before rails-a wrote them (its first three reads
  // answer what was stored before), and stops during the reconfigure that follows; cloud-init runs
  // its boot again at the next start. rails-c boots once both are stored.
  let world: string;
  let fake: FakeSecretsManager;
  let nodes: Record<'a' | 'b' | 'c', Node>;
  let runs: Record<'a' | 'b' | 'bResumed' | 'c', Run & { readonly trace: string[] }>;
  beforeAll(async () => {
    ({ world, fake } = newWorld(true));
    nodes = { a: newNode(world, 'rails-a'), b: newNode(world, 'rails-b'), c: newNode(world, 'rails-c') };
    const traced = async (node: Node) => ({ ...(await boot(node, fake)), trace: node.trace() });
    const a = await traced(nodes.a);
    writeFileSync(join(fake.state, 'stale-rails-b'), '3');
    writeFileSync(join(nodes.b.root, 'stop-at-reconfigure-2'), '');
    const b = await traced(nodes.b);
    const bResumed = await traced(nodes.b);
    runs = { a, b, bResumed, c: await traced(nodes.c) };
  });
  afterAll(() => rmSync(world, { recursive: true, force: true }));

  it("a node whose write comes after the winner closed the secret is refused by IAM, and installs the winner's", () => {
    expect(runs.a.status, runs.a.output).toBe(0);
    expect(fake.writes()).toEqual([
      `stored ${SECRETS_JSON} rails-a`,
      `stored ${HOST_KEYS} rails-a`,
      `refused ${SECRETS_JSON} AccessDeniedException rails-b`,
    ]);
    expect(nodes.b.secretsJson()).toBe(nodes.a.secretsJson());
    // Its host keys it found stored at its claim: it installs them and writes nothing.
    expect(nodes.b.hostKeys()).toBe(nodes.a.hostKeys());
    expect(
      [...runs.b.trace, ...runs.bResumed.trace].filter((line) => line.includes('untag-resource')),
    ).toEqual([]);
  });

  it("a node stopped during the reconfigure that follows installing the winner's secrets reconfigures when its boot resumes", () => {
    expect(runs.b.status).toBe(1);
    expect(count(runs.b.trace, /^gitlab-ctl reconfigure$/)).toBe(2);
    // The claim is done, the reconfigure is not.
    expect(runs.bResumed.status, runs.bResumed.output).toBe(0);
    expect(count(runs.bResumed.trace, /^gitlab-ctl reconfigure$/)).toBe(1);
    expect(runs.bResumed.trace.filter((line) => line.includes('put-secret-value'))).toEqual([]);
  });

  it('a node that comes after the secrets are stored installs them before it reconfigures, and writes nothing', () => {
    expect(runs.c.status, runs.c.output).toBe(0);
    expect(runs.c.trace.filter((line) => /put-secret-value|untag-resource/.test(line))).toEqual([]);
    expect(count(runs.c.trace, /^gitlab-ctl reconfigure$/)).toBe(1);
    expect(nodes.c.secretsJson()).toBe(nodes.a.secretsJson());
    expect(nodes.c.hostKeys()).toBe(nodes.a.hostKeys());
  });
});

describe('the database wait of the nodes that may migrate', () => {
  /** Where the first line matching each pattern is in a trace. */
  const at = (trace: string[], pattern: RegExp) => trace.findIndex((line) => pattern.test(line));

  it('reconfigures and shares the secrets while the database does not yet exist, then waits for it to bootstrap and migrate', async () => {
    const { world, fake } = newWorld();
    const node = newNode(world, 'rails-a');
    writeFileSync(join(node.root, 'db-down'), '');
    const run = await boot(node, fake);
    expect(run.status, run.output).toBe(0);
    const trace = node.trace();
    const firstQuery = at(trace, /^psql /);
    // Redis's endpoint before the first reconfigure, which names the database by its stable name;
    // the database's wait comes after the secrets are shared, right before the first query.
    expect(at(trace, /^data_endpoints configure$/)).toBeLessThan(at(trace, /^gitlab-ctl reconfigure$/));
    const databaseWait = at(trace, /^data_endpoints bootstrap$/);
    for (const before of [
      /^install_gitlab$/,
      /^gitlab-ctl reconfigure$/,
      /put-secret-value .*gitlab-secrets/,
      /untag-resource .*ssh-host-keys/,
    ])
      expect(at(trace, before), String(before)).toBeLessThan(databaseWait);
    expect(databaseWait).toBe(firstQuery - 1);
    expect(readFileSync(join(node.root, 'boot-state/prepare_database.log'), 'utf8')).toContain(
      'waiting for database-ready',
    );
    // Two pauses while it does not answer, then only what needs it: the extensions and the
    // migrations under the deploy lock, the restart, the readiness check, the signal.
    expect(trace.slice(firstQuery)).toEqual([
      'psql -X -q -c SELECT 1',
      'sleep 15',
      'psql -X -q -c SELECT 1',
      'sleep 15',
      'psql -X -q -c SELECT 1',
      'locked /usr/local/sbin/gitlab-aws-boot bootstrap',
      'aws ssm get-parameter --region eu-west-1 --name /prod/gitlab-version --query Parameter.Value --output text',
      'locked --once migrations-19.3.0-ee.0 /usr/local/sbin/gitlab-aws-boot migrate',
      'gitlab-ctl restart',
      'data_endpoints start',
      'check_running',
      expect.stringMatching(/^aws cloudformation signal-resource .* --status SUCCESS$/),
    ]);
  });

  it('gives up after the bound the boot order sets, with its secrets shared and nothing of the database done', async () => {
    const { world, fake } = newWorld();
    const node = newNode(world, 'rails-a');
    writeFileSync(join(node.root, 'db-down'), '');
    const run = await boot(node, fake, 0);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/gave up waiting for: database_ready/);
    expect(fake.current(SECRETS_JSON).trimEnd()).toBe(node.secretsJson());
    const trace = node.trace();
    expect(trace.some((line) => line.startsWith('locked'))).toBe(false);
    expect(trace.at(-1)).toMatch(/signal-resource .* --status FAILURE$/);
  });
});
