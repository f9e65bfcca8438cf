/**
 * Where users reach the chart: the hosts, as the Plan's URLs have them (GitLab at the domain, the
 * registry and KAS at their own names below it). The load balancers are CloudFormation's, not the
 * chart's (src/infra/edge.ts): the AWS Load Balancer Controller registers the pods of the Services
 * named in the Plan in their target groups (TargetGroupBinding), so the chart's own Ingresses and
 * NGINX Ingress controller are off and GitLab Shell's Service stays a ClusterIP Service.
 *
 * Sources: the chart's global host and ingress settings (`values.yaml` `global.hosts`,
 * `global.ingress.enabled`) and GitLab Shell's Service (`charts/gitlab/charts/gitlab-shell/values.yaml`
 * `service.type`), integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41.
 */
import type { Plan } from '../../plan/types.js';
import type { Values } from './types.js';

/** The host of each chart service, from the Plan's URLs. */
export function chartHosts(plan: Pick<Plan, 'gitlab'>): { gitlab: string; registry: string; kas: string } {
  return {
    gitlab: new URL(plan.gitlab.externalUrl).hostname,
    registry: new URL(plan.gitlab.registryUrl).hostname,
    kas: new URL(plan.gitlab.kasUrl).hostname,
  };
}

export function hostsValues(plan: Pick<Plan, 'spec' | 'gitlab'>): Values {
  const hosts = chartHosts(plan);
  return {
    global: {
      hosts: {
        domain: plan.spec.domain.name,
        // TLS ends at the load balancer; GitLab's URLs are HTTPS all the same.
        https: true,
        gitlab: { name: hosts.gitlab },
        registry: { name: hosts.registry },
        kas: { name: hosts.kas },
        // Git over SSH at the domain, where the Network Load Balancer listens on 22.
        ssh: hosts.gitlab,
      },
      // No Ingress objects: the load balancers' rules route the hosts (src/infra/edge.ts).
      ingress: { enabled: false, configureCertmanager: false },
    },
    // The chart's own NGINX Ingress controller and cert-manager stay out: the ALB ends TLS.
    'nginx-ingress': { enabled: false },
    installCertmanager: false,
    gitlab: {
      // Reached through the Network Load Balancer's target group, never a load balancer of its own.
      'gitlab-shell': { service: { type: 'ClusterIP' } },
    },
  };
}
