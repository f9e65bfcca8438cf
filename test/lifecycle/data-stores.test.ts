// The SDK side of destroy --include-data, against mocked clients: the requests it sends and how it reads the answers.

import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SdkDataStores } from '../../src/lifecycle/data-stores.js';
import { NODE_TAG } from '../../src/plan/contracts.js';

const config = { region: 'us-west-2', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

describe('SdkDataStores', () => {
  const s3 = mockClient(S3Client);
  const rds = mockClient(RDSClient);
  const ec2 = mockClient(EC2Client);
  const cloudFormation = mockClient(CloudFormationClient);
  const secretsManager = mockClient(SecretsManagerClient);
  const logs = mockClient(CloudWatchLogsClient);
  let stores: SdkDataStores;

  beforeEach(() => {
    for (const mock of [s3, rds, ec2, cloudFormation, secretsManager, logs]) mock.reset();
    stores = new SdkDataStores({
      s3: new S3Client(config),
      rds: new RDSClient(config),
      ec2: new EC2Client(config),
      cloudFormation: new CloudFormationClient(config),
      secretsManager: new SecretsManagerClient(config),
      logs: new CloudWatchLogsClient(config),
    });
  });

  it('empties a versioned bucket: every version and delete marker of every page, at most 1000 keys a call', async () => {
    const versions = Array.from({ length: 1500 }, (_, index) => ({
      Key: `k${index}`,
      VersionId: `v${index}`,
    }));
    s3.on(ListObjectVersionsCommand, { KeyMarker: undefined })
      .resolves({
        Versions: versions,
        DeleteMarkers: [{ Key: 'gone', VersionId: 'm1' }],
        IsTruncated: true,
        NextKeyMarker: 'k1499',
        NextVersionIdMarker: 'v1499',
      })
      .on(ListObjectVersionsCommand, { KeyMarker: 'k1499', VersionIdMarker: 'v1499' })
      .resolves({ Versions: [{ Key: 'last', VersionId: 'null' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    expect(await stores.emptyBucket('gl-test-artifacts')).toBe(1502);
    const deletes = s3
      .commandCalls(DeleteObjectsCommand)
      .map((call) => call.args[0].input.Delete?.Objects ?? []);
    expect(deletes.map((objects) => objects.length)).toEqual([1000, 501, 1]);
    expect(deletes[1]!.at(-1)).toEqual({ Key: 'gone', VersionId: 'm1' });
    expect(deletes[2]).toEqual([{ Key: 'last', VersionId: 'null' }]);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Bucket).toBe('gl-test-artifacts');
  });

  it('fails when S3 refuses some object versions, naming the first', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [{ Key: 'a', VersionId: '1' }],
      IsTruncated: false,
    });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'a', Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    await expect(stores.emptyBucket('b')).rejects.toThrow(
      '1 object versions of b not deleted, first a: AccessDenied Access Denied',
    );
  });

  it('treats a bucket, secret, volume or log group that is not there as absent', async () => {
    s3.on(ListObjectVersionsCommand).rejects(awsError('NoSuchBucket'));
    s3.on(DeleteBucketCommand).rejects(awsError('NoSuchBucket'));
    secretsManager.on(DeleteSecretCommand).rejects(awsError('ResourceNotFoundException'));
    ec2.on(DeleteVolumeCommand).rejects(awsError('InvalidVolume.NotFound'));
    logs.on(DeleteLogGroupCommand).rejects(awsError('ResourceNotFoundException'));
    expect(await stores.emptyBucket('b')).toBe(0);
    expect(await stores.deleteBucket('b')).toBe('absent');
    expect(await stores.deleteSecret('s')).toBe('absent');
    expect(await stores.deleteVolume('vol-1')).toBe('absent');
    expect(await stores.deleteLogGroup('g')).toBe('absent');
  });

  it('passes other errors on, and deletes secrets without a recovery window', async () => {
    s3.on(DeleteBucketCommand).rejects(awsError('BucketNotEmpty'));
    await expect(stores.deleteBucket('b')).rejects.toThrow('BucketNotEmpty');
    secretsManager.on(DeleteSecretCommand).resolves({});
    expect(await stores.deleteSecret('gl/root')).toBe('deleted');
    expect(secretsManager.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({
      SecretId: 'gl/root',
      ForceDeleteWithoutRecovery: true,
    });
  });

  it('snapshots the database and waits until the snapshot is available', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: 'available' }] });
    await stores.snapshotDatabase('db-1', 'gl-final-20250418-020304');
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'db-1',
      DBSnapshotIdentifier: 'gl-final-20250418-020304',
    });
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)[0]!.args[0].input).toEqual({
      DBSnapshotIdentifier: 'gl-final-20250418-020304',
    });
  });

  it('fails the database snapshot when RDS says it failed', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: 'failed' }] });
    await expect(stores.snapshotDatabase('db-1', 's')).rejects.toThrow();
  });

  it('names the volume snapshot and waits until it is completed', async () => {
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
    expect(await stores.snapshotVolume('vol-1', 'gl-final-x-gitaly-1')).toBe('snap-1');
    expect(ec2.commandCalls(CreateSnapshotCommand)[0]!.args[0].input.TagSpecifications).toEqual([
      { ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: 'gl-final-x-gitaly-1' }] },
    ]);
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input.SnapshotIds).toEqual(['snap-1']);
  });

  it('lifts deletion protection at once', async () => {
    rds.on(ModifyDBInstanceCommand).resolves({});
    await stores.setDeletionProtection('db-1', false);
    expect(rds.commandCalls(ModifyDBInstanceCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'db-1',
      DeletionProtection: false,
      ApplyImmediately: true,
    });
  });

  it('reads replicas, protection, tags and node tags, and a stack that is gone', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'db-1' })
      .resolves({
        DBInstances: [
          {
            DBInstanceIdentifier: 'db-1',
            DeletionProtection: true,
            TagList: [
              { Key: 'gitlab-aws:aws-backup', Value: 'gl' },
              { Key: 'aws:cloudformation:stack-name', Value: 'gl-data' },
            ],
          },
        ],
      })
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'db-2' })
      .resolves({
        DBInstances: [{ DBInstanceIdentifier: 'db-2', ReadReplicaSourceDBInstanceIdentifier: 'db-1' }],
      });
    expect(await stores.describeDatabases(['db-1', 'db-2'])).toEqual([
      {
        id: 'db-1',
        deletionProtection: true,
        tags: { 'gitlab-aws:aws-backup': 'gl', 'aws:cloudformation:stack-name': 'gl-data' },
      },
      { id: 'db-2', replicaOf: 'db-1', deletionProtection: false, tags: {} },
    ]);
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {
          VolumeId: 'vol-1',
          Tags: [
            { Key: NODE_TAG, Value: 'gitaly-1' },
            { Key: 'gitlab-aws:aws-backup', Value: 'gl' },
          ],
        },
        { VolumeId: 'vol-2' },
      ],
    });
    expect(await stores.describeVolumes(['vol-1', 'vol-2'])).toEqual([
      { id: 'vol-1', nodeId: 'gitaly-1', tags: { [NODE_TAG]: 'gitaly-1', 'gitlab-aws:aws-backup': 'gl' } },
      { id: 'vol-2', tags: {} },
    ]);
    // Only the stack's volumes: without ids EC2 describes every volume in the region.
    expect(ec2.commandCalls(DescribeVolumesCommand).map((call) => call.args[0].input)).toEqual([
      { VolumeIds: ['vol-1', 'vol-2'] },
    ]);
    expect(await stores.describeVolumes([])).toEqual([]);
    cloudFormation
      .on(ListStackResourcesCommand, { StackName: 'gl-data' })
      .resolves({
        StackResourceSummaries: [{ ResourceType: 'AWS::EC2::Volume', PhysicalResourceId: 'vol-1' } as never],
      })
      .on(ListStackResourcesCommand, { StackName: 'gl-gone' })
      .rejects(new Error('Stack with id gl-gone does not exist'));
    expect(await stores.stackResources('gl-data')).toEqual([
      { type: 'AWS::EC2::Volume', physicalId: 'vol-1' },
    ]);
    expect(await stores.stackResources('gl-gone')).toBeUndefined();
  });
});
