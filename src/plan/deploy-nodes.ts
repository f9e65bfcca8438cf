/**
 * Which node runs the one-off steps of a deploy or upgrade, decided once:
 *
 * - GitLab's database migrations run on the group the Plan marks `runsDatabaseMigrations` (the web
 *   tier): one node at a time under a lock, before the other groups are refreshed.
 * - Praefect's migrations run on one Praefect node only, the deploy node of GitLab's zero-downtime
 *   procedure (skratsch-solutions/gitlabhq d08a1508d191015791d908b4d42036623e6603ae,
 *   doc/update/zero_downtime.md, "Upgrade Gitaly Cluster (Praefect) nodes"): the first one, which
 *   CloudFormation creates before the others.
 * - The 1k node runs everything, its bundled database included, and migrates it itself on every
 *   reconfigure, as a single-node Linux package install does.
 */
import type { DeployNodesPlan, Plan } from './types.js';

/** What the deploy-node decision reads. */
export type DeployNodesInputs = Pick<Plan, 'nodes' | 'autoScalingGroups'>;

export function planDeployNodes(plan: DeployNodesInputs): DeployNodesPlan {
  const migrating = plan.autoScalingGroups.find((group) => group.runsDatabaseMigrations);
  const praefect = plan.nodes.find((node) => node.role === 'praefect' && node.autoScalingGroup === undefined);
  const single = plan.nodes.find((node) => node.role === 'gitlab' && node.autoScalingGroup === undefined);
  return {
    ...(migrating ? { databaseMigrations: migrating.id } : {}),
    ...(single ? { singleNode: single.id } : {}),
    ...(praefect ? { praefect: praefect.id } : {}),
  };
}
