/**
 * The Rails tier: Puma, Workhorse, NGINX and gitlab-shell behind the external load balancer, in an
 * auto scaling group registered with both the HTTP and the SSH target groups. The 1k architecture's
 * all-in-one `gitlab` group is built the same way.
 */
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { AutoScalingGroupPlan } from '../plan/types.js';
import { GitLabAutoScalingGroup, type GitLabAutoScalingGroupProps } from './auto-scaling.js';

export interface RailsAutoScalingGroupProps extends Omit<GitLabAutoScalingGroupProps, 'targetGroups'> {
  /** External load balancer target groups by the Plan's names (`http`, `ssh`). */
  readonly targetGroups: Readonly<
    Partial<Record<AutoScalingGroupPlan['targetGroups'][number], elbv2.INetworkTargetGroup>>
  >;
}

export class RailsAutoScalingGroup extends Construct {
  /** The group and its launch template. */
  readonly nodes: GitLabAutoScalingGroup;

  constructor(scope: Construct, id: string, props: RailsAutoScalingGroupProps) {
    super(scope, id);
    const targetGroups = props.group.targetGroups.map((name) => {
      const targetGroup = props.targetGroups[name];
      if (!targetGroup) throw new Error(`no ${name} target group for ${props.group.id}`);
      return targetGroup;
    });
    this.nodes = new GitLabAutoScalingGroup(this, 'Nodes', { ...props, targetGroups });
  }
}
