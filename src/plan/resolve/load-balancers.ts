/**
 * Network Load Balancers: the internet-facing one in front of GitLab (with Cloud Native Hybrid, an
 * Application Load Balancer behind it for HTTP), the internal one in front of Praefect. The public
 * host names and URLs are decided here too, since the load balancers' rules and the certificate
 * serve exactly those.
 */

import { GITLAB_CHART } from '../../catalog/gitlab-chart.js';
import {
  CHART_SERVICE_ENDPOINTS,
  type ChartServiceEndpoint,
  type ChartServiceEndpointId,
  KAS_K8S_API_PATH,
} from '../../catalog/gitlab-chart-services.js';
import { catalogRole } from '../../catalog/index.js';
import { PORTS } from '../../catalog/ports.js';
import type { RoleId } from '../../catalog/types.js';
import type { Spec } from '../../spec/schema.js';
import type {
  ApplicationLoadBalancerPlan,
  ApplicationRoutePlan,
  ChartBindingPlan,
  ListenerPlan,
  LoadBalancerService,
  PlanGitLab,
  TargetHealthCheckPlan,
} from '../types.js';
import type { BuildContext } from './context.js';

/**
 * The host names users reach: GitLab at the domain; with Cloud Native Hybrid the registry and KAS
 * at names of their own below it, as the chart's Ingress hosts have them (`global.hosts`, chart
 * values.yaml, integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41).
 */
export function publicHosts(spec: Pick<Spec, 'domain' | 'architecture'>): {
  gitlab: string;
  registry?: string;
  kas?: string;
} {
  const domain = spec.domain.name;
  if (spec.architecture.type !== 'cloud-native-hybrid') return { gitlab: domain };
  return { gitlab: domain, registry: `registry.${domain}`, kas: `kas.${domain}` };
}

/**
 * The registry's and KAS's URLs. The Linux package serves the registry on the domain's own port
 * (the same certificate and DNS record serve it) and KAS under `/-/kubernetes-agent/` through NGINX
 * ("GitLab agent server", skratsch-solutions/gitlabhq 4168cfa9c028293f4e77107617ea564102f73e5f,
 * doc/administration/clusters/kas.md); the chart serves each at its own host on 443.
 */
export function publicUrls(
  spec: Pick<Spec, 'domain' | 'architecture'>,
): Pick<PlanGitLab, 'registryUrl' | 'kasUrl'> {
  const hosts = publicHosts(spec);
  return {
    registryUrl: hosts.registry ? `https://${hosts.registry}` : `https://${hosts.gitlab}:${PORTS.registry}`,
    kasUrl: hosts.kas ? `wss://${hosts.kas}` : `wss://${hosts.gitlab}/-/kubernetes-agent/`,
  };
}

function webTargetRole(context: BuildContext): RoleId {
  return catalogRole(context.reference, 'rails') ? 'rails' : 'gitlab';
}

/** The external load balancer of both architectures: one internet-facing NLB in the public subnets. */
const EXTERNAL_NETWORK_LOAD_BALANCER = {
  kind: 'nlb',
  id: 'external',
  role: 'external-load-balancer',
  scheme: 'internet-facing',
  subnet: 'public',
  count: 1,
} as const;

/**
 * The public listeners. TLS ends here (443 for GitLab, 5050 for the container registry) and each
 * TLS listener forwards plain HTTP to its own NGINX port. Port 80 lands on a port where NGINX only
 * answers with a redirect to HTTPS (config/rails.ts), so plaintext never reaches GitLab itself: a
 * Network Load Balancer cannot redirect on its own.
 */
export function planExternalLoadBalancer(context: BuildContext): LoadBalancerService {
  if (context.spec.architecture.type === 'cloud-native-hybrid') return planChartEdge(context);
  const targetRole = webTargetRole(context);
  const readiness = { protocol: 'HTTP' as const, port: PORTS.http, path: '/-/readiness' };
  return {
    ...EXTERNAL_NETWORK_LOAD_BALANCER,
    listeners: [
      {
        port: PORTS.ssh,
        protocol: 'TCP',
        targetPort: PORTS.ssh,
        targetGroup: 'ssh',
        targetRole,
        healthCheck: { protocol: 'TCP', port: PORTS.ssh },
      },
      {
        port: PORTS.http,
        protocol: 'TCP',
        targetPort: PORTS.httpRedirect,
        targetGroup: 'http-redirect',
        targetRole,
        // The redirect itself is the health: any 3xx from the redirect server counts as healthy.
        healthCheck: { protocol: 'HTTP', port: PORTS.httpRedirect, path: '/' },
      },
      // TLS ends at the NLB with the ACM certificate; NGINX serves plain HTTP behind it.
      {
        port: PORTS.https,
        protocol: 'TLS',
        targetPort: PORTS.http,
        targetGroup: 'http',
        targetRole,
        healthCheck: readiness,
      },
      {
        port: PORTS.registry,
        protocol: 'TLS',
        targetPort: PORTS.registry,
        targetGroup: 'registry',
        targetRole,
        // The registry answers 401 without a token, which an NLB health check counts as failing.
        healthCheck: { protocol: 'TCP', port: PORTS.registry },
      },
    ],
    proxyProtocol: context.spec.edge.proxyProtocol,
    dnsName: context.spec.domain.name,
  };
}

