/**
 * The backup node (src/plan/resolve/backup-node.ts): one fixed instance running GitLab's Rails code
 * for `gitlab-backup`, in no target group and no auto scaling group, with its staging volume as a
 * block device of its own (see fixed-node.ts). What it may read and write comes from the Plan like
 * every node's (access-grants.ts): the secrets that name its role (the database password, the Redis
 * token, Gitaly's or Praefect's token, gitlab-secrets.json) and the backups bucket, the one bucket
 * naming it. Here it gets what only it needs: finding its staging volume, which its boot script
 * looks up where it is attached. The scheduled run's tag and metric come with `prepareBackupRunner`.
 */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './common.js';
import { FixedNode, fixedNodeProps, type NodeTierProps } from './fixed-node.js';

/** The backup tier: `nodes` holds the Plan's one backup node. */
export type BackupNodeProps = NodeTierProps;

export class BackupNode extends Construct {
  /** The instance. */
  readonly instance: ec2.Instance;
  /** The node's instance role. */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: BackupNodeProps) {
    super(scope, id);
    const [node, ...others] = props.nodes;
    if (!node || others.length > 0) {
      throw new Error(`the backup tier has one node, not ${props.nodes.length}`);
    }
    this.instance = new FixedNode(this, 'Node', fixedNodeProps(node, props)).instance;
    this.role = props.roleOf(node);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ec2:DescribeVolumes'], resources: ['*'] }),
    );
    acknowledge(this.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'The boot script finds the staging volume attached to its instance with ec2:DescribeVolumes, which supports no resource-level permissions; it only reads volume metadata.',
        appliesTo: ['Resource::*'],
      },
    ]);
  }
}
