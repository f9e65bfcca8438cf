/**
 * `gitlab-aws backup list` end to end against mocked AWS: it must work after `destroy`, which
 * deletes the ops stack and keeps the backups bucket and the vaults.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
} from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command as backup } from '../../src/cli/commands/backup.js';

const sts = mockClient(STSClient);
const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const backupClient = mockClient(BackupClient);

afterAll(() => {
  for (const mock of [sts, cloudFormation, s3, backupClient]) mock.restore();
});

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
    writeFileSync(
      join(cwd, 'gitlab-aws.yaml'),
      'name: gl-prod\nregion: us-west-2\ndomain:\n  name: gitlab.example.com\n  hostedZone: example.com\n',
    );
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
