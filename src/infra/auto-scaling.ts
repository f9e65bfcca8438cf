/**
 * An auto scaling group of GitLab application nodes (Rails, Sidekiq, or the 1k all-in-one node),
 * shaped by the Plan: instance type and bounds, health checks and grace period, target groups, and
 * step scaling on average CPU as GitLab's AWS guide sets it up (add a node at or above the scale-out
 * threshold, remove one at or below the scale-in threshold). Its gitlab.rb lives in an SSM parameter
 * next to it, which only its role may read: EC2 caps user data at 16 KiB.
 */
import { ArnFormat, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ENVIRONMENT_TAG, GROUP_TAG } from '../plan/contracts.js';
import type { AlarmPlan, AutoScalingGroupPlan } from '../plan/types.js';
import { acknowledge, type MachineImageOf, tagGroup, ubuntuImage } from './common.js';
import type { BootScript, NodeConfigurationOf } from './fixed-node.js';
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
  /** Boot script from the config layer; without one nothing waits for boot signals or a launch hook. */
  readonly bootScript?: BootScript;
  /** The configuration parameters the boot script reads (config layer): the group's gitlab.rb; none when omitted. */
  readonly configuration?: NodeConfigurationOf;
  /** Image of the group's architecture: the environment's pinned one; Canonical's current Ubuntu when omitted. */
  readonly machineImageOf?: MachineImageOf;
  /** The environment (the spec's name), whose tag scopes the launch hook permission. */
  readonly environmentName: string;
}

export class GitLabAutoScalingGroup extends Construct {
  /** The auto scaling group. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** Its launch template. */
  readonly launchTemplate: ec2.LaunchTemplate;
  /** The parameters holding the group's configuration, by name. */
  readonly configurationParameters: ReadonlyMap<string, ssm.StringParameter>;
  private readonly environmentName: string;

  constructor(scope: Construct, id: string, props: GitLabAutoScalingGroupProps) {
    super(scope, id);
    const { group, bootScript } = props;
    this.environmentName = props.environmentName;
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
    const bootTimeout = Duration.seconds(group.boot.timeoutSeconds);
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
      ...(bootScript ? { signals: autoscaling.Signals.waitForMinCapacity({ timeout: bootTimeout }) } : {}),
      // Replacing nodes never drops below the minimum: a rolling update keeps `minCapacity` in
      // service and adds one new node at a time; a group whose maximum equals its minimum cannot
      // surge, so it is replaced as a whole once the new group has booted.
      updatePolicy: canSurge
        ? autoscaling.UpdatePolicy.rollingUpdate({
            minInstancesInService: group.minCapacity,
            maxBatchSize: 1,
            waitOnResourceSignals: Boolean(bootScript),
            ...(bootScript ? { pauseTime: bootTimeout } : {}),
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
    // New nodes wait in Pending:Wait until the boot script completes this hook (CONTINUE once
    // GitLab runs, ABANDON from its error trap), or for at most the Plan's boot bound: neither the
    // ELB health check nor scale-in touches a node still installing GitLab, on creation, scale-out,
    // replacement and instance refresh alike. The hook is part of the group itself, not a separate
    // resource, so the first nodes CloudFormation launches go through it too. The creation policy
    // cannot deadlock with it: a node sends its boot signal whatever its lifecycle state.
    // Without a boot script nothing would complete the hook, so there is none.
    if (bootScript) {
      (
        this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup
      ).lifecycleHookSpecificationList = [
        {
          lifecycleHookName: group.launchHookName,
          lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
          heartbeatTimeout: group.boot.timeoutSeconds,
          defaultResult: autoscaling.DefaultResult.ABANDON,
        },
      ];
    }
    if (bootScript) this.grantCompleteLaunch(props.role, group);
    const groupResource = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    const parameters = new Map<string, ssm.StringParameter>();
    for (const [name, value] of Object.entries(props.configuration?.(groupResource.logicalId) ?? {})) {
      const parameter = new ssm.StringParameter(this, `Configuration-${name.split('/').pop()}`, {
        parameterName: name,
        stringValue: value,
        description: `gitlab-aws: configuration of the ${group.id} group, read by its boot script`,
      });
      // The boot script reads it first thing: it must exist (with the value the launch template's
      // digest names) before any member boots, on creation and on every rolling update.
      groupResource.node.addDependency(parameter);
      parameters.set(name, parameter);
    }
    this.configurationParameters = parameters;
    this.grantReadConfiguration(props.role);
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
        // New nodes' CPU does not count until they have booted (the launch hook) and passed the grace period.
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
  /** Lets a role read the group's configuration parameters (its members' role, and no other). */
  grantReadConfiguration(role: iam.IRole): void {
    for (const parameter of this.configurationParameters.values()) parameter.grantRead(role);
  }
  /**
   * Lets a role complete this group's launch hook and find which group an instance is in. The
   * group's name is CloudFormation's, and the launch template that would carry it is part of the
   * group, so the boot script asks Auto Scaling (describe calls take no resource) and IAM scopes the
   * completion to the group by its environment and group tags: a node can release only its own
   * group's instances.
   */
  grantCompleteLaunch(role: iam.IRole, group: AutoScalingGroupPlan): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:CompleteLifecycleAction'],
        resources: [
          stack.formatArn({
            service: 'autoscaling',
            resource: 'autoScalingGroup',
            resourceName: '*:autoScalingGroupName/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
        conditions: {
          StringEquals: {
            [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: this.environmentName,
            [`aws:ResourceTag/${GROUP_TAG}`]: group.id,
          },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }),
    );
    acknowledge(role, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'autoscaling:DescribeAutoScalingInstances supports no resource-level permissions (it only reads which group an instance is in); CompleteLifecycleAction names groups by a UUID CloudFormation does not expose, so it is scoped by the group and environment tags instead.',
        appliesTo: [
          'Resource::*',
          `Resource::arn:<AWS::Partition>:autoscaling:${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/*`,
        ],
      },
    ]);
  }
}
