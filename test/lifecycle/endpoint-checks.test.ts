import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENDPOINT_CHECKS,
  type EndpointCheckOptions,
  type EndpointCheckResult,
  GIT_PROBE_PATH,
  judgeNodeReadiness,
  nodeReadinessCommands,
  railsReadiness,
  renderEndpointChecks,
  runEndpointChecks,
  sameVersion,
} from '../../src/lifecycle/endpoint-checks.js';
import type { NodeDirectory, RemoteRunner } from '../../src/lifecycle/fleet.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const DOMAIN = 'gitlab.test';

/** A self-signed certificate for `name`, made with the machine's openssl (an EC key: quick to make). */
function selfSigned(name: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gla-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '90',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const listen = (server: Server | HttpsServer) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/**
 * A GitLab-shaped HTTPS server, answering as GitLab answers a client outside its monitoring
 * allowlist: health endpoints 404, the version API 401 without a valid token, Git over HTTPS 401
 * without credentials. Each test overrides what it needs.
 */
function gitlabServer(
  certificate: { key: string; cert: string },
  statuses: Record<string, number>,
  version = '19.3.0-ee',
) {
  return createHttpsServer(certificate, (request, response) => {
    const path = request.url ?? '';
    if (path === '/api/v4/version' && statuses[path] === undefined) {
      const ok = request.headers['private-token'] === 'glpat-test';
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(ok ? JSON.stringify({ version, revision: 'abc123' }) : '{"message":"401 Unauthorized"}');
      return;
    }
    if (path === GIT_PROBE_PATH && statuses[path] === undefined) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="GitLab"' });
      response.end('HTTP Basic: Access denied.');
      return;
    }
    response.writeHead(statuses[path] ?? 404, { host: String(request.headers.host) });
    response.end();
  });
}

const byId = (results: EndpointCheckResult[]) =>
  Object.fromEntries(results.map((result) => [result.id, result]));

