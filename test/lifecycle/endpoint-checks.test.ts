import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EndpointCheckOptions,
  type EndpointCheckResult,
  runEndpointChecks,
} from '../../src/lifecycle/endpoint-checks.js';

const DOMAIN = 'gitlab.test';

/** A self-signed certificate for `name`, made with the machine's openssl. */
function selfSigned(name: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gla-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
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

/** A GitLab-shaped HTTPS server: which status each path answers is set per test. */
function gitlabServer(certificate: { key: string; cert: string }, statuses: Record<string, number>) {
  return createHttpsServer(certificate, (request, response) => {
    const path = request.url ?? '';
    if (path === '/api/v4/version') {
      const ok = request.headers['private-token'] === 'glpat-test';
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(
        ok ? JSON.stringify({ version: '19.3.0-ee', revision: 'abc123' }) : '{"message":"401 Unauthorized"}',
      );
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
  const healthy = { '/-/readiness': 200, '/-/liveness': 200, '/users/sign_in': 200 };
  const servers: (Server | HttpsServer)[] = [];
  let httpsPort = 0;
  let allowlistPort = 0;
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
    allowlistPort = await start(gitlabServer(certificate, { '/users/sign_in': 200, '/-/liveness': 503 }));
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
      timeoutMs: 1000,
    };
  });

  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('passes every check against a healthy GitLab', async () => {
    const results = byId(await runEndpointChecks(options));
    expect(Object.values(results).map((result) => [result.id, result.status])).toEqual([
      ['dns', 'pass'],
      ['tls', 'pass'],
      ['readiness', 'pass'],
      ['liveness', 'pass'],
      ['sign-in', 'pass'],
      ['api', 'pass'],
      ['ssh', 'pass'],
    ]);
    expect(results['tls']!.detail).toMatch(/^valid for gitlab\.test, expires in (89|90) days/);
    expect(results['api']!.detail).toBe('GitLab 19.3.0-ee');
    expect(results['ssh']!.detail).toBe(`port ${sshPort}: SSH-2.0-GitLab-SSHD`);
    expect(results['dns']!.detail).toBe('gitlab.test resolves to the load balancer nlb.test (127.0.0.1)');
  });

  it('explains the monitoring allowlist on 404 and a failing dependency on 503', async () => {
    const results = byId(await runEndpointChecks({ ...options, httpsPort: allowlistPort }));
    expect(results['readiness']!.status).toBe('fail');
    expect(results['readiness']!.detail).toContain("gitlab_rails['monitoring_whitelist']");
    expect(results['liveness']!.detail).toContain('503, a dependency is failing');
    expect(results['sign-in']!.status).toBe('pass');
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

  it('rejects a wrong token and skips the API without one', async () => {
    expect(byId(await runEndpointChecks({ ...options, token: 'wrong' }))['api']!.detail).toContain('401');
    const { token: _token, ...anonymous } = options;
    expect(byId(await runEndpointChecks(anonymous))['api']!.status).toBe('skip');
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
