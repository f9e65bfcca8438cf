/**
 * `gitlab-aws check`: is GitLab reachable the way users reach it?
 *
 * Each check is a small function in ENDPOINT_CHECKS and explains its failure in terms of what to
 * fix. Host, port and trust overrides let it check one node, a staging copy or a local test
 * server without touching DNS.
 *
 * GitLab facts used here:
 * - `/-/readiness` and `/-/liveness` answer only clients in the monitoring IP allowlist
 *   (`gitlab_rails['monitoring_whitelist']`, localhost by default), others get 404; a failing
 *   readiness answers 503 (doc/administration/monitoring/health_check.md, gitlabhq/gitlabhq
 *   0338625c4996c8b4dde44bd86d1767b654121ee7).
 * - The sign-in page `/users/sign_in` is what GitLab suggests for uptime checks (same page).
 */
import { promises as dns } from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';

export interface EndpointCheckOptions {
  /** GitLab's external URL, e.g. https://gitlab.example.com. */
  readonly url: string;
  /** Personal access token for `/api/v4/version`; the API check is skipped without one. */
  readonly token?: string;
  /** DNS name of the load balancer the domain must resolve to, when known (from the edge stack). */
  readonly loadBalancerDnsName?: string;
  /** Version the deployed GitLab should report, e.g. 19.3.0. */
  readonly expectedVersion?: string;
  /** Connect to this host or address instead of the domain (the domain is still sent as SNI and Host). */
  readonly connectHost?: string;
  /** HTTPS port; the URL's port or 443 by default. */
  readonly httpsPort?: number;
  /** Git over SSH port; 22 by default. */
  readonly sshPort?: number;
  /** Extra trusted CA certificates, PEM. */
  readonly ca?: string;
  /** Do not verify the certificate (the TLS check then warns instead of passing). */
  readonly insecure?: boolean;
  /** Resolves a host name to its addresses; the system resolver by default. */
  readonly resolve?: (host: string) => Promise<string[]>;
  /** Per-connection timeout in milliseconds. */
  readonly timeoutMs?: number;
  /** Clock for days-to-expiry. */
  readonly now?: () => Date;
}

export type EndpointCheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface EndpointCheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: EndpointCheckStatus;
  /** What was found, and on failure what to do. */
  readonly detail: string;
}

interface CheckContext {
  readonly options: EndpointCheckOptions;
  readonly domain: string;
  readonly connectHost: string;
  readonly httpsPort: number;
  readonly timeoutMs: number;
}

export interface EndpointCheck {
  readonly id: string;
  readonly title: string;
  readonly run: (context: CheckContext) => Promise<Omit<EndpointCheckResult, 'id' | 'title'>>;
}

/** ACM renews DNS-validated certificates well ahead of expiry; this little time left means renewal is stuck. */
const CERTIFICATE_WARNING_DAYS = 21;
const DAY_MS = 86_400_000;

/** Network errors in words that point at the likely cause. */
const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED:
    'connection refused: nothing listens there (listener missing, or no healthy target behind it)',
  ETIMEDOUT: 'timed out: a security group or network ACL drops the traffic, or the targets are down',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'the name does not resolve',
  EHOSTUNREACH: 'host unreachable',
};

function explainNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return NETWORK_ERRORS[code] ?? (error as Error).message;
}

const systemResolve = async (host: string) =>
  (await dns.lookup(host, { all: true })).map((entry) => entry.address);

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

function httpsGet(
  context: CheckContext,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const { options, domain, connectHost, httpsPort, timeoutMs } = context;
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: connectHost,
        port: httpsPort,
        path,
        // SNI takes host names only; with an IP address (a test server, --url https://10.0.0.5) send none.
        ...(net.isIP(domain) ? {} : { servername: domain }),
        headers: { host: httpsPort === 443 ? domain : `${domain}:${httpsPort}`, ...headers },
        rejectUnauthorized: !options.insecure,
        ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}),
        timeout: timeoutMs,
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 65_536) body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    request.on('error', reject);
    request.end();
  });
}

/** Runs an HTTP check, turning connection failures into a failed result. */
async function httpCheck(
  context: CheckContext,
  path: string,
  judge: (answer: HttpAnswer) => Omit<EndpointCheckResult, 'id' | 'title'>,
  headers?: Record<string, string>,
): Promise<Omit<EndpointCheckResult, 'id' | 'title'>> {
  try {
    return judge(await httpsGet(context, path, headers));
  } catch (error) {
    return { status: 'fail', detail: `GET ${path}: ${explainNetworkError(error)}` };
  }
}

/** Why a health endpoint refuses an outside client, and how to check anyway. */
const ALLOWLIST_HINT =
  "GitLab answers health endpoints only to addresses in gitlab_rails['monitoring_whitelist'] " +
  '(localhost by default). Add the address you run check from (or the VPC range) to the allowlist, ' +
  'or run check from a host inside it.';

