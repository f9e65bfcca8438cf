/**
 * `gitlab-aws restore` against fakes that fail the way AWS does: the auto scaling groups held still
 * around the whole restore, every member stopped, the backup's gitlab-secrets.json put back where
 * it is read, pre-flight refusals that change nothing, and failures that leave the groups suspended
 * and say what state GitLab is in.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  executeRestore,
  parseBackupId,
  planRestore,
  type RestoreStep,
  restoreNodeFacts,
  restoreNodeProblem,
  restoreOutline,
} from '../../src/lifecycle/backup.js';
import type { NodeDirectory, RemoteCommand } from '../../src/lifecycle/fleet.js';
import { RESTORE_SUSPENDED_PROCESSES } from '../../src/lifecycle/scaling-processes.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { type Answer, FakeScalingProcesses, runOnNode, ScriptedRunner } from './restore-fakes.js';

const ACCOUNT = '123456789012';
const ID = '1744941600_2025_04_18_19.3.0-ee';
const BUCKET = `gl-gitlab-test-backups-${ACCOUNT}-us-west-2`;
const ARCHIVE_KEY = `gitlab-backup/${ID}_gitlab_backup.tar`;
const SECRETS_KEY = `gitlab-backup/${ID}_gitlab-secrets.json`;
const SECRETS = '{"gitlab_rails":{"db_key_base":"from-the-backup"}}';
const GiB = 1024 ** 3;

const s3 = mockClient(S3Client);
const secretsManager = mockClient(SecretsManagerClient);

/** The bucket as S3 answers: HeadObject 404s (error name NotFound) for keys that are not there. */
function bucketHolds(objects: Record<string, { size: number; body?: string }>) {
  s3.on(HeadObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const object = input.Bucket === BUCKET ? objects[input.Key] : undefined;
    if (!object) return Promise.reject(Object.assign(new Error('NotFound'), { name: 'NotFound' }));
    return { ContentLength: object.size };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
    Body: { transformToString: async () => objects[input.Key]?.body ?? '' },
  }));
}

/** Pre-flight output of a node running 19.3.0-ee with `free` bytes free. */
const facts = (free: number, pkg = 'gitlab-ee 19.3.0') =>
  `gitlab-aws-fact package=${pkg}\ngitlab-aws-fact free_bytes=${free}\n`;

interface Environment {
  readonly plan: Plan;
  readonly timeline: string[];
  readonly scaling: FakeScalingProcesses;
  readonly runner: ScriptedRunner;
  readonly log: string[];
  readonly run: (steps?: readonly RestoreStep[], keepCurrentSecrets?: boolean) => Promise<void>;
}

/**
 * A 3k environment: groups gitlab-test-rails and gitlab-test-sidekiq with the members given (rails:
 * an InService node and one in Standby by default), Gitaly and Praefect nodes found by tag.
 */
function environment(
  options: {
    readonly plan?: Plan;
    readonly members?: Record<string, { instanceId: string; lifecycleState: string }[]>;
    readonly answer?: (request: RemoteCommand) => Answer;
  } = {},
): Environment {
  const plan = options.plan ?? planFor();
  const timeline: string[] = [];
  const scaling = new FakeScalingProcesses(
    options.members ?? {
      'gitlab-test-rails': [
        { instanceId: 'i-rails-a', lifecycleState: 'InService' },
        { instanceId: 'i-rails-b', lifecycleState: 'Standby' },
      ],
      'gitlab-test-sidekiq': [{ instanceId: 'i-sidekiq-a', lifecycleState: 'InService' }],
    },
    timeline,
  );
  const directory: NodeDirectory = {
    instanceOf: async (nodeId) => `i-${nodeId}`,
    groupNameOf: async (groupId) => `gitlab-test-${groupId}`,
    // Healthy members only, as TaggedNodeDirectory answers: the restore must not rely on it.
    instancesOf: async () => {
      throw new Error('the restore lists members through the scaling seam');
    },
  };
  const runner = new ScriptedRunner(
    timeline,
    options.answer ??
      ((request) =>
        request.comment.startsWith('Check the GitLab version') ? { output: facts(50 * GiB) } : {}),
  );
  const log: string[] = [];
  return {
    plan,
    timeline,
    scaling,
    runner,
    log,
    run: (steps, keepCurrentSecrets = false) =>
      executeRestore(plan, steps ?? planRestore(plan, ID, ACCOUNT, { keepCurrentSecrets }), {
        backupId: ID,
        account: ACCOUNT,
        keepCurrentSecrets,
        directory,
        runner,
        scaling,
        s3: new S3Client({}),
        secretsManager: new SecretsManagerClient({}),
        log: (line) => log.push(line),
      }),
  };
}

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).message;
};

