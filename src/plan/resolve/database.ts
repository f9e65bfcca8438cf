/**
 * RDS: one Multi-AZ DB instance replaces the page's PostgreSQL nodes (primary + synchronous standby).
 * Read replicas (database load balancing) follow the catalog's guidance: from 10k the page runs
 * secondaries that serve reads, so RDS gets as many read replicas as the page has secondaries.
 */
import { POSTGRES_MAJOR_VERSION } from '../../catalog/gitlab-requirements.js';
import type { SpecSize } from '../../catalog/types.js';
import type { RdsService } from '../types.js';
import { type BuildContext, documentedRole } from './context.js';
import { archOf, serviceClass } from './machines.js';

/** Sizes whose page runs database load balancing over PostgreSQL secondaries. */
const READ_REPLICA_SIZES: ReadonlySet<SpecSize> = new Set(['10k', '25k', '50k']);

export function planDatabase(context: BuildContext): Omit<RdsService, 'members'> {
  const { spec, reference } = context;
  const role = documentedRole(context, 'postgres');
  const instanceClass = serviceClass(spec, role);
  const replicasFromPage = READ_REPLICA_SIZES.has(reference.size) ? Math.max(role.nodes - 1, 0) : 0;
  return {
    kind: 'rds',
    id: 'postgres',
    role: 'postgres',
    engine: 'postgres',
    engineVersion: POSTGRES_MAJOR_VERSION,
    instanceClass,
    arch: archOf(instanceClass),
    multiAz: true,
    count: 2,
    readReplicas: spec.database.readReplicas ?? replicasFromPage,
    storageGiB: spec.database.storageGiB,
    maxStorageGiB: spec.database.maxStorageGiB ?? spec.database.storageGiB * 4,
    storageType: spec.database.storageType,
    ...(spec.database.iops !== undefined ? { iops: spec.database.iops } : {}),
    backupRetentionDays: spec.database.backupRetentionDays,
    deletionProtection: true,
    databases: [
      { name: 'gitlabhq_production', role: 'postgres', user: 'gitlab' },
      ...(context.gitalyMode === 'cluster'
        ? [{ name: 'praefect_production', role: 'praefect-postgres' as const, user: 'praefect' }]
        : []),
    ],
  };
}
