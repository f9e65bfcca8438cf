/**
 * What happens to a user's request at each public port, followed the way it travels: the
 * synthesized listener, the target group it forwards to (its port and PROXY protocol), the web
 * nodes that group registers, and the NGINX server the rendered gitlab.rb makes listen on that
 * port. Plain HTTP must end at a server that only redirects to HTTPS; GitLab and the registry must
 * be reached only through a listener that ends TLS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PORTS } from '../../src/catalog/ports.js';
import { gitlabRbFor } from '../../src/config/render.js';
import type { RuntimeEndpoints } from '../../src/config/types.js';
import { webTargetGroupsParameterName } from '../../src/plan/contracts.js';
import type { Plan } from '../../src/plan/types.js';
import { hasSetting, setting } from '../config/rb-query.js';
import { webTarget } from '../config/support.js';
import { planFor } from '../fixtures/plans.js';
import { type Json, referencedLogicalId, resourcesOf, type Synthesized, synthesize } from './synth.js';

const endpoints: RuntimeEndpoints = {
  praefectLoadBalancerHost: 'praefect.example.internal',
  signal: { stackName: 'compute', logicalId: 'RailsBoot' },
};

/** One NGINX server on a web node, as the rendered gitlab.rb configures it. */
interface NginxServer {
  readonly port: number;
  readonly tls: boolean;
  readonly proxyProtocol: boolean;
  /** `gitlab` and `registry` proxy to the application; `redirect` answers 301 with `location`. */
  readonly serves: 'gitlab' | 'registry' | 'redirect';
  readonly location?: string;
}

/** The redirect server of `nginx['custom_nginx_config']`, read as NGINX would read its directives. */
function parseRedirectServer(text: string): NginxServer {
  const directives = text
    .replace(/^\s*server\s*\{/, '')
    .replace(/\}\s*$/, '')
    .split(';')
    .map((directive) => directive.trim().split(/\s+/))
    .filter((words) => words[0]);
  const listen = directives.filter((words) => words[0] === 'listen');
  expect(listen, 'one listen directive').toHaveLength(1);
  const [, address, ...flags] = listen[0]!;
  const returns = directives.filter((words) => words[0] === 'return');
  expect(returns, 'one return directive').toHaveLength(1);
  expect(returns[0]![1], 'a permanent redirect').toBe('301');
  // Nothing but the redirect: no location, no proxy, no root.
  expect(directives.map((words) => words[0]).sort()).toEqual(['listen', 'return', 'server_tokens']);
  return {
    port: Number(address!.split(':').pop()),
    tls: flags.includes('ssl'),
    proxyProtocol: flags.includes('proxy_protocol'),
    serves: 'redirect',
    location: returns[0]![2],
  };
}

/** Every NGINX server the web nodes of the Plan run. */
function nginxServers(plan: Plan): NginxServer[] {
  const rb = gitlabRbFor(plan, webTarget(plan), endpoints);
  const flag = (name: string, ...keys: string[]) =>
    hasSetting(rb, name, ...keys) ? setting(rb, name, ...keys) === true : false;
  return [
    {
      port: setting(rb, 'gitlab_rails', 'nginx', 'listen_port') as number,
      tls: flag('gitlab_rails', 'nginx', 'listen_https'),
      proxyProtocol: flag('gitlab_rails', 'nginx', 'proxy_protocol'),
      serves: 'gitlab',
    },
    {
      port: setting(rb, 'registry', 'nginx', 'listen_port') as number,
      tls: flag('registry', 'nginx', 'listen_https'),
      proxyProtocol: flag('registry', 'nginx', 'proxy_protocol'),
      serves: 'registry',
    },
    parseRedirectServer(setting(rb, 'nginx', 'custom_nginx_config') as string),
  ];
}

/** A public listener and where its connections go. */
interface Route {
  readonly port: number;
  readonly protocol: string;
  readonly targetPort: number;
  readonly targetProxyProtocol: boolean;
  readonly healthCheck: { port: string; protocol: string; path?: string; matcher?: string };
  readonly registeredByWeb: boolean;
}

