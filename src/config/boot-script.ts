/**
 * The two scripts every node's user data installs, kept as shell files in `scripts/` (shellchecked
 * as files) and read from there at run time. They are the same on every node: what differs (role,
 * secret names, endpoints) comes from /etc/gitlab-aws/boot.env, which user-data.ts renders. What
 * this code defines once for both sides (paths, the first-boot placeholder, the lock key) reaches a
 * script as a header of shell assignments rendered right below its shebang.
 *
 * Why these steps, in this order:
 * - Package: GitLab's apt repository with its signing key checked against the published fingerprint
 *   (gitlabhq/omnibus-gitlab 440b1f835eb205885d22933ac074cc11c1148609, doc/update/package_signatures.md),
 *   the exact version pinned, and `/etc/gitlab/skip-auto-reconfigure` in place first so the package
 *   never reconfigures (and migrates) on its own.
 * - Shared secrets: gitlab-secrets.json must be the same on every node running Rails code and on
 *   Gitaly, and the SSH host keys the same on every web node behind the load balancer (3k page,
 *   "Configure GitLab Rails" and "Configure Gitaly", skratsch-solutions/gitlabhq
 *   06bbc8dc33553c380709d5395df4750a78017677; host keys: doc/install/aws/_index.md at
 *   462401833261e0523def242cd7f5650407a43351). Every node that may migrate and finds them not
 *   stored yet generates them with its first reconfigure and stores
 *   them with a compare-and-set (no deploy lock, so not after the database is ready to take one) (FIRST_BOOT_SECRET_VERSION): one node's are stored, the others
 *   install those and reconfigure again; they are never regenerated.
 * - The database: with `auto_migrate` off and GitLab's PostgreSQL and Redis elsewhere, no recipe of
 *   a Rails node's reconfigure connects to the database. In gitlabhq/omnibus-gitlab
 *   8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (tag 19.3.0+ee.0): gitlab-ctl reconfigure writes
 *   gitlab-secrets.json while it loads the configuration (files/gitlab-cookbooks/package/libraries/
 *   settings_dsl.rb, `generate_config`, `generate_secrets`); the migration resource runs only with
 *   `auto_migrate` (files/gitlab-cookbooks/gitlab/recipes/database_migrations.rb, which also holds
 *   the only remote version check, notified by that resource alone); the cache clear that gitlab.yml
 *   notifies is skipped without a local Redis (gitlab/recipes/gitlab-rails.rb, and `not_listening?` in
 *   package/libraries); the registry migrates only with its metadata database on
 *   (`should_run_migrations?` in registry/libraries), which stays off here; PgBouncer users are
 *   created only beside a local PostgreSQL (pgbouncer/recipes/user.rb, `create_pgbouncer_user?`);
 *   Geo's recipes run only on a Geo secondary (gitlab-ee/recipes/default.rb). Puma and Sidekiq start
 *   and connect on their own; the readiness check at the end of the boot is what needs the database.
 *   gitlab.rb names the database by its stable name in the private zone, known before RDS creates
 *   it (src/plan/data-endpoints.ts), so the node reconfigures and shares the secrets while RDS is
 *   being created, and waits for the database (`data_endpoints bootstrap`) only before `bootstrap`
 *   (under the deploy lock) and the migrations; Redis, named by ElastiCache's endpoint, is waited
 *   for before the reconfigure (`data_endpoints configure`), and a node that does not migrate
 *   waits for the database before its readiness check (`data_endpoints start`).
 * - Migrations: GitLab's multi-node upgrade procedure runs migrations on one deploy node only, with
 *   `gitlab_rails['auto_migrate'] = false` and skip-auto-reconfigure everywhere else, and explains
 *   that Rails' own migration lock makes a second concurrent run fail rather than wait
 *   (skratsch-solutions/gitlabhq d08a1508d191015791d908b4d42036623e6603ae, doc/update/zero_downtime.md,
 *   "Upgrade GitLab application (Rails) nodes"). Rails nodes are interchangeable members of an auto
 *   scaling group, so no instance can be named the deploy node in advance. Instead every node keeps
 *   `auto_migrate` off, and nodes that may migrate take a PostgreSQL session advisory lock in a
 *   database of its own on GitLab's instance (gitlab-aws-locked): the first to get it runs `gitlab-rake gitlab:db:configure`
 *   (which loads the schema and seeds a new database) with post-deployment migrations skipped (the
 *   upgrade command runs them once every node is upgraded) and records the package version; the
 *   others wait for the lock, find the version recorded and skip. One node migrates per version,
 *   never two at a time, and a node that dies releases the lock with its session.
 * - Fast SSH key lookup: OpenSSH asks GitLab Shell for the key (`AuthorizedKeysCommand`), since the
 *   web nodes share no authorized_keys file (pavankalisetti009/gitlab
 *   7a77d3e0752080d777d9533cd93f249891cf178b, doc/administration/operations/fast_ssh_key_lookup.md).
 *   Writing the file is then turned off in the application settings, as that page advises.
 * - Incremental job logging: the `ci_enable_live_trace` feature flag (3k page, "Enable incremental
 *   logging", and doc/administration/cicd/job_logs.md).
 * - Signalling: `aws cloudformation signal-resource` with SUCCESS once GitLab runs (and, on web
 *   nodes, answers its readiness check), FAILURE from the error trap, so a broken node fails the
 *   deploy.
 */

