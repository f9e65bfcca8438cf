/**
 * An auto scaling group of GitLab application nodes (Rails, Sidekiq, or the 1k all-in-one node),
 * shaped by the Plan: instance type and bounds, health checks and grace period, target groups, and
 * step scaling on average CPU as GitLab's AWS guide sets it up (add a node at or above the scale-out
 * threshold, remove one at or below the scale-in threshold).
 */
import { Duration, Lazy } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AlarmPlan, AutoScalingGroupPlan } from '../plan/types.js';
import { acknowledge, type MachineImageOf, tagGroup, ubuntuImage } from './common.js';
import { BOOT_SIGNAL_TIMEOUT, type BootScript } from './fixed-node.js';
import { planMetric } from './ops/plan-alarm.js';

export interface GitLabAutoScalingGroupProps {
  /** The Plan's group. */
  readonly group: AutoScalingGroupPlan;
  /** The VPC whose private subnets in the group's AZs hold the nodes. */
  readonly vpc: ec2.IVpc;
  /** The private subnets of the group's AZs. */
  readonly subnets: readonly ec2.ISubnet[];
  /** The Plan's scale-out and scale-in alarms of the group; none for a group pinned at one size. */
  readonly scalingAlarms: readonly AlarmPlan[];
  /** The group's tier security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The group's instance role. */
  readonly role: iam.IRole;
  /** Key encrypting root volumes. */
  readonly volumeKey: kms.IKey;
  /** Target groups of the external load balancer to register with (the Plan's `targetGroups`). */
  readonly targetGroups?: readonly elbv2.INetworkTargetGroup[];
  /** Boot script from the config layer; without one nothing waits for boot signals. */
  readonly bootScript?: BootScript;
  /** Image of the group's architecture: the environment's pinned one; Canonical's current Ubuntu when omitted. */
  readonly machineImageOf?: MachineImageOf;
}

export class GitLabAutoScalingGroup extends Construct {
  /** The auto scaling group. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** Its launch template. */
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: GitLabAutoScalingGroupProps) {
    super(scope, id);
    const { group, bootScript } = props;
    // Lazy: the group's logical id exists only once the group does, and the boot script signals it.
    const userData = bootScript
      ? ec2.UserData.custom(
          Lazy.string({
            produce: () =>
              bootScript(
                (this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).logicalId,
              ),
          }),
        )
      : undefined;
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: new ec2.InstanceType(group.instanceType),
      machineImage: (props.machineImageOf ?? ubuntuImage)(group.arch),
      securityGroup: props.securityGroup,
      role: props.role,
      requireImdsv2: true,
      detailedMonitoring: true,
      ...(userData ? { userData } : {}),
      blockDevices: [
        {
          deviceName: group.rootVolume.deviceName,
          volume: ec2.BlockDeviceVolume.ebs(group.rootVolume.sizeGiB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            kmsKey: props.volumeKey,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    const grace = Duration.seconds(group.healthCheckGracePeriodSeconds);
    const canSurge = group.maxCapacity > group.minCapacity;
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnets: [...props.subnets] },
      launchTemplate: this.launchTemplate,
      minCapacity: group.minCapacity,
      maxCapacity: group.maxCapacity,
      // No desiredCapacity: scaling owns it, and a deploy must not reset a scaled-out group.
      healthChecks:
        group.healthCheck === 'elb'
          ? autoscaling.HealthChecks.withAdditionalChecks({
              additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
              gracePeriod: grace,
            })
          : autoscaling.HealthChecks.ec2({ gracePeriod: grace }),
      ...(bootScript
        ? { signals: autoscaling.Signals.waitForMinCapacity({ timeout: BOOT_SIGNAL_TIMEOUT }) }
        : {}),
      // Replacing nodes never drops below the minimum: a rolling update keeps `minCapacity` in
      // service and adds one new node at a time; a group whose maximum equals its minimum cannot
      // surge, so it is replaced as a whole once the new group has booted.
      updatePolicy: canSurge
        ? autoscaling.UpdatePolicy.rollingUpdate({
            minInstancesInService: group.minCapacity,
            maxBatchSize: 1,
            waitOnResourceSignals: Boolean(bootScript),
            ...(bootScript ? { pauseTime: BOOT_SIGNAL_TIMEOUT } : {}),
            suspendProcesses: [
              autoscaling.ScalingProcess.HEALTH_CHECK,
              autoscaling.ScalingProcess.REPLACE_UNHEALTHY,
              autoscaling.ScalingProcess.AZ_REBALANCE,
              autoscaling.ScalingProcess.ALARM_NOTIFICATION,
              autoscaling.ScalingProcess.SCHEDULED_ACTIONS,
            ],
          })
        : autoscaling.UpdatePolicy.replacingUpdate(),
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    for (const targetGroup of props.targetGroups ?? []) {
      this.autoScalingGroup.attachToNetworkTargetGroup(targetGroup);
    }
    tagGroup(this.autoScalingGroup, group.role, group.id);

    // Step scaling makes the Plan's two alarms: the scale-in one at or below the upper bound of the
    // step that removes a node, the scale-out one at or above the lower bound of the step that adds one.
    const scaleOut = props.scalingAlarms.find((alarm) => alarm.action === 'scale-out');
    const scaleIn = props.scalingAlarms.find((alarm) => alarm.action === 'scale-in');
    if (props.scalingAlarms.length > 0 && !(scaleOut && scaleIn && props.scalingAlarms.length === 2)) {
      throw new Error(
        `auto scaling group ${group.id}: step scaling needs exactly one scale-out and one scale-in alarm`,
      );
    }
    if (scaleOut && scaleIn) {
      if (scaleOut.evaluationPeriods !== scaleIn.evaluationPeriods) {
        throw new Error(
          `auto scaling group ${group.id}: step scaling evaluates both alarms over the same periods`,
        );
      }
      const metric = planMetric(scaleOut.metric, (dimension) => {
        if (dimension.name !== 'AutoScalingGroupName' || dimension.subject !== group.id) {
          throw new Error(`alarm ${scaleOut.id}: no value for ${dimension.name} ${dimension.subject}`);
        }
        return this.autoScalingGroup.autoScalingGroupName;
      });
      this.autoScalingGroup.scaleOnMetric('CpuStepScaling', {
        metric,
        adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        scalingSteps: [
          { upper: scaleIn.threshold, change: -1 },
          { lower: scaleOut.threshold, change: +1 },
        ],
        evaluationPeriods: scaleOut.evaluationPeriods,
        // New nodes' CPU does not count until they have booted and passed the grace period.
        estimatedInstanceWarmup: grace,
      });
    }

    acknowledge(this.autoScalingGroup, [
      {
        id: 'AwsSolutions-AS3',
        reason:
          'Scaling events reach the alarm SNS topic through an EventBridge rule in the ops stack; notification configurations here would make compute depend on ops, which depends on compute.',
      },
    ]);
  }
}
