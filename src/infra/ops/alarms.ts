/**
 * Alarms and notifications: CloudWatch alarms on the 5xx rate, unhealthy load balancer targets, RDS
 * CPU and storage and every Redis node's memory, and auto scaling launches and terminations, all to
 * one encrypted SNS topic (with the spec's e-mail subscribed).
 *
 * Added to the scope it is given rather than to a construct of its own: these resources were first
 * created directly under `Operations`, and a construct level of their own would change their logical
 * ids, which makes CloudFormation replace them.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { ApplicationLogs } from './application-logs.js';

export interface AlarmsProps {
  /** The environment's name (the spec's), for descriptions. */
  readonly environmentName: string;
  /** Address subscribed to the alarm topic, when the spec gives one. */
  readonly alarmEmail?: string;
  /** External HTTP and SSH target groups to watch for unhealthy hosts. */
  readonly targetGroups: readonly elbv2.NetworkTargetGroup[];
  /** The RDS primary. */
  readonly database: rds.IDatabaseInstance;
  /** Allocated RDS storage in GiB, for the free-storage threshold. */
  readonly databaseStorageGiB: number;
  /** Cache cluster ids of every Redis node, for per-node memory alarms. */
  readonly redisMemberIds: readonly string[];
  /** Request and 5xx metrics, where the Plan has NGINX nodes shipping logs. */
  readonly applicationLogs?: ApplicationLogs;
  /** Names of the auto scaling groups whose activity is reported. */
  readonly autoScalingGroupNames: readonly string[];
}

export interface Alarms {
  /** Topic every alarm and scaling event goes to. */
  readonly alarmTopic: sns.Topic;
  /** The alarms, by name. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
}

/** Adds the alarm topic, the alarms and the scaling-event rule to `scope` (see the file comment). */
export function addAlarms(scope: Construct, props: AlarmsProps): Alarms {
  const topicKey = new kms.Key(scope, 'AlarmTopicKey', {
    description: `${props.environmentName}: alarm topic`,
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
  const alarmTopic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: `${props.environmentName} GitLab alarms`,
    masterKey: topicKey,
    enforceSSL: true,
  });
  if (props.alarmEmail) {
    alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
  }
  const action = new cloudwatchActions.SnsAction(alarmTopic);
  const alarms = new Map<string, cloudwatch.Alarm>();
  const alarm = (name: string, alarmProps: cloudwatch.AlarmProps) => {
    const created = new cloudwatch.Alarm(scope, name, alarmProps);
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
  for (const member of props.redisMemberIds) {
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

  if (props.autoScalingGroupNames.length > 0) {
    new events.Rule(scope, 'ScalingEvents', {
      description: `${props.environmentName}: failed and completed launches and terminations of GitLab nodes`,
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
      targets: [new eventsTargets.SnsTopic(alarmTopic)],
    });
  }
  return { alarmTopic, alarms };
}
