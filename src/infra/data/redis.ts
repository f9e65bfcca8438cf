/**
 * ElastiCache replication groups, one per Redis role of the Plan (one `redis`, or `redis-cache` and
 * `redis-persistent` from 10k up). Cluster mode disabled (GitLab does not support Redis Cluster),
 * Multi-AZ with automatic failover, replicas in the other AZs, encryption in transit and at rest, and
 * an AUTH token from Secrets Manager.
 *
 * GitLab 19 requires Redis 7.2 or Valkey 7.2 (doc/install/requirements.md, "Redis", in the
 * skratsch-solutions/gitlabhq mirror at 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4); the Plan picks
 * the engine and version.
 */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PORTS } from '../../catalog/ports.js';
import { resourceName } from '../../plan/contracts.js';
import type { ElastiCacheService } from '../../plan/types.js';
import { acknowledge } from '../common.js';
import type { RemovalPolicyOf } from '../removal-policy.js';

export interface RedisProps {
  /** The environment's name (the spec's), which prefixes the replication group id. */
  readonly environmentName: string;
  /** The Plan's ElastiCache service this replication group implements, with its members and their AZs. */
  readonly service: ElastiCacheService;
  /** Subnet group of the private subnets (shared by every replication group). */
  readonly subnetGroup: elasticache.CfnSubnetGroup;
  /** The Redis tier's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Key encrypting data at rest and snapshots. */
  readonly encryptionKey: kms.IKey;
  /** Secret holding the AUTH token. */
  readonly authToken: secretsmanager.ISecret;
  /** What deleting the stack does to the replication group, by Plan id (`elasticache-<service>`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/** Short suffix per role: replication group ids are limited to 40 characters. */
const ID_SUFFIX: Record<ElastiCacheService['role'], string> = {
  redis: 'redis',
  'redis-cache': 'cache',
  'redis-persistent': 'persist',
};

/**
 * Eviction policy GitLab documents per Redis role: the cache instance evicts least recently used
 * keys; instances holding sessions and job queues must never evict.
 */
const EVICTION_POLICY: Record<ElastiCacheService['role'], string> = {
  redis: 'noeviction',
  'redis-cache': 'allkeys-lru',
  'redis-persistent': 'noeviction',
};

export class Redis extends Construct {
  /** The Redis role of the Plan this group serves. */
  readonly role: ElastiCacheService['role'];
  /** The replication group. */
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** Replication group id, also the prefix of its member cache cluster ids (`<id>-001`...). */
  readonly replicationGroupId: string;
  /** Number of cache clusters (primary plus replicas). */
  readonly memberCount: number;
  /** Plan ids of the members, in cache cluster order. */
  private readonly memberPlanIds: readonly string[];

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const { environmentName, service } = props;
    this.role = service.role;
    this.replicationGroupId = resourceName(environmentName, ID_SUFFIX[service.role]);
    this.memberCount = service.members.length;
    this.memberPlanIds = service.members.map((member) => member.id);
    const family = `${service.engine}${service.engineVersion.split('.')[0]}`;
    const parameters = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: family,
      description: `${environmentName} ${service.role}`,
      properties: { 'maxmemory-policy': EVICTION_POLICY[service.role] },
    });
    // Cache clusters in member order (`-001` first), each where the Plan pins it.
    const zones = service.members.flatMap((member) =>
      member.availabilityZone !== undefined ? [member.availabilityZone] : [],
    );
    if (zones.length !== 0 && zones.length !== this.memberCount) {
      throw new Error(`ElastiCache ${service.id}: pin every member to an AZ or none`);
    }
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: this.replicationGroupId,
      replicationGroupDescription: `${environmentName} ${service.role}`,
      engine: service.engine,
      engineVersion: service.engineVersion,
      cacheNodeType: service.nodeType,
      cacheParameterGroupName: parameters.ref,
      cacheSubnetGroupName: props.subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      port: PORTS.redis,
      numCacheClusters: this.memberCount,
      ...(zones.length > 0 ? { preferredCacheClusterAZs: zones } : {}),
      multiAzEnabled: service.multiAz,
      automaticFailoverEnabled: service.automaticFailover,
      transitEncryptionEnabled: service.transitEncryption,
      atRestEncryptionEnabled: service.atRestEncryption,
      kmsKeyId: props.encryptionKey.keyArn,
      // A {{resolve:secretsmanager:...}} reference: CloudFormation reads the token at deploy time and
      // the value never appears in the template.
      authToken: props.authToken.secretValue.unsafeUnwrap(),
      snapshotRetentionLimit: service.snapshotRetentionDays,
      // Minor versions change behaviour GitLab depends on; the operator decides when.
      autoMinorVersionUpgrade: false,
    });
    this.replicationGroup.applyRemovalPolicy(props.removalPolicyOf(`elasticache-${service.id}`));
    acknowledge(this.replicationGroup, [
      {
        id: 'AwsSolutions-AEC5',
        reason: `GitLab and its tooling default to ${PORTS.redis}; the security group, not the port number, limits who connects (only the application tiers).`,
      },
    ]);
  }

  /** Primary endpoint address (a CloudFormation token at synth). */
  get primaryHost(): string {
    return this.replicationGroup.attrPrimaryEndPointAddress;
  }

  /** Member cache cluster ids, for per-node CloudWatch metrics. */
  get memberIds(): string[] {
    return [...this.cacheClusterIds.values()];
  }

  /** Cache cluster id (`<replication group>-001`...) of each Plan member id, in member order. */
  get cacheClusterIds(): ReadonlyMap<string, string> {
    return new Map(
      this.memberPlanIds.map((memberId, index) => [
        memberId,
        `${this.replicationGroupId}-${String(index + 1).padStart(3, '0')}`,
      ]),
    );
  }
}
