/**
 * What `destroy --include-data` asks of AWS around deleting the stacks: find the data stores the
 * stacks hold, snapshot them, lift RDS deletion protection, and delete what the stacks retain.
 * `backup` reads the same data stores, with their tags, to pick what AWS Backup snapshots.
 * A small interface (the seam the tests script) and its implementation on the AWS SDK.
 *
 * Every call that starts something slow (a snapshot, a database deletion) waits for it to finish:
 * the next step is only safe once the previous one has happened.
 */
import { DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSnapshotCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  waitUntilSnapshotCompleted,
} from '@aws-sdk/client-ec2';
import {
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  waitUntilDBInstanceDeleted,
  waitUntilDBSnapshotAvailable,
} from '@aws-sdk/client-rds';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { NODE_TAG } from '../plan/contracts.js';
import { type AwsClients, stackResources } from './aws.js';

/** A resource of a deployed stack: its CloudFormation type and physical id. */
export interface StackResource {
  readonly type: string;
  readonly physicalId: string;
}

/** A resource's tags as AWS reports them, by key. */
export type ResourceTags = Readonly<Record<string, string>>;

/** An RDS instance as RDS reports it. */
export interface DatabaseInstance {
  readonly id: string;
  /** The instance it replicates, for a read replica. */
  readonly replicaOf?: string;
  readonly deletionProtection: boolean;
  /** Its tags (`TagList`): `backup` picks what it snapshots by one of them. */
  readonly tags: ResourceTags;
}

/** An EBS volume with the node its tag names. */
export interface DataVolume {
  readonly id: string;
  /** The Gitaly node the volume belongs to (its `gitlab-aws:node` tag). */
  readonly nodeId?: string;
  /** Its tags: `backup` picks what it snapshots by one of them. */
  readonly tags: ResourceTags;
}

/** Whether a delete found something to delete. */
export type DeleteOutcome = 'deleted' | 'absent';

/** The data stores of an environment, as `destroy --include-data` drives them. */
export interface DataStores {
  /** Resources of a deployed stack; undefined when the stack does not exist. */
  stackResources(stackName: string): Promise<readonly StackResource[] | undefined>;
  describeDatabases(ids: readonly string[]): Promise<DatabaseInstance[]>;
  describeVolumes(ids: readonly string[]): Promise<DataVolume[]>;
  /** Takes a manual DB snapshot and waits until it is available. */
  snapshotDatabase(instanceId: string, snapshotId: string): Promise<void>;
  /** Takes an EBS snapshot named `name` and waits until it is complete; returns its id. */
  snapshotVolume(volumeId: string, name: string): Promise<string>;
  /** Turns RDS deletion protection off (or on again), applied at once. */
  setDeletionProtection(instanceId: string, enabled: boolean): Promise<void>;
  /** Deletes a DB instance without a final snapshot (read replicas) and waits until it is gone. */
  deleteDatabase(instanceId: string): Promise<DeleteOutcome>;
  /** Deletes every object version and delete marker of a bucket; returns how many it deleted. */
  emptyBucket(name: string): Promise<number>;
  deleteBucket(name: string): Promise<DeleteOutcome>;
  /** Deletes a secret at once, without the recovery window (which would keep its name taken). */
  deleteSecret(name: string): Promise<DeleteOutcome>;
  deleteVolume(volumeId: string): Promise<DeleteOutcome>;
  deleteLogGroup(name: string): Promise<DeleteOutcome>;
}

/** Error names that mean the resource is not there (any more). */
const NOT_FOUND = new Set([
  'NoSuchBucket',
  'ResourceNotFoundException',
  'InvalidVolume.NotFound',
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
]);

async function deleting(action: () => Promise<unknown>): Promise<DeleteOutcome> {
  try {
    await action();
    return 'deleted';
  } catch (error) {
    if (NOT_FOUND.has((error as Error).name)) return 'absent';
    throw error;
  }
}

/** How long a snapshot or a database deletion may take before destroy gives up waiting (seconds). */
const WAIT_SECONDS = 6 * 3600;

