/**
 * The SQL that prepares GitLab's RDS instance, run once per environment by the first node that may
 * migrate (under the deploy lock, see boot-script.ts), and harmless to run again: every statement
 * checks before it creates.
 *
 * It creates the extensions GitLab requires in its main database and nothing else there: GitLab's
 * database holds only what GitLab creates (the deploy lock keeps its records in a database of its
 * own). The RDS master user creates them: `pg_trgm` and `btree_gist` are trusted extensions that a
 * database owner may create, and `amcheck` is on RDS's list of extensions its master user (member
 * of `rds_superuser`) may create; `plpgsql` is there by default and is listed for completeness.
 *
 * Praefect's database needs no bootstrap: it lives on Praefect's own instance, created with it and
 * owned by Praefect, its master user (plan/resolve/database.ts).
 *
 * Sources: the required extensions (`amcheck` from GitLab 18.4): skratsch-solutions/gitlabhq
 * 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4, doc/install/requirements.md ("Extensions");
 * `CREATE EXTENSION IF NOT EXISTS`, and GitLab creating them itself when its user may:
 * doc/install/aws/_index.md at 462401833261e0523def242cd7f5650407a43351 ("Install the required
 * extensions for PostgreSQL").
 */
import { POSTGRES_REQUIRED_EXTENSIONS } from '../catalog/gitlab-requirements.js';
import type { Plan } from '../plan/types.js';
import { databaseOf } from './common.js';

/** Extensions GitLab requires in its database. */
export const REQUIRED_EXTENSIONS = POSTGRES_REQUIRED_EXTENSIONS;

/** Database every PostgreSQL server (RDS included) has, for statements outside any GitLab database. */
export const MAINTENANCE_DATABASE = 'postgres';

export interface BootstrapStep {
  /** Short name, also the file name stem on the node. */
  readonly name: string;
  /** Who runs it: the RDS master user (GitLab's user). */
  readonly as: 'master';
  /** Database to connect to. */
  readonly database: string;
  /** psql script (run it with `psql -X -v ON_ERROR_STOP=1 -f`). */
  readonly sql: string;
}

/** The steps, in order, for a Plan. */
export function databaseBootstrap(plan: Plan): BootstrapStep[] {
  const main = databaseOf(plan, 'postgres');
  if (!main) throw new Error('the Plan has no GitLab database');
  return [
    {
      name: 'extensions',
      as: 'master',
      database: main.name,
      sql: REQUIRED_EXTENSIONS.map((extension) => `CREATE EXTENSION IF NOT EXISTS ${extension};`).join('\n'),
    },
  ];
}
