/**
 * What GitLab's Helm chart is given in a Cloud Native Hybrid, decided once from the Plan: the
 * Gitaly storages it reaches, the Redis instances it uses and the bucket of each object type. The
 * chart's values (config/helm) and the plan checks that refuse what the chart would reject read
 * these, so a check and the values can never disagree.
 */
import { PORTS } from '../catalog/ports.js';
import { externalLoadBalancer, internalLoadBalancer, nodesOf, servicesOf } from './query.js';
import type {
  ApplicationTargetGroup,
  ChartBindingPlan,
  ElastiCacheService,
  ExternalTargetGroup,
  ObjectStoragePurpose,
  Plan,
} from './types.js';

/**
 * Praefect's virtual storage, which the Praefect nodes serve (src/config/praefect.ts) and the chart
 * names its one external Gitaly entry: the chart requires exactly one storage named `default`
 * (`_checkConfig_gitaly.tpl`, integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41).
 */
export const CHART_DEFAULT_STORAGE = 'default';

/** A Gitaly storage the chart reaches: a Gitaly server, or Praefect's virtual storage behind its load balancer. */
export interface ChartGitalyStorage {
  readonly name: string;
  readonly hostname: string;
  readonly port: number;
}

/** The external Gitaly storages of the chart: Praefect's load balancer, or each Gitaly node. */
export function chartGitalyStorages(
  plan: Pick<Plan, 'architecture' | 'services' | 'nodes'>,
): ChartGitalyStorage[] {
  const praefect = internalLoadBalancer(plan);
  if (plan.architecture.gitalyMode === 'cluster' && praefect) {
    const port = praefect.listeners[0]?.port ?? PORTS.praefect;
    return [{ name: CHART_DEFAULT_STORAGE, hostname: praefect.dnsName, port }];
  }
  return nodesOf(plan, 'gitaly').map((node) => ({
    name: node.gitalyStorage ?? node.id,
    hostname: node.privateDnsName ?? node.id,
    port: PORTS.gitaly,
  }));
}

/** The ElastiCache replication groups the chart uses: `persistent` for everything but the cache, `cache` when split. */
export interface ChartRedis {
  readonly persistent?: ElastiCacheService;
  readonly cache?: ElastiCacheService;
}

export function chartRedis(plan: Pick<Plan, 'services'>): ChartRedis {
  const caches = servicesOf(plan, 'elasticache');
  const persistent = caches.find(
    (service) => service.role === 'redis' || service.role === 'redis-persistent',
  );
  const cache = caches.find((service) => service.role === 'redis-cache');
  return { ...(persistent ? { persistent } : {}), ...(cache ? { cache } : {}) };
}

/**
 * The chart's object types (keys of `global.appConfig`) and the Plan purpose whose bucket each
 * uses. The first seven are the ones the chart's consolidated-storage check requires a bucket for.
 */
export const CHART_OBJECT_TYPES = {
  artifacts: 'artifacts',
  lfs: 'lfs',
  uploads: 'uploads',
  packages: 'packages',
  externalDiffs: 'external_diffs',
  terraformState: 'terraform_state',
  dependencyProxy: 'dependency_proxy',
  ciSecureFiles: 'ci_secure_files',
} as const satisfies Record<string, ObjectStoragePurpose>;
export type ChartObjectType = keyof typeof CHART_OBJECT_TYPES;

/** Purposes the chart needs a bucket for: every object type, the registry and backups. */
export const CHART_BUCKET_PURPOSES: readonly ObjectStoragePurpose[] = [
  ...Object.values(CHART_OBJECT_TYPES),
  'registry',
  'backups',
];

/** Bucket name (with the account placeholder) of each purpose the Plan has a bucket for. */
export function chartBuckets(plan: Pick<Plan, 'services'>): Partial<Record<ObjectStoragePurpose, string>> {
  return Object.fromEntries(
    servicesOf(plan, 's3').flatMap((service) =>
      service.buckets.map((bucket) => [bucket.purpose, bucket.bucketName] as const),
    ),
  );
}

/** Whether the Plan runs GitLab's chart (Cloud Native Hybrid). */
export function runsChart(plan: Pick<Plan, 'architecture'>): boolean {
  return plan.architecture.type === 'cloud-native-hybrid';
}

/** A target group the AWS Load Balancer Controller fills with a chart Service's pods. */
export interface ChartTargetGroupBinding {
  /** The target group's name in the Plan: `ssh` on the NLB, or one of the ALB's. */
  readonly targetGroup: ExternalTargetGroup | ApplicationTargetGroup;
  /** The load balancer holding it. */
  readonly loadBalancer: 'network' | 'application';
  readonly binding: ChartBindingPlan;
  /** The pods' port the targets are registered on. */
  readonly targetPort: number;
}

/**
 * Every target group a TargetGroupBinding fills (Cloud Native Hybrid): the NLB's listeners that bind
 * a chart Service (GitLab Shell) and every route of the ALB. None without the chart.
 */
export function chartTargetGroupBindings(plan: Pick<Plan, 'services'>): ChartTargetGroupBinding[] {
  const edge = externalLoadBalancer(plan);
  if (!edge) return [];
  const network = edge.listeners.flatMap((listener) =>
    listener.binding && listener.targetGroup !== 'praefect'
      ? [
          {
            targetGroup: listener.targetGroup,
            loadBalancer: 'network' as const,
            binding: listener.binding,
            targetPort: listener.targetPort,
          },
        ]
      : [],
  );
  const application = (edge.applicationLoadBalancer?.routes ?? []).map((route) => ({
    targetGroup: route.targetGroup,
    loadBalancer: 'application' as const,
    binding: route.binding,
    targetPort: route.targetPort,
  }));
  return [...network, ...application];
}