beforeEach(() => {
  s3.reset();
  secretsManager.reset();
  bucketHolds({ [ARCHIVE_KEY]: { size: 10 * GiB }, [SECRETS_KEY]: { size: SECRETS.length, body: SECRETS } });
  secretsManager.on(PutSecretValueCommand).resolves({ VersionId: 'v-restored' });
});

describe('restore holds the Rails and Sidekiq groups still', () => {
  it('suspends every group before stopping anything, stops every running member, and resumes only after the checks pass', async () => {
    const env = environment();
    await env.run();
    const first = (prefix: string) => env.timeline.findIndex((entry) => entry.startsWith(prefix));
    const last = (prefix: string) => env.timeline.findLastIndex((entry) => entry.startsWith(prefix));
    const stops = env.timeline.filter((entry) => entry.includes('Stop Puma and Sidekiq'));
    // Every member of every group, the one in Standby too (it still runs Puma), not only healthy ones.
    expect(stops).toEqual([
      'run i-rails-a: Stop Puma and Sidekiq on every Rails and Sidekiq node (they hold database connections)',
      'run i-rails-b: Stop Puma and Sidekiq on every Rails and Sidekiq node (they hold database connections)',
      'run i-sidekiq-a: Stop Puma and Sidekiq on every Rails and Sidekiq node (they hold database connections)',
    ]);
    expect(last('suspend')).toBeLessThan(first('run'));
    expect(first('resume')).toBeGreaterThan(
      env.timeline.indexOf('run i-rails-a: Check GitLab and that the secrets decrypt the restored data'),
    );
    expect(env.timeline.filter((entry) => /^(suspend|resume)/.test(entry))).toEqual([
      'suspend gitlab-test-rails',
      'suspend gitlab-test-sidekiq',
      'resume gitlab-test-rails',
      'resume gitlab-test-sidekiq',
    ]);
    expect(env.scaling.suspended.size).toBe(0);
  });

  it('suspends exactly the processes that replace, launch, terminate or rescale members, and keeps AddToLoadBalancer', () => {
    expect([...RESTORE_SUSPENDED_PROCESSES].sort()).toEqual(
      [
        'AZRebalance',
        'AlarmNotification',
        'HealthCheck',
        'InstanceRefresh',
        'Launch',
        'ReplaceUnhealthy',
        'ScheduledActions',
        'Terminate',
      ].sort(),
    );
  });

  it('leaves the groups suspended when the restore fails, and says what state GitLab is in and how to resume', async () => {
    const env = environment({
      answer: (request) =>
        request.comment.startsWith('Check the GitLab version')
          ? { output: facts(50 * GiB) }
          : request.comment.startsWith('Restore ')
            ? { status: 'TimedOut', output: 'Restoring database ...' }
            : {},
    });
    const message = await failure(env.run());
    expect(env.timeline.some((entry) => entry.startsWith('resume'))).toBe(false);
    expect([...env.scaling.suspended.keys()]).toEqual(['gitlab-test-rails', 'gitlab-test-sidekiq']);
    expect(env.timeline.some((entry) => entry.includes('Reconfigure and start'))).toBe(false);
    expect(message).toContain(`restore of ${ID} stopped at "Restore ${ID} on one Rails node"`);
    expect(message).toContain('TimedOut');
    expect(message).toContain('State: Puma and Sidekiq are stopped; the database may be half restored');
    expect(message).toContain(`Recover: Fix the cause and run \`gitlab-aws restore ${ID}\` again`);
    for (const group of ['gitlab-test-rails', 'gitlab-test-sidekiq']) {
      expect(message).toContain(
        `  aws autoscaling resume-processes --region us-west-2 --auto-scaling-group-name ${group} --scaling-processes ${RESTORE_SUSPENDED_PROCESSES.join(' ')}`,
      );
    }
  });

  it('leaves them suspended when the checks fail after GitLab started again', async () => {
    const env = environment({
      answer: (request) =>
        request.comment.startsWith('Check the GitLab version')
          ? { output: facts(50 * GiB) }
          : request.comment.startsWith('Check GitLab')
            ? { status: 'Failed', output: 'gitlab:doctor:secrets: 12 failures' }
            : {},
    });
    const message = await failure(env.run());
    expect(env.scaling.suspended.size).toBe(2);
    expect(message).toContain(`State: ${ID} is restored and GitLab runs, but its checks failed.`);
  });

  it('refuses while a member is still booting or leaving, resumes the groups and stops nothing', async () => {
    const env = environment({
      members: {
        'gitlab-test-rails': [
          { instanceId: 'i-rails-a', lifecycleState: 'InService' },
          { instanceId: 'i-rails-new', lifecycleState: 'Pending:Wait' },
        ],
        'gitlab-test-sidekiq': [{ instanceId: 'i-sidekiq-a', lifecycleState: 'Terminating' }],
      },
    });
    const message = await failure(env.run());
    expect(message).toContain('gitlab-test-rails is still changing (i-rails-new Pending:Wait)');
    expect(message).toContain('Nothing was changed (the groups run as before).');
    expect(env.runner.commands).toEqual([]);
    expect(env.scaling.suspended.size).toBe(0);
  });

  it('says how to resume when resuming itself fails after a refusal', async () => {
    const env = environment({ answer: () => ({ output: facts(1) }) });
    env.scaling.failures.set('resume gitlab-test-sidekiq', new Error('Rate exceeded'));
    const message = await failure(env.run());
    expect(message).toContain('resuming failed:\nRate exceeded');
    expect(message).toContain('--auto-scaling-group-name gitlab-test-sidekiq');
    expect(message).not.toContain('--auto-scaling-group-name gitlab-test-rails');
  });

  it('restores on a Rails member that is InService, never on one in Standby or a Sidekiq node', async () => {
    const env = environment({
      members: {
        'gitlab-test-rails': [
          { instanceId: 'i-rails-b', lifecycleState: 'Standby' },
          { instanceId: 'i-rails-a', lifecycleState: 'InService' },
        ],
        'gitlab-test-sidekiq': [{ instanceId: 'i-sidekiq-a', lifecycleState: 'InService' }],
      },
    });
    await env.run();
    expect(env.timeline.filter((entry) => entry.includes(`Restore ${ID}`))).toEqual([
      `run i-rails-a: Restore ${ID} on one Rails node`,
    ]);
  });
});

