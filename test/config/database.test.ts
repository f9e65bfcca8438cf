/**
 * The database bootstrap and the deploy lock, run for real against a throwaway PostgreSQL server
 * (Debian's postgresql package): a cluster in a temp directory, listening only on a unix socket
 * there, started as the postgres user when the tests run as root, stopped afterwards.
 *
 * The server mimics GitLab's RDS instance where it matters:
 * - it runs with the Plan's parameter group values (RDS-only `rds.*` parameters aside), given to
 *   the server at start, so PostgreSQL itself checks each name and value in RDS's units;
 * - the bootstrap and the lock run as the "master" user with password authentication. RDS's master
 *   belongs to `rds_superuser`, which may create every extension on RDS's list, `amcheck` included;
 *   on a plain server only a superuser may create `amcheck`, so the master here is one.
 * Then GitLab's database must hold nothing but the extensions' objects: no schema, table, sequence,
 * view or function of ours.
 */
import { chmodSync, chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_REQUIRED_SETTINGS } from '../../src/catalog/gitlab-requirements.js';
import { DEPLOY_LOCK_DATABASE } from '../../src/config/boot-script.js';
import { databaseBootstrap, LOCK_SCRIPT, REQUIRED_EXTENSIONS } from '../../src/config/index.js';
import { servicesOf } from '../../src/plan/query.js';
import type { Plan, RdsService } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { requireTool, run, sh, tempDir } from './support.js';

const BIN = '/usr/lib/postgresql/15/bin';
const PSQL = `${BIN}/psql`;
const hasPostgres = requireTool(`${BIN}/initdb`);
const MASTER = { user: 'gitlab', password: 'master-Pw-1' };
const GITLAB_DATABASE = 'gitlabhq_production';

function gitlabDatabase(plan: Plan): RdsService {
  return servicesOf(plan, 'rds').find((service) => service.role === 'postgres')!;
}

/** The Plan's parameters PostgreSQL itself knows (RDS adds its own `rds.*` ones). */
function serverSettings(parameters: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(parameters).filter(([name]) => !name.startsWith('rds.'));
}

/** Objects in a database that no extension owns, outside PostgreSQL's own schemas. */
const FOREIGN_OBJECTS = `
  SELECT 'schema ' || nspname FROM pg_namespace n
   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'public')
     AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'relation ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  ORDER BY 1`;

