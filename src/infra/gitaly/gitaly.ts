/**
 * Gitaly: repository storage on EC2 with one encrypted EBS data volume per node. Never EFS (GitLab
 * strongly discourages network file systems for Git data).
 *
 * Why the boot script attaches the data volume instead of a CloudFormation VolumeAttachment: when
 * CloudFormation replaces an instance (a new Ubuntu image, a new instance type) it creates the new
 * instance first and deletes the old one only after the whole update, so an attachment could never
 * move the volume across and the update would wait on a volume that stays busy. Instead the volume
 * lives in the data stack (retained, so deleting compute never deletes repositories), is tagged with
 * its node id, and the new instance's boot script finds it by tag, stops the previous holder (a
 * clean shutdown flushes the file system), waits until the volume is available and attaches it. A
 * node's role may do this only to its own volume and to instances tagged as the same node.
 * The Gitaly instances are created side by side: no boot waits for another Gitaly node. They are
 * replaced one at a time by choice, never by CloudFormation: they boot the image the environment
 * pinned (so a routine deploy never replaces them), and `gitlab-aws upgrade` rolls them one by one
 * while, with a Gitaly Cluster, Praefect keeps serving from the other replicas.
 */
import { Aws, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { ENVIRONMENT_TAG, NODE_TAG, ROLE_TAG } from '../../plan/contracts.js';
import { NODE_DATA_PURPOSES } from '../../plan/query.js';
import type { PlanNode } from '../../plan/types.js';
import { acknowledge, tagNode } from '../common.js';
import { createFixedNodes, type NodeTierProps } from '../fixed-node.js';
import type { RemovalPolicyOf } from '../removal-policy.js';
import { acknowledgeKeyByAlias, keyByAlias } from '../security.js';

export interface GitalyVolumesProps {
  /** The Plan's nodes with a data volume (Gitaly's git-data, the 1k node's gitlab-data), each of which gets it. */
  readonly nodes: readonly PlanNode[];
  /** The environment's name (the spec's), which the attach permission is conditioned on. */
  readonly environmentName: string;
  /** Key encrypting the volumes. */
  readonly encryptionKey: kms.IKey;
  /** The key's alias, which grants name it by. */
  readonly encryptionKeyAlias: string;
  /** What deleting the stack does to each volume, by Plan id (`volume-<node id>`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/**
 * The repository volumes, one per Gitaly node, in the data stack; and the 1k node's data volume,
 * which its node takes over from its predecessor the same way.
 */
export class GitalyVolumes extends Construct {
  /** Data volume of each node, by node id. */
  readonly volumes: ReadonlyMap<string, ec2.Volume>;
  private readonly roleOfNode: ReadonlyMap<string, PlanNode['role']>;
  private readonly environmentName: string;
  private readonly encryptionKeyAlias: string;

  constructor(scope: Construct, id: string, props: GitalyVolumesProps) {
    super(scope, id);
    this.environmentName = props.environmentName;
    this.encryptionKeyAlias = props.encryptionKeyAlias;
    const volumes = new Map<string, ec2.Volume>();
    this.roleOfNode = new Map(props.nodes.map((node) => [node.id, node.role]));
    for (const node of props.nodes) {
      const data = node.volumes.find((volume) => NODE_DATA_PURPOSES.has(volume.purpose));
      if (!data) throw new Error(`node ${node.id} has no data volume in the Plan`);
      const volume = new ec2.Volume(this, node.id, {
        availabilityZone: node.availabilityZone,
        size: Size.gibibytes(data.sizeGiB),
        volumeType: VOLUME_TYPES[data.type],
        ...(data.iops !== undefined ? { iops: data.iops } : {}),
        ...(data.throughputMiBps !== undefined ? { throughput: data.throughputMiBps } : {}),
        encrypted: true,
        encryptionKey: props.encryptionKey,
        removalPolicy: props.removalPolicyOf(`volume-${node.id}`),
      });
      tagNode(volume, node.role, node.id);
      volumes.set(node.id, volume);
    }
    this.volumes = volumes;
  }

  /** The data volume of a Gitaly node. */
  volume(nodeId: string): ec2.Volume {
    const volume = this.volumes.get(nodeId);
    if (!volume) throw new Error(`no data volume for ${nodeId}`);
    return volume;
  }

  /**
   * Lets one Gitaly node's role find, take over and attach its own data volume: attach and detach
   * only that volume, to or from instances tagged as that node of this environment, and stop only
   * those instances (the predecessor it replaces, or itself). Each Gitaly node has a role of its own
   * (see roles.ts), so no Gitaly can stop another or take its repositories. Attaching a volume
   * encrypted with a customer-managed key makes EC2 create a KMS grant for the instance with the
   * caller's credentials, so the role may use the volume key, through EC2 only, and create grants
   * only for AWS resources (the attachment), never for a principal of its choosing.
   */
  grantAttach(nodeId: string, grantee: iam.IGrantable): iam.Grant {
    const instanceArn = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`;
    const thisNode = {
      StringEquals: {
        [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: this.environmentName,
        [`aws:ResourceTag/${ROLE_TAG}`]: this.roleOfNode.get(nodeId) ?? 'gitaly',
        [`aws:ResourceTag/${NODE_TAG}`]: nodeId,
      },
    };
    this.volume(nodeId);
    // The volume by its tags, like the instances: the grantee's stack imports nothing from this one.
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      resourceArns: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:volume/*`],
      conditions: thisNode,
    });
    // Stop: the predecessor, to take its volume over; start: it again, when the takeover fails.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:StopInstances', 'ec2:StartInstances'],
      resourceArns: [instanceArn],
      conditions: thisNode,
    });
    // Describe calls have no resource-level permissions in EC2.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:DescribeVolumes', 'ec2:DescribeInstances'],
      resourceArns: ['*'],
    });
    const viaEc2 = { 'kms:ViaService': `ec2.${Stack.of(this).region}.amazonaws.com` };
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      ...keyByAlias(this.encryptionKeyAlias, { StringEquals: viaEc2 }),
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:CreateGrant'],
      ...keyByAlias(this.encryptionKeyAlias, {
        StringEquals: viaEc2,
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      }),
    });
    acknowledgeKeyByAlias(grantee);
    return grant;
  }
}

