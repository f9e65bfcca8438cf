/**
 * The Redis settings, proven against a real redis-server with TLS and `requirepass`, as ElastiCache
 * runs with in-transit encryption and an AUTH token. For a 3k (one Redis) and a 10k (cache and
 * persistent Redis) web and Sidekiq node, the test:
 * - renders the node's user data;
 * - runs the boot script's own steps (`record_facts`, `fetch_secrets`) with `aws` and the instance
 *   metadata stubbed, so the fact and secret files are what a node writes at boot;
 * - evaluates gitlab.rb with Ruby against those files, derives the Rails Redis files the Linux
 *   package writes, reads each as GitLab's Rails code does and connects with Ruby's redis client
 *   (redis-connect.rb says how each step follows GitLab).
 * Not redis-cli: it reads `rediss://:pw@host` as an empty user name and fails where GitLab succeeds.
 *
 * The token holds every non-alphanumeric character ElastiCache allows in an AUTH token
 * (`!&#$^<>-`, "Authenticating with the Valkey and Redis OSS AUTH command", Amazon ElastiCache
 * user guide), so the URL must be percent-encoded to work at all.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_HEADER, readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { bootTargets, renderUserDataParts, targetName } from '../../src/config/index.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { endpointsFor, tempDir } from './support.js';

const CONNECTOR = join(import.meta.dirname, 'redis-connect.rb');
/** 16-128 characters, with each of ElastiCache's permitted specials: !, &, #, $, ^, <, >, -. */
const AUTH_TOKEN = 'Gl4b-AWS!&#$^<>-Tok3n-9zQx';

/** Whether redis-server, openssl and Ruby's redis client are here; in CI a missing one fails. */
function toolsPresent(): boolean {
  const missing = [
    ['redis-server', 'command -v redis-server'],
    ['openssl', 'command -v openssl'],
    ['ruby-redis', `ruby -e 'require "redis"'`],
  ].flatMap(([name, check]) =>
    spawnSync('sh', ['-c', `${check} >/dev/null 2>&1`]).status === 0 ? [] : [name],
  );
  if (missing.length === 0) return true;
  const message = `missing ${missing.join(', ')}: apt-get install -y redis-server ruby-redis openssl`;
  if (process.env.CI) throw new Error(message);
  process.stderr.write(`\n*** SKIPPING the Redis connection tests: ${message} ***\n\n`);
  return false;
}

const present = toolsPresent();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

interface Connection {
  readonly ok: boolean;
  readonly error: string | null;
  readonly url_port: number;
  readonly tls: boolean;
}

interface RedisServer {
  readonly dir: string;
  readonly port: number;
  readonly caFile: string;
  readonly process: ChildProcess;
}

/** A self-signed certificate for localhost, and redis-server with TLS only and requirepass. */
async function startRedis(): Promise<RedisServer> {
  const dir = tempDir('redis-tls');
  const cert = join(dir, 'redis.crt');
  const key = join(dir, 'redis.key');
  const openssl = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (openssl.status !== 0) throw new Error(`openssl: ${openssl.stderr}`);
  const port = await freePort();
  const server = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-ca-cert-file',
      cert,
      '--tls-auth-clients',
      'no',
      '--requirepass',
      AUTH_TOKEN,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 20_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output}`));
    });
  });
  return { dir, port, caFile: cert, process: server };
}

/**
 * Runs the boot script's `record_facts`, `fetch_secrets` and `data_endpoints configure` (the waits
 * before the first reconfigure, Redis's among them) for a node's boot.env,
 * with the instance metadata and `aws` answered by stubs (Secrets Manager returns the AUTH token for
 * the Redis secret; each data endpoint parameter says `localhost:<port>`, where the test's server
 * listens, so the boot's connection check reaches a real Redis). Returns the directories they wrote.
 */
function bootFiles(
  env: string,
  redisSecretName: string,
  root: string,
  redisPort: number,
): { secrets: string; facts: string } {
  const secrets = join(root, 'secrets');
  const facts = join(root, 'facts');
  const envFile = join(root, 'boot.env');
  const tokenFile = join(root, 'token');
  writeFileSync(envFile, env);
  writeFileSync(tokenFile, AUTH_TOKEN);
  const script = withHeader(readScript(SCRIPT_FILES.boot), {
    ENV_FILE: envFile,
    SECRETS_DIR: secrets,
    FACTS_DIR: facts,
    SELF: '/bin/false',
    LOCKED: '/bin/false',
    FIRST_BOOT_PLACEHOLDER: '{}',
    ...ARTIFACT_HEADER,
  }).replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n');
  const stubs = `
