/**
 * The database bootstrap and the deploy lock, run for real against a throwaway PostgreSQL server
 * (Debian's postgresql package): a cluster in a temp directory, listening only on a unix socket
 * there, started as the postgres user when the tests run as root, stopped afterwards.
 *
 * The server mimics RDS where it matters: the bootstrap runs as a non-superuser "master" user that
 * owns GitLab's database and may create roles and databases, with password authentication.
 */
import { chmodSync, chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBootstrap, LOCK_SCRIPT, REQUIRED_EXTENSIONS } from '../../src/config/index.js';
import { planFor } from '../fixtures/plans.js';
import { requireTool, run, sh, tempDir } from './support.js';

const BIN = '/usr/lib/postgresql/15/bin';
const PSQL = `${BIN}/psql`;
const hasPostgres = requireTool(`${BIN}/initdb`);
const MASTER = { user: 'gitlab', password: 'master-Pw-1' };

describe.runIf(hasPostgres)('against a local PostgreSQL', () => {
  const dir = tempDir('postgres');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
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
      database: 'gitlabhq_production',
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
    server(
      `${BIN}/pg_ctl -D ${data} -l ${join(dir, 'server.log')} -w -o "-k ${dir} -c listen_addresses=''" start`,
    );
    const superuser = { user: 'postgres', password: 'super-Pw-1', database: 'postgres' };
    psql(
      `CREATE ROLE ${MASTER.user} WITH LOGIN CREATEDB CREATEROLE PASSWORD '${MASTER.password}'`,
      superuser,
    );
    psql(`CREATE DATABASE gitlabhq_production OWNER ${MASTER.user}`, superuser);
  }, 60_000);

  afterAll(() => {
    if (existsSync(join(data, 'postmaster.pid'))) server(`${BIN}/pg_ctl -D ${data} -m fast -w stop`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs every bootstrap step the way the boot script does (one psql -f per step, as its user). */
  function bootstrap(plan: ReturnType<typeof planFor>, praefectPassword: string) {
    const passwordFile = join(dir, 'praefect-database-password');
    writeFileSync(passwordFile, praefectPassword, { mode: 0o600 });
    for (const step of databaseBootstrap(plan, { praefectPasswordFile: passwordFile })) {
      const file = join(dir, `bootstrap-${step.name}.sql`);
      writeFileSync(file, `${step.sql}\n`);
      const who = step.as === 'master' ? MASTER : { user: 'praefect', password: praefectPassword };
      psql(file, { ...who, database: step.database, file: true });
    }
  }

  it('creates the extensions and, for a Gitaly Cluster, Praefect user and database; twice is harmless', () => {
    const plan = planFor({ architecture: { size: '3k' } });
    bootstrap(plan, 'praefect-Pw-1');
    bootstrap(plan, 'praefect-Pw-1');

    const extensions = psql('SELECT extname FROM pg_extension ORDER BY extname').trim().split('\n');
    expect(extensions).toEqual(expect.arrayContaining([...REQUIRED_EXTENSIONS]));
    expect(psql("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'praefect'").trim()).toBe('t');
    expect(
      psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'praefect_production'").trim(),
    ).toBe('praefect');
    // Praefect logs in with its password and owns its database.
    const praefect = { user: 'praefect', password: 'praefect-Pw-1', database: 'praefect_production' };
    psql('CREATE TABLE IF NOT EXISTS probe (id int); DROP TABLE probe;', praefect);
    // Nobody else may connect to it.
    expect(() => psql('SELECT 1', { ...MASTER, database: 'praefect_production' })).toThrow(
      /permission denied/,
    );
  });

  it('sets the Praefect password from the secret file on every run (rotation)', () => {
    const plan = planFor({ architecture: { size: '3k' } });
    bootstrap(plan, 'praefect-Pw-2');
    expect(
      psql('SELECT current_user', {
        user: 'praefect',
        password: 'praefect-Pw-2',
        database: 'praefect_production',
      }).trim(),
    ).toBe('praefect');
    expect(() =>
      psql('SELECT 1', { user: 'praefect', password: 'praefect-Pw-1', database: 'praefect_production' }),
    ).toThrow(/authentication failed/);
  });

  it('does only the extensions when the Plan has a single Gitaly', () => {
    const plan = planFor({ architecture: { size: '2k' } });
    expect(databaseBootstrap(plan, { praefectPasswordFile: '/x' }).map((step) => step.name)).toEqual([
      'extensions',
    ]);
    bootstrap(plan, 'unused');
  });

  describe('the deploy lock', () => {
    const lock = join(dir, 'gitlab-aws-locked');
    const program = join(dir, 'fake-migrate');
    const trace = join(dir, 'trace');
    const env = () =>
      `PSQL=${PSQL} PGHOST=${dir} PGUSER=${MASTER.user} PGPASSWORD=${MASTER.password} PGDATABASE=gitlabhq_production`;

    beforeAll(() => {
      writeFileSync(lock, LOCK_SCRIPT, { mode: 0o755 });
      writeFileSync(
        program,
        `#!/bin/bash\necho "start $1 $(date +%s%N)" >>${trace}\nsleep 0.5\necho "end $1 $(date +%s%N)" >>${trace}\n`,
        { mode: 0o755 },
      );
    });

    const events = () =>
      readFileSync(trace, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' '));

    it('runs a --once program on exactly one of several nodes booting together', () => {
      writeFileSync(trace, '');
      const result = sh(
        `for node in a b c d; do ${env()} ${lock} --once migrations-19.3.0-ee.0 ${program} "$node" & done; wait`,
      );
      expect(result.status).toBe(0);
      expect(events().filter(([kind]) => kind === 'start')).toHaveLength(1);
      expect(
        psql("SELECT count(*) FROM gitlab_aws.completed WHERE marker = 'migrations-19.3.0-ee.0'").trim(),
      ).toBe('1');
      // A new package version migrates again, once.
      writeFileSync(trace, '');
      sh(
        `for node in a b; do ${env()} ${lock} --once migrations-19.4.0-ee.0 ${program} "$node" & done; wait`,
      );
      expect(events().filter(([kind]) => kind === 'start')).toHaveLength(1);
    });

    it('never lets two nodes run at the same time', () => {
      writeFileSync(trace, '');
      expect(sh(`for node in a b c; do ${env()} ${lock} ${program} "$node" & done; wait`).status).toBe(0);
      const list = events();
      expect(list).toHaveLength(6);
      // Strictly alternating start/end of the same node: no overlap.
      for (let index = 0; index < list.length; index += 2) {
        expect(list[index]![0]).toBe('start');
        expect(list[index + 1]![0]).toBe('end');
        expect(list[index + 1]![1]).toBe(list[index]![1]);
      }
    });

    it('passes a failure on and records nothing for it', () => {
      const result = sh(`${env()} ${lock} --once failing-marker /bin/false`);
      expect(result.status).toBe(1);
      expect(psql("SELECT count(*) FROM gitlab_aws.completed WHERE marker = 'failing-marker'").trim()).toBe(
        '0',
      );
      expect(sh(`${env()} ${lock} '/bin/rm -rf' /`).status).toBe(2);
    });
  });
});
