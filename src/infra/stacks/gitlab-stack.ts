/**
 * What every stack of an environment is built from: the Plan, and CloudFormation stack properties
 * (name, region, description) that the environment sets.
 */
import type { StackProps } from 'aws-cdk-lib';
import type { Plan } from '../../plan/types.js';

export interface GitLabStackProps extends StackProps {
  /** The Plan the stack builds its part of. */
  readonly plan: Plan;
}
