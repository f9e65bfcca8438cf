/** What every part of resolving a Plan reads, and the catalog lookups they share. */
import { catalogRole, referenceArchitecture } from '../../catalog/index.js';
import type { CatalogRole, ReferenceArchitecture, RoleId, SpecSize } from '../../catalog/types.js';
import type { Spec } from '../../spec/schema.js';

export interface BuildContext {
  readonly spec: Spec;
  readonly reference: ReferenceArchitecture<SpecSize>;
  readonly availabilityZones: readonly string[];
  readonly privateDnsZone: string;
  readonly gitalyMode: 'single' | 'cluster';
}

/** Roles that run GitLab's Rails code and so read the Rails secrets and buckets. */
export const RAILS_CODE_ROLES: readonly RoleId[] = [
  'gitlab',
  'rails',
  'sidekiq',
  'webservice-pool',
  'sidekiq-pool',
];

/**
 * For a role the size's page does not have, the smallest page that has it: Praefect for a cluster
 * asked for below 3k; Gitaly, PostgreSQL and Redis for 1k, whose page runs everything on one node.
 * On AWS that node is split so that it can live in an auto scaling group: the GitLab node stays
 * stateless, repositories get their own Gitaly node and volume, and RDS and ElastiCache take the
 * data stores, sized like the 2k page's.
 */
export function fallbackRole(role: RoleId, spec: Spec): CatalogRole {
  for (const size of ['2k', '3k'] as const) {
    const found = catalogRole(referenceArchitecture(size, 'linux-package'), role);
    if (found) return found;
  }
  throw new Error(`no reference architecture defines ${role} (spec size ${spec.architecture.size})`);
}

/** The role as the size's page documents it, else as the smallest page that has it. */
export function documentedRole(context: Pick<BuildContext, 'spec' | 'reference'>, role: RoleId): CatalogRole {
  return catalogRole(context.reference, role) ?? fallbackRole(role, context.spec);
}
