/**
 * The gitlab-backup script, run for real with GitLab's and AWS's commands stubbed: on demand with the
 * CLI's id, and as the schedule runs it (the id made on the node, the outcome put as a metric). Each
 * run is started the way SSM starts it (a file executed from dash, the shebang choosing bash) and
 * sourced by bash; shellcheck reads the file and the rendered lines.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKUP_SECRETS_SUFFIX,
  backupsBucketName,
  createBackupCommands,
  GITLAB_VERSION_FILE,
  objectStorageSkipList,
  readBackupScript,
} from '../../src/config/backup.js';
import { withoutComments } from '../../src/config/user-data.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { runRemoteScript, type ScriptLauncher, type ScriptRun } from '../lifecycle/remote-script-trace.js';
import { repoRoot, requireTool, sh, writeDistinct } from './support.js';

const ACCOUNT = '123456789012';
const LAUNCHERS: readonly ScriptLauncher[] = ['dash-exec', 'bash-source'];
/** Where the test keeps the installed version: a path the trace sandboxes. */
const VERSION_FILE_ON_TEST_NODE = '/var/opt/gitlab/VERSION';

let cluster: Plan;
let single: Plan;
beforeAll(() => {
  cluster = planFor({ architecture: { size: '3k' } });
  single = planFor({ architecture: { size: '1k' } });
});

/** The scheduled lines, reading the installed version where the sandbox keeps it. */
function scheduled(plan: Plan): string[] {
  return createBackupCommands(plan, { account: ACCOUNT, reportsOutcome: true }).map((line) =>
    line.replace(`'${GITLAB_VERSION_FILE}'`, `'${VERSION_FILE_ON_TEST_NODE}'`),
  );
}

function bucketUrl(plan: Plan): string {
  return `s3://${backupsBucketName(plan, ACCOUNT)}/gitlab-backup/`;
}

