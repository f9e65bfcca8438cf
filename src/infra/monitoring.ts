/**
 * The Prometheus monitoring node of the reference architecture. It finds its scrape targets through
 * EC2 service discovery, so its role may describe instances.
 */

import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './common.js';
import { FixedNode, fixedNodeProps, type NodeTierProps } from './fixed-node.js';

/** The monitoring tier: `nodes` holds the Plan's one monitoring node. */
export type MonitoringServerProps = NodeTierProps;

export class MonitoringServer extends Construct {
  /** The instance. */
  readonly instance: ec2.Instance;

  constructor(scope: Construct, id: string, props: MonitoringServerProps) {
    super(scope, id);
    const [node, ...others] = props.nodes;
    if (!node || others.length > 0) {
      throw new Error(`the monitoring tier has one node, not ${props.nodes.length}`);
    }
    this.instance = new FixedNode(this, 'Node', fixedNodeProps(node, props)).instance;
    const role = props.roleOf(node);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeInstances', 'ec2:DescribeAvailabilityZones'],
        resources: ['*'],
      }),
    );
    acknowledge(role, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Prometheus EC2 service discovery calls ec2:DescribeInstances, which supports no resource-level permissions; it only reads instance metadata.',
        appliesTo: ['Resource::*'],
      },
    ]);
  }
}
