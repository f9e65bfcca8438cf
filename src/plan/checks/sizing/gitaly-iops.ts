import { GITALY_DISK_IOPS } from '../../../catalog/gitlab-requirements.js';
import { repositoryVolume } from '../../query.js';
import { type PlanRule, when } from '../rule.js';

export const gitalyIops: PlanRule = {
  id: 'GLA-GITALY-IOPS',
  level: 'warning',
  category: 'sizing',
  description: `Gitaly volumes below the ${GITALY_DISK_IOPS.read.toLocaleString('en-US')} IOPS GitLab requires`,
  evaluate: ({ plan }) => {
    const volume = repositoryVolume(plan);
    // io1/io2 without a figure are GLA-STORAGE-IOPS's finding.
    const iops = volume?.iops;
    return when(iops !== undefined && iops < GITALY_DISK_IOPS.read, {
      field: 'gitaly.iops',
      message: `gitaly.iops: ${iops} is below the ${GITALY_DISK_IOPS.read.toLocaleString('en-US')} read and ${GITALY_DISK_IOPS.write.toLocaleString('en-US')} write IOPS GitLab requires of Gitaly storage. Set gitaly.iops: ${GITALY_DISK_IOPS.read} or more, or remove it (on gp3 the plan then provisions ${GITALY_DISK_IOPS.read}).`,
    });
  },
};