describe.each(LAUNCHERS)('the backup script started by %s', (launcher) => {
  it('on demand: backs up under the given id, saves the archive and the secrets beside it, and puts no metric', () => {
    const run = runRemoteScript(
      createBackupCommands(cluster, { account: ACCOUNT, backupId: 'b1', reportsOutcome: false }),
      {},
      {},
      launcher,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.trace).toEqual([
      `gitlab-backup create BACKUP=b1 SKIP=${[...objectStorageSkipList(cluster), 'remote'].join(',')} REPOSITORIES_SERVER_SIDE=true`,
      `aws s3 cp --only-show-errors /var/opt/gitlab/backups/b1_gitlab_backup.tar ${bucketUrl(cluster)}b1_gitlab_backup.tar`,
      'rm -f /var/opt/gitlab/backups/b1_gitlab_backup.tar',
      `aws s3 cp --only-show-errors /etc/gitlab/gitlab-secrets.json ${bucketUrl(cluster)}b1_gitlab-secrets.json`,
    ]);
  });

  it('on the schedule: makes a GitLab-format id on the node, saves both files under it, then reports success', () => {
    const before = Math.floor(Date.now() / 1000);
    const run = runRemoteScript(
      scheduled(single),
      { [VERSION_FILE_ON_TEST_NODE]: '19.3.0-ee\n' },
      {},
      launcher,
    );
    expect(run.status, run.stderr).toBe(0);
    const create = run.trace[0]!.match(
      /^gitlab-backup create BACKUP=(\S+) SKIP=\S+ REPOSITORIES_SERVER_SIDE=false$/,
    );
    expect(create, run.trace[0]).not.toBeNull();
    const id = create![1]!;
    const [epoch, year, month, day, version] = id.split('_');
    expect(Number(epoch)).toBeGreaterThanOrEqual(before);
    expect(Number(epoch)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(`${year}-${month}-${day}`).toBe(new Date(Number(epoch) * 1000).toISOString().slice(0, 10));
    expect(version).toBe('19.3.0-ee');
    expect(run.trace.slice(1)).toEqual([
      `aws s3 cp --only-show-errors /var/opt/gitlab/backups/${id}_gitlab_backup.tar ${bucketUrl(single)}${id}_gitlab_backup.tar`,
      `rm -f /var/opt/gitlab/backups/${id}_gitlab_backup.tar`,
      `aws s3 cp --only-show-errors /etc/gitlab/gitlab-secrets.json ${bucketUrl(single)}${id}${BACKUP_SECRETS_SUFFIX}`,
      `aws cloudwatch put-metric-data --namespace gitlab-aws/${single.spec.name} --metric-name ScheduledBackupFailed --unit Count --value 0`,
    ]);
  });

  it('on the schedule: a run that fails stops there, keeps its status and reports the failure', () => {
    // No version file: the id cannot be made, so nothing is backed up or uploaded.
    const run: ScriptRun = runRemoteScript(scheduled(single), {}, {}, launcher);
    expect(run.status).not.toBe(0);
    expect(run.trace).toEqual([
      `aws cloudwatch put-metric-data --namespace gitlab-aws/${single.spec.name} --metric-name ScheduledBackupFailed --unit Count --value 1`,
    ]);
  });
});

describe('what the script is given', () => {
  it("skips what the Plan keeps in object storage, by the backup command's component names", () => {
    // Components of doc/administration/backup_restore/backup_gitlab.md ("Excluding specific data from
    // the backup"); dependency_proxy has none, and the backups bucket is where the archive goes.
    expect(objectStorageSkipList(cluster)).toEqual([
      'artifacts',
      'external_diffs',
      'lfs',
      'uploads',
      'packages',
      'terraform_state',
      'ci_secure_files',
      'registry',
    ]);
  });

  it('names the backups bucket in the given account, and refuses a Plan without one', () => {
    const buckets = cluster.services.flatMap((service) => (service.kind === 's3' ? service.buckets : []));
    const backups = buckets.find((bucket) => bucket.purpose === 'backups')!;
    expect(buckets.indexOf(backups)).toBeGreaterThan(0);
    expect(backupsBucketName(cluster, ACCOUNT)).toBe(nameInAccount(backups.bucketName, ACCOUNT));
    const without = {
      ...cluster,
      services: cluster.services.map((service) =>
        service.kind === 's3'
          ? { ...service, buckets: buckets.filter((bucket) => bucket !== backups) }
          : service,
      ),
    };
    expect(() => backupsBucketName(without, ACCOUNT)).toThrow('the plan has no backups bucket');
  });

  it('sends lines of code only: no comments, no blank lines', () => {
    const commands = createBackupCommands(cluster, {
      account: ACCOUNT,
      backupId: 'b1',
      reportsOutcome: false,
    });
    for (const line of commands.slice(1)) {
      expect(line.trim(), line).not.toBe('');
      expect(line.trim().startsWith('#'), line).toBe(false);
    }
    expect(readBackupScript()).toMatch(/\n\n/);
  });
});

describe('the backup script file', () => {
  it('holds no Plan values in its code: those come from the rendered header', () => {
    const code = withoutComments(readBackupScript());
    for (const value of [cluster.spec.name, 's3://', '_gitlab_backup.tar', 'gitlab-secrets.json', ACCOUNT]) {
      expect(code).not.toContain(value);
    }
    expect(readBackupScript()).toBe(
      readFileSync(resolve(repoRoot, 'src/config/backup/scripts/create-backup.sh'), 'utf8'),
    );
  });
});

describe.runIf(requireTool('shellcheck'))('shellcheck on the backup script', () => {
  it('passes the file and every rendering of it, each starting with the bash shebang', () => {
    const lists = [
      createBackupCommands(cluster, { account: ACCOUNT, backupId: 'b1', reportsOutcome: false }),
      createBackupCommands(single, { account: ACCOUNT, reportsOutcome: true }),
    ];
    for (const commands of lists) expect(commands[0]).toBe('#!/usr/bin/env bash');
    const files = writeDistinct(
      'backup',
      lists.map((commands, index) => ({ label: `backup-${index}`, content: `${commands.join('\n')}\n` })),
      '.sh',
    );
    const result = sh(
      `shellcheck ${resolve(repoRoot, 'src/config/backup/scripts/create-backup.sh')} ${files.map((file) => file.path).join(' ')}`,
    );
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
