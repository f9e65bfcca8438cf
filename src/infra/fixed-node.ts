/**
 * One fixed EC2 instance of the Plan (Gitaly, Praefect, monitoring, bastion): in the Plan's AZ and
 * subnet tier, IMDSv2 only, an encrypted root volume, its tier's security group and role, and the
 * SSM parameters holding its configuration, which its boot script reads. The configuration lives
 * there rather than in the user data because CloudFormation stops and starts an instance whose user
 * data changes (AWS::EC2::Instance UserData: "Some interruptions"), and cloud-init does not run the
 * new user data: a GitLab version or one more Gitaly node would restart the node and change nothing.
 * A scratch data volume of the Plan (the backup node's staging volume) is one more block device of
 * the instance, encrypted like the root volume and deleted with it: it holds nothing to keep, unlike
 * the Gitaly and 1k data volumes, which live in the data stack and move from instance to instance.
 */
import { Duration, Lazy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { NODE_BOOT, NODE_TAG } from '../plan/contracts.js';
import { SCRATCH_DATA_PURPOSES } from '../plan/query.js';
import type { PlanNode } from '../plan/types.js';
import { acknowledge, type MachineImageOf, tagNode, ubuntuImage } from './common.js';

/** Renders a boot script given the logical id of the resource that waits for its signal. */
export type BootScript = (signalLogicalId: string) => string;

/** Renders a node's configuration, SSM parameter name to value, given the logical id of its instance. */
export type NodeConfigurationOf = (signalLogicalId: string) => Readonly<Record<string, string>>;

/** How long CloudFormation waits for a booting node to report success: the Plan's bound on a node's boot. */
export const BOOT_SIGNAL_TIMEOUT = Duration.seconds(NODE_BOOT.timeoutSeconds);

export interface FixedNodeProps {
  /** The Plan node this instance is. */
  readonly node: PlanNode;
  /** The subnet in the node's AZ and tier. */
  readonly subnet: ec2.ISubnet;
  /** The VPC of the subnet. */
  readonly vpc: ec2.IVpc;
  /** The node's tier security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The node's instance role. */
  readonly role: iam.IRole;
  /** Key encrypting the root volume. */
  readonly volumeKey: kms.IKey;
  /** Boot script from the config layer; without one the instance boots plain Ubuntu and nothing waits for a signal. */
  readonly bootScript?: BootScript;
  /** The configuration parameters the boot script reads (config layer); none when omitted. */
  readonly configuration?: NodeConfigurationOf;
  /** Private zone in which a node with a Plan `privateDnsName` gets its A record. */
  readonly privateZone?: route53.IHostedZone;
  /** Image of the node's architecture: the environment's pinned one; Canonical's current Ubuntu when omitted. */
  readonly machineImageOf?: MachineImageOf;
}

export class FixedNode extends Construct {
  /** The instance. */
  readonly instance: ec2.Instance;
  /** The parameters holding the node's configuration, by name. */
  readonly configurationParameters: ReadonlyMap<string, ssm.StringParameter>;
  /** `<node id>.<private zone>`, when the Plan names the node. */
  readonly dnsRecord?: route53.ARecord;

  constructor(scope: Construct, id: string, props: FixedNodeProps) {
    super(scope, id);
    const { node, bootScript } = props;
    const root = node.volumes.find((volume) => volume.purpose === 'root');
    const scratch = node.volumes.filter((volume) => SCRATCH_DATA_PURPOSES.has(volume.purpose));
    const userData = bootScript
      ? ec2.UserData.custom(Lazy.string({ produce: () => bootScript(this.instance.instance.logicalId) }))
      : undefined;
    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnets: [props.subnet] },
      availabilityZone: node.availabilityZone,
      instanceType: new ec2.InstanceType(node.instanceType),
      machineImage: (props.machineImageOf ?? ubuntuImage)(node.arch),
      securityGroup: props.securityGroup,
      role: props.role,
      detailedMonitoring: true,
      propagateTagsToVolumeOnCreation: true,
      // A node in a public subnet (a bastion) needs a public address from launch: its boot script
      // reaches AWS and the package mirrors through the internet gateway before it signals, and an
      // Elastic IP attached to it waits for that signal.
      ...(node.subnet === 'public' ? { associatePublicIpAddress: true } : {}),
      ...(userData ? { userData } : {}),
      blockDevices: [
        {
          deviceName: root?.deviceName ?? '/dev/sda1',
          volume: ec2.BlockDeviceVolume.ebs(root?.sizeGiB ?? 50, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            kmsKey: props.volumeKey,
            deleteOnTermination: true,
          }),
        },
        ...scratch.map((volume) => ({
          deviceName: volume.deviceName,
          volume: ec2.BlockDeviceVolume.ebs(volume.sizeGiB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            kmsKey: props.volumeKey,
            ...(volume.iops !== undefined ? { iops: volume.iops } : {}),
            deleteOnTermination: true,
          }),
        })),
      ],
    });
    // IMDSv2 only, through a launch template of our own rather than `requireImdsv2`: its aspect
    // names the template after the construct path, which every environment in an account shares.
    // Referenced by id, the template keeps the name CloudFormation generates.
    const launchTemplate = new ec2.CfnLaunchTemplate(this.instance, 'LaunchTemplate', {
      launchTemplateData: { metadataOptions: { httpTokens: 'required' } },
    });
    this.instance.instance.launchTemplate = {
      launchTemplateId: launchTemplate.ref,
      version: launchTemplate.attrLatestVersionNumber,
    };
    const parameters = new Map<string, ssm.StringParameter>();
    for (const [name, value] of Object.entries(
      props.configuration?.(this.instance.instance.logicalId) ?? {},
    )) {
      const parameter = new ssm.StringParameter(this, `Configuration-${name.split('/').pop()}`, {
        parameterName: name,
        stringValue: value,
        description: `gitlab-aws: configuration of ${node.id}, read by its boot script`,
      });
      parameter.grantRead(props.role);
      // The boot script reads it first thing: it must exist before the instance boots.
      this.instance.node.addDependency(parameter);
      parameters.set(name, parameter);
    }
    this.configurationParameters = parameters;
    if (bootScript) {
      this.instance.instance.cfnOptions.creationPolicy = {
        resourceSignal: { count: 1, timeout: BOOT_SIGNAL_TIMEOUT.toIsoString() },
      };
    }
    if (props.privateZone && node.privateDnsName) {
      this.dnsRecord = new route53.ARecord(this, 'Dns', {
        zone: props.privateZone,
        recordName: node.privateDnsName.slice(0, -(props.privateZone.zoneName.length + 1)),
        target: route53.RecordTarget.fromIpAddresses(this.instance.instancePrivateIp),
        // Short: a replaced instance comes back with a new address.
        ttl: Duration.seconds(60),
      });
    }
    tagNode(this, node.role, node.id);
    this.instance.node.addMetadata(NODE_TAG, node.id);
    acknowledge(this.instance, [
      {
        id: 'AwsSolutions-EC29',
        reason:
          'CloudFormation replaces this instance when the Ubuntu image or instance type changes; termination protection would make every such update fail. State lives on separate retained volumes or in RDS.',
      },
    ]);
  }
}