describe('runEndpointChecks against local servers', () => {
  const certificate = selfSigned(DOMAIN);
  const healthy = { '/users/sign_in': 200 };
  const servers: (Server | HttpsServer)[] = [];
  let httpsPort = 0;
  let allowlistPort = 0;
  let allowedPort = 0;
  let newerPatchPort = 0;
  let notGitlabPort = 0;
  let wrongNamePort = 0;
  let sshPort = 0;
  let silentPort = 0;
  let closedPort = 0;
  let options: EndpointCheckOptions;

  beforeAll(async () => {
    const start = async (server: Server | HttpsServer) => {
      servers.push(server);
      return listen(server);
    };
    httpsPort = await start(gitlabServer(certificate, healthy));
    allowlistPort = await start(
      gitlabServer(certificate, { '/users/sign_in': 200, '/-/readiness': 503, '/-/liveness': 503 }),
    );
    allowedPort = await start(
      gitlabServer(certificate, { '/users/sign_in': 200, '/-/readiness': 200, '/-/liveness': 200 }),
    );
    newerPatchPort = await start(gitlabServer(certificate, healthy, '19.3.10-ee'));
    notGitlabPort = await start(
      gitlabServer(certificate, { '/users/sign_in': 200, '/api/v4/version': 200, [GIT_PROBE_PATH]: 404 }),
    );
    wrongNamePort = await start(gitlabServer(selfSigned('other.test'), healthy));
    sshPort = await start(createTcpServer((socket) => socket.end('SSH-2.0-GitLab-SSHD\r\n')));
    silentPort = await start(createTcpServer(() => {}));
    const closed = createTcpServer();
    closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    options = {
      url: `https://${DOMAIN}`,
      connectHost: '127.0.0.1',
      httpsPort,
      sshPort,
      ca: certificate.cert,
      token: 'glpat-test',
      expectedVersion: '19.3.0',
      resolve: async (host) => ({ [DOMAIN]: ['127.0.0.1'], 'nlb.test': ['127.0.0.1'] })[host] ?? [],
      loadBalancerDnsName: 'nlb.test',
      // Generous: on a loaded machine a local TLS handshake can take over a second; only the checks
      // that wait on purpose for silence set a short one.
      timeoutMs: 5000,
    };
  });

  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('fails nothing on a healthy GitLab that refuses outsiders its health endpoints', async () => {
    const results = byId(await runEndpointChecks(options));
    expect(Object.values(results).map((result) => [result.id, result.status])).toEqual([
      ['dns', 'pass'],
      ['tls', 'pass'],
      ['readiness', 'skip'],
      ['liveness', 'skip'],
      ['sign-in', 'pass'],
      ['api', 'pass'],
      ['git-https', 'pass'],
      ['ssh', 'pass'],
    ]);
    expect(results['readiness']!.detail).toContain("gitlab_rails['monitoring_whitelist']");
    expect(results['readiness']!.detail).toContain('checked on a Rails node instead');
    expect(results['git-https']!.detail).toContain('401, asking for credentials');
    expect(results['tls']!.detail).toMatch(/^valid for gitlab\.test, expires in (89|90) days/);
    expect(results['api']!.detail).toBe('GitLab 19.3.0-ee');
    expect(results['ssh']!.detail).toBe(`port ${sshPort}: SSH-2.0-GitLab-SSHD`);
    expect(results['dns']!.detail).toBe('gitlab.test resolves to the load balancer nlb.test (127.0.0.1)');
  });

  it('passes the health endpoints for a client inside the allowlist', async () => {
    const results = byId(await runEndpointChecks({ ...options, httpsPort: allowedPort }));
    expect(results['readiness']).toMatchObject({ status: 'pass', detail: 'GET /-/readiness: 200' });
    expect(results['liveness']).toMatchObject({ status: 'pass', detail: 'GET /-/liveness: 200' });
  });

  it("explains a 503 as GitLab's own check failing: readiness checks dependencies only with ?all=1", async () => {
    const results = byId(await runEndpointChecks({ ...options, httpsPort: allowlistPort }));
    expect(results['readiness']!.status).toBe('fail');
    expect(results['readiness']!.detail).toBe(
      "GET /-/readiness: 503, GitLab's own readiness check failed (Puma starting or shutting down); ?all=1 also checks the database, Redis and Gitaly and names the failing one",
    );
    expect(results['liveness']!.status).toBe('fail');
    expect(results['liveness']!.detail).toContain('503, Rails answers but its controllers do not');
    expect(results['sign-in']!.status).toBe('pass');
  });

  it('compares versions as numbers, not as text prefixes', async () => {
    const results = byId(
      await runEndpointChecks({ ...options, httpsPort: newerPatchPort, expectedVersion: '19.3.1' }),
    );
    expect(results['api']).toMatchObject({
      status: 'warn',
      detail: 'GitLab 19.3.10-ee answers, but the spec asks for 19.3.1',
    });
    expect(sameVersion('19.3.0-ee', '19.3.0')).toBe(true);
    expect(sameVersion('19.3.10', '19.3.1')).toBe(false);
    expect(sameVersion('19.3.1.5', '19.3.1')).toBe(false);
    expect(sameVersion('19.4.0', '19.3.0')).toBe(false);
    expect(sameVersion('20.3.0', '19.3.0')).toBe(false);
    expect(sameVersion('garbage', 'garbage')).toBe(false);
    expect(sameVersion(' 19.3.0 ', '19.3.0')).toBe(true);
  });

  it('fails a server that answers the API and Git over HTTPS unlike GitLab', async () => {
    const { token: _token, ...anonymous } = options;
    const results = byId(await runEndpointChecks({ ...anonymous, httpsPort: notGitlabPort }));
    expect(results['api']).toMatchObject({
      status: 'fail',
      detail: 'GET /api/v4/version without a token: 200, GitLab answers 401',
    });
    expect(results['git-https']!.status).toBe('fail');
    expect(results['git-https']!.detail).toContain(': 404, GitLab answers 401');
  });

  it('refuses an untrusted certificate, and only warns when told --insecure', async () => {
    const { ca: _trusted, ...untrusting } = options;
    const strict = byId(await runEndpointChecks(untrusting));
    expect(strict['tls']).toMatchObject({ status: 'fail' });
    expect(strict['tls']!.detail).toContain('self-signed certificate (pass --ca FILE');
    expect(strict['sign-in']!.status).toBe('fail');
    const insecure = byId(await runEndpointChecks({ ...untrusting, insecure: true }));
    expect(insecure['tls']!.status).toBe('warn');
    expect(insecure['tls']!.detail).toContain('trust not verified (--insecure)');
    expect(insecure['sign-in']!.status).toBe('pass');
  });

  it('fails a certificate issued for another name', async () => {
    const results = byId(await runEndpointChecks({ ...options, httpsPort: wrongNamePort, insecure: true }));
    expect(results['tls']!.status).toBe('fail');
    expect(results['tls']!.detail).toContain('certificate is for DNS:other.test, not gitlab.test');
  });

  it('warns when the certificate is close to expiry', async () => {
    const inEightyDays = new Date(Date.now() + 80 * 86_400_000);
    const results = byId(await runEndpointChecks({ ...options, now: () => inEightyDays }));
    expect(results['tls']!.status).toBe('warn');
    expect(results['tls']!.detail).toMatch(/expires in (9|10) days/);
  });

  it('explains a closed HTTPS port, a closed SSH port and a silent SSH port', async () => {
    const closed = byId(await runEndpointChecks({ ...options, httpsPort: closedPort, sshPort: closedPort }));
    expect(closed['tls']!.detail).toContain('connection refused: nothing listens there');
    expect(closed['readiness']!.detail).toContain('GET /-/readiness: connection refused');
    expect(closed['ssh']!.detail).toBe(
      `port ${closedPort}: connection refused: nothing listens there (listener missing, or no healthy target behind it)`,
    );
    const silent = byId(await runEndpointChecks({ ...options, sshPort: silentPort, timeoutMs: 300 }));
    expect(silent['ssh']!.detail).toContain('no SSH banner within 300 ms');
  });

  it('fails an SSH port that answers something else', async () => {
    const results = byId(await runEndpointChecks({ ...options, sshPort: httpsPort, timeoutMs: 500 }));
    expect(results['ssh']!.status).toBe('fail');
  });

  it('rejects a wrong token, and without one takes the 401 as the API answering', async () => {
    const wrong = byId(await runEndpointChecks({ ...options, token: 'wrong' }))['api']!;
    expect(wrong).toMatchObject({ status: 'fail' });
    expect(wrong.detail).toContain('401, the token is invalid');
    const { token: _token, ...anonymous } = options;
    const tokenless = byId(await runEndpointChecks(anonymous))['api']!;
    expect(tokenless.status).toBe('pass');
    expect(tokenless.detail).toContain('401 without a token');
  });

  it('fails DNS that does not resolve or points away from the load balancer', async () => {
    const missing = byId(
      await runEndpointChecks({
        ...options,
        resolve: async (host) => {
          if (host === DOMAIN)
            throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
          return ['10.0.0.1'];
        },
      }),
    );
    expect(missing['dns']!.detail).toContain('gitlab.test does not resolve (the name does not resolve)');
    const elsewhere = byId(
      await runEndpointChecks({
        ...options,
        resolve: async (host) => (host === DOMAIN ? ['203.0.113.9'] : ['198.51.100.7']),
      }),
    );
    expect(elsewhere['dns']!.status).toBe('fail');
    expect(elsewhere['dns']!.detail).toContain('the load balancer nlb.test is 198.51.100.7');
  });

  it('resolves with the system resolver by default (localhost needs no network)', async () => {
    const results = byId(
      await runEndpointChecks({
        url: 'https://localhost',
        httpsPort: closedPort,
        sshPort: closedPort,
        timeoutMs: 300,
      }),
    );
    expect(results['dns']!.status).toBe('pass');
    expect(results['dns']!.detail).toMatch(/^localhost resolves to /);
  });
});

