import {
  BackupClient,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { gitlabRbFor } from '../../src/config/render.js';
import {
  backupCreateCommands,
  backupIdFor,
  backupResourceArns,
  backupVaultOf,
  createBackup,
  environmentVaults,
  listBackups,
  objectStorageSkipList,
  readDataStack,
  renderBackupList,
} from '../../src/lifecycle/backup.js';
import type { DataStores } from '../../src/lifecycle/data-stores.js';
import type { NodeDirectory, RemoteCommand, RemoteRunner } from '../../src/lifecycle/fleet.js';
import { awsBackupTag } from '../../src/plan/contracts.js';
import { stackName } from '../../src/plan/stacks.js';
import { hasSetting } from '../config/rb-query.js';
import { endpointsFor, webTarget } from '../config/support.js';
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
  it('starts an AWS Backup job per resource, then runs gitlab-backup on the backup node', async () => {
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
    // Where the scheduled run goes: a persistent node with room for the archive, not a group member.
    expect(plan.scheduledBackup.runner).toBe('backup-1');
    expect(runner.commands[0]!.instanceId).toBe('i-backup-1');
    expect(runner.commands[0]!.commands).toEqual(backupCreateCommands(plan, 'b1', ACCOUNT));
    expect(created.archive).toBe(
      `s3://gl-gitlab-test-backups-${ACCOUNT}-us-west-2/gitlab-backup/b1_gitlab_backup.tar`,
    );
    expect(created.secrets).toBe(
      `s3://gl-gitlab-test-backups-${ACCOUNT}-us-west-2/gitlab-backup/b1_gitlab-secrets.json`,
    );
  });

  it('runs gitlab-backup on one Rails node in a Plan without a node for the scheduled run', async () => {
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-1' });
    const runner = new RecordingRunner();
    const { runner: _none, ...unscheduled } = plan.scheduledBackup;
    await createBackup({
      plan: { ...plan, scheduledBackup: unscheduled },
      account: ACCOUNT,
      backupId: 'b1',
      directory,
      runner,
      backup: new BackupClient({}),
      vault: { vaultName: 'v', roleArn: 'arn:aws:iam::123456789012:role/b' },
      resourceArns: [],
      log: () => {},
    });
    expect(runner.commands.map((command) => command.instanceId)).toEqual(['i-rails-1']);
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
      vaultNames: ['v'],
    });
    expect(listings.map((listing) => listing.kind)).toEqual(['gitlab-backup', 'RDS', 'EBS']);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Bucket).toBe(
      `gl-gitlab-test-backups-${ACCOUNT}-us-west-2`,
    );
    const lines = renderBackupList(listings, new Date('2025-04-18T05:00:00Z'));
    expect(lines).toEqual([
      'KIND           AGE  SIZE       SECRETS  ID',
      'gitlab-backup  2h   5.0 GiB    MISSING  1744941600_2025_04_18_19.3.0-ee',
      'RDS            3h   100.0 GiB  -        arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
      'EBS            3d   500.0 GiB  -        arn:aws:ec2:us-west-2::snapshot/snap-1',
    ]);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)[1]!.args[0].input.NextToken).toBe(
      'page-2',
    );
  });
});

describe('the archive reaches the backups bucket', () => {
  it('once: gitlab-backup does not upload it itself (gitlab.rb configures an upload) when the script does', () => {
    const id = backupIdFor(plan, new Date('2025-04-18T02:00:00Z'));
    const commands = backupCreateCommands(plan, id, ACCOUNT);
    const trace = runRemoteScript(commands).trace;
    const ours = trace.filter(
      (line) => line.startsWith('aws s3 cp') && line.includes(`${id}_gitlab_backup.tar s3://`),
    );
    // GitLab uploads after creating the archive when backup_upload_connection is set, unless told
    // SKIP=remote (backup_gitlab.md, "Skip uploading backups to remote storage",
    // skratsch-solutions/gitlabhq 50e267cb6a3707b8f82113c88a84be5795acf6c8).
    const web = webTarget(plan);
    const rb = gitlabRbFor(plan, web, endpointsFor(web));
    const create = trace.find((line) => line.startsWith('gitlab-backup create'))!;
    const skipped = /SKIP=(\S+)/.exec(create)?.[1]?.split(',') ?? [];
    const gitlabUploads =
      hasSetting(rb, 'gitlab_rails', 'backup_upload_connection') && !skipped.includes('remote');
    expect(ours.length + (gitlabUploads ? 1 : 0)).toBe(1);
  });
});

