/**
 * Typed lookups over a Plan. Every layer finds services, nodes and load balancers the same way,
 * and a Plan that lacks something a caller needs fails with the kind it lacks.
 */
import { ROLE_IDS, type RoleId } from '../catalog/types.js';
import type { LoadBalancerService, Plan, PlanNode, PlanService, VolumePlan } from './types.js';

/** The Plan's service type of a kind: `ServiceOfKind<'rds'>` is RdsService. */
export type ServiceOfKind<K extends PlanService['kind']> = Extract<PlanService, { readonly kind: K }>;

/** Every service of a kind, in Plan order. */
export function servicesOf<K extends PlanService['kind']>(
  plan: Pick<Plan, 'services'>,
  kind: K,
): ServiceOfKind<K>[];
export function servicesOf<T extends PlanService>(plan: Pick<Plan, 'services'>, kind: T['kind']): T[];
export function servicesOf(plan: Pick<Plan, 'services'>, kind: PlanService['kind']): PlanService[] {
  return plan.services.filter((service) => service.kind === kind);
}

/** The first service of a kind; throws naming the kind when the Plan has none. */
export function serviceOf<K extends PlanService['kind']>(
  plan: Pick<Plan, 'services'>,
  kind: K,
): ServiceOfKind<K>;
export function serviceOf<T extends PlanService>(plan: Pick<Plan, 'services'>, kind: T['kind']): T;
export function serviceOf(plan: Pick<Plan, 'services'>, kind: PlanService['kind']): PlanService {
  const service = servicesOf(plan, kind)[0];
  if (!service) throw new Error(`the Plan has no ${kind} service`);
  return service;
}

/** Every node of a role, in Plan order. */
export function nodesOf(plan: Pick<Plan, 'nodes'>, role: RoleId): PlanNode[] {
  return plan.nodes.filter((node) => node.role === role);
}

/** The roles that have nodes, in role order. */
export function nodeRoles(plan: Pick<Plan, 'nodes'>): RoleId[] {
  return ROLE_IDS.filter((role) => plan.nodes.some((node) => node.role === role));
}

/** The internet-facing load balancer users reach GitLab through, if the Plan has one. */
export function externalLoadBalancer(plan: Pick<Plan, 'services'>): LoadBalancerService | undefined {
  return servicesOf(plan, 'nlb').find((service) => service.scheme === 'internet-facing');
}

/** The internal load balancer in front of Praefect, when the Plan has a Gitaly Cluster. */
export function internalLoadBalancer(plan: Pick<Plan, 'services'>): LoadBalancerService | undefined {
  return servicesOf(plan, 'nlb').find((service) => service.scheme === 'internal');
}

/** Volumes that hold a node's data apart from its instance: Gitaly's repositories, all of the 1k node's data. */
export const NODE_DATA_PURPOSES: ReadonlySet<VolumePlan['purpose']> = new Set(['git-data', 'gitlab-data']);

/** Data volumes created and deleted with their instance, holding nothing between uses: the backup node's staging volume. */
export const SCRATCH_DATA_PURPOSES: ReadonlySet<VolumePlan['purpose']> = new Set(['backup-staging']);

/**
 * The volume that holds Gitaly's repositories, set by the spec's `gitaly` fields: a Gitaly node's
 * repository volume, or the 1k node's data volume (Gitaly runs on it). Every such volume of a Plan
 * has the same settings, so the first stands for all.
 */
export function repositoryVolume(plan: Pick<Plan, 'nodes'>): VolumePlan | undefined {
  return plan.nodes
    .filter((node) => node.role === 'gitaly' || node.role === 'gitlab')
    .flatMap((node) => node.volumes)
    .find((volume) => volume.purpose === 'git-data' || volume.purpose === 'gitlab-data');
}

/** Nodes with a data volume that outlives their instance: Gitaly nodes and the 1k node. */
export function nodesWithDataVolume(plan: Pick<Plan, 'nodes'>): PlanNode[] {
  return plan.nodes.filter((node) => node.volumes.some((volume) => NODE_DATA_PURPOSES.has(volume.purpose)));
}
