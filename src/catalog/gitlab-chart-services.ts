/**
 * The Kubernetes Services of GitLab's chart that users reach from outside, as the chart names and
 * numbers them: each Service's name under the release, the Service port, the pod port behind it
 * and the pod's own readiness endpoint, which the load balancer's health check asks.
 *
 * Sources (GitLab's chart, integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41,
 * chart 9.9.1; KAS's ports re-read at 409034890f59fe3afe8c298e30bde44b6d7e9e29):
 * - Webservice: `charts/gitlab/charts/webservice/values.yaml` (`service.workhorseExternalPort` and
 *   `workhorseInternalPort` 8181; `monitoring.ipWhitelist` 0.0.0.0/0, so `/-/readiness` answers the
 *   load balancer) and `templates/service.yaml` (the Service is `<release>-webservice-<deployment>`,
 *   `default` for the one deployment the values define).
 * - Registry: `charts/registry/values.yaml` (`service.externalPort`/`internalPort` 5000, the debug
 *   server on `debug.addr.port` 5001) and `templates/deployment.yaml` (its readiness probe asks the
 *   debug port's `/debug/health`).
 * - KAS: `charts/gitlab/charts/kas/values.yaml` (`service.externalPort` 8150 for agents,
 *   `kubernetesApiPort` 8154, `observability.port` 8151 with `/readiness`) and
 *   `templates/ingress.yaml` (the KAS host sends `/k8s-proxy/` to 8154 and everything else to 8150).
 * - GitLab Shell: `charts/gitlab/charts/gitlab-shell/values.yaml` (`service.internalPort` 2222) and
 *   `templates/service.yaml` (Service port 22, the SSH port, to the pods' 2222).
 */

/** A chart Service reached from outside, and how its pods are health-checked. */
export interface ChartServiceEndpoint {
  /** The Service's name after the release name, e.g. `webservice-default` in `gitlab-webservice-default`. */
  readonly serviceSuffix: string;
  /** The Service port a TargetGroupBinding names. */
  readonly servicePort: number;
  /** The pods' port behind it: what the load balancer connects to with IP targets. */
  readonly podPort: number;
  /** The pods' readiness endpoint; TCP on the pod port when absent. */
  readonly readiness?: { readonly port: number; readonly path: string };
}

export const CHART_SERVICE_ENDPOINTS = {
  webservice: {
    serviceSuffix: 'webservice-default',
    servicePort: 8181,
    podPort: 8181,
    readiness: { port: 8181, path: '/-/readiness' },
  },
  registry: {
    serviceSuffix: 'registry',
    servicePort: 5000,
    podPort: 5000,
    readiness: { port: 5001, path: '/debug/health' },
  },
  kas: {
    serviceSuffix: 'kas',
    servicePort: 8150,
    podPort: 8150,
    readiness: { port: 8151, path: '/readiness' },
  },
  'kas-k8s-api': {
    serviceSuffix: 'kas',
    servicePort: 8154,
    podPort: 8154,
    readiness: { port: 8151, path: '/readiness' },
  },
  'gitlab-shell': { serviceSuffix: 'gitlab-shell', servicePort: 22, podPort: 2222 },
} as const satisfies Record<string, ChartServiceEndpoint>;
export type ChartServiceEndpointId = keyof typeof CHART_SERVICE_ENDPOINTS;

/** The path prefix of KAS's Kubernetes API proxy on the KAS host (the chart's `ingress.k8sApiPath`). */
export const KAS_K8S_API_PATH = '/k8s-proxy';