describe("restore puts the backup's gitlab-secrets.json back", () => {
  it('stores it in Secrets Manager and installs it on every Rails, Sidekiq, Gitaly and backup node (not Praefect) before the restore', async () => {
    const env = environment();
    await env.run();
    const put = secretsManager.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);
    expect(put).toEqual([{ SecretId: 'gitlab-test/gitlab-secrets-json', SecretString: SECRETS }]);
    const installs = env.timeline.filter((entry) => entry.includes('gitlab-secrets.json'));
    expect(installs.map((entry) => entry.split(':')[0])).toEqual([
      'run i-rails-a',
      'run i-rails-b',
      'run i-sidekiq-a',
      'run i-gitaly-1',
      'run i-gitaly-2',
      'run i-gitaly-3',
      // The backup node's next gitlab-backup dumps the restored database: it needs the same keys.
      'run i-backup-1',
    ]);
    const restore = env.timeline.findIndex((entry) => entry.includes(`Restore ${ID}`));
    expect(env.timeline.findLastIndex((entry) => entry.includes('gitlab-secrets.json'))).toBeLessThan(
      restore,
    );
    expect(env.log).toContain(
      `gitlab-test/gitlab-secrets-json holds the secrets of ${ID} (version v-restored)`,
    );
  });

  it('refuses without them before anything changes, unless --keep-current-secrets', async () => {
    bucketHolds({ [ARCHIVE_KEY]: { size: 10 * GiB } });
    const refused = environment();
    const message = await failure(refused.run());
    expect(message).toContain(`${ID} has no gitlab-secrets.json beside it (s3://${BUCKET}/${SECRETS_KEY})`);
    expect(message).toContain('cannot be read');
    expect(message).toContain('--keep-current-secrets');
    expect(refused.timeline).toEqual([]);

    const kept = environment();
    await kept.run(undefined, true);
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toEqual([]);
    expect(kept.timeline.some((entry) => entry.includes('gitlab-secrets.json'))).toBe(false);
    expect(kept.timeline.some((entry) => entry.includes(`Restore ${ID}`))).toBe(true);
  });

  it('refuses a secrets object that is not a gitlab-secrets.json (cut short, or something else)', async () => {
    bucketHolds({
      [ARCHIVE_KEY]: { size: 10 * GiB },
      [SECRETS_KEY]: { size: 20, body: '{"gitlab_rails":{"db_k' },
    });
    const env = environment();
    expect(await failure(env.run())).toContain('is not a gitlab-secrets.json');
    expect(env.timeline).toEqual([]);
  });
});