function healthCheck(path: string): EndpointCheck['run'] {
  return (context) =>
    httpCheck(context, path, ({ status }) => {
      if (status === 200) return { status: 'pass', detail: `GET ${path}: 200` };
      if (status === 404 || status === 403)
        return { status: 'fail', detail: `GET ${path}: ${status}. ${ALLOWLIST_HINT}` };
      if (status === 503) {
        return {
          status: 'fail',
          detail: `GET ${path}: 503, a dependency is failing; GET ${path}?all=1 from an allowed address names it (database, Redis, Gitaly)`,
        };
      }
      if (status === 502)
        return {
          status: 'fail',
          detail: `GET ${path}: 502, NGINX is up but Puma is not answering (still booting?)`,
        };
      return { status: 'fail', detail: `GET ${path}: unexpected ${status}` };
    });
}

function tlsHandshake(
  context: CheckContext,
): Promise<{ certificate: PeerCertificate; authorizationError?: Error }> {
  const { options, domain, connectHost, httpsPort, timeoutMs } = context;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: connectHost,
      port: httpsPort,
      ...(net.isIP(domain) ? {} : { servername: domain }),
      rejectUnauthorized: false, // judged below, so an untrusted certificate is explained rather than a bare error
      ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}),
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      const authorizationError = socket.authorized ? undefined : socket.authorizationError;
      socket.end();
      resolve(authorizationError ? { certificate, authorizationError } : { certificate });
    });
    socket.once('timeout', () =>
      socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', reject);
  });
}

/** Certificate verification errors in words. */
const CERTIFICATE_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate (pass --ca FILE if you trust its issuer)',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate chain ends in an untrusted root (pass --ca FILE if you trust it)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'issuer not trusted or intermediate certificates missing',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not valid yet',
};

const checkDns: EndpointCheck = {
  id: 'dns',
  title: 'DNS',
  run: async ({ options, domain }) => {
    const resolve = options.resolve ?? systemResolve;
    let addresses: string[];
    try {
      addresses = await resolve(domain);
    } catch (error) {
      return {
        status: 'fail',
        detail: `${domain} does not resolve (${explainNetworkError(error)}); the Route 53 record is created by the edge stack in the hosted zone of spec domain.hostedZone`,
      };
    }
    if (!options.loadBalancerDnsName)
      return { status: 'pass', detail: `${domain} resolves to ${addresses.join(', ')}` };
    const balancer = await resolve(options.loadBalancerDnsName).catch(() => [] as string[]);
    const shared = addresses.filter((address) => balancer.includes(address));
    return shared.length > 0
      ? {
          status: 'pass',
          detail: `${domain} resolves to the load balancer ${options.loadBalancerDnsName} (${shared.join(', ')})`,
        }
      : {
          status: 'fail',
          detail: `${domain} resolves to ${addresses.join(', ')}, but the load balancer ${options.loadBalancerDnsName} is ${balancer.join(', ') || 'unresolvable'}: the record points elsewhere (an old record, or another zone answering)`,
        };
  },
};

const checkTls: EndpointCheck = {
  id: 'tls',
  title: 'TLS certificate',
  run: async (context) => {
    const { options, domain } = context;
    let handshake: Awaited<ReturnType<typeof tlsHandshake>>;
    try {
      handshake = await tlsHandshake(context);
    } catch (error) {
      return {
        status: 'fail',
        detail: `TLS handshake on port ${context.httpsPort}: ${explainNetworkError(error)}`,
      };
    }
    const { certificate, authorizationError } = handshake;
    const identityError = tls.checkServerIdentity(domain, certificate);
    if (identityError) {
      return {
        status: 'fail',
        detail: `certificate is for ${certificate.subjectaltname ?? certificate.subject?.CN}, not ${domain}: request one for the domain (spec domain.certificateArn, or let deploy request a DNS-validated one)`,
      };
    }
    const now = (options.now ?? (() => new Date()))();
    const days = Math.floor((new Date(certificate.valid_to).getTime() - now.getTime()) / DAY_MS);
    if (authorizationError && !options.insecure) {
      // Node reports the OpenSSL reason as a code string (typed as an Error).
      const reason = authorizationError as unknown as string | NodeJS.ErrnoException;
      const code = typeof reason === 'string' ? reason : (reason.code ?? reason.message);
      return { status: 'fail', detail: `certificate not trusted: ${CERTIFICATE_ERRORS[code] ?? code}` };
    }
    if (days < 0) return { status: 'fail', detail: `certificate expired ${-days} days ago` };
    const validity = `valid for ${domain}, expires in ${days} days (${certificate.valid_to})`;
    if (authorizationError) return { status: 'warn', detail: `${validity}; trust not verified (--insecure)` };
    if (days < CERTIFICATE_WARNING_DAYS) {
      return {
        status: 'warn',
        detail: `${validity}; ACM renews well before this, so renewal is stuck: check the DNS validation CNAME is still in the zone`,
      };
    }
    return { status: 'pass', detail: validity };
  },
};

