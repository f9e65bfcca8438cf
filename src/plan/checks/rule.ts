/**
 * What a plan check is, in the style of a cdk-nag rule: a stable id, a level, a category and a
 * small pure function whose findings say how to fix what they find.
 *
 * Error-level findings make `plan` exit 1 and stop `deploy`: they are choices GitLab does not
 * support on AWS, or layouts that cannot work. Warnings are choices a reviewer should see.
 */
import type { ReferenceArchitecture, SpecSize } from '../../catalog/types.js';
import type { Spec } from '../../spec/schema.js';
import type { CheckCategory, CheckLevel, Plan } from '../types.js';

export interface CheckContext {
  readonly spec: Spec;
  readonly reference: ReferenceArchitecture<SpecSize>;
  /** The plan being checked (everything but its checks). */
  readonly plan: Omit<Plan, 'checks'>;
}

/** A finding before the rule's id, level and category are attached. */
export interface Finding {
  readonly message: string;
  readonly field?: string;
}

export interface PlanRule {
  readonly id: string;
  readonly level: CheckLevel;
  readonly category: CheckCategory;
  /** One line: what the rule guards against. */
  readonly description: string;
  /** The entry of the catalog's AWS guidance (GitLab's documented position) the rule enforces. */
  readonly guidance?: string;
  readonly evaluate: (context: CheckContext) => readonly Finding[];
}

/** The finding when the condition holds, else none. */
export const when = (condition: boolean, finding: Finding): Finding[] => (condition ? [finding] : []);
