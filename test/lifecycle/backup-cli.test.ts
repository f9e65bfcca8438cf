/**
 * `gitlab-aws backup list` end to end against mocked AWS: it must work after `destroy`, which
 * deletes the ops stack and keeps the backups bucket and the vaults. And `backup create` as far as
 * its AWS Backup jobs: of what the data stack tags for the scheduled backup, and of nothing before
 * the environment carries the tag.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { command as backup } from '../../src/cli/commands/backup.js';
import { awsBackupTag } from '../../src/plan/contracts.js';
import { resolvePlan } from '../../src/plan/index.js';
import { loadSpec } from '../../src/spec/index.js';

const sts = mockClient(STSClient);
const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const backupClient = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const ec2 = mockClient(EC2Client);

afterAll(() => {
  for (const mock of [sts, cloudFormation, s3, backupClient, rds, ec2]) mock.restore();
});

const SPEC =
  'name: gl-prod\nregion: us-west-2\ndomain:\n  name: gitlab.example.com\n  hostedZone: example.com\n';

describe('backup list after destroy (no ops stack)', () => {
  let output = '';
  beforeAll(async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id gl-prod-ops does not exist'), { name: 'ValidationError' }),
      );
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        {
          Key: 'gitlab-backup/1744941600_2025_04_18_19.3.0-ee_gitlab_backup.tar',
          Size: 2048,
          LastModified: new Date(Date.now() - 3 * 3600_000),
        },
        { Key: 'gitlab-backup/1744941600_2025_04_18_19.3.0-ee_gitlab-secrets.json', Size: 100 },
      ],
    });
    backupClient
      .on(ListBackupVaultsCommand)
      .resolves({ BackupVaultList: [{ BackupVaultName: 'gl-prod-vault-0a1b2c3d4e5f' }] });
    backupClient.on(ListRecoveryPointsByBackupVaultCommand).resolves({
      RecoveryPoints: [
        {
          RecoveryPointArn: 'arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
          ResourceType: 'RDS',
          CreationDate: new Date(Date.now() - 4 * 3600_000),
          BackupSizeInBytes: 1024,
        },
      ],
    });
    const cwd = mkdtempSync(join(tmpdir(), 'gla-backup-list-'));
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), SPEC);
    await backup.run({
      values: { ci: true } as never,
      positionals: ['list'],
      // Standard output only: standard error says which spec the command uses.
      io: { out: (text) => (output += text), err: () => {}, cwd, env: {}, isTTY: false },
    });
  });

  it('lists the archives in the bucket, named from the account, and the recovery points of the retained vault', () => {
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Bucket).toBe(
      'gl-gl-prod-backups-123456789012-us-west-2',
    );
    expect(
      backupClient.commandCalls(ListRecoveryPointsByBackupVaultCommand)[0]!.args[0].input.BackupVaultName,
    ).toBe('gl-prod-vault-0a1b2c3d4e5f');
    expect(output.split('\n').filter(Boolean)).toEqual([
      'KIND           AGE  SIZE     SECRETS  ID',
      'gitlab-backup  3h   2.0 KiB  yes      1744941600_2025_04_18_19.3.0-ee',
      'RDS            4h   1.0 KiB  -        arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
    ]);
  });
});

describe('backup create', () => {
  let cwd: string;
  let backupTag: { Key: string; Value: string };
  const stackTag = { Key: 'aws:cloudformation:stack-name', Value: 'gl-prod-data' };
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'gla-backup-create-'));
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), SPEC);
    const loaded = loadSpec({ cwd });
    const { key, value } = awsBackupTag(resolvePlan(loaded.spec, { origin: loaded.origin }));
    backupTag = { Key: key, Value: value };
  });

  /** A deployed environment whose data stack holds a primary, its replica and a Gitaly volume. */
  function deployed(tagged: boolean): void {
    for (const mock of [sts, cloudFormation, s3, backupClient, rds, ec2]) mock.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
    cloudFormation.on(DescribeStacksCommand, { StackName: 'gl-prod-ops' }).resolves({
      Stacks: [
        {
          StackName: 'gl-prod-ops',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'BackupVaultName', OutputValue: 'gl-prod-vault-0a1b2c3d4e5f' },
            { OutputKey: 'BackupRoleArn', OutputValue: 'arn:aws:iam::123456789012:role/gl-prod-backup' },
          ],
        },
      ],
    });
    cloudFormation.on(ListStackResourcesCommand, { StackName: 'gl-prod-data' }).resolves({
      StackResourceSummaries: [
        ['AWS::RDS::DBInstance', 'gl-prod-db'],
        ['AWS::RDS::DBInstance', 'gl-prod-db-replica-1'],
        ['AWS::EC2::Volume', 'vol-0a1b2c3d4e5f60718'],
        ['AWS::S3::Bucket', 'gl-prod-artifacts'],
      ].map(([ResourceType, PhysicalResourceId]) => ({
        ResourceType,
        PhysicalResourceId,
        LogicalResourceId: PhysicalResourceId,
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      })),
    });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'gl-prod-db' })
      .resolves({
        DBInstances: [
          { DBInstanceIdentifier: 'gl-prod-db', TagList: tagged ? [backupTag, stackTag] : [stackTag] },
        ],
      })
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'gl-prod-db-replica-1' })
      .resolves({
        DBInstances: [
          {
            DBInstanceIdentifier: 'gl-prod-db-replica-1',
            ReadReplicaSourceDBInstanceIdentifier: 'gl-prod-db',
            TagList: [stackTag],
          },
        ],
      });
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-0a1b2c3d4e5f60718', Tags: tagged ? [backupTag, stackTag] : [stackTag] }],
    });
    backupClient
      .on(StartBackupJobCommand)
      .callsFake((input) => ({ BackupJobId: `job-${input.ResourceArn.split(/[:/]/).at(-1)}` }));
    // No node to run gitlab-backup on: the run stops right after the AWS Backup jobs.
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  }

  const create = () =>
    backup.run({
      values: { ci: true } as never,
      positionals: ['create'],
      io: { out: () => {}, err: () => {}, cwd, env: {}, isTTY: false },
    });

  describe('of an environment that carries the backup tag', () => {
    beforeEach(() => deployed(true));

    it('starts AWS Backup jobs of the tagged primary and volume into the vault, none of the replica', async () => {
      await expect(create()).rejects.toThrow(/expected one running instance/);
      expect(backupClient.commandCalls(StartBackupJobCommand).map((call) => call.args[0].input)).toEqual(
        [
          'arn:aws:rds:us-west-2:123456789012:db:gl-prod-db',
          'arn:aws:ec2:us-west-2:123456789012:volume/vol-0a1b2c3d4e5f60718',
        ].map((ResourceArn) =>
          expect.objectContaining({
            ResourceArn,
            BackupVaultName: 'gl-prod-vault-0a1b2c3d4e5f',
            IamRoleArn: 'arn:aws:iam::123456789012:role/gl-prod-backup',
          }),
        ),
      );
    });
  });

  describe('of an environment an earlier release deployed, without the tag', () => {
    beforeEach(() => deployed(false));

    it('refuses with exit code 2, saying to deploy first, before starting anything', async () => {
      await expect(create()).rejects.toMatchObject({
        name: 'UserError',
        exitCode: 2,
        message: expect.stringContaining('Run `gitlab-aws deploy` first'),
      });
      expect(backupClient.commandCalls(StartBackupJobCommand)).toEqual([]);
      expect(ec2.commandCalls(DescribeInstancesCommand)).toEqual([]);
    });
  });
});