describe('restore pre-flight: nothing changes when it refuses', () => {
  it('refuses an id that is not a gitlab-backup id, before reaching AWS', async () => {
    expect(() => parseBackupId('b1')).toThrow('"b1" is not a gitlab-backup id');
    expect(() => parseBackupId(`${ID}; rm -rf /`)).toThrow(UserError);
    expect(() => parseBackupId(`x${ID}`)).toThrow(UserError);
    expect(parseBackupId(ID)).toEqual({ version: '19.3.0', edition: 'ee' });
    expect(parseBackupId('1744941600_2025_04_18_19.3.10-ee')).toEqual({ version: '19.3.10', edition: 'ee' });
    expect(parseBackupId('1744941600_2025_04_18_19.3.0')).toEqual({ version: '19.3.0', edition: 'ce' });
    expect(parseBackupId('1744941600_2025_04_18_17.11.2-ce')).toEqual({ version: '17.11.2', edition: 'ce' });
  });

  it('refuses when the archive is not in the bucket', async () => {
    bucketHolds({ [SECRETS_KEY]: { size: 10, body: SECRETS } });
    const env = environment();
    expect(await failure(env.run())).toBe(
      `no archive s3://${BUCKET}/${ARCHIVE_KEY} (see gitlab-aws backup list); nothing was changed`,
    );
    expect(env.timeline).toEqual([]);
  });

  it('says which object it could not read when S3 refuses, before anything changes', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden' }));
    const env = environment();
    expect(await failure(env.run())).toBe(
      `cannot read s3://${BUCKET}/${ARCHIVE_KEY}: Forbidden; nothing was changed`,
    );
    expect(env.timeline).toEqual([]);
  });

  it.each([
    [
      'a newer version',
      'gitlab-ee 19.2.1',
      'upgrade to 19.3.0 first (gitlab-aws upgrade --to 19.3.0), then restore',
    ],
    ['an older version', 'gitlab-ee 19.4.0', 'installs no older version on a deployed environment'],
    ['another edition', 'gitlab-ce 19.3.0', 'the editions differ'],
  ])('refuses a backup made by %s than the node runs', async (_, pkg, advice) => {
    const env = environment({ answer: () => ({ output: facts(50 * GiB, pkg) }) });
    const message = await failure(env.run());
    expect(message).toContain('restores a backup only onto the exact version and edition that made it');
    expect(message).toContain(advice);
    expect(message).toContain('Nothing was changed');
    expect(env.timeline.filter((entry) => entry.startsWith('run'))).toHaveLength(1);
    expect(env.scaling.suspended.size).toBe(0);
  });

  it('refuses when the restore node has less free space than the archive and its unpacked contents', async () => {
    const env = environment({ answer: () => ({ output: facts(20 * GiB - 1) }) });
    const message = await failure(env.run());
    expect(message).toContain(
      'i-rails-a has 20.0 GiB free in /var/opt/gitlab/backups; restoring 1744941600_2025_04_18_19.3.0-ee needs about 20.0 GiB there',
    );
    expect(env.scaling.suspended.size).toBe(0);
    const enough = environment({ answer: () => ({ output: facts(20 * GiB) }) });
    await enough.run();
  });

  it('refuses when the pre-flight output comes back cut or garbled, rather than guessing', async () => {
    const env = environment({ answer: () => ({ output: 'gitlab-aws-fact package=gitlab-ee 19.3.0\n' }) });
    expect(await failure(env.run())).toContain(
      'could not read the GitLab version and free space of i-rails-a',
    );
    expect(restoreNodeFacts('gitlab-aws-fact package=gitlab-ee 19.3.0\ngitlab-aws-fact free_bytes=12x')).toBe(
      undefined,
    );
    expect(restoreNodeFacts(facts(7, 'gitlab-ee 19.3.0'))).toEqual({
      edition: 'ee',
      version: '19.3.0',
      freeBytes: 7,
    });
    expect(restoreNodeFacts(facts(7, 'gitlab-ee 19.10.12'))?.version).toBe('19.10.12');
    // Output as Run Command may hand it back: carriage returns, a package line of something else.
    expect(restoreNodeFacts(facts(7).replaceAll('\n', '\r\n'))?.freeBytes).toBe(7);
    for (const pkg of ['gitlab-ee 19.3.0-rc1', 'not-gitlab-ee 19.3.0', '']) {
      expect(restoreNodeFacts(facts(7, pkg)), pkg).toBe(undefined);
    }
    expect(restoreNodeFacts('gitlab-aws-fact package=gitlab-ee 19.3.0\ngitlab-aws-fact free_bytes=-5')).toBe(
      undefined,
    );
    expect(restoreNodeFacts('gitlab-aws-fact package=gitlab-ee 19.3.0\n')).toBe(undefined);
  });

  it('compares versions by number, not as text', () => {
    const node = { edition: 'ee' as const, version: '19.10.0', freeBytes: 100 * GiB };
    expect(restoreNodeProblem('n', node, '1744941600_2025_04_18_19.9.0-ee', 1)).toContain(
      'installs no older version',
    );
    expect(
      restoreNodeProblem('n', { ...node, version: '19.9.0' }, '1744941600_2025_04_18_19.10.0-ee', 1),
    ).toContain('upgrade to 19.10.0 first');
  });
});

