/**
 * The SQL that prepares RDS for GitLab, run once per environment by the first node that may migrate
 * (under the deploy lock, see boot-script.ts), and harmless to run again: every statement checks
 * before it creates.
 *
 * - Extensions GitLab needs, created by the master user (RDS's master is not a superuser, but
 *   `pg_trgm` and `btree_gist` are trusted extensions, so the database owner may create them;
 *   `plpgsql` is there by default and is listed for completeness).
 * - With a Gitaly Cluster, Praefect's user and database, as the reference architectures' "Praefect
 *   PostgreSQL post-configuration" does it: the role `praefect` with LOGIN and CREATEDB, then, as
 *   that role, the database `praefect_production` (so Praefect owns it). Connecting to it is then
 *   revoked from everyone else.
 *
 * Sources: skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 * doc/administration/reference_architectures/3k_users.md ("Praefect PostgreSQL post-configuration");
 * doc/install/aws/_index.md at 462401833261e0523def242cd7f5650407a43351 ("Install the required
 * extensions for PostgreSQL": `CREATE EXTENSION IF NOT EXISTS`, and GitLab creating them itself when
 * its user may).
 *
 * The password never appears in the SQL: psql reads it from the node's root-only secret file with a
 * backquoted `\set`, and it is never on a command line.
 */
import type { Plan } from '../plan/types.js';
import { databaseOf } from './common.js';

/** Extensions GitLab requires in its database. */
export const REQUIRED_EXTENSIONS = ['plpgsql', 'pg_trgm', 'btree_gist'] as const;

/** Database every PostgreSQL server (RDS included) has, for statements outside any GitLab database. */
export const MAINTENANCE_DATABASE = 'postgres';

export interface BootstrapStep {
  /** Short name, also the file name stem on the node. */
  readonly name: string;
  /** Who runs it: the RDS master user (GitLab's user) or Praefect's user. */
  readonly as: 'master' | 'praefect';
  /** Database to connect to. */
  readonly database: string;
  /** psql script (uses psql meta-commands: run it with `psql -X -v ON_ERROR_STOP=1 -f`). */
  readonly sql: string;
}

export interface BootstrapOptions {
  /** File holding the Praefect database password (the node's root-only secret file). */
  readonly praefectPasswordFile: string;
}

/** SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** SQL identifier. */
const identifier = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** The steps, in order, for a Plan. */
export function databaseBootstrap(plan: Plan, options: BootstrapOptions): BootstrapStep[] {
  const main = databaseOf(plan, 'postgres');
  if (!main) throw new Error('the Plan has no GitLab database');
  const steps: BootstrapStep[] = [
    {
      name: 'extensions',
      as: 'master',
      database: main.name,
      sql: REQUIRED_EXTENSIONS.map((extension) => `CREATE EXTENSION IF NOT EXISTS ${extension};`).join('\n'),
    },
  ];
  const praefect = databaseOf(plan, 'praefect-postgres');
  if (!praefect) return steps;
  if (/[`\n]/.test(options.praefectPasswordFile)) throw new Error('unsafe password file path');
  steps.push(
    {
      name: 'praefect-role',
      as: 'master',
      database: main.name,
      sql: [
        `SELECT format('CREATE ROLE %I WITH LOGIN CREATEDB', ${literal(praefect.user)})`,
        `  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(praefect.user)}) \\gexec`,
        `\\set praefect_password \`cat ${options.praefectPasswordFile}\``,
        `ALTER ROLE ${identifier(praefect.user)} WITH LOGIN PASSWORD :'praefect_password';`,
        '\\unset praefect_password',
      ].join('\n'),
    },
    {
      name: 'praefect-database',
      as: 'praefect',
      database: MAINTENANCE_DATABASE,
      sql: [
        `SELECT format('CREATE DATABASE %I WITH ENCODING ''UTF8'' TEMPLATE template0', ${literal(praefect.name)})`,
        `  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(praefect.name)}) \\gexec`,
      ].join('\n'),
    },
    {
      name: 'praefect-access',
      as: 'praefect',
      database: praefect.name,
      sql: `REVOKE ALL ON DATABASE ${identifier(praefect.name)} FROM PUBLIC;`,
    },
  );
  return steps;
}
