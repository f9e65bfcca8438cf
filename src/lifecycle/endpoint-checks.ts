/**
 * `gitlab-aws check`: is GitLab reachable the way users reach it?
 *
 * Each check is a small function in ENDPOINT_CHECKS and explains its failure in terms of what to
 * fix. Host, port and trust overrides let it check one node, a staging copy or a local test
 * server without touching DNS.
 *
 * From outside, it checks what an outsider can see: the sign-in page, the API answering (401
 * without a token), Git over HTTPS asking for credentials, the SSH banner. GitLab's health
 * endpoints answer outsiders only when the monitoring allowlist includes them, so their refusal
 * from outside is expected; readiness is judged from inside the VPC instead, on a Rails node
 * through SSM (`railsReadiness`).
 *
 * GitLab facts used here:
 * - `/-/readiness` and `/-/liveness` answer only clients in the monitoring IP allowlist
 *   (`gitlab_rails['monitoring_whitelist']`, localhost by default; gitlab-aws adds the VPC, see
 *   src/config/common.ts), others get 404. Readiness checks only the instance itself (Puma's
 *   master) unless `?all=1` also asks for the database, Redis and Gitaly, each with a status;
 *   either answers 503 when a check fails (doc/administration/monitoring/health_check.md,
 *   gitlabhq/gitlabhq 0338625c4996c8b4dde44bd86d1767b654121ee7).
 * - The sign-in page `/users/sign_in` is what GitLab suggests for uptime checks (same page).
 * - `/api/v4/version` answers 200 only to authenticated users (doc/api/version.md, gitlabhq/gitlabhq
 *   7e1e45d40a2312e20893ccfc6e7e5dfad6cf7b1c), so without a token a working API answers 401.
 * - Git over HTTPS without credentials, for a repository anonymous users may not read (one that does
 *   not exist among them), answers 401 with a `Basic realm="GitLab"` challenge
 *   (app/controllers/repositories/git_http_client_controller.rb, gitlabhq/gitlabhq
 *   d5c2e5cc228dc3ed6d0ca5b172440cda821942d8).
 * - The external load balancer is a Network Load Balancer: it passes TCP through and makes no HTTP
 *   answer of its own, so every status seen from outside comes from the nodes' NGINX (502 when Puma
 *   behind it does not answer) or from GitLab itself, which answers 503 from a failing health check.
 */
import { promises as dns } from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
import { externalLoadBalancer } from '../plan/query.js';
import type { Plan } from '../plan/types.js';
import { railsInstances } from './backup.js';
import type { NodeDirectory, RemoteRunner } from './fleet.js';

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

/** Why a health endpoint refuses an outside client, and where it is checked instead. */
const REFUSED_OUTSIDE =
  "GitLab answers health endpoints only to gitlab_rails['monitoring_whitelist'] (localhost and the VPC), " +
  'as it should; readiness is checked on a Rails node instead';

/** What a 503 from a health endpoint means, per endpoint (GitLab's health check documentation). */
const HEALTH_FAILURES: Readonly<Record<string, string>> = {
  '/-/readiness':
    "GitLab's own readiness check failed (Puma starting or shutting down); ?all=1 also checks the database, Redis and Gitaly and names the failing one",
  '/-/liveness': 'Rails answers but its controllers do not (deadlocked or overloaded Puma workers)',
};

