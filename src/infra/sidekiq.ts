/**
 * The Sidekiq tier: background job processors in an auto scaling group. Nothing connects to them,
 * so they register with no load balancer and EC2 status checks decide their health.
 */
import { Construct } from 'constructs';
import { GitLabAutoScalingGroup, type GitLabAutoScalingGroupProps } from './auto-scaling.js';

export type SidekiqAutoScalingGroupProps = Omit<GitLabAutoScalingGroupProps, 'targetGroups'>;

export class SidekiqAutoScalingGroup extends Construct {
  /** The group and its launch template. */
  readonly nodes: GitLabAutoScalingGroup;

  constructor(scope: Construct, id: string, props: SidekiqAutoScalingGroupProps) {
    super(scope, id);
    if (props.group.targetGroups.length > 0) {
      throw new Error(`Sidekiq group ${props.group.id} must not register with a load balancer`);
    }
    this.nodes = new GitLabAutoScalingGroup(this, 'Nodes', props);
  }
}
