import { type PlanRule, when } from '../rule.js';

export const sshOpen: PlanRule = {
  id: 'GLA-SSH-OPEN',
  level: 'warning',
  category: 'security',
  description: 'Git over SSH is open to the whole internet',
  evaluate: ({ spec }) =>
    when(spec.access.sshAllowedCidrs.includes('0.0.0.0/0'), {
      field: 'access.sshAllowedCidrs',
      message:
        'Port 22 (Git over SSH) is open to 0.0.0.0/0. Fine for a public GitLab; otherwise list your networks in access.sshAllowedCidrs.',
    }),
};
