/**
 * Run Command logs: the log group SSM sends the whole output of the commands gitlab-aws runs on
 * the nodes to (upgrades, migrations, backups, checks). GetCommandInvocation keeps only the first
 * 24,000 characters of standard output and 8,000 of standard error, so a long migration's end, where
 * its error is, would otherwise be lost; every failure message names this group.
 *
 * The SSM agent on the instance writes the output with the instance role's credentials: it looks
 * the group up, creates one log stream per command and plugin, and puts the events (Amazon EC2
 * Systems Manager User Guide, "Configuring Amazon CloudWatch Logs for Run Command").
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../common.js';

export interface RunCommandLogsProps {
  /** The group's name, which the lifecycle commands pass to SendCommand (`runCommandLogGroupName`). */
  readonly logGroupName: string;
}

export class RunCommandLogs extends Construct {
  /** The log group; its events are command output, not data, so it goes with the stack. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RunCommandLogsProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Output', {
      logGroupName: props.logGroupName,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Lets an instance's SSM agent write command output into the group (and into no other). */
  grantWrite(grantee: iam.IGrantable): void {
    this.logGroup.grantWrite(grantee);
    this.logGroup.grant(grantee, 'logs:DescribeLogStreams');
    // DescribeLogGroups takes no resource: IAM authorizes it only on "*". It lists names, not events.
    iam.Grant.addToPrincipal({ grantee, actions: ['logs:DescribeLogGroups'], resourceArns: ['*'] });
    if (grantee.grantPrincipal instanceof iam.Role) {
      acknowledge(grantee.grantPrincipal, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'logs:DescribeLogGroups has no resource-level permissions (IAM accepts only "*"); the SSM agent calls it to find the Run Command log group, and it reads names only.',
          appliesTo: ['Resource::*'],
        },
      ]);
    }
  }
}