/** The binding of a chart Service endpoint: the release's Service name and the Service port. */
function bindingOf(endpoint: ChartServiceEndpointId): ChartBindingPlan {
  const { serviceSuffix, servicePort } = CHART_SERVICE_ENDPOINTS[endpoint];
  return { service: `${GITLAB_CHART.release}-${serviceSuffix}`, servicePort };
}

/** The health check of a chart Service's pods: their readiness endpoint, or TCP on the pod port. */
function podHealthCheck(endpoint: ChartServiceEndpointId): TargetHealthCheckPlan {
  const { podPort, readiness }: ChartServiceEndpoint = CHART_SERVICE_ENDPOINTS[endpoint];
  return readiness
    ? { protocol: 'HTTP', port: readiness.port, path: readiness.path }
    : { protocol: 'TCP', port: podPort };
}

/**
 * The edge of Cloud Native Hybrid, all of it owned by CloudFormation so that DNS names, the
 * certificate, deletion and `destroy` stay with the stacks: a Network Load Balancer at the domain,
 * as on the Linux package, so that HTTPS and Git over SSH share one host name (`check` and users'
 * clone URLs use it for both), with port 22 on GitLab Shell's pods and ports 80 and 443 passed to an
 * Application Load Balancer ("Application Load Balancers as targets", Elastic Load Balancing
 * documentation, docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html).
 * The ALB ends TLS, redirects HTTP and routes the GitLab, registry and KAS hosts to their chart
 * Services. The AWS Load Balancer Controller only registers pods in these target groups
 * (TargetGroupBinding); the chart's own Ingresses and LoadBalancer Service are off.
 */
function planChartEdge(context: BuildContext): LoadBalancerService {
  const hosts = publicHosts(context.spec);
  const route = (
    targetGroup: ApplicationRoutePlan['targetGroup'],
    host: string,
    targetRole: RoleId,
    pathPrefix?: string,
  ): ApplicationRoutePlan => ({
    targetGroup,
    host,
    ...(pathPrefix ? { pathPrefix } : {}),
    targetPort: CHART_SERVICE_ENDPOINTS[targetGroup].podPort,
    targetRole,
    binding: bindingOf(targetGroup),
    healthCheck: podHealthCheck(targetGroup),
  });
  // The more specific KAS path comes before the KAS host's catch-all.
  const applicationLoadBalancer: ApplicationLoadBalancerPlan = {
    scheme: 'internet-facing',
    subnet: 'public',
    httpsPort: PORTS.https,
    httpPort: PORTS.http,
    routes: [
      route('webservice', hosts.gitlab, 'webservice-pool'),
      route('registry', hosts.registry!, 'supporting-pool'),
      route('kas-k8s-api', hosts.kas!, 'supporting-pool', `${KAS_K8S_API_PATH}/`),
      route('kas', hosts.kas!, 'supporting-pool'),
    ],
  };
  const toApplication = (
    port: number,
    targetGroup: 'http' | 'http-redirect',
    healthCheck: TargetHealthCheckPlan,
  ): ListenerPlan => ({
    port,
    protocol: 'TCP',
    targetPort: port,
    targetGroup,
    targetRole: 'webservice-pool',
    healthCheck,
    forwardsTo: 'application-load-balancer',
  });
  const shell = CHART_SERVICE_ENDPOINTS['gitlab-shell'];
  return {
    ...EXTERNAL_NETWORK_LOAD_BALANCER,
    listeners: [
      {
        port: PORTS.ssh,
        protocol: 'TCP',
        targetPort: shell.podPort,
        targetGroup: 'ssh',
        targetRole: 'supporting-pool',
        healthCheck: podHealthCheck('gitlab-shell'),
        binding: bindingOf('gitlab-shell'),
      },
      // The ALB answers port 80 itself (a redirect, 3xx counts as healthy); 443 asks GitLab's readiness.
      toApplication(PORTS.http, 'http-redirect', { protocol: 'HTTP', port: PORTS.http, path: '/' }),
      toApplication(PORTS.https, 'http', { protocol: 'HTTPS', port: PORTS.https, path: '/-/readiness' }),
    ],
    // Neither an Application Load Balancer nor GitLab Shell reads a PROXY header.
    proxyProtocol: false,
    dnsName: context.spec.domain.name,
    applicationLoadBalancer,
  };
}

export function planPraefectLoadBalancer(context: BuildContext): LoadBalancerService {
  return {
    kind: 'nlb',
    id: 'praefect',
    role: 'internal-load-balancer',
    scheme: 'internal',
    subnet: 'private',
    count: 1,
    listeners: [
      {
        port: PORTS.praefect,
        protocol: 'TCP',
        targetPort: PORTS.praefect,
        targetGroup: 'praefect',
        targetRole: 'praefect',
        healthCheck: { protocol: 'TCP', port: PORTS.praefect },
      },
    ],
    proxyProtocol: false,
    dnsName: `praefect.${context.privateDnsZone}`,
  };
}
