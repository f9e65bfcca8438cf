/**
 * The data stack: keys, secrets, RDS, ElastiCache, S3 (its access-log bucket is the network stack's) and
 * Gitaly volumes; everything whose loss loses data, so `destroy` keeps it by default. The alarms on
 * its databases and Redis nodes are built here too, and what AWS Backup backs up carries the tag the
 * ops stack's backup selection picks: the ops stack names nothing of this stack's, so it does not
 * wait for the databases.
 */
import { Duration, Stack, Tags } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { awsBackupTag } from '../../plan/contracts.js';
import { type DataEndpointId, planDataEndpoints, readReplicaDnsName } from '../../plan/data-endpoints.js';
import { nodesWithDataVolume, serviceOf, servicesOf } from '../../plan/query.js';
import { alarmStack, alarmTopicName } from '../../plan/stacks.js';
import type { ElastiCacheService, Plan, RdsService, S3Service } from '../../plan/types.js';
import { Database } from '../data/database.js';
import { ObjectStorage } from '../data/object-storage.js';
import { Redis } from '../data/redis.js';
import { GitLabSecrets } from '../data/secrets.js';
import { GitLabEmail } from '../email.js';
import { GitalyVolumes } from '../gitaly/gitaly.js';
import { dimensionValueOf } from '../ops/alarm-dimensions.js';
import { addNotifyingAlarms, alarmTopicByArn } from '../ops/alarms.js';
import { removalPolicies } from '../removal-policy.js';
import { EncryptionKeys } from '../security.js';
import type { GitLabStackProps } from './gitlab-stack.js';

export interface DataStackProps extends GitLabStackProps {
  /** The VPC whose private subnets hold RDS and ElastiCache. */
  readonly vpc: ec2.IVpc;
  /** Security group of the database tier; absent when the Plan has no RDS (1k: bundled PostgreSQL). */
  readonly databaseSecurityGroup?: ec2.ISecurityGroup;
  /** Security group of Praefect's database, when the Plan has a Gitaly Cluster. */
  readonly praefectDatabaseSecurityGroup?: ec2.ISecurityGroup;
  /** Security group of the Redis tier; absent when the Plan has no ElastiCache. */
  readonly redisSecurityGroup?: ec2.ISecurityGroup;
  /** Bucket receiving the buckets' server access logs (in the network stack). */
  readonly accessLogBucket: s3.IBucket;
  /** The environment's private zone, where each read replica gets its stable name. */
  readonly privateZone: route53.IHostedZone;
}

