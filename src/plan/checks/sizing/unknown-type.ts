import { INSTANCE_TYPES } from '../../../catalog/instance-types.js';
import { sizingOverrides } from '../../../catalog/sizing-overrides.js';
import type { PlanRule } from '../rule.js';

export const unknownType: PlanRule = {
  id: 'GLA-UNKNOWN-TYPE',
  level: 'warning',
  category: 'sizing',
  description: 'An override names an instance type gitlab-aws cannot size',
  evaluate: ({ spec }) =>
    sizingOverrides(spec)
      .filter(({ instanceType }) => !INSTANCE_TYPES[instanceType])
      .map(({ field, instanceType }) => ({
        field,
        message: `${instanceType} is not in gitlab-aws's instance table, so its size against the reference architecture is not checked. Double-check it meets the documented vCPU and memory.`,
      })),
};
