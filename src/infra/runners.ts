/**
 * The GitLab Runner fleet (Plan `runners`): a runner manager, on demand in an auto scaling group of
 * one, and the job instances' auto scaling group, shaped as GitLab Runner's docker-autoscaler
 * executor and its AWS fleeting plugin require (src/catalog/gitlab-runner.ts cites them): Spot
 * over several types with price-capacity-optimized allocation in every AZ, new instances protected
 * from scale-in, Capacity Rebalancing off, no scaling policy (the plugin sets the desired capacity).
 * CloudFormation cannot suspend a process for good, so the manager's boot suspends AZRebalance on
 * its group (src/config/runner-manager.ts), the one permission it has beyond the plugin's.
 *
 * Job instances have no instance role: a job never holds AWS credentials. The manager reaches them
 * over SSH with a key it sends through EC2 Instance Connect, from its own security group only.
 * A Spot interruption warning (two minutes before AWS reclaims an instance) is recorded in a log
 * group, so a job that fails as a runner system failure can be traced to its reclaimed instance.
 * The manager's journal goes to a log group of its own through the CloudWatch agent.
 */
import {
  ArnFormat,
  Aws,
  type CfnElement,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  Token,
} from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { PORTS } from '../catalog/ports.js';
import { nameInAccount } from '../plan/contracts.js';
import { RUNNER_ADMIN_TOKEN_UNSET } from '../plan/resolve/runners.js';
import type { RunnerFleetPlan, VolumePlan } from '../plan/types.js';
import { acknowledge, type MachineImageOf, namePerStackCreation, ubuntuImage } from './common.js';

export interface RunnerFleetProps {
  /** The Plan's fleet. */
  readonly runners: RunnerFleetPlan;
  /** The environment's name (the spec's), which starts the log group's name. */
  readonly environmentName: string;
  /** The VPC the manager and the job instances run in. */
  readonly vpc: ec2.IVpc;
  /** The private subnets of the fleet's AZs. */
  readonly subnets: readonly ec2.ISubnet[];
  /** Key encrypting root volumes. */
  readonly volumeKey: kms.IKey;
  /** Bucket receiving the cache bucket's server access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Image of an architecture: the environment's pinned one; Canonical's current Ubuntu when omitted. */
  readonly machineImageOf?: MachineImageOf;
  /** The manager's user data, given the cache bucket's name (config layer). */
  readonly managerUserData: (cacheBucketName: string) => string;
  /** The job instances' user data (config layer). */
  readonly fleetUserData: string;
}

export class RunnerFleet extends Construct {
  /** The shared cache. */
  readonly cacheBucket: s3.Bucket;
  /** The manager's instance role. */
  readonly managerRole: iam.Role;
  readonly managerGroup: autoscaling.AutoScalingGroup;
  readonly fleetGroup: autoscaling.AutoScalingGroup;
  readonly managerSecurityGroup: ec2.SecurityGroup;
  readonly fleetSecurityGroup: ec2.SecurityGroup;
  /** The secret deploy writes the runner's token to; absent when the user supplied their own. */
  readonly tokenSecret?: secretsmanager.Secret;
  /** The administrator token deploy registers the runner with, written by a Rails node; absent when the user supplied the runner's token. */
  readonly adminTokenSecret?: secretsmanager.Secret;
  /** Spot interruption warnings. */
  readonly interruptionLog: logs.LogGroup;
  /** The manager's journal (GitLab Runner and its boot), which its CloudWatch agent ships. */
  readonly managerLog: logs.LogGroup;

