/**
 * Running the environment: admin access (Session Manager by default, or two bastion hosts), the
 * Prometheus monitoring node, application logs with a 5xx metric, CloudWatch alarms to an SNS
 * topic, and an AWS Backup plan for RDS and the Gitaly volumes on the spec's schedule.
 */
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BACKUP_ROLE_OUTPUT, BACKUP_VAULT_OUTPUT } from '../plan/contracts.js';
import type { Plan, PlanNode } from '../plan/types.js';
import { acknowledge } from './common.js';
import type { Redis } from './data/redis.js';
import { type BootScript, createFixedNodes, FixedNode } from './fixed-node.js';

interface NodeInfrastructure {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** Subnet of a tier in an AZ. */
  readonly subnetIn: (tier: 'public' | 'private', availabilityZone: string) => ec2.ISubnet;
  /** The nodes' tier security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The nodes' instance role. */
  readonly role: iam.IRole;
  /** Key encrypting root volumes. */
  readonly volumeKey: kms.IKey;
  /** Boot script per node, from the config layer. */
  readonly bootScript?: (node: PlanNode) => BootScript;
  /** Private zone for nodes the Plan names. */
  readonly privateZone?: route53.IHostedZone;
}

export interface BastionsProps extends NodeInfrastructure {
  /** The Plan's bastion nodes (one per public subnet of the first two AZs). */
  readonly nodes: readonly PlanNode[];
}

/** Two bastion hosts with Elastic IPs, when the spec asks for bastions instead of Session Manager. */
export class Bastions extends Construct {
  /** Bastion instances by node id. */
  readonly instances: ReadonlyMap<string, ec2.Instance>;
  /** Their Elastic IPs, by node id. */
  readonly addresses: ReadonlyMap<string, ec2.CfnEIP>;

  constructor(scope: Construct, id: string, props: BastionsProps) {
    super(scope, id);
    const instances = new Map<string, ec2.Instance>();
    const addresses = new Map<string, ec2.CfnEIP>();
    // Bastions get no private DNS name: they are reached from outside, by their addresses.
    const { privateZone: _privateZone, ...tier } = props;
    for (const [nodeId, bastion] of createFixedNodes(this, props.nodes, tier)) {
      // A fixed address survives instance replacement, so allow-lists naming it keep working.
      addresses.set(
        nodeId,
        new ec2.CfnEIP(this, `${nodeId}-address`, { domain: 'vpc', instanceId: bastion.instance.instanceId }),
      );
      instances.set(nodeId, bastion.instance);
    }
    this.instances = instances;
    this.addresses = addresses;
  }
}

export interface MonitoringServerProps extends NodeInfrastructure {
  /** The Plan's monitoring node. */
  readonly node: PlanNode;
}

/** The Prometheus node of the reference architecture; it finds scrape targets through EC2 service discovery. */
export class MonitoringServer extends Construct {
  /** The instance. */
  readonly instance: ec2.Instance;

  constructor(scope: Construct, id: string, props: MonitoringServerProps) {
    super(scope, id);
    const server = new FixedNode(this, 'Node', {
      node: props.node,
      vpc: props.vpc,
      subnet: props.subnetIn(props.node.subnet, props.node.availabilityZone),
      securityGroup: props.securityGroup,
      role: props.role,
      volumeKey: props.volumeKey,
      ...(props.privateZone ? { privateZone: props.privateZone } : {}),
      ...(props.bootScript ? { bootScript: props.bootScript(props.node) } : {}),
    });
    this.instance = server.instance;
    props.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeInstances', 'ec2:DescribeAvailabilityZones'],
        resources: ['*'],
      }),
    );
    acknowledge(props.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Prometheus EC2 service discovery calls ec2:DescribeInstances, which supports no resource-level permissions; it only reads instance metadata.',
        appliesTo: ['Resource::*'],
      },
    ]);
  }
}

export interface ApplicationLogsProps {
  /** The Plan (for names). */
  readonly plan: Plan;
}

