/**
 * The edge stack: the public load balancer, its target groups, certificate and DNS record, and
 * (1k) the parameter naming the target groups the GitLab node registers itself with.
 */
import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { publicZoneName, webTargetGroupsParameterName } from '../../plan/contracts.js';
import { externalLoadBalancer } from '../../plan/query.js';
import { Edge } from '../edge.js';
import type { GitLabStackProps } from './gitlab-stack.js';

export interface EdgeStackProps extends GitLabStackProps {
  /** The VPC whose public subnets hold the load balancer. */
  readonly vpc: ec2.IVpc;
  /** Security group of the load balancer tier. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Bucket receiving the load balancer's access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Id of the public hosted zone, so a requested certificate validates itself. */
  readonly hostedZoneId?: string;
}

export class EdgeStack extends Stack {
  /** The external load balancer, target groups, certificate and record. */
  readonly edge: Edge;
  /** The target group ARNs a fixed node registers itself with (1k), read at its boot. */
  readonly webTargetGroups?: ssm.StringListParameter;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { plan, vpc, securityGroup, accessLogBucket, hostedZoneId } = props;
    const external = externalLoadBalancer(plan);
    if (!external) throw new Error('the Plan has no internet-facing load balancer');
    this.edge = new Edge(this, 'Edge', {
      domainName: plan.spec.domain.name,
      publicZoneName: publicZoneName(plan),
      ...(plan.spec.domain.certificateArn ? { certificateArn: plan.spec.domain.certificateArn } : {}),
      ipTargets: plan.architecture.type === 'cloud-native-hybrid',
      loadBalancer: external,
      vpc,
      securityGroup,
      accessLogBucket,
      ...(hostedZoneId ? { hostedZoneId } : {}),
    });
    if (plan.deployNodes.singleNode) {
      // By name, not by reference: the node's stack must not wait for this one's certificate.
      this.webTargetGroups = new ssm.StringListParameter(this, 'WebTargetGroups', {
        parameterName: webTargetGroupsParameterName(plan),
        stringListValue: Object.values(this.edge.targetGroups).flatMap((group) =>
          group ? [group.targetGroupArn] : [],
        ),
        description: `${plan.spec.name}: target groups the GitLab node registers itself with once GitLab answers`,
      });
    }
  }
}