describe('backup list', () => {
  it('marks which archives have their gitlab-secrets.json beside them', async () => {
    const archive = (id: string) => ({
      Key: `gitlab-backup/${id}_gitlab_backup.tar`,
      Size: 1024,
      LastModified: new Date('2025-04-18T02:05:00Z'),
    });
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        archive('1744941600_2025_04_18_19.3.0-ee'),
        { Key: 'gitlab-backup/1744941600_2025_04_18_19.3.0-ee_gitlab-secrets.json', Size: 3000 },
        archive('1744855200_2025_04_17_19.3.0-ee'),
      ],
    });
    const listings = await listBackups({
      plan,
      account: ACCOUNT,
      s3: new S3Client({}),
      backup: new BackupClient({}),
      vaultNames: [],
    });
    expect(listings.map((listing) => [listing.id, listing.hasSecrets])).toEqual([
      ['1744941600_2025_04_18_19.3.0-ee', true],
      ['1744855200_2025_04_17_19.3.0-ee', false],
    ]);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)).toEqual([]);
    expect(
      renderBackupList(listings, new Date('2025-04-18T03:05:00Z')).map((line) => line.split(/ +/).at(-2)),
    ).toEqual(['SECRETS', 'yes', 'MISSING']);
    expect(renderBackupList([], new Date())).toEqual(['No backups yet: run `gitlab-aws backup create`.']);
  });

  it("finds the environment's vaults by name, the ones retained from earlier ops stacks too, and no other environment's", async () => {
    backup
      .on(ListBackupVaultsCommand)
      .resolvesOnce({
        BackupVaultList: [
          { BackupVaultName: 'gitlab-test-vault-0a1b2c3d4e5f' },
          { BackupVaultName: 'gitlab-test-2-vault-0a1b2c3d4e5f' },
          { BackupVaultName: 'Default' },
        ],
        NextToken: 'more',
      })
      .resolves({
        BackupVaultList: [
          { BackupVaultName: 'gitlab-test-vault-ffffffffffff' },
          { BackupVaultName: 'gitlab-test-vault-vault-0a1b2c3d4e5f' },
        ],
      });
    expect(await environmentVaults(new BackupClient({}), plan)).toEqual([
      'gitlab-test-vault-0a1b2c3d4e5f',
      'gitlab-test-vault-ffffffffffff',
    ]);
    expect(backup.commandCalls(ListBackupVaultsCommand)[1]!.args[0].input.NextToken).toBe('more');
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

describe('backup on the 1k node', () => {
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
});

describe('what an on-demand backup snapshots', () => {
  const { key, value } = awsBackupTag(plan);
  const tagged = { [key]: value, 'aws:cloudformation:stack-name': stackName(plan, 'data') };
  const dataStack = {
    resources: [
      { type: 'AWS::RDS::DBInstance', physicalId: 'gl-db' },
      { type: 'AWS::RDS::DBInstance', physicalId: 'gl-db-replica-1' },
      { type: 'AWS::EC2::Volume', physicalId: 'vol-gitaly-1' },
      { type: 'AWS::EC2::Volume', physicalId: 'vol-other' },
      { type: 'AWS::EC2::Volume', physicalId: 'vol-untagged' },
      // Listed by the stack, but not described: nothing says it carries the tag.
      { type: 'AWS::EC2::Volume', physicalId: 'vol-undescribed' },
      // Named like a tagged database, but no database: never a job.
      { type: 'AWS::RDS::DBSubnetGroup', physicalId: 'gl-db' },
    ],
    databases: [
      { id: 'gl-db', deletionProtection: true, tags: tagged },
      // A read replica: the data stack does not tag it, and the schedule leaves it out.
      {
        id: 'gl-db-replica-1',
        replicaOf: 'gl-db',
        deletionProtection: true,
        tags: { 'aws:cloudformation:stack-name': stackName(plan, 'data') },
      },
      // Tagged, but not the data stack's.
      { id: 'elsewhere-db', deletionProtection: false, tags: tagged },
    ],
    volumes: [
      { id: 'vol-gitaly-1', nodeId: 'gitaly-1', tags: tagged },
      // Another environment's value of the same key, in the same account.
      { id: 'vol-other', tags: { [key]: `${value}-other` } },
      { id: 'vol-untagged', tags: {} },
    ],
  };

  it('takes the data stack resources that carry the backup tag with the environment as value, as ARNs', () => {
    expect(backupResourceArns(plan, dataStack, ACCOUNT)).toEqual([
      `arn:aws:rds:${plan.region}:${ACCOUNT}:db:gl-db`,
      `arn:aws:ec2:${plan.region}:${ACCOUNT}:volume/vol-gitaly-1`,
    ]);
  });

  it('refuses to start a backup of nothing, saying to deploy first', () => {
    const untagged = {
      ...dataStack,
      databases: dataStack.databases.map((database) => ({ ...database, tags: {} })),
      volumes: dataStack.volumes.map((volume) => ({ ...volume, tags: {} })),
    };
    let refusal: unknown;
    try {
      backupResourceArns(plan, untagged, ACCOUNT);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ name: 'UserError', exitCode: 2 });
    // Which stack, which tag, what to do, and that nothing started.
    for (const part of [
      stackName(plan, 'data'),
      `${key}=${value}`,
      'Run `gitlab-aws deploy` first',
      'No backup was started',
    ])
      expect((refusal as Error).message).toContain(part);
  });

  /** Data stores that answer with `dataStack` and record what they were asked. */
  const storesOf = (resources: typeof dataStack.resources | undefined) => {
    const calls: string[] = [];
    const stores: Pick<DataStores, 'stackResources' | 'describeDatabases' | 'describeVolumes'> = {
      stackResources: async (name) => {
        calls.push(`stackResources ${name}`);
        return resources;
      },
      describeDatabases: async (ids) => {
        calls.push(`describeDatabases ${ids.join(',')}`);
        return dataStack.databases.filter((database) => ids.includes(database.id));
      },
      describeVolumes: async (ids) => {
        calls.push(`describeVolumes ${ids.join(',')}`);
        return dataStack.volumes.filter((volume) => ids.includes(volume.id));
      },
    };
    return { calls, stores };
  };

  it("reads the data stack's resources, then describes its databases and volumes for their tags", async () => {
    const { calls, stores } = storesOf(dataStack.resources);
    const read = await readDataStack(plan, stores);
    expect(calls).toEqual([
      `stackResources ${stackName(plan, 'data')}`,
      'describeDatabases gl-db,gl-db-replica-1',
      'describeVolumes vol-gitaly-1,vol-other,vol-untagged,vol-undescribed',
    ]);
    expect(read).toEqual({
      resources: dataStack.resources,
      databases: dataStack.databases.slice(0, 2),
      volumes: dataStack.volumes,
    });
  });

  it('refuses when there is no data stack, describing nothing', async () => {
    const { calls, stores } = storesOf(undefined);
    await expect(readDataStack(plan, stores)).rejects.toThrow(
      expect.objectContaining({
        name: 'UserError',
        exitCode: 2,
        message: `no stack ${stackName(plan, 'data')}: deploy the environment first (gitlab-aws deploy)`,
      }),
    );
    expect(calls).toEqual([`stackResources ${stackName(plan, 'data')}`]);
  });
});