describe.runIf(hasPostgres)('against a local PostgreSQL with the RDS parameters', () => {
  const dir = tempDir('postgres');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const plan = planFor({ architecture: { size: '10k' } });
  /** Runs a server binary as the postgres user when we are root (PostgreSQL refuses to run as root). */
  const server = (args: string) => {
    const command = asRoot ? `runuser -u postgres -- ${args}` : args;
    const result = sh(command);
    if (result.status !== 0) throw new Error(`${args} failed: ${result.stderr}${result.stdout}`);
  };

  function psql(
    sql: string,
    options: { user: string; password: string; database: string; file?: boolean } = {
      ...MASTER,
      database: GITLAB_DATABASE,
    },
  ) {
    const env = {
      ...process.env,
      PGHOST: dir,
      PGUSER: options.user,
      PGPASSWORD: options.password,
      PGDATABASE: options.database,
    };
    return run(
      PSQL,
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...(options.file ? ['-f', sql] : ['-c', sql])],
      env,
    );
  }
  const rows = (sql: string, database = GITLAB_DATABASE) =>
    psql(sql, { ...MASTER, database })
      .split('\n')
      .filter((line) => line !== '');

  beforeAll(() => {
    chmodSync(dir, 0o755);
    if (asRoot)
      chownSync(
        dir,
        Number(run('id', ['-u', 'postgres']).trim()),
        Number(run('id', ['-g', 'postgres']).trim()),
      );
    const pwfile = join(dir, 'superuser-password');
    writeFileSync(pwfile, 'super-Pw-1\n');
    if (asRoot) chownSync(pwfile, Number(run('id', ['-u', 'postgres']).trim()), 0);
    server(
      `${BIN}/initdb -D ${data} -U postgres --auth=scram-sha-256 --pwfile=${pwfile} -E UTF8 --no-locale`,
    );
    // The primary's and the replicas' parameter groups: the server refuses to start on an unknown
    // name or a value it cannot read.
    const database = gitlabDatabase(plan);
    const settings = serverSettings({ ...database.parameters, ...database.replicaParameters })
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' ');
    server(
      `${BIN}/pg_ctl -D ${data} -l ${join(dir, 'server.log')} -w -o "-k ${dir} -c listen_addresses='' ${settings}" start`,
    );
    const superuser = { user: 'postgres', password: 'super-Pw-1', database: 'postgres' };
    psql(`CREATE ROLE ${MASTER.user} WITH LOGIN SUPERUSER PASSWORD '${MASTER.password}'`, superuser);
    // RDS creates the instance's database, owned by the master user.
    psql(`CREATE DATABASE ${GITLAB_DATABASE} OWNER ${MASTER.user}`, superuser);
  }, 60_000);

  afterAll(() => {
    if (existsSync(join(data, 'postmaster.pid'))) server(`${BIN}/pg_ctl -D ${data} -m fast -w stop`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs every bootstrap step the way the boot script does (one psql -f per step, as the master). */
  function bootstrap(of: Plan) {
    for (const step of databaseBootstrap(of)) {
      const file = join(dir, `bootstrap-${step.name}.sql`);
      writeFileSync(file, `${step.sql}\n`);
      expect(step.as).toBe('master');
      psql(file, { ...MASTER, database: step.database, file: true });
    }
  }

  it('runs with the statement timeout and work_mem GitLab requires, as the Plan sets them', () => {
    const settings = Object.fromEntries(serverSettings(gitlabDatabase(plan).parameters));
    expect(Object.keys(settings).sort()).toEqual(['statement_timeout', 'work_mem']);
    // RDS's units are PostgreSQL's base units: milliseconds and kB.
    const timeoutMs = Number(rows("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")[0]);
    const workMemKb = Number(rows("SELECT setting FROM pg_settings WHERE name = 'work_mem'")[0]);
    expect(
      rows("SELECT unit FROM pg_settings WHERE name IN ('statement_timeout', 'work_mem') ORDER BY name"),
    ).toEqual(['ms', 'kB']);
    expect(timeoutMs).toBeGreaterThanOrEqual(POSTGRES_REQUIRED_SETTINGS.statementTimeoutMs.min);
    expect(timeoutMs).toBeLessThanOrEqual(POSTGRES_REQUIRED_SETTINGS.statementTimeoutMs.max);
    expect(workMemKb).toBeGreaterThanOrEqual(8 * 1024);
    expect(rows('SHOW work_mem')).toEqual(['8MB']);
    expect(rows('SHOW hot_standby_feedback')).toEqual(['on']);
  });

  it('creates the extensions GitLab requires, amcheck included; twice is harmless', () => {
    bootstrap(plan);
    bootstrap(plan);
    const extensions = rows('SELECT extname FROM pg_extension ORDER BY extname');
    expect(extensions).toEqual(expect.arrayContaining(['amcheck', 'btree_gist', 'pg_trgm', 'plpgsql']));
    expect(REQUIRED_EXTENSIONS).toEqual(expect.arrayContaining(['amcheck', 'btree_gist', 'pg_trgm']));
    // amcheck works: it verifies a B-tree index of the catalog.
    expect(rows("SELECT 'checked' FROM bt_index_check('pg_class_oid_index'::regclass)")).toEqual(['checked']);
  });

  it("leaves nothing of its own in GitLab's database", () => {
    bootstrap(plan);
    expect(rows(FOREIGN_OBJECTS)).toEqual([]);
    // The check sees what it must: a schema or a table of ours would be listed.
    psql('CREATE SCHEMA probe; CREATE TABLE probe.t (id int);');
    expect(rows(FOREIGN_OBJECTS)).toEqual(['relation probe.t', 'schema probe']);
    psql('DROP SCHEMA probe CASCADE');
  });

  it('has no Praefect steps: Praefect owns the database of its own instance', () => {
    const cluster = planFor({ architecture: { size: '3k' } });
    expect(databaseBootstrap(cluster).map((step) => [step.name, step.database])).toEqual([
      ['extensions', GITLAB_DATABASE],
    ]);
    const praefect = servicesOf(cluster, 'rds').find((service) => service.role === 'praefect-postgres')!;
    expect(praefect.databases).toEqual([
      { name: 'praefect_production', role: 'praefect-postgres', user: 'praefect' },
    ]);
    expect(databaseBootstrap(planFor({ architecture: { size: '2k' } }))).toEqual(databaseBootstrap(cluster));
    // One statement a line, each extension checked before it is created.
    expect(databaseBootstrap(cluster)[0]!.sql.split('\n')).toEqual(
      REQUIRED_EXTENSIONS.map((extension) => `CREATE EXTENSION IF NOT EXISTS ${extension};`),
    );
    const withoutGitLab: Plan = {
      ...cluster,
      services: cluster.services.filter((service) => service.kind !== 'rds' || service.role !== 'postgres'),
    };
    expect(() => databaseBootstrap(withoutGitLab)).toThrow('the Plan has no GitLab database');
  });

  describe('the deploy lock', () => {
    const lock = join(dir, 'gitlab-aws-locked');
    const program = join(dir, 'fake-migrate');
    const trace = join(dir, 'trace');
    const env = () =>
      `PSQL=${PSQL} PGHOST=${dir} PGUSER=${MASTER.user} PGPASSWORD=${MASTER.password} PGDATABASE=${GITLAB_DATABASE}`;
    const completed = (marker: string) =>
      rows(`SELECT count(*) FROM completed WHERE marker = '${marker}'`, DEPLOY_LOCK_DATABASE)[0];

    beforeAll(() => {
      writeFileSync(lock, LOCK_SCRIPT, { mode: 0o755 });
      writeFileSync(
        program,
        [
          '#!/bin/bash',
          `echo "start $1 $(date +%s%N) $PGDATABASE" >>${trace}`,
          'sleep "${SLEEP:-0.5}"',
          `echo "end $1 $(date +%s%N)" >>${trace}`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    });

    const events = () =>
      readFileSync(trace, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' '));

    it('runs a --once program on exactly one of several nodes booting together, its database created once', () => {
      expect(rows(`SELECT count(*) FROM pg_database WHERE datname = '${DEPLOY_LOCK_DATABASE}'`)).toEqual([
        '0',
      ]);
      writeFileSync(trace, '');
      const result = sh(
        `for node in a b c d; do ${env()} ${lock} --once migrations-19.3.0-ee.0 ${program} "$node" & done; wait`,
      );
      expect(result.status, result.stderr).toBe(0);
      const starts = events().filter(([kind]) => kind === 'start');
      expect(starts).toHaveLength(1);
      // The program runs with the caller's connection settings, not the lock's database.
      expect(starts[0]![3]).toBe(GITLAB_DATABASE);
      expect(completed('migrations-19.3.0-ee.0')).toBe('1');
      // A new package version migrates again, once.
      writeFileSync(trace, '');
      sh(
        `for node in a b; do ${env()} ${lock} --once migrations-19.4.0-ee.0 ${program} "$node" & done; wait`,
      );
      expect(events().filter(([kind]) => kind === 'start')).toHaveLength(1);
    });

    it("keeps its lock and records out of GitLab's database", () => {
      expect(rows(FOREIGN_OBJECTS)).toEqual([]);
      expect(rows(FOREIGN_OBJECTS, DEPLOY_LOCK_DATABASE)).toEqual([
        'relation public.completed',
        'relation public.completed_pkey',
      ]);
    });

    it('never lets two nodes run at the same time', () => {
      writeFileSync(trace, '');
      const result = sh(`for node in a b c; do ${env()} ${lock} ${program} "$node" & done; wait`);
      expect(result.status, result.stderr).toBe(0);
      const list = events();
      expect(list).toHaveLength(6);
      // Strictly alternating start/end of the same node: no overlap.
      for (let index = 0; index < list.length; index += 2) {
        expect(list[index]![0]).toBe('start');
        expect(list[index + 1]![0]).toBe('end');
        expect(list[index + 1]![1]).toBe(list[index]![1]);
      }
    });

    it("waits for another node's long migration longer than the server's statement timeout", () => {
      writeFileSync(trace, '');
      // The holder runs for 3 s; the waiter's statement timeout is 1 s (the Plan's is a minute,
      // migrations take longer): waiting for the lock must not count as a statement that times out.
      const result = sh(
        `SLEEP=3 ${env()} ${lock} ${program} holder & sleep 0.5; ` +
          `PGOPTIONS='-c statement_timeout=1000' SLEEP=0 ${env()} ${lock} ${program} waiter; echo "waiter $?"; wait`,
      );
      expect(result.stdout.trim(), result.stderr).toBe('waiter 0');
      expect(events().map(([kind, node]) => `${kind} ${node}`)).toEqual([
        'start holder',
        'end holder',
        'start waiter',
        'end waiter',
      ]);
    });

    it('passes a failure on and records nothing for it', () => {
      const result = sh(`${env()} ${lock} --once failing-marker /bin/false`);
      expect(result.status).toBe(1);
      expect(completed('failing-marker')).toBe('0');
      expect(sh(`${env()} ${lock} '/bin/rm -rf' /`).status).toBe(2);
    });
  });
});