/** Tags as RDS and EC2 list them (`Key`, `Value`), by key. */
function tagsByKey(tags: readonly { Key?: string; Value?: string }[] | undefined): ResourceTags {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

/** The SDK clients the data stores need. */
export type DataStoreClients = Pick<
  AwsClients,
  'cloudFormation' | 'rds' | 'ec2' | 's3' | 'secretsManager' | 'logs'
>;

/** DeleteObjects takes at most 1000 keys a call. */
const DELETE_BATCH = 1000;

/** The data stores on the AWS SDK. */
export class SdkDataStores implements DataStores {
  constructor(private readonly clients: DataStoreClients) {}

  async stackResources(stackName: string): Promise<readonly StackResource[] | undefined> {
    try {
      const resources = await stackResources(this.clients.cloudFormation, stackName);
      return resources.map((resource) => ({
        type: resource.ResourceType ?? '',
        physicalId: resource.PhysicalResourceId ?? '',
      }));
    } catch (error) {
      if (/does not exist/.test((error as Error).message)) return undefined;
      throw error;
    }
  }

  async describeDatabases(ids: readonly string[]): Promise<DatabaseInstance[]> {
    const instances: DatabaseInstance[] = [];
    for (const id of ids) {
      const answer = await this.clients.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }),
      );
      for (const instance of answer.DBInstances ?? []) {
        instances.push({
          id: instance.DBInstanceIdentifier ?? id,
          ...(instance.ReadReplicaSourceDBInstanceIdentifier
            ? { replicaOf: instance.ReadReplicaSourceDBInstanceIdentifier }
            : {}),
          deletionProtection: instance.DeletionProtection === true,
          tags: tagsByKey(instance.TagList),
        });
      }
    }
    return instances;
  }

  async describeVolumes(ids: readonly string[]): Promise<DataVolume[]> {
    if (ids.length === 0) return [];
    const answer = await this.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [...ids] }));
    return (answer.Volumes ?? []).map((volume) => {
      const tags = tagsByKey(volume.Tags);
      const nodeId = tags[NODE_TAG];
      return { id: volume.VolumeId ?? '', ...(nodeId ? { nodeId } : {}), tags };
    });
  }

  async snapshotDatabase(instanceId: string, snapshotId: string): Promise<void> {
    await this.clients.rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: instanceId, DBSnapshotIdentifier: snapshotId }),
    );
    await waitUntilDBSnapshotAvailable(
      { client: this.clients.rds, maxWaitTime: WAIT_SECONDS },
      { DBSnapshotIdentifier: snapshotId },
    );
  }

  async snapshotVolume(volumeId: string, name: string): Promise<string> {
    const snapshot = await this.clients.ec2.send(
      new CreateSnapshotCommand({
        VolumeId: volumeId,
        Description: name,
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: name }] }],
      }),
    );
    const snapshotId = snapshot.SnapshotId ?? '';
    await waitUntilSnapshotCompleted(
      { client: this.clients.ec2, maxWaitTime: WAIT_SECONDS },
      { SnapshotIds: [snapshotId] },
    );
    return snapshotId;
  }

  async setDeletionProtection(instanceId: string, enabled: boolean): Promise<void> {
    await this.clients.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: instanceId,
        DeletionProtection: enabled,
        ApplyImmediately: true,
      }),
    );
  }

  async deleteDatabase(instanceId: string): Promise<DeleteOutcome> {
    return deleting(async () => {
      await this.clients.rds.send(
        new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId, SkipFinalSnapshot: true }),
      );
      await waitUntilDBInstanceDeleted(
        { client: this.clients.rds, maxWaitTime: WAIT_SECONDS },
        { DBInstanceIdentifier: instanceId },
      );
    });
  }

  /** Object storage is versioned: deleting the current objects would only add delete markers. */
  async emptyBucket(name: string): Promise<number> {
    try {
      return await this.deleteEveryVersion(name);
    } catch (error) {
      if ((error as Error).name === 'NoSuchBucket') return 0;
      throw error;
    }
  }

  private async deleteEveryVersion(name: string): Promise<number> {
    let deleted = 0;
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.clients.s3.send(
        new ListObjectVersionsCommand({
          Bucket: name,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(
        (version) => ({ Key: version.Key ?? '', VersionId: version.VersionId ?? 'null' }),
      );
      for (let start = 0; start < objects.length; start += DELETE_BATCH) {
        const batch = objects.slice(start, start + DELETE_BATCH);
        const answer = await this.clients.s3.send(
          new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: batch, Quiet: true } }),
        );
        const failed = answer.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new Error(
            `${failed.length} object versions of ${name} not deleted, first ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim(),
          );
        }
        deleted += batch.length;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return deleted;
  }

  async deleteBucket(name: string): Promise<DeleteOutcome> {
    return deleting(() => this.clients.s3.send(new DeleteBucketCommand({ Bucket: name })));
  }

  async deleteSecret(name: string): Promise<DeleteOutcome> {
    return deleting(() =>
      this.clients.secretsManager.send(
        new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }),
      ),
    );
  }

  async deleteVolume(volumeId: string): Promise<DeleteOutcome> {
    return deleting(() => this.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId })));
  }

  async deleteLogGroup(name: string): Promise<DeleteOutcome> {
    return deleting(() => this.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: name })));
  }
}