imds() { case "$1" in placement/region) echo us-west-2 ;; instance-id) echo i-0123 ;; *) echo 10.0.1.10 ;; esac; }
instance_account() { printf 123456789012; }
aws() {
  local id="" parameter=""
  while [ $# -gt 0 ]; do [ "$1" = --secret-id ] && id=$2; [ "$1" = --name ] && parameter=$2; shift; done
  if [ -n "$parameter" ]; then echo "localhost:${redisPort}"; return; fi
  if [ "$id" = ${JSON.stringify(redisSecretName)} ]; then cat ${JSON.stringify(tokenFile)}; else echo '{"password":"unused","username":"AKIAEXAMPLE","secretAccessKey":"unused"}'; fi
}
record_facts
fetch_secrets
data_endpoints configure
`;
  const result = spawnSync('bash', ['-c', `${script}\n${stubs}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`boot steps failed: ${result.stderr}`);
  return { secrets, facts };
}

/** Every Redis file GitLab would read on this node, and whether it reached the server. */
function connectAs(plan: Plan, nodeName: string, redis: RedisServer): Record<string, Connection> {
  const target = bootTargets(plan).find((candidate) => targetName(candidate) === nodeName);
  if (!target) throw new Error(`no ${nodeName} in the plan`);
  const parts = renderUserDataParts(plan, target, endpointsFor(target));
  const root = join(redis.dir, nodeName);
  mkdirSync(root, { recursive: true });
  const secretName = plan.secrets.find((secret) => secret.id === 'redis-auth-token')?.name;
  if (!secretName) throw new Error('the plan has no Redis AUTH token');
  const dirs = bootFiles(parts.env, secretName, root, redis.port);
  const gitlabRb = join(root, 'gitlab.rb');
  writeFileSync(gitlabRb, parts.gitlabRb ?? '');
  const result = spawnSync('ruby', [CONNECTOR, gitlabRb], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GLA_SECRETS_DIR: dirs.secrets,
      GLA_FACTS_DIR: dirs.facts,
      GLA_CA_FILE: redis.caFile,
      GLA_REDIS_PORT: String(redis.port),
      // The system's trust store, for files without a CA file of their own (ElastiCache's
      // certificate is signed by a public CA; the test's is trusted this way instead).
      SSL_CERT_FILE: redis.caFile,
    },
  });
  if (result.status !== 0) throw new Error(`redis-connect.rb failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, Connection>;
}

describe.runIf(present)('Redis settings against redis-server with TLS and requirepass', () => {
  let redis: RedisServer;
  let small: Plan;
  let large: Plan;

  beforeAll(async () => {
    redis = await startRedis();
    small = planFor({ architecture: { size: '3k' } });
    large = planFor({ architecture: { size: '10k' } });
  }, 60_000);

  afterAll(() => {
    redis?.process.kill();
    if (redis) rmSync(redis.dir, { recursive: true, force: true });
  });

  it('refuses a client without the token, so the checks below can fail', () => {
    const result = spawnSync(
      'ruby',
      [
        '-rredis',
        '-e',
        `begin; Redis.new(host: 'localhost', port: ${redis.port}, ssl: true, ssl_params: { ca_file: ARGV[0] }).ping; rescue => e; puts e.message; end`,
        redis.caFile,
      ],
      { encoding: 'utf8' },
    );
    expect(result.stdout).toMatch(/NOAUTH/);
  });

  it.each([
    ['3k', 'rails', ['resque.yml']],
    ['3k', 'sidekiq', ['resque.yml']],
    ['10k', 'rails', ['redis.cache.yml', 'resque.yml']],
    ['10k', 'sidekiq', ['redis.cache.yml', 'resque.yml']],
  ] as const)('%s %s nodes authenticate on every Redis they use, over TLS', (size, node, files) => {
    const connections = connectAs(size === '3k' ? small : large, node, redis);
    expect(Object.keys(connections).sort()).toEqual([...files]);
    for (const [file, connection] of Object.entries(connections)) {
      expect(connection, file).toEqual({ ok: true, error: null, url_port: 6379, tls: true });
    }
  });
});
