/**
 * Application logs: the log group NGINX access logs are shipped to (by the CloudWatch agent the
 * config layer sets up), and metric filters counting requests and 5xx responses for the error-rate
 * alarm.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { namePerStackCreation } from '../common.js';
import type { RemovalPolicyOf } from '../removal-policy.js';

export interface ApplicationLogsProps {
  /** The environment's name (the spec's), which names the log group and the metric namespace. */
  readonly environmentName: string;
  /** What deleting the stack does to the log group, by Plan id (`log-group-nginx`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/** The CloudWatch namespace of the metrics gitlab-aws derives from an environment's logs. */
export function metricsNamespace(environmentName: string): string {
  return `GitLabAws/${environmentName}`;
}

export class ApplicationLogs extends Construct {
  /** `/gitlab-aws/<name>/nginx-<id of the compute stack>`. */
  readonly accessLogGroup: logs.LogGroup;
  /** Every request. */
  readonly requests: cloudwatch.Metric;
  /** Requests answered with a 5xx status. */
  readonly serverErrors: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: ApplicationLogsProps) {
    super(scope, id);
    const namespace = metricsNamespace(props.environmentName);
    this.accessLogGroup = new logs.LogGroup(this, 'NginxAccess', {
      // Retained, so named anew with each compute stack: a redeploy after `destroy` starts a group
      // beside the kept one rather than failing on its name.
      logGroupName: namePerStackCreation(`/gitlab-aws/${props.environmentName}/nginx`),
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicyOf('log-group-nginx'),
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
