/** Network Load Balancers: the internet-facing one in front of GitLab, the internal one in front of Praefect. */
import { catalogRole } from '../../catalog/index.js';
import { PORTS } from '../../catalog/ports.js';
import type { RoleId } from '../../catalog/types.js';
import type { LoadBalancerService } from '../types.js';
import type { BuildContext } from './context.js';

function webTargetRole(context: BuildContext): RoleId {
  if (context.spec.architecture.type === 'cloud-native-hybrid') return 'webservice-pool';
  return catalogRole(context.reference, 'rails') ? 'rails' : 'gitlab';
}

/**
 * The public listeners. TLS ends here (443 for GitLab, 5050 for the container registry) and each
 * TLS listener forwards plain HTTP to its own NGINX port. Port 80 lands on a port where NGINX only
 * answers with a redirect to HTTPS (config/rails.ts), so plaintext never reaches GitLab itself: a
 * Network Load Balancer cannot redirect on its own.
 */
export function planExternalLoadBalancer(context: BuildContext): LoadBalancerService {
  const targetRole = webTargetRole(context);
  const readiness = { protocol: 'HTTP' as const, port: PORTS.http, path: '/-/readiness' };
  return {
    kind: 'nlb',
    id: 'external',
    role: 'external-load-balancer',
    scheme: 'internet-facing',
    subnet: 'public',
    count: 1,
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