describe('readiness from inside, on a Rails node through SSM', () => {
  let plan: Plan;
  const servers: Server[] = [];
  const urls: Record<'ready' | 'failing' | 'refused' | 'closed', string> = {
    ready: '',
    failing: '',
    refused: '',
    closed: '',
  };
  /** What GitLab's readiness answers with `?all=1` (the shape of doc/administration/monitoring/health_check.md). */
  const failingAnswer = {
    status: 'failed',
    master_check: [{ status: 'ok' }],
    db_check: [{ status: 'ok' }],
    redis_check: [{ status: 'failed', message: 'Connection refused' }],
    gitaly_check: [{ status: 'ok', labels: { shard: 'default' } }],
  };

  beforeAll(async () => {
    plan = planFor({ architecture: { size: '3k' } });
    const http = async (status: number, body: string) => {
      const { createServer } = await import('node:http');
      const server = createServer((_request, response) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body);
      });
      servers.push(server as unknown as Server);
      return listen(server as unknown as Server);
    };
    urls.ready = `http://127.0.0.1:${await http(200, '{"status":"ok","master_check":[{"status":"ok"}]}')}/-/readiness?all=1`;
    urls.failing = `http://127.0.0.1:${await http(503, JSON.stringify(failingAnswer))}/-/readiness?all=1`;
    urls.refused = `http://127.0.0.1:${await http(404, '')}/-/readiness?all=1`;
    const closed = createTcpServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    urls.closed = `http://127.0.0.1:${closedPort}/-/readiness?all=1`;
  });

  afterAll(() => {
    for (const server of servers) server.close();
  });

  /** Runs the node's command lines as SSM would (one script file), under `shell`, with the machine's curl. */
  const runOnNode = (shell: string, url: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(shell, ['-c', nodeReadinessCommands(plan, url).join('\n')], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
      child.stdin?.end();
    });

  it.each(['dash', 'bash'])('judges what curl really prints under %s', async (shell) => {
    expect(judgeNodeReadiness(await runOnNode(shell, urls.ready), 'i-rails1')).toEqual({
      status: 'pass',
      detail: 'GET /-/readiness?all=1 on i-rails1: 200, database, Redis and Gitaly answer',
    });
    expect(judgeNodeReadiness(await runOnNode(shell, urls.failing), 'i-rails1')).toEqual({
      status: 'fail',
      detail: 'GET /-/readiness?all=1 on i-rails1: 503, redis_check failed (Connection refused)',
    });
    const refused = judgeNodeReadiness(await runOnNode(shell, urls.refused), 'i-rails1');
    expect(refused.status).toBe('fail');
    expect(refused.detail).toContain(
      "404, the node refuses its own address: gitlab_rails['monitoring_whitelist']",
    );
    const closed = judgeNodeReadiness(await runOnNode(shell, urls.closed), 'i-rails1');
    expect(closed.status).toBe('fail');
    expect(closed.detail).toMatch(/nothing answers \(curl: \(7\) .*\); NGINX is down/);
  });

  it('asks on the node with the PROXY protocol header when NGINX expects one', () => {
    expect(nodeReadinessCommands(plan)[0]).not.toContain('--haproxy-protocol');
    expect(nodeReadinessCommands(plan)[0]).toContain("'http://127.0.0.1/-/readiness?all=1'");
    const proxied = planFor({ architecture: { size: '3k' }, edge: { proxyProtocol: true } });
    expect(nodeReadinessCommands(proxied)[0]).toContain(' --haproxy-protocol ');
  });

  it('explains other answers and output without a status line', () => {
    expect(judgeNodeReadiness('gitlab-aws-readiness-status 502\n', 'i-1')).toMatchObject({
      status: 'fail',
      detail: 'GET /-/readiness?all=1 on i-1: 502, NGINX is up but Puma is not answering (still booting?)',
    });
    expect(judgeNodeReadiness('gitlab-aws-readiness-status 418\n', 'i-1').detail).toBe(
      'GET /-/readiness?all=1 on i-1: unexpected 418',
    );
    expect(judgeNodeReadiness('not json\ngitlab-aws-readiness-status 503\n', 'i-1').detail).toContain(
      '503, a check failed (no details in the answer)',
    );
    expect(judgeNodeReadiness('sh: curl: not found\n', 'i-1')).toEqual({
      status: 'fail',
      detail: 'i-1: no answer from the readiness command: sh: curl: not found',
    });
  });

  const fleet = (instances: string[], answer: RemoteRunner['run']) => {
    const asked: string[] = [];
    const directory: NodeDirectory = {
      instanceOf: async () => 'i-single',
      groupNameOf: async (id) => id,
      instancesOf: async (group) => {
        asked.push(group);
        return instances;
      },
    };
    return { directory, runner: { run: answer } as RemoteRunner, asked };
  };

  it('asks one in-service Rails node, and says what went wrong when it cannot', async () => {
    const commands: string[][] = [];
    const ready = fleet(['i-rails1', 'i-rails2'], async (request) => {
      commands.push([request.instanceId, ...request.commands]);
      return { commandId: 'c-1', output: 'ok\ngitlab-aws-readiness-status 200\n' };
    });
    expect(await railsReadiness({ plan, ...ready })).toMatchObject({
      id: 'readiness-inside',
      status: 'pass',
    });
    expect(ready.asked).toEqual(['rails']);
    expect(commands).toEqual([['i-rails1', ...nodeReadinessCommands(plan)]]);

    const empty = fleet([], async () => ({ commandId: 'c', output: '' }));
    expect(await railsReadiness({ plan, ...empty })).toMatchObject({
      status: 'fail',
      detail: 'no healthy Rails node in service to ask for readiness',
    });
    const broken = fleet(['i-rails1'], async () => {
      throw new Error('"gitlab-aws check" on i-rails1: Undeliverable');
    });
    expect((await railsReadiness({ plan, ...broken })).detail).toBe(
      'SSM Run Command on i-rails1: "gitlab-aws check" on i-rails1: Undeliverable',
    );
    const lost: NodeDirectory = {
      ...ready.directory,
      instancesOf: async () => Promise.reject(new Error('throttled')),
    };
    expect((await railsReadiness({ plan, directory: lost, runner: ready.runner })).detail).toBe(
      'finding a Rails node: throttled',
    );
  });

  it('runs one short, named SSM command and reports under its own title', async () => {
    const requests: Parameters<RemoteRunner['run']>[0][] = [];
    const ready = fleet(['i-rails1'], async (request) => {
      requests.push(request);
      return { commandId: 'c-1', output: 'gitlab-aws-readiness-status 200\n' };
    });
    expect(await railsReadiness({ plan, ...ready })).toEqual({
      id: 'readiness-inside',
      title: 'Readiness (Rails node)',
      status: 'pass',
      detail: 'GET /-/readiness?all=1 on i-rails1: 200, database, Redis and Gitaly answer',
    });
    expect(requests).toEqual([
      {
        instanceId: 'i-rails1',
        commands: nodeReadinessCommands(plan),
        comment: 'gitlab-aws check: readiness from inside',
        timeoutSeconds: 60,
      },
    ]);
  });
});

