import { catalogRole } from '../../../catalog/index.js';
import { INSTANCE_TYPES } from '../../../catalog/instance-types.js';
import { sizingOverrides } from '../../../catalog/sizing-overrides.js';
import type { PlanRule } from '../rule.js';

export const undersized: PlanRule = {
  id: 'GLA-UNDERSIZED',
  level: 'warning',
  category: 'sizing',
  description: 'An override is smaller than the reference architecture',
  evaluate: ({ spec, reference }) =>
    sizingOverrides(spec).flatMap(({ field, roles, instanceType }) => {
      const [role] = roles;
      // The first role the page has: from 10k, Redis is compared with the persistent instance.
      const documented = roles.map((candidate) => catalogRole(reference, candidate)).find(Boolean);
      const chosen = INSTANCE_TYPES[instanceType];
      if (!documented || !chosen) return [];
      // ElastiCache reserves part of each node's memory, so compare its CPU only.
      const memoryShort = !instanceType.startsWith('cache.') && chosen.memoryGiB < documented.memoryGB * 0.93;
      if (chosen.vcpu >= documented.vcpu && !memoryShort) return [];
      return [
        {
          field,
          message: `${instanceType} (${chosen.vcpu} vCPU, ${chosen.memoryGiB} GiB) is smaller than the ${reference.size} reference for ${role} (${documented.vcpu} vCPU, ${documented.memoryGB} GB). Expect lower throughput, or remove the override.`,
        },
      ];
    }),
};
