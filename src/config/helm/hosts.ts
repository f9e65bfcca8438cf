/**
 * Where users reach the chart: the hosts, HTTPS through an Application Load Balancer that the AWS
 * Load Balancer Controller creates from the chart's Ingresses (TLS ends there with the ACM
 * certificate, port 80 answers with a redirect to 443), and Git over SSH through a Network Load
 * Balancer the controller creates for GitLab Shell's LoadBalancer Service.
 *
 * Sources: the chart's AWS example values (`examples/aws/`) and its global ingress settings
 * (`values.yaml` `global.ingress`), integratop/gitlab-org-charts-mirror
 * 3403350c8b8ef65a71b3676ebafafea435b54c41. The ALB and NLB annotations are the AWS Load
 * Balancer Controller's (kubernetes-sigs.github.io/aws-load-balancer-controller, "Ingress
 * annotations" and "Service annotations").
 */
import { PORTS } from '../../catalog/ports.js';
import type { Plan } from '../../plan/types.js';
import type { ChartEndpoints, Values } from './types.js';

/** TLS 1.3 and 1.2 only, the ALB policy AWS recommends. */
export const ALB_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** The host of each chart service: GitLab on the domain, the registry and KAS on names below it. */
export function chartHosts(plan: Pick<Plan, 'spec'>): { gitlab: string; registry: string; kas: string } {
  const domain = plan.spec.domain.name;
  return { gitlab: domain, registry: `registry.${domain}`, kas: `kas.${domain}` };
}

export function hostsValues(
  plan: Pick<Plan, 'spec'>,
  endpoints: Pick<ChartEndpoints, 'certificateArn'>,
): Values {
  const hosts = chartHosts(plan);
  return {
    global: {
      hosts: {
        domain: plan.spec.domain.name,
        https: true,
        gitlab: { name: hosts.gitlab },
        registry: { name: hosts.registry },
        kas: { name: hosts.kas },
        ssh: hosts.gitlab,
      },
      ingress: {
        enabled: true,
        class: 'alb',
        provider: 'aws',
        configureCertmanager: false,
        // TLS ends at the load balancer; the pods serve plain HTTP inside the VPC.
        tls: { enabled: false },
        path: '/*',
        pathType: 'ImplementationSpecific',
        annotations: {
          'alb.ingress.kubernetes.io/scheme': 'internet-facing',
          'alb.ingress.kubernetes.io/target-type': 'ip',
          // One ALB for every GitLab Ingress.
          'alb.ingress.kubernetes.io/group.name': plan.spec.name,
          'alb.ingress.kubernetes.io/listen-ports': JSON.stringify([
            { HTTP: PORTS.http },
            { HTTPS: PORTS.https },
          ]),
          'alb.ingress.kubernetes.io/ssl-redirect': String(PORTS.https),
          'alb.ingress.kubernetes.io/certificate-arn': endpoints.certificateArn,
          'alb.ingress.kubernetes.io/ssl-policy': ALB_SSL_POLICY,
          'alb.ingress.kubernetes.io/backend-protocol': 'HTTP',
        },
      },
    },
    // The chart's own NGINX Ingress controller and cert-manager stay out: the ALB ends TLS.
    'nginx-ingress': { enabled: false },
    installCertmanager: false,
    gitlab: {
      webservice: {
        ingress: {
          // Large uploads (imports, LFS) are not cut off.
          proxyBodySize: 0,
          annotations: { 'alb.ingress.kubernetes.io/healthcheck-path': '/-/readiness' },
        },
      },
      'gitlab-shell': {
        service: {
          type: 'LoadBalancer',
          // Git over SSH only from where the spec allows it, as on the Linux package's load balancer.
          loadBalancerSourceRanges: [...plan.spec.access.sshAllowedCidrs],
          annotations: {
            'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
            'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
            'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
          },
        },
      },
    },
  };
}