describe('what check says when something is wrong', () => {
  const servers: (Server | HttpsServer)[] = [];
  let certificate: { key: string; cert: string };
  /** Certificates of a small private CA (EC keys: quick to make), in PEM. */
  const pki = { ca: '', leaf: '', leafKey: '', nameOnly: '', nameOnlyKey: '' };
  const ports = { broken: 0, refusing: 0, silent: 0, leafOnly: 0, chain: 0, nameOnly: 0, recording: 0 };
  const ssh = { other: 0, split: 0, closing: 0 };
  /** What the recording server was asked: Host header, SNI and token per path. */
  const seen: { path: string; host?: string; servername: string | false; token?: string }[] = [];
  let base: EndpointCheckOptions;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gla-pki-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    try {
      openssl(
        'req',
        '-x509',
        ...ec,
        '-days',
        '30',
        '-subj',
        '/CN=Test CA',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
      );
      openssl('req', ...ec, '-subj', `/CN=${DOMAIN}`, '-keyout', 'leaf.key', '-out', 'leaf.csr');
      writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=DNS:${DOMAIN}\n`);
      openssl(
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '30',
        '-extfile',
        'leaf.ext',
        '-out',
        'leaf.pem',
      );
      // A certificate naming its host only in the subject, as old ones do.
      openssl(
        'req',
        '-x509',
        ...ec,
        '-days',
        '30',
        '-subj',
        '/CN=other.test',
        '-keyout',
        'name.key',
        '-out',
        'name.pem',
      );
      const read = (name: string) => readFileSync(join(dir, name), 'utf8');
      Object.assign(pki, {
        ca: read('ca.pem'),
        leaf: read('leaf.pem'),
        leafKey: read('leaf.key'),
        nameOnly: read('name.pem'),
        nameOnlyKey: read('name.key'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    certificate = { key: pki.leafKey, cert: pki.leaf };
    const start = async (server: Server | HttpsServer) => {
      servers.push(server);
      return listen(server);
    };
    ports.broken = await start(
      gitlabServer(certificate, {
        '/-/readiness': 502,
        '/-/liveness': 418,
        '/users/sign_in': 502,
        [GIT_PROBE_PATH]: 502,
        '/api/v4/version': 500,
      }),
    );
    ports.refusing = await start(
      gitlabServer(certificate, { '/-/readiness': 403, '/-/liveness': 403, '/users/sign_in': 500 }),
    );
    ports.silent = await start(createTcpServer(() => {}));
    ports.leafOnly = await start(
      gitlabServer({ key: pki.leafKey, cert: pki.leaf }, { '/users/sign_in': 200 }),
    );
    ports.chain = await start(
      gitlabServer({ key: pki.leafKey, cert: pki.leaf + pki.ca }, { '/users/sign_in': 200 }),
    );
    ports.nameOnly = await start(
      gitlabServer({ key: pki.nameOnlyKey, cert: pki.nameOnly }, { '/users/sign_in': 200 }),
    );
    ports.recording = await start(
      createHttpsServer(certificate, (request, response) => {
        const socket = request.socket as { servername?: string | false };
        seen.push({
          path: request.url ?? '',
          host: request.headers.host,
          servername: socket.servername ?? false,
          token: request.headers['private-token'] as string | undefined,
        });
        response.writeHead(request.url === '/users/sign_in' ? 200 : 404);
        response.end();
      }),
    );
    ssh.other = await start(
      createTcpServer((socket) =>
        socket.end('220 mail.example.com ESMTP Postfix (Ubuntu) ready to take your message now, go on\r\n'),
      ),
    );
    ssh.split = await start(
      createTcpServer((socket) => {
        socket.write('SSH-2.0-');
        setTimeout(() => socket.end('GitLab-SSHD\r\n'), 20);
      }),
    );
    ssh.closing = await start(createTcpServer((socket) => socket.end()));
    base = {
      url: `https://${DOMAIN}`,
      connectHost: '127.0.0.1',
      httpsPort: ports.broken,
      sshPort: ssh.other,
      ca: pki.ca,
      token: 'glpat-test',
      resolve: async () => ['127.0.0.1'],
      timeoutMs: 5000,
    };
  });

  afterAll(() => {
    for (const server of servers) server.close();
  });

  const only = (...ids: string[]) => ENDPOINT_CHECKS.filter((check) => ids.includes(check.id));
  const details = async (options: EndpointCheckOptions, ...ids: string[]) =>
    Object.fromEntries(
      (await runEndpointChecks(options, only(...ids))).map((result) => [
        result.id,
        [result.status, result.detail],
      ]),
    );

  it('explains 502s as NGINX up with Puma or Workhorse not answering, and other statuses as they are', async () => {
    expect(await details(base, 'readiness', 'liveness', 'sign-in', 'api', 'git-https')).toEqual({
      readiness: ['fail', 'GET /-/readiness: 502, NGINX is up but Puma is not answering (still booting?)'],
      liveness: ['fail', 'GET /-/liveness: unexpected 418'],
      'sign-in': [
        'fail',
        'GET /users/sign_in: 502, Puma is not answering behind NGINX (still booting, or crashed: see gitlab-ctl status on a Rails node)',
      ],
      api: ['fail', 'GET /api/v4/version: 500'],
      'git-https': ['fail', `GET ${GIT_PROBE_PATH}: 502, NGINX is up but Workhorse is not answering`],
    });
    expect(await details({ ...base, httpsPort: ports.refusing }, 'readiness', 'liveness', 'sign-in')).toEqual(
      {
        readiness: [
          'skip',
          "GET /-/readiness: 403. GitLab answers health endpoints only to gitlab_rails['monitoring_whitelist'] (localhost and the VPC), as it should; readiness is checked on a Rails node instead",
        ],
        liveness: [
          'skip',
          expect.stringMatching(/^GET \/-\/liveness: 403\. GitLab answers health endpoints only/),
        ],
        'sign-in': ['fail', 'GET /users/sign_in: 500'],
      },
    );
  });

  it('explains a port that accepts but never answers as traffic dropped on the way', async () => {
    const silent = await details({ ...base, httpsPort: ports.silent, timeoutMs: 200 }, 'tls', 'sign-in');
    const dropped = 'timed out: a security group or network ACL drops the traffic, or the targets are down';
    expect(silent).toEqual({
      tls: ['fail', `TLS handshake on port ${ports.silent}: ${dropped}`],
      'sign-in': ['fail', `GET /users/sign_in: ${dropped}`],
    });
  });

  it('names what is wrong with a certificate chain the client cannot trust', async () => {
    const { ca: _ca, ...untrusting } = base;
    expect(await details({ ...untrusting, httpsPort: ports.leafOnly }, 'tls')).toEqual({
      tls: ['fail', 'certificate not trusted: issuer not trusted or intermediate certificates missing'],
    });
    expect(await details({ ...untrusting, httpsPort: ports.chain }, 'tls')).toEqual({
      tls: [
        'fail',
        'certificate not trusted: certificate chain ends in an untrusted root (pass --ca FILE if you trust it)',
      ],
    });
    // Trusting the CA makes both good.
    expect((await details({ ...base, httpsPort: ports.leafOnly }, 'tls')).tls![0]).toBe('pass');
    expect((await details({ ...base, httpsPort: ports.chain }, 'tls')).tls![0]).toBe('pass');
  });

  it('names the host of a certificate that carries it only in its subject', async () => {
    expect(await details({ ...base, httpsPort: ports.nameOnly, insecure: true }, 'tls')).toEqual({
      tls: [
        'fail',
        'certificate is for other.test, not gitlab.test: request one for the domain (spec domain.certificateArn, or let deploy request a DNS-validated one)',
      ],
    });
  });

  it('warns from 21 days before expiry on, and fails an expired certificate', async () => {
    const validTo = new X509Certificate(pki.leaf).validTo;
    const expiry = new Date(validTo).getTime();
    const at = (time: number) =>
      details({ ...base, httpsPort: ports.leafOnly, now: () => new Date(time) }, 'tls');
    expect(await at(expiry - 21 * 86_400_000)).toEqual({
      tls: ['pass', `valid for gitlab.test, expires in 21 days (${validTo})`],
    });
    expect(await at(expiry - 21 * 86_400_000 + 1)).toEqual({
      tls: [
        'warn',
        `valid for gitlab.test, expires in 20 days (${validTo}); ACM renews well before this, so renewal is stuck: check the DNS validation CNAME is still in the zone`,
      ],
    });
    expect(await at(expiry + 1)).toEqual({ tls: ['fail', 'certificate expired 1 days ago'] });
    expect(await at(expiry)).toEqual({ tls: ['warn', expect.stringContaining('expires in 0 days')] });
  });

  it('sends the domain as SNI and Host (with a port other than 443), and the token only to the API', async () => {
    seen.length = 0;
    const { httpsPort: _port, connectHost: _host, ...byUrl } = base;
    const results = await runEndpointChecks(
      { ...byUrl, connectHost: '127.0.0.1', url: `https://${DOMAIN}:${ports.recording}` },
      only('sign-in', 'api'),
    );
    expect(results.map((result) => result.status)).toEqual(['pass', 'fail']);
    expect(seen.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      {
        path: '/api/v4/version',
        host: `${DOMAIN}:${ports.recording}`,
        servername: DOMAIN,
        token: 'glpat-test',
      },
      { path: '/users/sign_in', host: `${DOMAIN}:${ports.recording}`, servername: DOMAIN, token: undefined },
    ]);
    // An address in the URL (a test server) is sent as Host, and as no SNI: SNI takes names only.
    seen.length = 0;
    await runEndpointChecks({ url: `https://127.0.0.1:${ports.recording}`, insecure: true }, only('sign-in'));
    expect(seen).toEqual([
      { path: '/users/sign_in', host: `127.0.0.1:${ports.recording}`, servername: false, token: undefined },
    ]);
  });

  it('refuses a URL that is not https', async () => {
    await expect(runEndpointChecks({ url: 'http://gitlab.test' })).rejects.toThrow(
      'check needs an https:// URL, got http://gitlab.test',
    );
  });

  it('reads an SSH banner that arrives in pieces, and explains other answers on the SSH port', async () => {
    expect(await details({ ...base, sshPort: ssh.split }, 'ssh')).toEqual({
      ssh: ['pass', `port ${ssh.split}: SSH-2.0-GitLab-SSHD`],
    });
    expect(await details({ ...base, sshPort: ssh.other }, 'ssh')).toEqual({
      ssh: [
        'fail',
        `port ${ssh.other} answers, but not with SSH: "220 mail.example.com ESMTP Postfix (Ubuntu) ready to take yo"`,
      ],
    });
    expect(await details({ ...base, sshPort: ssh.closing }, 'ssh')).toEqual({
      ssh: ['fail', `port ${ssh.closing}: closed without an SSH banner`],
    });
  });

  it('explains a name that does not resolve in the words of its error, and a load balancer that does not resolve', async () => {
    const failing = (code: string | undefined, message = `lookup failed: ${code}`) =>
      details(
        {
          ...base,
          resolve: async () => {
            throw Object.assign(new Error(message), code ? { code } : {});
          },
        },
        'dns',
      );
    const because = async (code: string | undefined, message?: string) =>
      ((await failing(code, message)).dns as string[])[1]!.replace(
        /^gitlab\.test does not resolve \((.*)\); the Route 53 record is created by the edge stack in the hosted zone of spec domain\.hostedZone$/,
        '$1',
      );
    expect(await because('ETIMEDOUT')).toBe(
      'timed out: a security group or network ACL drops the traffic, or the targets are down',
    );
    expect(await because('ECONNRESET')).toBe('connection reset by the server');
    expect(await because('EHOSTUNREACH')).toBe('host unreachable');
    expect(await because('ECONNREFUSED')).toBe(
      'connection refused: nothing listens there (listener missing, or no healthy target behind it)',
    );
    expect(await because('ESERVFAIL', 'queryA ESERVFAIL gitlab.test')).toBe('queryA ESERVFAIL gitlab.test');
    expect(await because(undefined, 'resolver gone')).toBe('resolver gone');

    const lost = await details(
      {
        ...base,
        loadBalancerDnsName: 'nlb.test',
        resolve: async (host) => {
          if (host === 'nlb.test')
            throw Object.assign(new Error('ENOTFOUND nlb.test'), { code: 'ENOTFOUND' });
          return ['203.0.113.9', '203.0.113.10'];
        },
      },
      'dns',
    );
    expect(lost).toEqual({
      dns: [
        'fail',
        'gitlab.test resolves to 203.0.113.9, 203.0.113.10, but the load balancer nlb.test is unresolvable: the record points elsewhere (an old record, or another zone answering)',
      ],
    });
    expect(await details({ ...base, resolve: async () => ['203.0.113.9', '203.0.113.10'] }, 'dns')).toEqual({
      dns: ['pass', 'gitlab.test resolves to 203.0.113.9, 203.0.113.10'],
    });
  });

  it('prints one line per check, status label first in its colour, titles in one column', () => {
    const style = {
      red: (text: string) => `<red>${text}</red>`,
      green: (text: string) => `<green>${text}</green>`,
      yellow: (text: string) => `<yellow>${text}</yellow>`,
      dim: (text: string) => `<dim>${text}</dim>`,
    };
    expect(
      renderEndpointChecks(
        [
          { id: 'dns', title: 'DNS', status: 'pass', detail: 'resolves' },
          { id: 'tls', title: 'TLS certificate', status: 'warn', detail: 'expires soon' },
          { id: 'readiness', title: 'Readiness', status: 'skip', detail: 'refused outside' },
          { id: 'ssh', title: 'Git over SSH', status: 'fail', detail: 'closed' },
        ],
        style,
      ),
    ).toEqual([
      '<green>PASS</green>  DNS              resolves',
      '<yellow>WARN</yellow>  TLS certificate  expires soon',
      '<dim>SKIP</dim>  Readiness        refused outside',
      '<red>FAIL</red>  Git over SSH     closed',
    ]);
  });

  it('judges readiness answers that name no failing check, or refuse the node its own address', () => {
    const judged = (output: string) => judgeNodeReadiness(output, 'i-1').detail;
    const marker = '\ngitlab-aws-readiness-status';
    expect(
      judged(`{"status":"failed","db_check":[{}],"redis_check":[{"status":"timeout"}]}${marker} 503\n`),
    ).toBe('GET /-/readiness?all=1 on i-1: 503, db_check failed; redis_check timeout');
    for (const body of ['null', '"failed"', '{"status":"failed"}']) {
      expect(judged(`${body}${marker} 503\n`)).toBe(
        'GET /-/readiness?all=1 on i-1: 503, a check failed (no details in the answer)',
      );
    }
    expect(judged(`${marker} 403\n`)).toBe(
      "GET /-/readiness?all=1 on i-1: 403, the node refuses its own address: gitlab_rails['monitoring_whitelist'] must include 127.0.0.0/8",
    );
    expect(judged(`curl: (7) Failed to connect${marker} 000\n`)).toBe(
      'GET /-/readiness?all=1 on i-1: nothing answers (curl: (7) Failed to connect); NGINX is down: see gitlab-ctl status on the node',
    );
    // Only the last status line counts: a body may print one too.
    expect(judgeNodeReadiness(`gitlab-aws-readiness-status 503${marker} 200\n`, 'i-1').status).toBe('pass');
  });
});
