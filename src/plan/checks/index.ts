/**
 * Plan checks, in the style of cdk-nag: one rule per file under a folder named for its category,
 * a pack per category, and every pack in PLAN_RULES, which runs on every plan.
 *
 * Sources: GitLab's reference architecture overview (`_index.md`, cloud services section) and the
 * Gitaly Cluster docs, as recorded in src/catalog/aws-guidance.ts.
 */
import type { CheckCategory, CheckLevel, CheckResult, Plan } from '../types.js';
import { AWS_RULES } from './aws.js';
import { HA_RULES } from './ha.js';
import type { CheckContext, PlanRule } from './rule.js';
import { SECURITY_RULES } from './security.js';
import { SIZING_RULES } from './sizing.js';
import { SUPPORT_RULES } from './support.js';

export type { CheckContext, Finding, PlanRule } from './rule.js';
export { AWS_RULES, HA_RULES, SECURITY_RULES, SIZING_RULES, SUPPORT_RULES };

/** Each category's pack. */
export const RULE_PACKS: Readonly<Record<CheckCategory, readonly PlanRule[]>> = {
  support: SUPPORT_RULES,
  sizing: SIZING_RULES,
  ha: HA_RULES,
  security: SECURITY_RULES,
  aws: AWS_RULES,
};

/** Every rule, pack by pack. */
export const PLAN_RULES: readonly PlanRule[] = Object.values(RULE_PACKS).flat();

const LEVEL_ORDER: Record<CheckLevel, number> = { error: 0, warning: 1, info: 2 };

/** Runs every rule; errors first, then warnings, then information, each in rule order. */
export function runChecks(context: CheckContext, rules: readonly PlanRule[] = PLAN_RULES): CheckResult[] {
  return rules
    .flatMap((rule) =>
      rule.evaluate(context).map((finding) => ({
        id: rule.id,
        level: rule.level,
        category: rule.category,
        message: finding.message,
        ...(finding.field ? { field: finding.field } : {}),
      })),
    )
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}

export function hasErrors(plan: Pick<Plan, 'checks'>): boolean {
  return plan.checks.some((check) => check.level === 'error');
}
