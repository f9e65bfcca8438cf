/**
 * The few ways infra looks things up in a Plan, in one place. Kept to plain functions of the Plan
 * with the names and signatures a shared Plan query module would have, so that switching to one is
 * an import change.
 */
import type { RoleId } from '../catalog/types.js';
import type { LoadBalancerService, Plan, PlanNode, PlanService } from '../plan/types.js';

/** Every service of a kind, in Plan order. */
export function servicesOf<T extends PlanService>(plan: Plan, kind: T['kind']): T[] {
  return plan.services.filter((service): service is T => service.kind === kind);
}

/** The one service of a kind; throws when the Plan has none. */
export function serviceOf<T extends PlanService>(plan: Plan, kind: T['kind']): T {
  const service = servicesOf<T>(plan, kind)[0];
  if (!service) throw new Error(`the Plan has no ${kind} service`);
  return service;
}

/** The Plan's fixed and grouped nodes of a role, in Plan order. */
export function nodesOf(plan: Plan, role: RoleId): PlanNode[] {
  return plan.nodes.filter((node) => node.role === role);
}

/** The Plan's load balancer of a scheme (internet-facing: the edge; internal: Praefect), if any. */
export function loadBalancerOf(
  plan: Plan,
  scheme: LoadBalancerService['scheme'],
): LoadBalancerService | undefined {
  return servicesOf<LoadBalancerService>(plan, 'nlb').find((service) => service.scheme === scheme);
}
