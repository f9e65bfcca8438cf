/**
 * EC2 auto recovery of fixed instances (Gitaly, Praefect, monitoring, bastions): the Plan's
 * `recover-instance` alarms, each watching its instance's system status check and recovering it in
 * place (same instance id, volumes, private address and DNS name) when AWS's hardware fails. In the
 * compute stack beside the instances: an instance id exported to another stack could not change
 * when CloudFormation replaces the instance.
 */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { AlarmPlan } from '../../plan/types.js';
import { planAlarm } from './plan-alarm.js';

export interface InstanceRecoveryProps {
  /** The Plan's alarms whose action is `recover-instance`. */
  readonly alarms: readonly AlarmPlan[];
  /** The fixed instances, by Plan node id. */
  readonly instances: ReadonlyMap<string, ec2.Instance>;
}

export class InstanceRecovery extends Construct {
  /** The recovery alarms, by Plan alarm id. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: InstanceRecoveryProps) {
    super(scope, id);
    const recover = new cloudwatchActions.Ec2Action(cloudwatchActions.Ec2InstanceAction.RECOVER);
    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const entry of props.alarms) {
      if (entry.action !== 'recover-instance')
        throw new Error(`alarm ${entry.id} does not recover an instance`);
      const alarm = planAlarm(this, entry.id, entry, (dimension) => {
        const instance = props.instances.get(dimension.subject);
        if (dimension.name !== 'InstanceId' || !instance) {
          throw new Error(`alarm ${entry.id}: no instance for ${dimension.name} ${dimension.subject}`);
        }
        return instance.instanceId;
      });
      alarm.addAlarmAction(recover);
      alarms.set(entry.id, alarm);
    }
    this.alarms = alarms;
  }
}