import { readFileSync } from 'node:fs';
import { SCRIPT_WAIT_SECONDS_VARIABLE, SCRIPT_WAIT_VARIABLES } from '../plan/boot-order.js';
import { FIRST_BOOT_SECRET_PLACEHOLDER, FIRST_BOOT_SECRET_VERSION, NODE_BOOT } from '../plan/contracts.js';
import { MAINTENANCE_DATABASE } from './database-bootstrap.js';
import { NODE_FACTS_DIR, SECRETS_DIR } from './ruby.js';

/** Where the boot scripts are installed. */
export const BOOT_SCRIPT_PATH = '/usr/local/sbin/gitlab-aws-boot';
export const LOCK_SCRIPT_PATH = '/usr/local/sbin/gitlab-aws-locked';
/** The settings file the boot script sources. */
export const BOOT_ENV_PATH = '/etc/gitlab-aws/boot.env';
/** The advisory lock key gitlab-aws-locked takes (any fixed number no other program uses). */
export const DEPLOY_LOCK_KEY = 4707410;
/**
 * The database on GitLab's RDS instance that holds the deploy lock and its records (which package
 * versions are migrated). Its own, so that GitLab's database holds only what GitLab creates: its
 * backups, restores and schema checks never meet a stranger's schema.
 */
export const DEPLOY_LOCK_DATABASE = 'gitlab_aws_deploy';

/** The shell files in `scripts/` this module reads, by the program each one becomes. */
export const SCRIPT_FILES = {
  boot: 'boot-node.sh',
  lock: 'run-under-deploy-lock.sh',
} as const;

/** A shell single-quoted word. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * A script file with `NAME='value'` assignments right below its shebang. The file itself never
 * holds these values, so TypeScript stays their one definition; the script checks they are set.
 */
export function withHeader(script: string, values: Readonly<Record<string, string | number>>): string {
  const newline = script.indexOf('\n');
  if (!script.startsWith('#!') || newline < 0)
    throw new Error('a boot script must start with a shebang line');
  const assignments = Object.entries(values).map(([name, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${name}`);
    return `${name}=${shellQuote(String(value))}\n`;
  });
  return `${script.slice(0, newline + 1)}# Rendered by gitlab-aws from its TypeScript definitions.\n${assignments.join('')}${script.slice(newline + 1)}`;
}

/** The text of a file in `scripts/`, found next to this module (src under tests, dist when built). */
export function readScript(file: string): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');
}

/**
 * The names of what the boot script waits for, and how long it waits, from the Plan's boot order:
 * the script's `wait_for_artifact` calls name them by these variables only.
 */
export const ARTIFACT_HEADER: Readonly<Record<string, string | number>> = {
  ...Object.fromEntries(Object.entries(SCRIPT_WAIT_VARIABLES).map(([kind, variable]) => [variable, kind])),
  [SCRIPT_WAIT_SECONDS_VARIABLE]: NODE_BOOT.timeoutSeconds,
};

/** Installed as /usr/local/sbin/gitlab-aws-boot. */
export const BOOT_SCRIPT = withHeader(readScript(SCRIPT_FILES.boot), {
  ENV_FILE: BOOT_ENV_PATH,
  SECRETS_DIR,
  FACTS_DIR: NODE_FACTS_DIR,
  SELF: BOOT_SCRIPT_PATH,
  LOCKED: LOCK_SCRIPT_PATH,
  FIRST_BOOT_PLACEHOLDER: FIRST_BOOT_SECRET_PLACEHOLDER,
  FIRST_BOOT_VERSION: FIRST_BOOT_SECRET_VERSION,
  ...ARTIFACT_HEADER,
});

/** Installed as /usr/local/sbin/gitlab-aws-locked. */
export const LOCK_SCRIPT = withHeader(readScript(SCRIPT_FILES.lock), {
  LOCK_KEY: DEPLOY_LOCK_KEY,
  LOCK_DATABASE: DEPLOY_LOCK_DATABASE,
  MAINTENANCE_DATABASE,
});
