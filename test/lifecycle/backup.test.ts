import {
  BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  backupCreateCommands,
  backupIdFor,
  backupVaultOf,
  createBackup,
  executeRestore,
  listBackups,
  objectStorageSkipList,
  planRestore,
  renderBackupList,
} from '../../src/lifecycle/backup.js';
import type { NodeDirectory, RemoteCommand, RemoteRunner } from '../../src/lifecycle/fleet.js';
import { planFor } from '../fixtures/plans.js';
import { runRemoteScript } from './remote-script-trace.js';

const plan = planFor();
/** The account the caller's credentials are in (STS), where the environment is deployed. */
const ACCOUNT = '123456789012';

/** Instances per group as the directory would find them by tag. */
const directory: NodeDirectory = {
  instanceOf: async (nodeId) => `i-${nodeId}`,
  groupNameOf: async (groupId) => `${plan.spec.name}-${groupId}`,
  instancesOf: async (groupId) => [`i-${groupId}-1`, `i-${groupId}-2`],
};

class RecordingRunner implements RemoteRunner {
  readonly commands: RemoteCommand[] = [];
  async run(request: RemoteCommand) {
    this.commands.push(request);
    return { commandId: `cmd-${this.commands.length}`, output: '' };
  }
}

describe('gitlab-backup commands', () => {
  it('skips exactly what the plan keeps in object storage', () => {
    const skip = objectStorageSkipList(plan);
    expect(skip).toContain('artifacts');
    expect(skip).toContain('lfs');
    expect(skip).toContain('registry');
    expect(skip).not.toContain('db');
    expect(skip).not.toContain('repositories');
    expect(skip).not.toContain('backups');
    expect(skip).not.toContain('dependency_proxy'); // no gitlab-backup component of that name
  });

  it('creates the archive under a GitLab-format id, uploads it to the backups bucket and removes the local copy', () => {
    const id = backupIdFor(plan, new Date('2025-04-18T02:00:00Z'));
    expect(id).toBe('1744941600_2025_04_18_19.3.0-ee');
    const run = runRemoteScript(backupCreateCommands(plan, id, ACCOUNT));
    expect(run.status, run.stderr).toBe(0);
    const commands = run.trace;
    expect(commands[0]).toMatch(
      /^gitlab-backup create BACKUP=1744941600_2025_04_18_19\.3\.0-ee SKIP=[a-z_,]+ REPOSITORIES_SERVER_SIDE=true$/,
    );
    expect(commands[1]).toBe(
      `aws s3 cp --only-show-errors /var/opt/gitlab/backups/${id}_gitlab_backup.tar s3://gl-gitlab-test-backups-${ACCOUNT}-us-west-2/gitlab-backup/${id}_gitlab_backup.tar`,
    );
    expect(commands[2]).toBe(`rm -f /var/opt/gitlab/backups/${id}_gitlab_backup.tar`);
    expect(commands[3]).toBe(
      `aws s3 cp --only-show-errors /etc/gitlab/gitlab-secrets.json s3://gl-gitlab-test-backups-${ACCOUNT}-us-west-2/gitlab-backup/${id}_gitlab-secrets.json`,
    );
    expect(commands).toHaveLength(4);
  });
});

const backup = mockClient(BackupClient);
const s3 = mockClient(S3Client);
beforeEach(() => {
  backup.reset();
  s3.reset();
});

