/**
 * The compute stack deploys beside the data stack, so a node's boot script waits for what the data
 * stack makes, each wait bounded by the header's ARTIFACT_WAIT_SECONDS and logged: the secrets it
 * reads, the data services' endpoint parameters (then a real TCP connection to the address they
 * hold), and a Gitaly node's volume. The script's own functions run under bash; `aws` and `sleep`
 * are shell functions (`sleep` moves bash's clock on, so a bound of an hour passes at once).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_HEADER, readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { SCRIPT_WAIT_SECONDS_VARIABLE } from '../../src/plan/boot-order.js';
import { NODE_BOOT } from '../../src/plan/contracts.js';
import { tempDir } from './support.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A port that accepts connections (the endpoint up), and one that refuses them (nothing listens). */
let server: Server;
let openPort: number;
let closedPort: number;
beforeAll(async () => {
  const listen = () =>
    new Promise<Server>((resolve) => {
      const created = createServer((socket) => socket.destroy());
      created.listen(0, '127.0.0.1', () => resolve(created));
    });
  server = await listen();
  openPort = (server.address() as { port: number }).port;
  const closed = await listen();
  closedPort = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly awsCalls: string[];
  readonly facts: (name: string) => string | undefined;
}

/**
 * Runs `body` after the boot script's functions, with `aws` answered by `awsStub` (a shell function
 * body; `$CALLS` is the number of calls so far, this one included) and every call recorded.
 */
function run(body: string, awsStub: string, env: Record<string, string> = {}): Run {
  const root = tempDir('boot-data-waits');
  roots.push(root);
  writeFileSync(
    join(root, 'boot.env'),
    Object.entries({ GLA_NODE: 'rails', GLA_ENVIRONMENT: 'prod', ...env })
      .map(([name, value]) => `${name}='${value}'\n`)
      .join(''),
  );
  const script = withHeader(readScript(SCRIPT_FILES.boot), {
    ENV_FILE: join(root, 'boot.env'),
    SECRETS_DIR: join(root, 'secrets'),
    FACTS_DIR: join(root, 'facts'),
    SELF: '/bin/false',
    LOCKED: '/bin/false',
    FIRST_BOOT_PLACEHOLDER: '{}',
    ...ARTIFACT_HEADER,
  }).replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n');
  const harness = `
ROOT=${JSON.stringify(root)}
REGION=us-west-2
INSTANCE_ID=i-0123
mkdir -p "$ROOT/facts"
# Bash's clock moves on by the pause instead of the test waiting.
sleep() { SECONDS=$((SECONDS + $1)); }
# Counted in a file: the script calls aws in command substitutions, which are subshells.
aws() {
  printf '%s\\n' "$*" >>"$ROOT/aws-calls"
  CALLS=$(wc -l <"$ROOT/aws-calls")
  ${awsStub}
}
${body}
`;
  const result = spawnSync('bash', ['-c', `${script}\n${harness}`], { encoding: 'utf8' });
  const read = (file: string) => {
    try {
      return readFileSync(join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    awsCalls: (read('aws-calls') ?? '').split('\n').filter(Boolean),
    facts: (name) => read(`facts/${name}`),
  };
}

/** `aws ssm get-parameter` as the CLI answers while the parameter does not exist yet, then with `value`. */
const parameterAfter = (calls: number, value: string) =>
  `if [ "$CALLS" -le ${calls} ]; then echo "An error occurred (ParameterNotFound)" >&2; return 254; fi; echo "${value}"`;

const DATABASE = 'database|/prod/data-endpoints/database|-|-|bootstrap';
const REDIS = 'redis|/prod/data-endpoints/redis|redis-host|-|configure';

describe('the boot waits for the data services', () => {
  it('polls the endpoint parameter until the data stack writes it, checks the address answers, and writes the facts', () => {
    const result = run('data_endpoints configure', parameterAfter(3, `127.0.0.1:${openPort}`), {
      GLA_ENDPOINTS: `${REDIS} ${DATABASE} redis|/prod/data-endpoints/redis-cache|redis-cache-host|-|configure`,
    });
    expect(result.status, result.output).toBe(0);
    expect(result.facts('redis-host')).toBe('127.0.0.1');
    expect(result.facts('redis-cache-host')).toBe('127.0.0.1');
    // Three polls before the first parameter exists, then the next at once; the database, waited
    // for before another step, is not polled here.
    expect(result.awsCalls).toEqual([
      ...Array(4).fill(
        'ssm get-parameter --region us-west-2 --name /prod/data-endpoints/redis --query Parameter.Value --output text',
      ),
      'ssm get-parameter --region us-west-2 --name /prod/data-endpoints/redis-cache --query Parameter.Value --output text',
    ]);
    expect(result.output).toContain('waiting for redis-ready');
    expect(result.output).not.toContain('waiting for database-ready');
    expect(result.output).toContain(`/prod/data-endpoints/redis: 127.0.0.1:${openPort} accepts connections`);
  });

  it('waits for a database before the step the boot order names, writing no fact for it', () => {
    const result = run('data_endpoints bootstrap', parameterAfter(2, `127.0.0.1:${openPort}`), {
      GLA_ENDPOINTS: `${REDIS} ${DATABASE}`,
    });
    expect(result.status, result.output).toBe(0);
    expect(result.awsCalls).toEqual(
      Array(3).fill(
        'ssm get-parameter --region us-west-2 --name /prod/data-endpoints/database --query Parameter.Value --output text',
      ),
    );
    expect(result.output).toContain('waiting for database-ready');
    expect(result.facts('redis-host')).toBeUndefined();
    expect(result.facts('-')).toBeUndefined();
  });

  it('keeps waiting while the address refuses connections, and gives up at the bound', () => {
    // A bound of a minute here; the header's is the Plan's boot bound.
    const result = run(
      'ARTIFACT_WAIT_SECONDS=60; data_endpoints configure',
      `echo "127.0.0.1:${closedPort}"`,
      {
        GLA_ENDPOINTS: REDIS,
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('gave up waiting for: endpoint_ready /prod/data-endpoints/redis');
    expect(result.facts('redis-host')).toBeUndefined();
    // One poll every 15 s until the bound.
    expect(ARTIFACT_HEADER[SCRIPT_WAIT_SECONDS_VARIABLE]).toBe(NODE_BOOT.timeoutSeconds);
    expect(result.awsCalls).toHaveLength(60 / 15 + 1);
  });

  it('refuses a parameter that holds no host:port, and waits for nothing without endpoints', () => {
    const bad = run('ARTIFACT_WAIT_SECONDS=30; data_endpoints bootstrap', 'echo "not an endpoint"', {
      GLA_ENDPOINTS: DATABASE,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain('holds "not an endpoint", not host:port');
    const none = run('data_endpoints configure', 'return 1');
    expect(none.status, none.output).toBe(0);
    expect(none.awsCalls).toEqual([]);
  });

  it("connects psql to the database's stable name, as gitlab.rb does", () => {
    const result = run(
      `mkdir -p "$SECRETS_DIR"; printf 'secret' >"$SECRETS_DIR/database-password"
as_master
echo "psql at $PGHOST:$PGPORT as $PGUSER to $PGDATABASE ($PGSSLMODE)"`,
      'return 1',
      {
        GLA_DB_HOST: 'database.prod.internal',
        GLA_DB_PORT: '5432',
        GLA_DB_USER: 'gitlab',
        GLA_DB_NAME: 'gitlabhq_production',
      },
    );
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(
      'psql at database.prod.internal:5432 as gitlab to gitlabhq_production (require)',
    );
  });
});

describe('the boot waits for what the data stack creates beside it', () => {
  it('reads each secret once Secrets Manager has it', () => {
    const result = run(
      'fetch_secrets',
      `if [ "$CALLS" -le 2 ]; then echo "ResourceNotFoundException" >&2; return 254; fi; echo "value-$CALLS"`,
      { GLA_SECRETS: 'root-password|prod/root-password|-' },
    );
    expect(result.status, result.output).toBe(0);
    expect(result.awsCalls).toHaveLength(3);
    expect(result.output).toContain('waiting for secrets');
    expect(result.output).toContain('secrets written to');
  });

  it('finds the Gitaly volume by its tags once the data stack has created it', () => {
    const result = run(
      'wait_for_artifact "$ARTIFACT_GITALY_VOLUME" tagged_volume_found; echo "found $TAGGED_VOLUME"',
      `if [ "$CALLS" -le 1 ]; then echo None; else echo vol-0abc; fi`,
      {
        GLA_NODE: 'gitaly-1',
        GLA_TAG_ENVIRONMENT: 'gitlab-aws:environment',
        GLA_TAG_NODE: 'gitlab-aws:node',
      },
    );
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('found vol-0abc');
    expect(result.awsCalls[0]).toContain('Name=tag:gitlab-aws:node,Values=gitaly-1');
    expect(result.awsCalls).toHaveLength(2);
  });
});