describe('restore on the 1k node', () => {
  let oneK: Plan;
  beforeAll(() => {
    oneK = planFor({ architecture: { size: '1k' } });
  });

  it('has no group to hold: every step runs on the one node, secrets included', async () => {
    const env = environment({ plan: oneK, members: {} });
    await env.run();
    expect(new Set(env.runner.commands.map((command) => command.instanceId))).toEqual(
      new Set(['i-gitlab-1']),
    );
    expect(env.timeline.some((entry) => /^(suspend|resume)/.test(entry))).toBe(false);
    expect(env.runner.commands.map((command) => command.comment)).toEqual([
      'Check the GitLab version and free disk space of gitlab-1',
      'Stop Puma and Sidekiq on gitlab-1 (they hold database connections)',
      `Put the gitlab-secrets.json of ${ID} in Secrets Manager and on gitlab-1`,
      `Restore ${ID} on gitlab-1`,
      'Reconfigure and start GitLab again on gitlab-1',
      'Check GitLab and that the secrets decrypt the restored data',
    ]);
    // The one node's repositories are in the archive: nothing was streamed by a Gitaly server.
    const restore = planRestore(oneK, ID, ACCOUNT).find((step) => step.title.startsWith(`Restore ${ID}`));
    expect(restore?.commands.join('\n')).toContain("REPOSITORIES_SERVER_SIDE='false'");
    expect(restoreOutline(oneK, planRestore(oneK, ID, ACCOUNT))[0]).toBe(
      'Check that the archive and its gitlab-secrets.json are in the backups bucket',
    );
  });

  it('says what it will do, the suspension around it included', () => {
    const plan = planFor();
    expect(restoreOutline(plan, planRestore(plan, ID, ACCOUNT, { keepCurrentSecrets: true }))).toEqual([
      'Check that the archive is in the backups bucket',
      'Suspend replacing, launching and terminating nodes of rails, sidekiq for the whole restore',
      'Check the GitLab version and free disk space of one Rails node',
      'Stop Puma and Sidekiq on every Rails and Sidekiq node (they hold database connections)',
      `Restore ${ID} on one Rails node`,
      'Reconfigure and start GitLab again on every Rails and Sidekiq node',
      'Check GitLab and that the secrets decrypt the restored data',
      'Resume rails, sidekiq once the checks pass',
    ]);
  });
});