function healthCheck(path: string): EndpointCheck['run'] {
  return (context) =>
    httpCheck(context, path, ({ status }) => {
      if (status === 200) return { status: 'pass', detail: `GET ${path}: 200` };
      if (status === 404 || status === 403)
        return { status: 'skip', detail: `GET ${path}: ${status}. ${REFUSED_OUTSIDE}` };
      if (status === 503) return { status: 'fail', detail: `GET ${path}: 503, ${HEALTH_FAILURES[path]}` };
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

/** A version's major, minor and patch numbers, or undefined when the text does not start with one. */
export function versionNumbers(text: string): readonly [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?![\d.])/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Whether two version texts name the same release (19.3.0 and 19.3.0-ee do; 19.3.1 and 19.3.10 do not). */
export function sameVersion(a: string, b: string): boolean {
  const [left, right] = [versionNumbers(a), versionNumbers(b)];
  return left !== undefined && right !== undefined && left.every((number, index) => number === right[index]);
}

const checkApiVersion: EndpointCheck = {
  id: 'api',
  title: 'API',
  run: async (context) => {
    const { token, expectedVersion } = context.options;
    if (!token) {
      // Without a token the API still answers: /version needs authentication, so 401 is GitLab's answer.
      return httpCheck(context, '/api/v4/version', ({ status }) =>
        status === 401
          ? {
              status: 'pass',
              detail:
                'GET /api/v4/version: 401 without a token, as GitLab answers; pass --token (read_api) to check the version',
            }
          : { status: 'fail', detail: `GET /api/v4/version without a token: ${status}, GitLab answers 401` },
      );
    }
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
        if (expectedVersion && !sameVersion(version, expectedVersion)) {
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

/** A project path no one has: Git over HTTPS must ask for credentials rather than say whether it exists. */
export const GIT_PROBE_PATH = '/gitlab-aws-check/no-such-project.git/info/refs?service=git-upload-pack';

const checkGitHttps: EndpointCheck = {
  id: 'git-https',
  title: 'Git over HTTPS',
  run: (context) =>
    httpCheck(context, GIT_PROBE_PATH, ({ status }) => {
      if (status === 401)
        return { status: 'pass', detail: 'git fetch over HTTPS answers 401, asking for credentials' };
      if (status === 502)
        return {
          status: 'fail',
          detail: `GET ${GIT_PROBE_PATH}: 502, NGINX is up but Workhorse is not answering`,
        };
      return {
        status: 'fail',
        detail: `GET ${GIT_PROBE_PATH}: ${status}, GitLab answers 401 to a fetch without credentials; something else answers`,
      };
    }),
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
  checkGitHttps,
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

/** Where a Rails node's NGINX answers readiness for the node itself (inside the monitoring allowlist). */
export const NODE_READINESS_URL = 'http://127.0.0.1/-/readiness?all=1';

/** Prefix of the line the readiness command prints after the body, carrying curl's HTTP status (000: no answer). */
const STATUS_MARKER = 'gitlab-aws-readiness-status';

/**
 * The command a Rails node runs to ask its own GitLab for readiness with every dependency. NGINX
 * expects the PROXY protocol header when the load balancer sends one (spec edge.proxyProtocol), so
 * curl sends one too, as the boot script's readiness check does. A refused connection still prints
 * the status line (000), so the answer is judged here rather than lost in a failed command.
 */
export function nodeReadinessCommands(plan: Plan, url: string = NODE_READINESS_URL): string[] {
  const proxyProtocol = externalLoadBalancer(plan)?.proxyProtocol ? ' --haproxy-protocol' : '';
  return [
    `curl -sS --max-time 20${proxyProtocol} -w '\\n${STATUS_MARKER} %{http_code}\\n' '${url}' 2>&1 || true`,
  ];
}

/** The checks of a readiness answer (`?all=1`) whose status is not ok, with their messages. */
function failingChecks(body: string): string[] {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof answer !== 'object' || answer === null) return [];
  return Object.entries(answer).flatMap(([name, results]) =>
    (Array.isArray(results) ? (results as { status?: string; message?: string }[]) : [])
      .filter((result) => result.status !== 'ok')
      .map((result) => `${name} ${result.status ?? 'failed'}${result.message ? ` (${result.message})` : ''}`),
  );
}

/** Judges what `nodeReadinessCommands` printed on `instanceId`. */
export function judgeNodeReadiness(
  output: string,
  instanceId: string,
): Omit<EndpointCheckResult, 'id' | 'title'> {
  const marker = output.lastIndexOf(`${STATUS_MARKER} `);
  if (marker < 0)
    return {
      status: 'fail',
      detail: `${instanceId}: no answer from the readiness command: ${output.trim().slice(-200)}`,
    };
  const status = output.slice(marker + STATUS_MARKER.length + 1).trim();
  const body = output.slice(0, marker).trim();
  const where = `GET /-/readiness?all=1 on ${instanceId}`;
  if (status === '200') return { status: 'pass', detail: `${where}: 200, database, Redis and Gitaly answer` };
  if (status === '503') {
    const failing = failingChecks(body);
    return {
      status: 'fail',
      detail: `${where}: 503, ${failing.length > 0 ? failing.join('; ') : 'a check failed (no details in the answer)'}`,
    };
  }
  if (status === '000')
    return {
      status: 'fail',
      detail: `${where}: nothing answers (${body.split('\n').pop() ?? ''}); NGINX is down: see gitlab-ctl status on the node`,
    };
  if (status === '502')
    return {
      status: 'fail',
      detail: `${where}: 502, NGINX is up but Puma is not answering (still booting?)`,
    };
  if (status === '404' || status === '403')
    return {
      status: 'fail',
      detail: `${where}: ${status}, the node refuses its own address: gitlab_rails['monitoring_whitelist'] must include 127.0.0.0/8`,
    };
  return { status: 'fail', detail: `${where}: unexpected ${status}` };
}

export interface RailsReadinessProps {
  readonly plan: Plan;
  readonly directory: NodeDirectory;
  readonly runner: RemoteRunner;
}

/** Readiness judged from inside the VPC: one Rails node asks its own GitLab, through SSM Run Command. */
export async function railsReadiness(props: RailsReadinessProps): Promise<EndpointCheckResult> {
  const check = { id: 'readiness-inside', title: 'Readiness (Rails node)' };
  let instanceId: string | undefined;
  try {
    instanceId = (await railsInstances(props.plan, props.directory, 'one-rails'))[0];
  } catch (error) {
    return { ...check, status: 'fail', detail: `finding a Rails node: ${(error as Error).message}` };
  }
  if (!instanceId)
    return { ...check, status: 'fail', detail: 'no healthy Rails node in service to ask for readiness' };
  try {
    const answer = await props.runner.run({
      instanceId,
      commands: nodeReadinessCommands(props.plan),
      comment: 'gitlab-aws check: readiness from inside',
      timeoutSeconds: 60,
    });
    return { ...check, ...judgeNodeReadiness(answer.output, instanceId) };
  } catch (error) {
    return {
      ...check,
      status: 'fail',
      detail: `SSM Run Command on ${instanceId}: ${(error as Error).message}`,
    };
  }
}