const checkReadiness: EndpointCheck = {
  id: 'readiness',
  title: 'Readiness',
  run: healthCheck('/-/readiness'),
};
const checkLiveness: EndpointCheck = { id: 'liveness', title: 'Liveness', run: healthCheck('/-/liveness') };

const checkSignIn: EndpointCheck = {
  id: 'sign-in',
  title: 'Sign-in page',
  run: (context) =>
    httpCheck(context, '/users/sign_in', ({ status }) =>
      status === 200
        ? { status: 'pass', detail: 'GET /users/sign_in: 200' }
        : {
            status: 'fail',
            detail: `GET /users/sign_in: ${status}${status === 502 ? ', Puma is not answering behind NGINX (still booting, or crashed: see gitlab-ctl status on a Rails node)' : ''}`,
          },
    ),
};

const checkApiVersion: EndpointCheck = {
  id: 'api',
  title: 'API',
  run: async (context) => {
    const { token, expectedVersion } = context.options;
    if (!token)
      return {
        status: 'skip',
        detail: 'pass --token with a personal access token (read_api) to check the API',
      };
    return httpCheck(
      context,
      '/api/v4/version',
      ({ status, body }) => {
        if (status === 401)
          return {
            status: 'fail',
            detail: 'GET /api/v4/version: 401, the token is invalid, expired or lacks read_api',
          };
        if (status !== 200) return { status: 'fail', detail: `GET /api/v4/version: ${status}` };
        const version = String((JSON.parse(body) as { version?: unknown }).version ?? '');
        if (expectedVersion && !version.startsWith(expectedVersion)) {
          return {
            status: 'warn',
            detail: `GitLab ${version} answers, but the spec asks for ${expectedVersion}`,
          };
        }
        return { status: 'pass', detail: `GitLab ${version}` };
      },
      { 'private-token': token },
    );
  },
};

const checkSshBanner: EndpointCheck = {
  id: 'ssh',
  title: 'Git over SSH',
  run: ({ options, connectHost, timeoutMs }) => {
    const port = options.sshPort ?? 22;
    return new Promise((resolve) => {
      const socket = net.connect({ host: connectHost, port });
      let received = '';
      const finish = (result: Omit<EndpointCheckResult, 'id' | 'title'>) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(timeoutMs, () =>
        finish({
          status: 'fail',
          detail: `port ${port}: no SSH banner within ${timeoutMs} ms; the load balancer's port ${port} listener or access.sshAllowedCidrs blocks you`,
        }),
      );
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        const newline = received.indexOf('\n');
        if (newline < 0) return;
        const banner = received.slice(0, newline).trim();
        finish(
          banner.startsWith('SSH-2.0-')
            ? { status: 'pass', detail: `port ${port}: ${banner}` }
            : { status: 'fail', detail: `port ${port} answers, but not with SSH: "${banner.slice(0, 60)}"` },
        );
      });
      socket.on('error', (error) =>
        finish({ status: 'fail', detail: `port ${port}: ${explainNetworkError(error)}` }),
      );
      socket.on('end', () =>
        finish({ status: 'fail', detail: `port ${port}: closed without an SSH banner` }),
      );
    });
  },
};

/** Every check `gitlab-aws check` runs, in the order it prints them. */
export const ENDPOINT_CHECKS: readonly EndpointCheck[] = [
  checkDns,
  checkTls,
  checkReadiness,
  checkLiveness,
  checkSignIn,
  checkApiVersion,
  checkSshBanner,
];

export async function runEndpointChecks(
  options: EndpointCheckOptions,
  checks: readonly EndpointCheck[] = ENDPOINT_CHECKS,
): Promise<EndpointCheckResult[]> {
  const url = new URL(options.url);
  if (url.protocol !== 'https:') throw new Error(`check needs an https:// URL, got ${options.url}`);
  const context: CheckContext = {
    options,
    domain: url.hostname,
    connectHost: options.connectHost ?? url.hostname,
    httpsPort: options.httpsPort ?? (url.port ? Number(url.port) : 443),
    timeoutMs: options.timeoutMs ?? 5000,
  };
  return Promise.all(
    checks.map(async (check) => ({ id: check.id, title: check.title, ...(await check.run(context)) })),
  );
}

const STATUS_LABELS: Readonly<Record<EndpointCheckStatus, string>> = {
  pass: 'PASS',
  warn: 'WARN',
  fail: 'FAIL',
  skip: 'SKIP',
};

/** One line per result; colour by status. */
export function renderEndpointChecks(
  results: readonly EndpointCheckResult[],
  style: {
    red: (t: string) => string;
    green: (t: string) => string;
    yellow: (t: string) => string;
    dim: (t: string) => string;
  },
): string[] {
  const paint: Readonly<Record<EndpointCheckStatus, (text: string) => string>> = {
    pass: style.green,
    warn: style.yellow,
    fail: style.red,
    skip: style.dim,
  };
  const width = Math.max(...results.map((result) => result.title.length));
  return results.map(
    (result) =>
      `${paint[result.status](STATUS_LABELS[result.status])}  ${result.title.padEnd(width)}  ${result.detail}`,
  );
}