describe.each(['dash', 'bash'] as const)(
  'the restore scripts, executed as Run Command does from %s',
  (shell) => {
    let steps: RestoreStep[];
    beforeAll(() => {
      steps = planRestore(planFor(), ID, ACCOUNT);
    });
    const step = (prefix: string) => steps.find((candidate) => candidate.title.startsWith(prefix))!;

    it('pre-flight prints the package and the free bytes the restore reads', () => {
      const run = runOnNode(shell, step('Check the GitLab version').commands, {
        files: { '/opt/gitlab/version-manifest.txt': 'gitlab-ee 19.3.0\ncomponent 1.0\n' },
        stubs: { df: 'printf "     Avail\\n 53687091200\\n"' },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(restoreNodeFacts(run.stdout)).toEqual({ edition: 'ee', version: '19.3.0', freeBytes: 50 * GiB });
      // The backups directory does not exist yet here: its parent is measured, nothing is created.
      expect(run.trace).toEqual(['df --output=avail -B1 /var/opt/gitlab']);
    });

    it('installs the secret Secrets Manager holds, and keeps the file there is when the answer is empty', () => {
      const install = step('Put the gitlab-secrets.json').commands;
      const ok = runOnNode(shell, install, {
        files: { '/etc/gitlab/gitlab-secrets.json': '{"old":true}' },
        stubs: { aws: `printf '%s\\n' '${SECRETS}'` },
      });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.files['/etc/gitlab/gitlab-secrets.json']).toBe(`${SECRETS}\n`);
      expect(ok.trace).toEqual([
        'aws secretsmanager get-secret-value --region us-west-2 --secret-id gitlab-test/gitlab-secrets-json --query SecretString --output text',
      ]);
      const empty = runOnNode(shell, install, {
        files: { '/etc/gitlab/gitlab-secrets.json': '{"old":true}' },
      });
      expect(empty.status).not.toBe(0);
      expect(empty.files['/etc/gitlab/gitlab-secrets.json']).toBe('{"old":true}');
      const gitaly = runOnNode(shell, step('Put the same gitlab-secrets.json').commands, {
        stubs: { aws: `printf '%s\\n' '${SECRETS}'` },
      });
      expect(gitaly.trace.at(-1)).toBe('gitlab-ctl reconfigure');
    });

    it('restores after reconfiguring with the secrets put back, with Puma and Sidekiq stopped again, and stops when a command fails', () => {
      const restore = step(`Restore ${ID}`).commands;
      const run = runOnNode(shell, restore);
      expect(run.status, run.stderr).toBe(0);
      expect(run.trace).toEqual([
        `aws s3 cp --only-show-errors s3://${BUCKET}/${ARCHIVE_KEY} /var/opt/gitlab/backups/${ID}_gitlab_backup.tar`,
        `chown git:git /var/opt/gitlab/backups/${ID}_gitlab_backup.tar`,
        'gitlab-ctl reconfigure',
        'gitlab-ctl stop puma',
        'gitlab-ctl stop sidekiq',
        // 3k: each Gitaly node streamed its repositories to the bucket, and fetches them back.
        `gitlab-backup restore BACKUP=${ID} force=yes REPOSITORIES_SERVER_SIDE=true`,
        'gitlab-ctl reconfigure',
      ]);
      const failed = runOnNode(shell, restore, { stubs: { 'gitlab-backup': 'exit 1' } });
      expect(failed.status).not.toBe(0);
      expect(failed.trace.at(-1)).toBe(
        `gitlab-backup restore BACKUP=${ID} force=yes REPOSITORIES_SERVER_SIDE=true`,
      );
      const stopped = runOnNode(shell, step('Stop Puma and Sidekiq').commands);
      expect(stopped.trace).toEqual(['gitlab-ctl stop puma', 'gitlab-ctl stop sidekiq', 'gitlab-ctl status']);
      const started = runOnNode(shell, step('Reconfigure and start').commands);
      expect(started.trace).toEqual(['gitlab-ctl reconfigure', 'gitlab-ctl start']);
    });
  },
);

describe('gitlab-aws restore', () => {
  it('refuses an id that is not a gitlab-backup id before it shows or asks anything', async () => {
    const { command } = await import('../../src/cli/commands/restore.js');
    let output = '';
    const error = await command
      .run({
        values: { confirm: 'gitlab-test' } as never,
        positionals: ['b1'],
        io: {
          out: (text) => (output += text),
          err: (text) => (output += text),
          cwd: '/',
          env: {},
          isTTY: false,
        },
      })
      .catch((e: unknown) => e);
    expect((error as UserError).message).toContain('"b1" is not a gitlab-backup id');
    expect((error as UserError).exitCode).toBe(2);
    expect(output).toBe('');
  });
});
