import { EBS_GP3, EBS_MAX_IOPS_PER_GIB } from '../../../catalog/aws-storage-limits.js';
import { repositoryVolume } from '../../query.js';
import type { Plan, VolumePlan } from '../../types.js';
import type { PlanRule } from '../rule.js';

/** The repository volume, set by the spec's gitaly fields (Gitaly's, or the 1k node's data volume). */
const gitalyDataVolumes = (plan: Pick<Plan, 'nodes'>): VolumePlan[] => {
  const volume = repositoryVolume(plan);
  return volume ? [volume] : [];
};

export const ebsIopsRatio: PlanRule = {
  id: 'GLA-EBS-IOPS-RATIO',
  level: 'error',
  category: 'aws',
  description: 'EBS IOPS may be at most 500 (gp3), 50 (io1) or 1000 (io2) per GiB',
  evaluate: ({ plan }) =>
    gitalyDataVolumes(plan)
      // gp3's baseline comes with every size; only IOPS above it are bounded by the size.
      .filter(
        (volume) =>
          volume.iops !== undefined && !(volume.type === 'gp3' && volume.iops <= EBS_GP3.baselineIops),
      )
      .flatMap((volume) => {
        const perGiB = EBS_MAX_IOPS_PER_GIB[volume.type];
        const highest = volume.sizeGiB * perGiB;
        if (volume.iops! <= highest) return [];
        return [
          {
            field: 'gitaly.iops',
            message: `EBS ${volume.type} allows at most ${perGiB} IOPS per GiB: ${highest} IOPS for ${volume.sizeGiB} GiB, not ${volume.iops}. Lower gitaly.iops, or set gitaly.volumeGiB to at least ${Math.ceil(volume.iops! / perGiB)}.`,
          },
        ];
      }),
};
