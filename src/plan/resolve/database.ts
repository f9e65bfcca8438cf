/**
 * RDS: one Multi-AZ DB instance replaces the page's PostgreSQL nodes (primary + synchronous standby).
 * Read replicas (database load balancing) follow the catalog's guidance: from 10k the page runs
 * secondaries that serve reads, so RDS gets as many read replicas as the page has secondaries, and
 * Rails balances its reads over them (config/common.ts).
 *
 * With a Gitaly Cluster, Praefect gets its own Multi-AZ instance, sized from the page's "Praefect
 * PostgreSQL" row: GitLab asks for a PostgreSQL instance separate from the main database
 * (doc/install/requirements.md, "Gitaly Cluster (Praefect)", skratsch-solutions/gitlabhq
 * 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4). Praefect is its master user and owns its database, as
 * the 3k page's "Praefect PostgreSQL post-configuration" has the `praefect` role own it.
 *
 * Parameters: the settings GitLab requires of an external server (catalog/gitlab-requirements.ts)
 * on GitLab's instance; `rds.force_ssl` on both, since every client connects with sslmode=require.
 */
import { POSTGRES_MAJOR_VERSION, POSTGRES_REQUIRED_SETTINGS } from '../../catalog/gitlab-requirements.js';
import type { SpecSize } from '../../catalog/types.js';
import type { RdsService } from '../types.js';
import { type BuildContext, documentedRole } from './context.js';
import { archOf, serviceClass } from './machines.js';

/** Sizes whose page runs database load balancing over PostgreSQL secondaries. */
const READ_REPLICA_SIZES: ReadonlySet<SpecSize> = new Set(['10k', '25k', '50k']);

/** Storage of Praefect's instance: its tables only track repositories and replication jobs. */
export const PRAEFECT_DATABASE_STORAGE_GIB = 20;

/** Refuse connections that are not encrypted: every client connects with sslmode=require. */
const FORCE_SSL = { 'rds.force_ssl': '1' } as const;

/**
 * GitLab's instance: the longest statement timeout GitLab allows (one minute, Puma's rack timeout),
 * and the smallest `work_mem` it accepts, which is the Linux package's default.
 */
export const GITLAB_DATABASE_PARAMETERS: Readonly<Record<string, string>> = {
  ...FORCE_SSL,
  statement_timeout: String(POSTGRES_REQUIRED_SETTINGS.statementTimeoutMs.max),
  work_mem: String(POSTGRES_REQUIRED_SETTINGS.workMemKb.min),
};

/** What a replica serving reads adds: queries on it do not get cancelled by the primary's vacuum. */
export const READ_REPLICA_PARAMETERS: Readonly<Record<string, string>> = { hot_standby_feedback: '1' };

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
    parameters: GITLAB_DATABASE_PARAMETERS,
    replicaParameters: { ...GITLAB_DATABASE_PARAMETERS, ...READ_REPLICA_PARAMETERS },
    databases: [{ name: 'gitlabhq_production', role: 'postgres', user: 'gitlab' }],
  };
}

/** Praefect's own instance, with a Gitaly Cluster; none with a single Gitaly. */
export function planPraefectDatabase(context: BuildContext): Omit<RdsService, 'members'>[] {
  if (context.gitalyMode !== 'cluster') return [];
  const instanceClass = serviceClass(context.spec, documentedRole(context, 'praefect-postgres'));
  return [
    {
      kind: 'rds',
      id: 'praefect-postgres',
      role: 'praefect-postgres',
      engine: 'postgres',
      engineVersion: POSTGRES_MAJOR_VERSION,
      instanceClass,
      arch: archOf(instanceClass),
      multiAz: true,
      count: 2,
      readReplicas: 0,
      storageGiB: PRAEFECT_DATABASE_STORAGE_GIB,
      maxStorageGiB: PRAEFECT_DATABASE_STORAGE_GIB * 5,
      storageType: 'gp3',
      backupRetentionDays: context.spec.database.backupRetentionDays,
      deletionProtection: true,
      parameters: FORCE_SSL,
      replicaParameters: FORCE_SSL,
      databases: [{ name: 'praefect_production', role: 'praefect-postgres', user: 'praefect' }],
    },
  ];
}