describe('createBackup', () => {
  it('starts an AWS Backup job per resource, then runs gitlab-backup on one Rails node', async () => {
    backup
      .on(StartBackupJobCommand)
      .callsFake((input) => ({ BackupJobId: `job-${input.ResourceArn.split(':').at(-1)}` }));
    const runner = new RecordingRunner();
    const resourceArns = [
      'arn:aws:rds:us-west-2:123456789012:db:gitlab-test-postgres',
      'arn:aws:ec2:us-west-2:123456789012:volume/vol-0a1b2c3d4e5f60718',
    ];
    const created = await createBackup({
      plan,
      account: ACCOUNT,
      backupId: 'b1',
      directory,
      runner,
      backup: new BackupClient({}),
      vault: { vaultName: 'gitlab-test-vault', roleArn: 'arn:aws:iam::123456789012:role/gitlab-test-backup' },
      resourceArns,
      log: () => {},
    });
    const jobs = backup.commandCalls(StartBackupJobCommand).map((call) => call.args[0].input);
    expect(jobs.map((job) => [job.ResourceArn, job.BackupVaultName, job.IamRoleArn])).toEqual(
      resourceArns.map((arn) => [
        arn,
        'gitlab-test-vault',
        'arn:aws:iam::123456789012:role/gitlab-test-backup',
      ]),
    );
    expect(runner.commands).toHaveLength(1);
    expect(runner.commands[0]!.instanceId).toBe('i-rails-1');
    expect(runner.commands[0]!.commands).toEqual(backupCreateCommands(plan, 'b1', ACCOUNT));
    expect(created.archive).toBe(
      `s3://gl-gitlab-test-backups-${ACCOUNT}-us-west-2/gitlab-backup/b1_gitlab_backup.tar`,
    );
    expect(created.secrets).toBe(
      `s3://gl-gitlab-test-backups-${ACCOUNT}-us-west-2/gitlab-backup/b1_gitlab-secrets.json`,
    );
  });
});

describe('listBackups', () => {
  it('lists archives and recovery points newest first with age and size', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        {
          Key: 'gitlab-backup/1744941600_2025_04_18_19.3.0-ee_gitlab_backup.tar',
          Size: 5 * 1024 ** 3,
          LastModified: new Date('2025-04-18T02:05:00Z'),
        },
        { Key: 'gitlab-backup/notes.txt', Size: 10, LastModified: new Date('2025-04-18T02:05:00Z') },
      ],
    });
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolvesOnce({
        RecoveryPoints: [
          {
            RecoveryPointArn: 'arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
            ResourceType: 'RDS',
            CreationDate: new Date('2025-04-18T02:00:00Z'),
            BackupSizeInBytes: 100 * 1024 ** 3,
          },
        ],
        NextToken: 'page-2',
      })
      .resolves({
        RecoveryPoints: [
          {
            RecoveryPointArn: 'arn:aws:ec2:us-west-2::snapshot/snap-1',
            ResourceType: 'EBS',
            CreationDate: new Date('2025-04-15T02:00:00Z'),
            BackupSizeInBytes: 500 * 1024 ** 3,
          },
        ],
      });
    const listings = await listBackups({
      plan,
      account: ACCOUNT,
      s3: new S3Client({}),
      backup: new BackupClient({}),
      vaultName: 'v',
    });
    expect(listings.map((listing) => listing.kind)).toEqual(['gitlab-backup', 'RDS', 'EBS']);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Bucket).toBe(
      `gl-gitlab-test-backups-${ACCOUNT}-us-west-2`,
    );
    const lines = renderBackupList(listings, new Date('2025-04-18T05:00:00Z'));
    expect(lines).toEqual([
      'KIND           AGE  SIZE       ID',
      'gitlab-backup  2h   5.0 GiB    1744941600_2025_04_18_19.3.0-ee',
      'RDS            3h   100.0 GiB  arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
      'EBS            3d   500.0 GiB  arn:aws:ec2:us-west-2::snapshot/snap-1',
    ]);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)[1]!.args[0].input.NextToken).toBe(
      'page-2',
    );
  });
});

