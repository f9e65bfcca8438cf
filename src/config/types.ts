/**
 * The seam between the infrastructure (which knows CloudFormation-time values) and the config
 * renderers (pure functions of the Plan). Infra passes endpoint values in; at synth time they are
 * CDK token strings, which CDK turns into Fn::Join/Fn::Sub in the template, so the renderers
 * never import CDK and can be tested with plain strings.
 */
import type { AutoScalingGroupPlan, Plan, PlanNode } from '../plan/types.js';

/**
 * Values only known once AWS has created the resources of the compute and edge stacks. The data
 * services' endpoints are not among them: the data stack publishes them in SSM parameters named
 * from the Plan (src/plan/data-endpoints.ts), which the boot scripts wait for.
 */
export interface RuntimeEndpoints {
  /** DNS name of the internal load balancer in front of Praefect, when the Plan has one. */
  readonly praefectLoadBalancerHost?: string;
  /**
   * The Gitaly node's data volume id, when infra passes it (fixed Gitaly nodes only). Without it the
   * boot script finds the volume by its environment and node tags.
   */
  readonly dataVolumeId?: string;
  /**
   * Name of the SSM parameter holding the GitLab version to install (`gitlab-aws upgrade` moves it,
   * so new instances install the upgraded version without a compute redeploy).
   */
  readonly gitlabVersionParameter?: string;
  /** Where the boot script reports success or failure to CloudFormation. */
  readonly signal: {
    readonly stackName: string;
    /** Logical id of the instance or auto scaling group that waits for the signal. */
    readonly logicalId: string;
  };
}

/** What a user data document boots: a fixed node, or every member of an auto scaling group. */
export type BootTarget =
  | { readonly kind: 'node'; readonly node: PlanNode }
  | { readonly kind: 'group'; readonly group: AutoScalingGroupPlan };

/** Renders the cloud-init user data for a target. Pure: same inputs, same text. */
export type RenderUserData = (plan: Plan, target: BootTarget, endpoints: RuntimeEndpoints) => string;

/** A file `renderAllConfigs` produces, relative to the synth output directory. */
export interface RenderedConfigFile {
  /** `config/<target>/gitlab.rb`, `user-data.yaml` or `boot.env`, or a shared `config/boot/<script>`. */
  readonly path: string;
  readonly content: string;
}