function routesOf(synth: Synthesized): Route[] {
  const edge = synth.json.edge.Resources;
  const webGroups = resourcesOf(synth.json.compute, 'AWS::AutoScaling::AutoScalingGroup').filter(
    ([, group]) => ((group.Properties?.TargetGroupARNs ?? []) as unknown[]).length > 0,
  );
  // The 1k node is no group member: it registers itself at boot in the target groups the edge lists
  // in its parameter (what its role may do there is simulated in iam-simulation.test.ts).
  const selfRegistered = resourcesOf(synth.json.edge, 'AWS::SSM::Parameter')
    .filter(([, parameter]) => parameter.Properties!.Name === webTargetGroupsParameterName(synth.plan))
    .flatMap(([, parameter]) =>
      ((parameter.Properties!.Value as Json)['Fn::Join'][1] as unknown[]).map((value) =>
        referencedLogicalId(synth, value),
      ),
    );
  expect(webGroups.length + selfRegistered.length).toBeGreaterThan(0);
  return resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::Listener').map(([, listener]) => {
    const props = listener.Properties as Json;
    expect(props.DefaultActions).toHaveLength(1);
    const groupId = referencedLogicalId(synth, props.DefaultActions[0].TargetGroupArn)!;
    const group = edge[groupId]!.Properties as Json;
    const attribute = (key: string) =>
      (group.TargetGroupAttributes ?? []).find((entry: Json) => entry.Key === key)?.Value;
    return {
      port: props.Port,
      protocol: props.Protocol,
      targetPort: group.Port,
      targetProxyProtocol: attribute('proxy_protocol_v2.enabled') === 'true',
      healthCheck: {
        port: group.HealthCheckPort,
        protocol: group.HealthCheckProtocol,
        path: group.HealthCheckPath,
        matcher: group.Matcher?.HttpCode,
      },
      registeredByWeb:
        webGroups.length > 0
          ? webGroups.every(([, web]) =>
              (web.Properties!.TargetGroupARNs as unknown[]).some(
                (arn) => referencedLogicalId(synth, arn) === groupId,
              ),
            )
          : selfRegistered.includes(groupId),
    };
  });
}

/** What a request to the load balancer's port meets: the NGINX server behind it, through which listener. */
function follow(routes: Route[], servers: NginxServer[], port: number) {
  const route = routes.find((candidate) => candidate.port === port);
  if (!route) throw new Error(`no listener on ${port}`);
  const server = servers.find((candidate) => candidate.port === route.targetPort);
  if (!server) throw new Error(`nothing listens on target port ${route.targetPort}`);
  return { route, server };
}