/**
 * What a tier of fixed nodes (Gitaly, Praefect, monitoring, bastions) is built from: the tier's
 * Plan nodes and the network, security group, role and key they share.
 */
export interface NodeTierProps {
  /** The Plan's nodes of the tier. */
  readonly nodes: readonly PlanNode[];
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** The subnet of a tier in an AZ. */
  readonly subnetIn: (tier: 'public' | 'private', availabilityZone: string) => ec2.ISubnet;
  /** The tier's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The instance role of a node of the tier (the tier's shared one, or the node's own). */
  readonly roleOf: (node: PlanNode) => iam.IRole;
  /** Key encrypting root volumes. */
  readonly volumeKey: kms.IKey;
  /** Private zone for the A records of nodes the Plan gives a private DNS name. */
  readonly privateZone?: route53.IHostedZone;
  /** Boot script per node, from the config layer. */
  readonly bootScript?: (node: PlanNode) => BootScript;
  /** Configuration parameters per node, from the config layer. */
  readonly configuration?: (node: PlanNode) => NodeConfigurationOf;
  /** Image of each architecture: the environment's pinned one; Canonical's current Ubuntu when omitted. */
  readonly machineImageOf?: MachineImageOf;
}

/** The FixedNode props of one node of a tier. */
export function fixedNodeProps(node: PlanNode, tier: NodeTierProps): FixedNodeProps {
  return {
    node,
    vpc: tier.vpc,
    subnet: tier.subnetIn(node.subnet, node.availabilityZone),
    securityGroup: tier.securityGroup,
    role: tier.roleOf(node),
    volumeKey: tier.volumeKey,
    ...(tier.privateZone ? { privateZone: tier.privateZone } : {}),
    ...(tier.bootScript ? { bootScript: tier.bootScript(node) } : {}),
    ...(tier.configuration ? { configuration: tier.configuration(node) } : {}),
    ...(tier.machineImageOf ? { machineImageOf: tier.machineImageOf } : {}),
  };
}

/**
 * One FixedNode per node of a tier, each with its node id as construct id, created side by side:
 * CloudFormation has no update-only dependency, so chaining them for one-at-a-time replacement
 * would serialize their first creation too. Waits between boots come from the Plan's boot order
 * (the compute stack adds them); one-at-a-time replacement comes from the pinned image and `upgrade`.
 */
export function createFixedNodes(scope: Construct, tier: NodeTierProps): Map<string, FixedNode> {
  const created = new Map<string, FixedNode>();
  for (const node of tier.nodes) {
    created.set(node.id, new FixedNode(scope, node.id, fixedNodeProps(node, tier)));
  }
  return created;
}
