/**
 * RDS for PostgreSQL: one Multi-AZ DB instance (a primary and a synchronous standby in another AZ),
 * as GitLab's AWS guide sets it up. Not Aurora: GitLab does not support Aurora PostgreSQL. One per
 * RDS service of the Plan: GitLab's, and Praefect's own with a Gitaly Cluster.
 *
 * The parameter groups hold what the Plan decides (plan/resolve/database.ts): GitLab's required
 * settings on the instance, and on its read replicas also `hot_standby_feedback`, in a group of
 * their own.
 *
 * The major version is the Plan's. GitLab 19.x requires PostgreSQL 17.x as both minimum and maximum
 * (doc/install/requirements.md, "Supported versions", in the skratsch-solutions/gitlabhq mirror at
 * 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4), and RDS offers 17.
 */
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PORTS } from '../../catalog/ports.js';
import type { RdsService } from '../../plan/types.js';
import { acknowledge, instanceTypeOf, tagNode } from '../common.js';
import type { RemovalPolicyOf } from '../removal-policy.js';

export interface DatabaseProps {
  /** The environment's name (the spec's), for descriptions. */
  readonly environmentName: string;
  /** The Plan's RDS service, with its members and where each runs. */
  readonly service: RdsService;
  /** The VPC whose private subnets hold the database. */
  readonly vpc: ec2.IVpc;
  /** The database tier's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Key encrypting storage, snapshots and Performance Insights. */
  readonly encryptionKey: kms.IKey;
  /** Secret holding the master username (the Plan's database user) and password. */
  readonly credentials: secretsmanager.ISecret;
  /** What deleting the stack does to each instance, by Plan id (`rds-<service>`, `rds-<member>`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

export class Database extends Construct {
  /** The Multi-AZ primary. */
  readonly instance: rds.DatabaseInstance;
  /** Read replicas for database load balancing (10k and up), each in its own AZ. */
  readonly readReplicas: readonly rds.DatabaseInstanceReadReplica[];
  /** Every instance by Plan member id: the primary (its standby has no instance of its own) and the replicas. */
  readonly members: ReadonlyMap<string, rds.DatabaseInstanceBase>;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { service, vpc, securityGroup, encryptionKey } = props;
    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(service.engineVersion, service.engineVersion.split('.')[0]!),
    });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `${props.environmentName} ${service.role}`,
      parameters: { ...service.parameters },
    });
    const database = service.databases[0];
    if (!database) throw new Error(`the Plan's RDS service ${service.id} has no database`);
    tagNode(this, service.role);
    const storageType = STORAGE_TYPES[service.storageType];
    // One Enhanced Monitoring role shared by the primary and its replicas.
    const monitoringRole = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole'),
      ],
    });
    acknowledge(monitoringRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy RDS Enhanced Monitoring requires; it only writes to the RDSOSMetrics log group.',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole',
        ],
      },
    ]);
    const subnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType: instanceTypeOf(service.instanceClass),
      vpc,
      vpcSubnets: subnets,
      securityGroups: [securityGroup],
      port: PORTS.postgres,
      multiAz: service.multiAz,
      databaseName: database.name,
      credentials: rds.Credentials.fromSecret(props.credentials),
      parameterGroup,
      allocatedStorage: service.storageGiB,
      maxAllocatedStorage: service.maxStorageGiB,
      storageType,
      ...(service.iops !== undefined ? { iops: service.iops } : {}),
      storageEncrypted: true,
      storageEncryptionKey: encryptionKey,
      // GitLab supports specific minor versions; upgrades happen when the operator decides.
      autoMinorVersionUpgrade: false,
      allowMajorVersionUpgrade: false,
      backupRetention: Duration.days(service.backupRetentionDays),
      copyTagsToSnapshot: true,
      deletionProtection: service.deletionProtection,
      removalPolicy: props.removalPolicyOf(`rds-${service.id}`),
      publiclyAccessible: false,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      monitoringInterval: Duration.seconds(60),
      monitoringRole,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: encryptionKey,
    });
    suppressDatabaseFindings(this.instance);

    // Each replica runs where the Plan pins it (src/plan/service-members.ts).
    const replicaMembers = service.members.filter((member) => member.role === 'read-replica');
    const replicaParameterGroup =
      replicaMembers.length > 0
        ? new rds.ParameterGroup(this, 'ReplicaParameters', {
            engine,
            description: `${props.environmentName} ${service.role} read replicas`,
            parameters: { ...service.replicaParameters },
          })
        : undefined;
    this.readReplicas = replicaMembers.map((member, index) => {
      const replica = new rds.DatabaseInstanceReadReplica(this, `ReadReplica${index + 1}`, {
        sourceDatabaseInstance: this.instance,
        instanceType: instanceTypeOf(service.instanceClass),
        vpc,
        vpcSubnets: subnets,
        ...(member.availabilityZone !== undefined ? { availabilityZone: member.availabilityZone } : {}),
        securityGroups: [securityGroup],
        port: PORTS.postgres,
        parameterGroup: replicaParameterGroup,
        storageType,
        ...(service.iops !== undefined ? { iops: service.iops } : {}),
        // Encryption is inherited from the primary (same key); CloudFormation refuses it on a replica.
        autoMinorVersionUpgrade: false,
        deletionProtection: service.deletionProtection,
        removalPolicy: props.removalPolicyOf(`rds-${member.id}`),
        publiclyAccessible: false,
        cloudwatchLogsExports: ['postgresql', 'upgrade'],
        monitoringInterval: Duration.seconds(60),
        monitoringRole,
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: encryptionKey,
      });
      suppressDatabaseFindings(replica);
      acknowledge(replica, [
        {
          id: 'AwsSolutions-RDS2',
          reason:
            "A read replica is encrypted with the primary's key by RDS itself; CloudFormation rejects StorageEncrypted on a replica.",
        },
        {
          id: 'AwsSolutions-RDS3',
          reason:
            "Replicas only serve reads for GitLab's database load balancing, which drops a failed replica from rotation; availability comes from the Multi-AZ primary, and each replica sits in its own AZ.",
        },
      ]);
      return replica;
    });
    const primary = service.members.find((member) => member.role === 'primary');
    if (!primary) throw new Error(`the Plan's RDS service ${service.id} has no primary`);
    this.members = new Map<string, rds.DatabaseInstanceBase>([
      [primary.id, this.instance],
      ...replicaMembers.map((member, index) => [member.id, this.readReplicas[index]!] as const),
    ]);
  }

  /** Endpoint host of the primary (a CloudFormation token at synth). */
  get host(): string {
    return this.instance.instanceEndpoint.hostname;
  }

  /** Endpoint port of the primary. */
  get port(): string {
    return this.instance.dbInstanceEndpointPort;
  }

  /** Endpoint host of each read replica, by Plan member id. */
  get replicaHosts(): Record<string, string> {
    return Object.fromEntries(
      [...this.members]
        .filter(([, instance]) => instance !== this.instance)
        .map(([id, instance]) => [id, instance.instanceEndpoint.hostname]),
    );
  }
}

const STORAGE_TYPES: Record<RdsService['storageType'], rds.StorageType> = {
  gp3: rds.StorageType.GP3,
  io1: rds.StorageType.IO1,
  io2: rds.StorageType.IO2,
};

function suppressDatabaseFindings(instance: rds.DatabaseInstanceBase): void {
  acknowledge(instance, [
    {
      id: 'AwsSolutions-RDS6',
      reason:
        'GitLab authenticates to PostgreSQL with a password (database.yml); it has no support for IAM database authentication tokens.',
    },
    {
      id: 'AwsSolutions-RDS11',
      reason: `GitLab, Praefect and their tooling default to ${PORTS.postgres}; the security group, not the port number, limits who connects (only the application tiers).`,
    },
  ]);
}
