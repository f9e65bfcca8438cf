import { NEWEST_GITLAB_RELEASE } from '../../../catalog/gitlab-requirements.js';
import type { PlanRule } from '../rule.js';

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < 3; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export const gitlabVersion: PlanRule = {
  id: 'GLA-GITLAB-VERSION',
  level: 'warning',
  category: 'support',
  description: 'The GitLab version is not the one gitlab-aws targets',
  evaluate: ({ spec }) => {
    const comparison = compareVersions(spec.gitlab.version, NEWEST_GITLAB_RELEASE);
    if (comparison === 0) return [];
    return [
      {
        field: 'gitlab.version',
        message:
          comparison > 0
            ? `GitLab ${spec.gitlab.version} is newer than ${NEWEST_GITLAB_RELEASE}, the newest release gitlab-aws has been checked against; its settings may have changed.`
            : `GitLab ${spec.gitlab.version} is older than ${NEWEST_GITLAB_RELEASE}; new environments should start on the newest release (set gitlab.version: ${NEWEST_GITLAB_RELEASE}).`,
      },
    ];
  },
};
