/**
 * The 1k node: one EC2 instance running the whole Linux package, with EC2 auto recovery (the
 * Plan's alarm, built with the other fixed instances') and its data on the retained volume the data
 * stack holds, which its boot script takes over from the instance it replaces, as a Gitaly node
 * does (see gitaly/gitaly.ts for why not a VolumeAttachment).
 *
 * It serves behind the external load balancer like the Rails groups, but a fixed instance cannot be
 * put in the target groups by the templates: the target groups (edge stack) would have to name the
 * instance (compute stack), which is deployed after them. The boot script registers the instance
 * itself once GitLab answers, with a permission on those two target groups only; a replaced
 * instance leaves them when CloudFormation terminates it.
 */

import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './common.js';
import { createFixedNodes, type NodeTierProps } from './fixed-node.js';

export interface SingleNodeProps extends NodeTierProps {
  /** The external load balancer's target groups the node registers itself with. */
  readonly targetGroups: readonly elbv2.INetworkTargetGroup[];
}

export class SingleNode extends Construct {
  /** The instance, by Plan node id. */
  readonly instances: ReadonlyMap<string, ec2.Instance>;

  constructor(scope: Construct, id: string, props: SingleNodeProps) {
    super(scope, id);
    const servers = createFixedNodes(this, props);
    this.instances = new Map([...servers].map(([nodeId, server]) => [nodeId, server.instance]));
    for (const node of props.nodes) {
      const role = props.roleOf(node);
      this.grantRegisterTargets(role, props.targetGroups);
      acknowledge(role, [
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

  /** Lets the node put instances in the load balancer's target groups, and only in those. */
  private grantRegisterTargets(
    grantee: iam.IGrantable,
    targetGroups: readonly elbv2.INetworkTargetGroup[],
  ): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticloadbalancing:RegisterTargets'],
      resourceArns: targetGroups.map((group) => group.targetGroupArn),
    });
  }
}