/** The Gitaly tier: `nodes` holds the Plan's Gitaly nodes. */
export interface GitalyServersProps extends NodeTierProps {
  /** Private zone naming the nodes (gitaly-1.<zone>), the addresses Rails and Praefect use. */
  readonly privateZone: route53.IHostedZone;
}

/** The Gitaly instances, each with a private DNS name. */
export class GitalyServers extends Construct {
  /** Instance of each Gitaly node, by node id. */
  readonly instances: ReadonlyMap<string, ec2.Instance>;

  constructor(scope: Construct, id: string, props: GitalyServersProps) {
    super(scope, id);
    // Created side by side, replaced one at a time by `upgrade` (see the file comment).
    const servers = createFixedNodes(this, props);
    const instances = new Map([...servers].map(([nodeId, server]) => [nodeId, server.instance]));
    this.instances = instances;
    for (const node of props.nodes) {
      acknowledge(props.roleOf(node), [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'EC2 Describe* calls support no resource-level permissions; attach, detach and stop on instance/* and volume/* are limited by condition to instances and volumes tagged as this node of this environment.',
          appliesTo: [
            'Resource::*',
            'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*',
            'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*',
          ],
        },
      ]);
    }
  }
}

const VOLUME_TYPES: Record<'gp3' | 'io1' | 'io2', ec2.EbsDeviceVolumeType> = {
  gp3: ec2.EbsDeviceVolumeType.GP3,
  io1: ec2.EbsDeviceVolumeType.IO1,
  io2: ec2.EbsDeviceVolumeType.IO2,
};