describe('restore', () => {
  it('stops Puma and Sidekiq everywhere before restoring on one node, then reconfigures, starts and checks', async () => {
    const runner = new RecordingRunner();
    await executeRestore(plan, planRestore(plan, 'b1', ACCOUNT), { directory, runner, log: () => {} });
    const traces = runner.commands.map((command) => runRemoteScript(command.commands));
    for (const run of traces) expect(run.status, run.stderr).toBe(0);
    const calls = runner.commands.map((command, index) => [
      command.instanceId,
      traces[index]!.trace.find((c) => c.startsWith('gitlab-')) ?? traces[index]!.trace[0],
    ]);
    const everyNode = plan.autoScalingGroups.flatMap((group) => [`i-${group.id}-1`, `i-${group.id}-2`]);
    expect(everyNode).toHaveLength(4);
    expect(calls).toEqual([
      ...everyNode.map((id) => [id, 'gitlab-ctl stop puma']),
      ['i-rails-1', 'gitlab-backup restore BACKUP=b1 force=yes'],
      ...everyNode.map((id) => [id, 'gitlab-ctl start']),
      ['i-rails-1', 'gitlab-rake gitlab:check SANITIZE=true'],
    ]);
    const restore = traces[4]!.trace;
    expect(restore.indexOf('gitlab-ctl reconfigure')).toBeGreaterThan(
      restore.indexOf('gitlab-backup restore BACKUP=b1 force=yes'),
    );
    expect(runner.commands[0]!.commands).toContain('gitlab-ctl stop sidekiq');
  });
});

describe('backupVaultOf', () => {
  it('reads the vault and role from the ops stack outputs infra names', () => {
    const outputs = { BackupVaultName: 'vault-1', BackupRoleArn: 'arn:aws:iam::111122223333:role/backup' };
    expect(backupVaultOf('gitlab-test-ops', outputs)).toEqual({
      vaultName: 'vault-1',
      roleArn: 'arn:aws:iam::111122223333:role/backup',
    });
  });

  it('refuses in one line when the stack has no such outputs', () => {
    expect(() => backupVaultOf('gitlab-test-ops', { BackupVaultName: 'vault-1' })).toThrow(
      'gitlab-test-ops has no BackupVaultName/BackupRoleArn outputs: deploy the environment first',
    );
  });
});

describe('backup and restore on the 1k node', () => {
  const oneK = planFor({ architecture: { size: '1k' } });

  it('runs gitlab-backup on the one node, beside the AWS Backup job of its data volume', async () => {
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-volume' });
    const runner = new RecordingRunner();
    const volume = 'arn:aws:ec2:us-west-2:123456789012:volume/vol-0a1b2c3d4e5f60718';
    await createBackup({
      plan: oneK,
      backupId: 'b1',
      directory,
      runner,
      backup: new BackupClient({}),
      vault: { vaultName: 'v', roleArn: 'arn:aws:iam::123456789012:role/b' },
      resourceArns: [volume],
      account: ACCOUNT,
      log: () => {},
    });
    expect(backup.commandCalls(StartBackupJobCommand).map((call) => call.args[0].input.ResourceArn)).toEqual([
      volume,
    ]);
    expect(runner.commands.map((command) => command.instanceId)).toEqual(['i-gitlab-1']);
  });

  it('stops, restores, starts and checks on the one node, in that order', async () => {
    const runner = new RecordingRunner();
    const steps = planRestore(oneK, 'b1', ACCOUNT);
    expect(steps.map((step) => step.title)).toEqual([
      'Stop Puma and Sidekiq on gitlab-1 (they hold database connections)',
      'Restore b1 on gitlab-1',
      'Start GitLab again on gitlab-1',
      'Check GitLab and that the secrets decrypt the restored data',
    ]);
    await executeRestore(oneK, steps, { directory, runner, log: () => {} });
    const first = runner.commands.map((command) => [
      command.instanceId,
      runRemoteScript(command.commands).trace.find((c) => c.startsWith('gitlab-')),
    ]);
    expect(first).toEqual([
      ['i-gitlab-1', 'gitlab-ctl stop puma'],
      ['i-gitlab-1', 'gitlab-backup restore BACKUP=b1 force=yes'],
      ['i-gitlab-1', 'gitlab-ctl start'],
      ['i-gitlab-1', 'gitlab-rake gitlab:check SANITIZE=true'],
    ]);
  });
});