  /** Lets a Rails node write the administrator token it made (PutSecretValue only: no read, no other secret). */
  grantAdminTokenWrite(grantee: iam.IGrantable): void {
    if (!this.adminTokenSecret) return;
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:PutSecretValue'],
      resourceArns: [this.adminTokenSecret.secretArn],
    });
  }

  constructor(scope: Construct, id: string, props: RunnerFleetProps) {
    super(scope, id);
    const { runners, vpc } = props;
    const stack = Stack.of(this);
    // How cdk-nag writes the region in the findings it reports.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const subnets = { subnets: [...props.subnets] };
    const imageOf = props.machineImageOf ?? ubuntuImage;

    this.managerSecurityGroup = new ec2.SecurityGroup(this, 'ManagerSecurityGroup', {
      vpc,
      description: `${props.environmentName} runner manager: GitLab, AWS APIs and the job instances`,
      allowAllOutbound: true,
    });
    this.fleetSecurityGroup = new ec2.SecurityGroup(this, 'FleetSecurityGroup', {
      vpc,
      description: `${props.environmentName} runner job instances: SSH from the manager only`,
      // Jobs pull images and sources from wherever their pipelines say.
      allowAllOutbound: true,
    });
    this.fleetSecurityGroup.addIngressRule(
      this.managerSecurityGroup,
      ec2.Port.tcp(PORTS.ssh),
      'The runner manager runs jobs over SSH',
    );

    // A cache: the next job rebuilds what is missing, so it goes with the stack (emptied first) and
    // its objects expire; its fixed name would otherwise block the next deploy.
    this.cacheBucket = new s3.Bucket(this, 'CacheBucket', {
      bucketName: nameInAccount(runners.cacheBucketName, Aws.ACCOUNT_ID),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: `${nameInAccount(runners.cacheBucketName, Aws.ACCOUNT_ID)}/`,
      lifecycleRules: [{ expiration: Duration.days(runners.cacheExpireAfterDays) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    if (runners.registration.kind === 'api') {
      // Created with a random value; deploy replaces it with the glrt- token GitLab returns, and the
      // manager waits for that prefix.
      this.tokenSecret = new secretsmanager.Secret(this, 'TokenSecret', {
        secretName: runners.tokenSecretName,
        description: `${props.environmentName}: authentication token of the GitLab runner (written by deploy)`,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledge(this.tokenSecret, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'GitLab issues the runner token; deploy replaces it by creating the runner anew, Secrets Manager cannot rotate it.',
        },
      ]);
      // Holds a placeholder, no secret, until a Rails node writes the token it made for root.
      this.adminTokenSecret = new secretsmanager.Secret(this, 'AdminTokenSecret', {
        secretName: runners.registration.adminTokenSecretName,
        description: `${props.environmentName}: GitLab administrator token the runner is registered with (written by a Rails node)`,
        secretStringValue: SecretValue.unsafePlainText(RUNNER_ADMIN_TOKEN_UNSET),
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledge(this.adminTokenSecret, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'GitLab issues the administrator token with an expiry; deploy makes a new one when the secret is reset, Secrets Manager cannot rotate it.',
        },
      ]);
    }

    this.managerRole = new iam.Role(this, 'ManagerRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `${props.environmentName} runner manager`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    const groupArn = (name: string) =>
      stack.formatArn({
        service: 'autoscaling',
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${name}`,
        // Group ARNs put a colon after the resource type: autoScalingGroup:<id>:autoScalingGroupName/<name>.
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    // The fleeting plugin's recommended policy (plugin-aws README), scoped to this fleet's group.
    this.managerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleOwnFleet',
        actions: [
          'autoscaling:SetDesiredCapacity',
          'autoscaling:TerminateInstanceInAutoScalingGroup',
          'autoscaling:SuspendProcesses',
        ],
        resources: [groupArn(runners.fleet.autoScalingGroupName)],
      }),
    );
    this.managerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeFleet',
        // These describe calls take no resource: IAM allows them on * only.
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'ec2:DescribeInstances',
        ],
        resources: ['*'],
      }),
    );
    this.managerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SshToOwnFleet',
        actions: ['ec2-instance-connect:SendSSHPublicKey'],
        resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
        conditions: {
          StringEquals: { 'ec2:ResourceTag/aws:autoscaling:groupName': runners.fleet.autoScalingGroupName },
        },
      }),
    );
    // A manager that never got its token hands itself back to its group.
    this.managerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReplaceSelf',
        actions: ['autoscaling:SetInstanceHealth'],
        resources: [groupArn(runners.manager.autoScalingGroupName)],
      }),
    );
    // Output, not data: it goes with the stack, so its fixed name is free for the next one.
    this.managerLog = new logs.LogGroup(this, 'ManagerLog', {
      logGroupName: runners.manager.logs.logGroupName,
      retention: runners.manager.logs.retentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The agent makes a stream per instance and unit and puts events; the group and its retention
    // are the stack's.
    this.managerLog.grantWrite(this.managerRole);
    this.managerLog.grant(this.managerRole, 'logs:DescribeLogStreams');
    this.cacheBucket.grantReadWrite(this.managerRole);
    if (this.tokenSecret) this.tokenSecret.grantRead(this.managerRole);
    else {
      const name = runners.tokenSecretName;
      this.managerRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadSuppliedToken',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [
            name.startsWith('arn:')
              ? name
              : stack.formatArn({
                  service: 'secretsmanager',
                  resource: 'secret',
                  resourceName: `${name}-??????`,
                  arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                }),
          ],
        }),
      );
    }
    acknowledge(this.managerRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager, the default admin access.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Describe calls take no resource; SSH keys go only to instances tagged with the fleet group; the cache bucket needs its objects; the group ARN wildcard is its generated id.',
        appliesTo: [
          'Resource::*',
          ...[runners.fleet.autoScalingGroupName, runners.manager.autoScalingGroupName].map(
            (name) =>
              `Resource::arn:<AWS::Partition>:autoscaling:${region}:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${name}`,
          ),
          `Resource::arn:<AWS::Partition>:ec2:${region}:<AWS::AccountId>:instance/*`,
          `Resource::<${stack.getLogicalId(this.cacheBucket.node.defaultChild as CfnElement)}.Arn>/*`,
          ...['GetObject*', 'GetBucket*', 'List*', 'DeleteObject*', 'Abort*'].map(
            (action) => `Action::s3:${action}`,
          ),
        ],
      },
    ]);

    const rootVolume = (volume: VolumePlan): ec2.BlockDevice => ({
      deviceName: volume.deviceName,
      volume: ec2.BlockDeviceVolume.ebs(volume.sizeGiB, {
        volumeType: ec2.EbsDeviceVolumeType.GP3,
        encrypted: true,
        kmsKey: props.volumeKey,
        deleteOnTermination: true,
      }),
    });

    const managerTemplate = new ec2.LaunchTemplate(this, 'ManagerLaunchTemplate', {
      instanceType: new ec2.InstanceType(runners.manager.instanceType),
      machineImage: imageOf(runners.manager.arch),
      securityGroup: this.managerSecurityGroup,
      role: this.managerRole,
      requireImdsv2: true,
      userData: ec2.UserData.custom(props.managerUserData(this.cacheBucket.bucketName)),
      blockDevices: [rootVolume(runners.manager.rootVolume)],
    });
    // On demand, never Spot: one group of one that replaces a lost manager in any AZ.
    this.managerGroup = new autoscaling.AutoScalingGroup(this, 'ManagerGroup', {
      vpc,
      vpcSubnets: subnets,
      launchTemplate: managerTemplate,
      autoScalingGroupName: runners.manager.autoScalingGroupName,
      minCapacity: 1,
      maxCapacity: 1,
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
    });

    const fleetTemplate = new ec2.LaunchTemplate(this, 'FleetLaunchTemplate', {
      machineImage: imageOf(runners.fleet.arch),
      securityGroup: this.fleetSecurityGroup,
      requireImdsv2: true,
      userData: ec2.UserData.custom(props.fleetUserData),
      blockDevices: [rootVolume(runners.fleet.rootVolume)],
    });
    this.fleetGroup = new autoscaling.AutoScalingGroup(this, 'FleetGroup', {
      vpc,
      vpcSubnets: subnets,
      autoScalingGroupName: runners.fleet.autoScalingGroupName,
      minCapacity: runners.fleet.minCapacity,
      maxCapacity: runners.fleet.maxCapacity,
      // No desired capacity and no scaling policy: the fleeting plugin sets it.
      newInstancesProtectedFromScaleIn: runners.fleet.newInstancesProtectedFromScaleIn,
      capacityRebalance: runners.fleet.capacityRebalance,
      mixedInstancesPolicy: {
        launchTemplate: fleetTemplate,
        launchTemplateOverrides: runners.fleet.instanceTypes.map((type) => ({
          instanceType: new ec2.InstanceType(type.instanceType),
        })),
        instancesDistribution: {
          onDemandBaseCapacity: runners.fleet.onDemandBaseCapacity,
          onDemandPercentageAboveBaseCapacity: runners.fleet.onDemandPercentageAboveBase,
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
    });
    acknowledge(this.fleetGroup, [
      {
        id: 'AwsSolutions-AS3',
        reason:
          'The fleeting plugin scales the group on demand of jobs; the runner logs each instance it adds or removes.',
      },
    ]);
    acknowledge(this.managerGroup, [
      { id: 'AwsSolutions-AS3', reason: 'A group of one that only replaces a lost manager.' },
    ]);

    this.interruptionLog = new logs.LogGroup(this, 'SpotInterruptions', {
      logGroupName: namePerStackCreation(runners.fleet.interruptionLogGroupPrefix),
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new events.Rule(this, 'SpotInterruptionRule', {
      description: `${props.environmentName}: Spot interruption warnings of the runner job instances`,
      eventPattern: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
      targets: [new targets.CloudWatchLogGroup(this.interruptionLog)],
    });
    // The target gives EventBridge the right to write the group through a resource policy, which
    // CDK sets with a custom resource of its own (one function per stack).
    for (const child of stack.node.children.filter((node) =>
      node.node.id.startsWith('EventsLogGroupPolicy'),
    )) {
      acknowledge(child, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'logs:PutResourcePolicy and logs:DeleteResourcePolicy take no resource (IAM accepts only "*"); CDK\'s custom resource sets the policy that lets EventBridge write the interruption log group.',
          appliesTo: ['Resource::*'],
        },
      ]);
    }
    const provider = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    if (provider) {
      acknowledge(provider, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            "AWSLambdaBasicExecutionRole only lets CDK's custom resource function write its own logs; its other permissions are the policies of the custom resources it runs.",
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
          ],
        },
      ]);
    }
    // Every volume of both templates is encrypted with the environment's volume key (see rootVolume
    // above, checked in the runner tests). cdk-nag's EC26 does not follow a mixed instances policy to
    // its template, and takes a group's unnamed template for the stack's first unnamed one.
    for (const group of [this.managerGroup, this.fleetGroup]) {
      acknowledge(group, [
        {
          id: 'AwsSolutions-EC26',
          reason:
            "The group's launch template encrypts its root volume with the environment's KMS key; cdk-nag matches the group to another template of the stack or cannot read a mixed instances policy.",
        },
      ]);
    }
  }
}
