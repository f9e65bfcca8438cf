/**
 * Alarms and notifications: the Plan's alarms that notify (5xx rate, unhealthy load balancer
 * targets, RDS CPU and storage, every Redis node's memory), and auto scaling launches and
 * terminations, all to one encrypted SNS topic (with the spec's e-mail subscribed). The ops stack
 * holds the topic; an alarm on a compute resource, and the scaling-event rule, are built in the
 * compute stack, an alarm on a database or Redis node in the data stack (`alarmStack`,
 * src/plan/stacks.ts), and those name the topic by its ARN (`alarmTopicByArn`).
 *
 * Added to the scope it is given rather than to a construct of its own: these resources were first
 * created directly under `Operations`, and a construct level of their own would change their logical
 * ids, which makes CloudFormation replace them.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { PORTS } from '../../catalog/ports.js';
import type { AlarmPlan } from '../../plan/types.js';
import type { RemovalPolicyOf } from '../removal-policy.js';
import { type DimensionValue, dimensionOf, planAlarm } from './plan-alarm.js';

export interface AlarmsProps {
  /** The environment's name (the spec's), for descriptions. */
  readonly environmentName: string;
  /** Name of the alarm topic, by which the compute stack's alarms name it (`alarmTopicName`). */
  readonly topicName: string;
  /** Address subscribed to the alarm topic, when the spec gives one. */
  readonly alarmEmail?: string;
  /** The Plan's alarms that notify the topic and are built in this stack. */
  readonly alarms: readonly AlarmPlan[];
  /** The AWS names behind the Plan ids the alarms' dimensions name. */
  readonly dimensionValue: DimensionValue;
  /** Whether another stack's EventBridge rule publishes scaling events to the topic. */
  readonly scalingEvents: boolean;
  /** What deleting the stack does to the alarm topic's key, by Plan id (`kms-key-alarm-topic`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

export interface Alarms {
  /** Topic every alarm and scaling event goes to. */
  readonly alarmTopic: sns.Topic;
  /** The alarms, by Plan alarm id. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
}

/**
 * Construct ids the alarms had before the Plan listed them, kept so that CloudFormation updates
 * them in place; alarms added since are named after their Plan id.
 */
function constructIdOf(alarm: AlarmPlan, value: DimensionValue): string {
  const { namespace, name } = alarm.metric;
  if (name === 'Http5xx') return 'ServerErrorRate';
  // GitLab's database kept its ids; Praefect's came later and is named after its Plan ids.
  if (namespace === 'AWS/RDS' && alarm.role === 'postgres' && name === 'CPUUtilization') return 'DatabaseCpu';
  if (namespace === 'AWS/RDS' && alarm.role === 'postgres' && name === 'FreeStorageSpace')
    return 'DatabaseFreeStorage';
  if (namespace === 'AWS/ElastiCache')
    return `RedisMemory-${value(dimensionOf(alarm, 'CacheClusterId'), alarm.metric)}`;
  if (namespace === 'AWS/NetworkELB' && alarm.role === 'external-load-balancer') {
    // The HTTP target group was the first watched, SSH's the second; later ones go by their Plan id.
    const port = dimensionOf(alarm, 'TargetGroup').targetPort;
    if (port === PORTS.http) return 'UnhealthyHosts1';
    if (port === PORTS.ssh) return 'UnhealthyHosts2';
  }
  return alarm.id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Adds the alarm topic and the alarms to `scope` (see the file comment). */
export function addAlarms(scope: Construct, props: AlarmsProps): Alarms {
  const topicKey = new kms.Key(scope, 'AlarmTopicKey', {
    description: `${props.environmentName}: alarm topic`,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicyOf('kms-key-alarm-topic'),
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
    topicName: props.topicName,
    displayName: `${props.environmentName} GitLab alarms`,
    masterKey: topicKey,
    enforceSSL: true,
  });
  if (props.alarmEmail) {
    alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
  }
  // The scaling-event rule lives with the groups (compute stack) and names the topic by its ARN,
  // which adds nothing to the topic's policy: the topic lets EventBridge publish itself.
  if (props.scalingEvents) alarmTopic.grantPublish(new iam.ServicePrincipal('events.amazonaws.com'));
  return { alarmTopic, alarms: addNotifyingAlarms(scope, props.alarms, props.dimensionValue, alarmTopic) };
}

/**
 * The alarm topic as a stack other than the ops stack names it: by the ARN its name gives in the
 * stack's own region and account, not by a reference, so that the stack does not wait for ops.
 */
export function alarmTopicByArn(scope: Construct, id: string, topicName: string): sns.ITopic {
  const arn = Stack.of(scope).formatArn({
    service: 'sns',
    resource: topicName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
  return sns.Topic.fromTopicArn(scope, id, arn);
}

/** Adds the alarms of Plan entries that notify `topic` (which may be another stack's, named by ARN). */
export function addNotifyingAlarms(
  scope: Construct,
  entries: readonly AlarmPlan[],
  dimensionValue: DimensionValue,
  topic: sns.ITopic,
): ReadonlyMap<string, cloudwatch.Alarm> {
  const action = new cloudwatchActions.SnsAction(topic);
  const alarms = new Map<string, cloudwatch.Alarm>();
  for (const entry of entries) {
    if (entry.action !== 'notify')
      throw new Error(`alarm ${entry.id} does not notify: build it with its ${entry.action} target`);
    const created = planAlarm(scope, constructIdOf(entry, dimensionValue), entry, dimensionValue);
    created.addAlarmAction(action);
    created.addOkAction(action);
    alarms.set(entry.id, created);
  }
  return alarms;
}

export interface ScalingEventsProps {
  /** The environment's name (the spec's), for the description. */
  readonly environmentName: string;
  /** Names of the auto scaling groups whose activity is reported. */
  readonly autoScalingGroupNames: readonly string[];
  /** The alarm topic, which must let EventBridge publish (see addAlarms). */
  readonly topic: sns.ITopic;
}

/**
 * Reports the groups' failed and completed launches and terminations to the alarm topic. Built with
 * the groups, whose generated names it matches, so that the topic's stack needs none of them.
 */
export function addScalingEvents(scope: Construct, props: ScalingEventsProps): events.Rule {
  return new events.Rule(scope, 'ScalingEvents', {
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
    targets: [new eventsTargets.SnsTopic(props.topic)],
  });
}
