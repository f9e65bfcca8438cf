import { type PlanRule, when } from '../rule.js';

export const gitalyEfs: PlanRule = {
  id: 'GLA-GITALY-EFS',
  level: 'error',
  category: 'support',
  description: 'EFS for Git data is strongly discouraged by GitLab',
  guidance: 'efs-git-data',
  evaluate: ({ spec }) =>
    when(spec.gitaly.storage === 'efs', {
      field: 'gitaly.storage',
      message:
        'GitLab strongly discourages EFS (and any NFS) for Git repositories: its latency makes Git slow and it is not supported for Gitaly. Set gitaly.storage: ebs.',
    }),
};
