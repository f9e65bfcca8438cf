/**
 * Bastion hosts, when the spec asks for them instead of Session Manager: one per public subnet of
 * the first two AZs, each with an Elastic IP.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { createFixedNodes, type NodeTierProps } from './fixed-node.js';

/** The bastion tier: `nodes` holds the Plan's bastion nodes. */
export type BastionsProps = NodeTierProps;

export class Bastions extends Construct {
  /** Bastion instances by node id. */
  readonly instances: ReadonlyMap<string, ec2.Instance>;
  /** Their Elastic IPs, by node id. */
  readonly addresses: ReadonlyMap<string, ec2.CfnEIP>;

  constructor(scope: Construct, id: string, props: BastionsProps) {
    super(scope, id);
    const instances = new Map<string, ec2.Instance>();
    const addresses = new Map<string, ec2.CfnEIP>();
    // Bastions get no private DNS name: they are reached from outside, by their addresses.
    const { privateZone: _privateZone, ...tier } = props;
    for (const [nodeId, bastion] of createFixedNodes(this, tier)) {
      // A fixed address survives instance replacement, so allow-lists naming it keep working.
      addresses.set(
        nodeId,
        new ec2.CfnEIP(this, `${nodeId}-address`, { domain: 'vpc', instanceId: bastion.instance.instanceId }),
      );
      instances.set(nodeId, bastion.instance);
    }
    this.instances = instances;
    this.addresses = addresses;
  }
}
