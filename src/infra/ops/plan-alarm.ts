/**
 * One CloudWatch alarm built from one entry of the Plan's `alarms`: metric (or metric math),
 * statistic, period, comparison, threshold, evaluation periods and missing-data treatment all come
 * from the entry, so what is built is what the Plan lists and the bill counts. The caller adds the
 * entry's action, which lives where its target does (the alarm topic, a scaling policy, EC2).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { AlarmComparison, AlarmDimensionPlan, AlarmMetricPlan, AlarmPlan } from '../../plan/types.js';

/**
 * The AWS name (a CloudFormation token at synth) that fills a Plan dimension of a metric, e.g. an
 * instance id; the metric's other dimensions can tell which (a LoadBalancer dimension is the load
 * balancer of the metric's TargetGroup).
 */
export type DimensionValue = (dimension: AlarmDimensionPlan, metric: AlarmMetricPlan) => string;

export const COMPARISONS: Readonly<Record<AlarmComparison, cloudwatch.ComparisonOperator>> = {
  'greater-than': cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  'greater-than-or-equal': cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  'less-than': cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  'less-than-or-equal': cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

/** The entry's metric with its dimensions filled in. */
export function planMetric(metric: AlarmMetricPlan, value: DimensionValue): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metric.namespace,
    metricName: metric.name,
    statistic: metric.statistic,
    period: Duration.seconds(metric.periodSeconds),
    dimensionsMap: Object.fromEntries(
      metric.dimensions.map((dimension) => [dimension.name, value(dimension, metric)]),
    ),
  });
}

/**
 * What the alarm watches: the metric, or the entry's metric math over metrics of its namespace named
 * in the expression. CloudWatch wants metric math ids to start lower case, so `Requests` is `requests`.
 */
function watched(metric: AlarmMetricPlan, value: DimensionValue): cloudwatch.IMetric {
  if (!metric.expression) return planMetric(metric, value);
  // Metric names may hold underscores (`HTTPCode_Target_5XX_Count`), as metric math ids may.
  const names = [...new Set(metric.expression.match(/\b[A-Z][A-Za-z0-9_]*\b/g) ?? [])].filter(
    (name) => name !== 'IF',
  );
  const idOf = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
  return new cloudwatch.MathExpression({
    expression: names.reduce(
      (expression, name) => expression.replace(new RegExp(`\\b${name}\\b`, 'g'), idOf(name)),
      metric.expression,
    ),
    usingMetrics: Object.fromEntries(
      names.map((name) => [idOf(name), planMetric({ ...metric, name }, value)]),
    ),
    period: Duration.seconds(metric.periodSeconds),
  });
}

/** The alarm of a Plan entry, without actions. */
export function planAlarm(
  scope: Construct,
  id: string,
  alarm: AlarmPlan,
  value: DimensionValue,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: alarm.why.charAt(0).toUpperCase() + alarm.why.slice(1),
    metric: watched(alarm.metric, value),
    threshold: alarm.threshold,
    comparisonOperator: COMPARISONS[alarm.comparison],
    evaluationPeriods: alarm.evaluationPeriods,
    ...(alarm.datapointsToAlarm !== undefined ? { datapointsToAlarm: alarm.datapointsToAlarm } : {}),
    // `missing` is CloudWatch's default, left unset so the templates stay as they were.
    ...(alarm.treatMissingData === 'not-breaching'
      ? { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING }
      : {}),
  });
}

/** The value of the dimension named `name` of an entry's metric. */
export function dimensionOf(alarm: AlarmPlan, name: string): AlarmDimensionPlan {
  const found = alarm.metric.dimensions.find((dimension) => dimension.name === name);
  if (!found) throw new Error(`alarm ${alarm.id} has no ${name} dimension`);
  return found;
}
