/** Network Load Balancers: the internet-facing one in front of GitLab, the internal one in front of Praefect. */
import { catalogRole } from '../../catalog/index.js';
import type { RoleId } from '../../catalog/types.js';
import type { LoadBalancerService } from '../types.js';
import type { BuildContext } from './context.js';

function webTargetRole(context: BuildContext): RoleId {
  if (context.spec.architecture.type === 'cloud-native-hybrid') return 'webservice-pool';
  return catalogRole(context.reference, 'rails') ? 'rails' : 'gitlab';
}

export function planExternalLoadBalancer(context: BuildContext): LoadBalancerService {
  const targetRole = webTargetRole(context);
  const readiness = { protocol: 'HTTP' as const, port: 80, path: '/-/readiness' };
  return {
    kind: 'nlb',
    id: 'external',
    role: 'external-load-balancer',
    scheme: 'internet-facing',
    subnet: 'public',
    count: 1,
    listeners: [
      { port: 22, protocol: 'TCP', targetPort: 22, targetRole, healthCheck: { protocol: 'TCP', port: 22 } },
      { port: 80, protocol: 'TCP', targetPort: 80, targetRole, healthCheck: readiness },
      // TLS ends at the NLB with the ACM certificate; NGINX serves plain HTTP behind it.
      { port: 443, protocol: 'TLS', targetPort: 80, targetRole, healthCheck: readiness },
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
        port: 2305,
        protocol: 'TCP',
        targetPort: 2305,
        targetRole: 'praefect',
        healthCheck: { protocol: 'TCP', port: 2305 },
      },
    ],
    proxyProtocol: false,
    dnsName: `praefect.${context.privateDnsZone}`,
  };
}