export class DataStack extends Stack {
  /** One KMS key per kind of data. */
  readonly keys: EncryptionKeys;
  readonly secrets: GitLabSecrets;
  /** GitLab's database on RDS, unless the Plan's database is bundled on the 1k node. */
  readonly database?: Database;
  /** Praefect's own database, with a Gitaly Cluster. */
  readonly praefectDatabase?: Database;
  /** Outbound e-mail through Amazon SES, when the Plan sends e-mail. */
  readonly email?: GitLabEmail;
  /** One replication group per Redis role of the Plan. */
  readonly redis: readonly Redis[];
  readonly objectStorage: ObjectStorage;
  /** The data volumes of Gitaly nodes and of the 1k node. */
  readonly gitalyVolumes: GitalyVolumes;
  /** The parameter publishing each data service's endpoint (`host:port`) to the boot scripts. */
  readonly endpointParameters: ReadonlyMap<DataEndpointId, ssm.StringParameter>;
  /** Each database primary's stable name in the private zone, by data endpoint id. */
  readonly databaseRecords: ReadonlyMap<DataEndpointId, route53.CnameRecord>;
  /** Each read replica's name in the private zone, by Plan member id. */
  readonly replicaRecords: ReadonlyMap<string, route53.CnameRecord>;
  /** The alarms on this stack's databases and Redis nodes, which notify the alarm topic, by Plan alarm id. */
  readonly notifyingAlarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { plan, vpc, databaseSecurityGroup, redisSecurityGroup } = props;
    const environmentName = plan.spec.name;
    const removalPolicyOf = removalPolicies(plan.statefulResources);
    const databases = servicesOf<RdsService>(plan, 'rds');
    const database = databases.find((service) => service.role === 'postgres');
    const praefectDatabase = databases.find((service) => service.role === 'praefect-postgres');
    this.keys = new EncryptionKeys(this, 'Keys', { environmentName, removalPolicyOf });
    this.secrets = new GitLabSecrets(this, 'Secrets', {
      secrets: plan.secrets,
      databases: databases.flatMap((service) => service.databases),
      encryptionKey: this.keys.secrets,
      encryptionKeyAlias: this.keys.aliases.secrets,
      removalPolicyOf,
    });
    if (plan.email) this.email = new GitLabEmail(this, 'Email', { email: plan.email, removalPolicyOf });
    if (database) {
      if (!databaseSecurityGroup)
        throw new Error('the Plan has RDS but the database tier has no security group');
      this.database = new Database(this, 'Database', {
        environmentName,
        service: database,
        vpc,
        securityGroup: databaseSecurityGroup,
        encryptionKey: this.keys.database,
        credentials: this.secrets.secret('database-password'),
        removalPolicyOf,
      });
    }
    if (praefectDatabase) {
      if (!props.praefectDatabaseSecurityGroup)
        throw new Error("Praefect's database needs the praefect-database security group");
      // Praefect is the master user of its own instance and owns the database RDS creates there.
      this.praefectDatabase = new Database(this, 'PraefectDatabase', {
        environmentName,
        service: praefectDatabase,
        vpc,
        securityGroup: props.praefectDatabaseSecurityGroup,
        encryptionKey: this.keys.database,
        credentials: this.secrets.secret('praefect-database-password'),
        removalPolicyOf,
      });
    }
    const caches = servicesOf<ElastiCacheService>(plan, 'elasticache');
    if (caches.length > 0 && !redisSecurityGroup) {
      throw new Error('the Plan has ElastiCache but the Redis tier has no security group');
    }
    const redisSubnets =
      caches.length > 0
        ? new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
            description: `${environmentName} Redis`,
            subnetIds: vpc.privateSubnets.map((subnet) => subnet.subnetId),
          })
        : undefined;
    this.redis = caches.map(
      (service) =>
        new Redis(this, `Redis-${service.role}`, {
          environmentName,
          service,
          subnetGroup: redisSubnets!,
          securityGroup: redisSecurityGroup!,
          encryptionKey: this.keys.cache,
          authToken: this.secrets.secret('redis-auth-token'),
          removalPolicyOf,
        }),
    );
    this.objectStorage = new ObjectStorage(this, 'ObjectStorage', {
      service: serviceOf<S3Service>(plan, 's3'),
      encryptionKey: this.keys.objectStorage,
      encryptionKeyAlias: this.keys.aliases.objectstorage,
      removalPolicyOf,
      logBucket: props.accessLogBucket,
    });
    this.gitalyVolumes = new GitalyVolumes(this, 'GitalyVolumes', {
      nodes: nodesWithDataVolume(plan),
      environmentName,
      encryptionKey: this.keys.volumes,
      encryptionKeyAlias: this.keys.aliases.volumes,
      removalPolicyOf,
    });

    // Each database's stable name (src/plan/data-endpoints.ts), pointed at its instance once RDS
    // has created it: the nodes' settings name it from the start.
    const serviceHost = (id: DataEndpointId): string => {
      if (id === 'database' && this.database) return this.database.host;
      if (id === 'praefect-database' && this.praefectDatabase) return this.praefectDatabase.host;
      const redis = this.redis.find((candidate) => candidate.role === id);
      if (redis) return redis.primaryHost;
      throw new Error(`the data stack has no ${id} service`);
    };
    const endpoints = planDataEndpoints(plan);
    this.databaseRecords = new Map(
      endpoints.flatMap((endpoint) =>
        endpoint.stableHost === undefined
          ? []
          : [
              [
                endpoint.id,
                new route53.CnameRecord(this, `DatabaseName-${endpoint.id}`, {
                  zone: props.privateZone,
                  recordName: endpoint.stableHost,
                  domainName: serviceHost(endpoint.id),
                  ttl: Duration.seconds(60),
                }),
              ] as const,
            ],
      ),
    );
    // Each service's endpoint, for the boot scripts (src/plan/data-endpoints.ts). A parameter
    // references its service (or depends on the database's name), so CloudFormation writes it once
    // the service is available and, for a database, its name resolves: a node that finds the
    // parameter finds a service that accepts connections there. The compute stack names the
    // parameters and imports nothing, so it starts beside this stack.
    this.endpointParameters = new Map(
      endpoints.map((endpoint) => {
        const parameter = new ssm.StringParameter(this, `Endpoint-${endpoint.id}`, {
          parameterName: endpoint.parameterName,
          stringValue: `${endpoint.stableHost ?? serviceHost(endpoint.id)}:${endpoint.port}`,
          description: `${environmentName}: where the ${endpoint.id} service answers (host:port), for the boot scripts`,
        });
        const record = this.databaseRecords.get(endpoint.id);
        if (record) parameter.node.addDependency(record);
        return [endpoint.id, parameter] as const;
      }),
    );
    // Each read replica's stable name, pointed at the replica once it exists (15 min after the
    // primary). gitlab.rb lists these names from the start, so Rails never waits for a replica.
    this.replicaRecords = new Map(
      Object.entries(this.database?.replicaHosts ?? {}).map(([memberId, host]) => [
        memberId,
        new route53.CnameRecord(this, `ReplicaName-${memberId}`, {
          zone: props.privateZone,
          recordName: readReplicaDnsName(plan, memberId),
          domainName: host,
          ttl: Duration.seconds(60),
        }),
      ]),
    );

    this.notifyingAlarms = this.addAlarms(plan);
    this.tagForAwsBackup(plan);
  }

  /**
   * The Plan's alarms on the databases and Redis nodes (`alarmStack`), notifying the ops stack's
   * topic by its ARN: a reference would make ops wait for this stack, and ops must not wait for RDS.
   */
  private addAlarms(plan: Plan): ReadonlyMap<string, cloudwatch.Alarm> {
    const scope = new Construct(this, 'Alarms');
    const databases = [this.database, this.praefectDatabase].flatMap((database) =>
      database ? [database] : [],
    );
    const alarms = addNotifyingAlarms(
      scope,
      plan.alarms.filter((alarm) => alarmStack(plan, alarm) === 'data'),
      dimensionValueOf({
        databaseMembers: new Map(databases.flatMap((database) => [...database.members])),
        cacheClusterIds: new Map(this.redis.flatMap((redis) => [...redis.cacheClusterIds])),
      }),
      alarmTopicByArn(scope, 'Topic', alarmTopicName(plan)),
    );
    // An ops stack an earlier release deployed imports each primary's identifier for the alarms now
    // built here; data and ops update side by side, so this stack keeps exporting them until that ops
    // stack no longer imports them, or CloudFormation would refuse to remove an export in use.
    for (const database of databases) this.exportValue(database.instance.instanceIdentifier);
    return alarms;
  }

  /**
   * Tags what AWS Backup snapshots on the spec's schedule, which the ops stack's selection picks by
   * that tag (`awsBackupTag`): the RDS primaries (a read replica holds nothing its primary does not)
   * and the data volumes, and nothing else, not even the primaries' subnet groups.
   */
  private tagForAwsBackup(plan: Plan): void {
    const { key, value } = awsBackupTag(plan);
    const backedUp = [
      ...[this.database, this.praefectDatabase].flatMap((database) => (database ? [database.instance] : [])),
      ...this.gitalyVolumes.volumes.values(),
    ];
    for (const resource of backedUp)
      Tags.of(resource).add(key, value, {
        includeResourceTypes: ['AWS::RDS::DBInstance', 'AWS::EC2::Volume'],
      });
  }
}
