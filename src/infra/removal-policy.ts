/**
 * What deleting a stack does to each of its stateful resources is the Plan's decision
 * (`plan.statefulResources`, src/plan/deletion.ts): `destroy` previews it and the templates apply
 * it. Constructs look their resources up here by Plan id, and a resource the Plan does not list is
 * an error, so no stateful resource picks its own policy.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { StatefulResourcePlan } from '../plan/types.js';

/** The RemovalPolicy of the stateful resource with a Plan id, e.g. `bucket-artifacts`. */
export type RemovalPolicyOf = (id: string) => RemovalPolicy;

const POLICIES: Readonly<Record<StatefulResourcePlan['onStackDelete'], RemovalPolicy>> = {
  retain: RemovalPolicy.RETAIN,
  snapshot: RemovalPolicy.SNAPSHOT,
  delete: RemovalPolicy.DESTROY,
};

/** Looks removal policies up in the Plan's stateful resources; throws for an id it does not list. */
export function removalPolicies(resources: readonly StatefulResourcePlan[]): RemovalPolicyOf {
  const byId = new Map(resources.map((resource) => [resource.id, resource.onStackDelete]));
  return (id) => {
    const behaviour = byId.get(id);
    if (!behaviour) {
      throw new Error(
        `stateful resource ${id} is not in the Plan's statefulResources: add it to src/plan/deletion.ts so its deletion behaviour is decided there`,
      );
    }
    return POLICIES[behaviour];
  };
}
