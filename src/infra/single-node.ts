/**
 * The 1k node: one EC2 instance running the whole Linux package, with EC2 auto recovery (the
 * Plan's alarm, built with the other fixed instances') and its data on the retained volume the data
 * stack holds, which its boot script takes over from the instance it replaces, as a Gitaly node
 * does (see gitaly/gitaly.ts for why not a VolumeAttachment).
 *
 * It serves behind the external load balancer like the Rails groups, but a fixed instance cannot be
 * put in the target groups by the templates: the target groups (edge stack) would have to name the
 * instance (compute stack). The boot script registers the instance itself once GitLab answers. It
 * reads the groups from the SSM parameter the edge stack writes, by name, so that this stack names
 * nothing of the edge's and the node boots while the certificate validates; it may register only in
 * target groups tagged as this environment's. A replaced instance leaves them when CloudFormation
 * terminates it.
 */

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENVIRONMENT_TAG } from '../plan/contracts.js';
import { acknowledge } from './common.js';
import { createFixedNodes, type NodeTierProps } from './fixed-node.js';

export interface SingleNodeProps extends NodeTierProps {
  /** The environment's name (the spec's), which its target groups are tagged with. */
  readonly environmentName: string;
  /** Name of the SSM parameter listing the target groups the node registers itself with. */
  readonly targetGroupsParameterName: string;
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
      this.grantRegisterTargets(role, props.environmentName, props.targetGroupsParameterName);
      acknowledge(role, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'EC2 Describe* calls support no resource-level permissions; attach, detach and stop on instance/* and volume/* are limited by condition to instances and volumes tagged as this node of this environment.',
          appliesTo: [
            'Resource::*',
            'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*',
            'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*',
            `Resource::arn:<AWS::Partition>:elasticloadbalancing:${Stack.of(this).region}:<AWS::AccountId>:targetgroup/*`,
          ],
        },
      ]);
    }
  }

  /**
   * Lets the node read the target groups' parameter and put instances in the environment's target
   * groups, and in no other account's or environment's: their ARNs are not known here, their tag is.
   */
  private grantRegisterTargets(
    grantee: iam.IGrantable,
    environmentName: string,
    parameterName: string,
  ): void {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter'],
      resourceArns: [
        stack.formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: parameterName.replace(/^\//, ''),
        }),
      ],
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:RegisterTargets'],
        resources: [
          stack.formatArn({
            service: 'elasticloadbalancing',
            resource: 'targetgroup',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        conditions: { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: environmentName } },
      }),
    );
  }
}
