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
        targetRole,
        healthCheck: { protocol: 'TCP', port: PORTS.ssh },
      },
      { port: PORTS.http, protocol: 'TCP', targetPort: PORTS.http, targetRole, healthCheck: readiness },
      // TLS ends at the NLB with the ACM certificate; NGINX serves plain HTTP behind it.
      { port: PORTS.https, protocol: 'TLS', targetPort: PORTS.http, targetRole, healthCheck: readiness },
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
        targetRole: 'praefect',
        healthCheck: { protocol: 'TCP', port: PORTS.praefect },
      },
    ],
    proxyProtocol: false,
    dnsName: `praefect.${context.privateDnsZone}`,
  };
}