/** The CloudWatch namespace of the metrics gitlab-aws derives from logs. */
export function metricsNamespace(plan: Plan): string {
  return `GitLabAws/${plan.spec.name}`;
}

/**
 * The log group NGINX access logs are shipped to (by the CloudWatch agent the config layer sets
 * up), and metric filters counting requests and 5xx responses for the error-rate alarm.
 */
export class ApplicationLogs extends Construct {
  /** `/gitlab-aws/<name>/nginx`. */
  readonly accessLogGroup: logs.LogGroup;
  /** Every request. */
  readonly requests: cloudwatch.Metric;
  /** Requests answered with a 5xx status. */
  readonly serverErrors: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: ApplicationLogsProps) {
    super(scope, id);
    const namespace = metricsNamespace(props.plan);
    this.accessLogGroup = new logs.LogGroup(this, 'NginxAccess', {
      logGroupName: `/gitlab-aws/${props.plan.spec.name}/nginx`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // NGINX's combined log format: brackets and quotes make the timestamp and request one field each.
    const fields = ['client', 'ident', 'user', 'timestamp', 'request', 'status', '...'];
    const filter = (metricName: string, pattern: logs.IFilterPattern) =>
      new logs.MetricFilter(this, metricName, {
        logGroup: this.accessLogGroup,
        metricNamespace: namespace,
        metricName,
        filterPattern: pattern,
        metricValue: '1',
        defaultValue: 0,
      });
    filter('Requests', logs.FilterPattern.spaceDelimited(...fields));
    filter('Http5xx', logs.FilterPattern.spaceDelimited(...fields).whereString('status', '=', '5*'));
    this.requests = new cloudwatch.Metric({
      namespace,
      metricName: 'Requests',
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
    this.serverErrors = new cloudwatch.Metric({
      namespace,
      metricName: 'Http5xx',
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
  }

  /** Lets a principal ship logs into the access log group (and nothing else). */
  grantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.accessLogGroup.grantWrite(grantee);
  }
}

export interface OperationsProps {
  /** The Plan (backup schedule and retention, alarm e-mail). */
  readonly plan: Plan;
  /** External HTTP and SSH target groups to watch for unhealthy hosts. */
  readonly targetGroups: readonly elbv2.NetworkTargetGroup[];
  /** The RDS primary. */
  readonly database: rds.DatabaseInstance;
  /** Allocated RDS storage in GiB, for the free-storage threshold. */
  readonly databaseStorageGiB: number;
  /** The Redis replication groups. */
  readonly redis: readonly Redis[];
  /** Request and 5xx metrics, where the Plan has NGINX nodes shipping logs. */
  readonly applicationLogs?: ApplicationLogs;
  /** Names of the auto scaling groups whose activity is reported. */
  readonly autoScalingGroupNames: readonly string[];
  /** ARNs of the resources AWS Backup backs up: the RDS instance and the Gitaly volumes. */
  readonly backupResources: readonly backup.BackupResource[];
}

export class Operations extends Construct {
  /** Topic every alarm and scaling event goes to. */
  readonly alarmTopic: sns.Topic;
  /** The alarms, by name. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The backup plan. */
  readonly backupPlan: backup.BackupPlan;
  /** The vault the backups go to (retained). */
  readonly backupVault: backup.BackupVault;
  /** The service role AWS Backup assumes, for the plan's jobs and the on-demand ones alike. */
  readonly backupRole: iam.Role;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { plan } = props;
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `${plan.spec.name}: alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch and EventBridge publish to the encrypted topic, so they need the key.
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
          new iam.ServicePrincipal('events.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${plan.spec.name} GitLab alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (plan.spec.monitoring.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(plan.spec.monitoring.alarmEmail));
    }
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    const alarms = new Map<string, cloudwatch.Alarm>();
    const alarm = (name: string, props: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, name, props);
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms.set(name, created);
    };

    if (props.applicationLogs) {
      alarm('ServerErrorRate', {
        alarmDescription: 'More than 5 % of GitLab requests answered 5xx',
        metric: new cloudwatch.MathExpression({
          expression: 'IF(requests > 0, 100 * errors / requests, 0)',
          usingMetrics: {
            requests: props.applicationLogs.requests,
            errors: props.applicationLogs.serverErrors,
          },
          period: Duration.minutes(1),
        }),
        threshold: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    props.targetGroups.forEach((targetGroup, index) => {
      alarm(`UnhealthyHosts${index + 1}`, {
        alarmDescription: 'A load balancer target failed its health check',
        metric: targetGroup.metrics.unHealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    });
    alarm('DatabaseCpu', {
      alarmDescription: 'RDS CPU above 80 % for 15 minutes',
      metric: props.database.metricCPUUtilization({ period: Duration.minutes(5) }),
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    alarm('DatabaseFreeStorage', {
      alarmDescription: 'RDS free storage below 10 % of the allocated storage',
      metric: props.database.metricFreeStorageSpace({ period: Duration.minutes(5), statistic: 'Minimum' }),
      threshold: props.databaseStorageGiB * 1024 ** 3 * 0.1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });
    for (const redis of props.redis) {
      for (const member of redis.memberIds) {
        alarm(`RedisMemory-${member}`, {
          alarmDescription: `ElastiCache ${member} memory use above 80 %`,
          metric: new cloudwatch.Metric({
            namespace: 'AWS/ElastiCache',
            metricName: 'DatabaseMemoryUsagePercentage',
            dimensionsMap: { CacheClusterId: member },
            statistic: 'Maximum',
            period: Duration.minutes(5),
          }),
          threshold: 80,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 2,
        });
      }
    }
    this.alarms = alarms;

    if (props.autoScalingGroupNames.length > 0) {
      new events.Rule(this, 'ScalingEvents', {
        description: `${plan.spec.name}: failed and completed launches and terminations of GitLab nodes`,
        eventPattern: {
          source: ['aws.autoscaling'],
          detailType: [
            'EC2 Instance Launch Successful',
            'EC2 Instance Launch Unsuccessful',
            'EC2 Instance Terminate Successful',
            'EC2 Instance Terminate Unsuccessful',
          ],
          detail: { AutoScalingGroupName: [...props.autoScalingGroupNames] },
        },
        targets: [new eventsTargets.SnsTopic(this.alarmTopic)],
      });
    }

    const vaultKey = new kms.Key(this, 'BackupVaultKey', {
      description: `${plan.spec.name}: AWS Backup vault`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.backupVault = new backup.BackupVault(this, 'BackupVault', {
      encryptionKey: vaultKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.backupPlan = new backup.BackupPlan(this, 'BackupPlan', {
      backupVault: this.backupVault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'scheduled',
          scheduleExpression: events.Schedule.expression(plan.spec.backups.schedule),
          deleteAfter: Duration.days(plan.spec.backups.retentionDays),
        }),
      ],
    });
    // A role of our own rather than the selection's default one, so `backup` can name it in
    // on-demand jobs (StartBackupJob needs IamRoleArn); the selection attaches the backup policy.
    this.backupRole = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: `${plan.spec.name}: AWS Backup snapshots of RDS and the Gitaly volumes`,
    });
    this.backupPlan.addSelection('DataSelection', {
      resources: [...props.backupResources],
      role: this.backupRole,
    });
    new CfnOutput(this, BACKUP_VAULT_OUTPUT, {
      key: BACKUP_VAULT_OUTPUT,
      value: this.backupVault.backupVaultName,
      description: 'AWS Backup vault of the scheduled and on-demand backups',
    });
    new CfnOutput(this, BACKUP_ROLE_OUTPUT, {
      key: BACKUP_ROLE_OUTPUT,
      value: this.backupRole.roleArn,
      description: 'Role AWS Backup assumes for on-demand backup jobs',
    });
    acknowledge(this.backupRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSBackupServiceRolePolicyForBackup is the AWS-maintained policy AWS Backup needs to snapshot RDS and EBS; its scope follows the service.',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
        ],
      },
    ]);
  }
}