describe.each([
  { name: '3k', plan: planFor({ architecture: { size: '3k' } }) },
  {
    name: '3k with the PROXY protocol',
    plan: planFor({ architecture: { size: '3k' }, edge: { proxyProtocol: true } }),
  },
  { name: '1k', plan: planFor({ architecture: { size: '1k' } }) },
])('requests at the edge of $name', ({ plan }) => {
  let routes: Route[];
  let servers: NginxServer[];
  beforeAll(() => {
    routes = routesOf(synthesize(plan));
    servers = nginxServers(plan);
  });

  it('redirects plain HTTP on port 80 to the same path over HTTPS at the external URL', () => {
    const { route, server } = follow(routes, servers, PORTS.http);
    expect(route.protocol).toBe('TCP');
    expect(server.serves).toBe('redirect');
    const location = new URL(server.location!.replace('$request_uri', '/group/project?tab=1'));
    expect(location.href).toBe(`${plan.gitlab.externalUrl}/group/project?tab=1`);
    // Where the redirect sends the browser: a TLS listener that lands on GitLab.
    const next = follow(routes, servers, Number(location.port || PORTS.https));
    expect(next.route.protocol).toBe('TLS');
    expect(next.server.serves).toBe('gitlab');
  });

  it('lets plaintext reach GitLab or the registry only through a listener that ends TLS', () => {
    const application = servers.filter((server) => server.serves !== 'redirect').map((server) => server.port);
    const plain = routes.filter(
      (route) => route.protocol !== 'TLS' && application.includes(route.targetPort),
    );
    expect(plain).toEqual([]);
    // NGINX itself never speaks TLS: the load balancer ends it.
    expect(servers.filter((server) => server.tls)).toEqual([]);
  });

  it('serves the container registry at its URL through its own TLS listener', () => {
    const url = new URL(plan.gitlab.registryUrl);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe(new URL(plan.gitlab.externalUrl).hostname);
    const { route, server } = follow(routes, servers, Number(url.port));
    expect(route.protocol).toBe('TLS');
    expect(server.serves).toBe('registry');
  });

  it("resolves the registry's host name to the load balancer that holds its listener", () => {
    const synth = synthesize(plan);
    const host = new URL(plan.gitlab.registryUrl).hostname;
    const records = resourcesOf(synth.json.edge, 'AWS::Route53::RecordSet').filter(
      ([, record]) => record.Properties!.Name === `${host}.` && record.Properties!.Type === 'A',
    );
    expect(records).toHaveLength(1);
    const alias = (records[0]![1].Properties!.AliasTarget as Json).DNSName;
    const balancer = referencedLogicalId(synth, alias);
    const listener = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::Listener').find(
      ([, candidate]) => candidate.Properties!.Port === Number(new URL(plan.gitlab.registryUrl).port),
    )!;
    expect(referencedLogicalId(synth, listener[1].Properties!.LoadBalancerArn)).toBe(balancer);
  });

  it('describes the port 80 rules as what happens: a redirect, and GitLab only behind the HTTPS listener', () => {
    const synth = synthesize(plan);
    const rules: Json[] = resourcesOf(synth.json.network, 'AWS::EC2::SecurityGroup').flatMap(
      ([, group]) => (group.Properties!.SecurityGroupIngress ?? []) as Json[],
    );
    for (const [, rule] of resourcesOf(synth.json.network, 'AWS::EC2::SecurityGroupIngress'))
      rules.push(rule.Properties as Json);
    const described = (port: number) =>
      rules.filter((rule) => rule.FromPort === port).map((rule) => String(rule.Description));
    const redirect = follow(routes, servers, PORTS.http).route.targetPort;
    expect(described(PORTS.http).length).toBeGreaterThan(0);
    for (const text of described(PORTS.http)) {
      if (text.includes('from users')) expect(text).toMatch(/redirect to HTTPS/);
      else expect(text).toMatch(/HTTPS listener/);
    }
    expect(described(redirect).length).toBeGreaterThan(0);
    for (const text of described(redirect)) expect(text).toMatch(/redirects to HTTPS/);
  });

  it('sends the PROXY header exactly where NGINX expects it', () => {
    for (const route of routes.filter((candidate) => candidate.port !== PORTS.ssh)) {
      const { server } = follow(routes, servers, route.port);
      expect(route.targetProxyProtocol, `listener ${route.port}`).toBe(server.proxyProtocol);
    }
    expect(routes.find((route) => route.port === PORTS.ssh)!.targetProxyProtocol).toBe(false);
  });

  it('registers the web nodes with every target group and health-checks a port NGINX answers', () => {
    for (const route of routes) {
      expect(route.registeredByWeb, `listener ${route.port}`).toBe(true);
      if (route.healthCheck.protocol !== 'HTTP') continue;
      const checked = servers.find((server) => String(server.port) === route.healthCheck.port);
      expect(checked, `health check of listener ${route.port}`).toBeDefined();
      // A redirect server is healthy when it redirects: NLB HTTP health checks accept 200-399.
      if (checked!.serves === 'redirect') expect(route.healthCheck.matcher ?? '200-399').toBe('200-399');
      else expect(route.healthCheck.path).toBe('/-/readiness');
    }
  });
});
