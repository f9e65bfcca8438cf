import { EBS_GP3 } from '../../../catalog/aws-storage-limits.js';
import { repositoryVolume } from '../../query.js';
import type { Plan, VolumePlan } from '../../types.js';
import type { PlanRule } from '../rule.js';

/** The repository volume, set by the spec's gitaly fields (Gitaly's, or the 1k node's data volume). */
const gitalyDataVolumes = (plan: Pick<Plan, 'nodes'>): VolumePlan[] => {
  const volume = repositoryVolume(plan);
  return volume ? [volume] : [];
};

export const ebsGp3Throughput: PlanRule = {
  id: 'GLA-EBS-GP3-THROUGHPUT',
  level: 'error',
  category: 'aws',
  description: 'gp3 throughput may be at most IOPS/4 MiB/s',
  evaluate: ({ plan }) =>
    gitalyDataVolumes(plan)
      .filter((volume) => volume.type === 'gp3' && volume.throughputMiBps !== undefined)
      .flatMap((volume) => {
        const iops = volume.iops ?? EBS_GP3.baselineIops;
        const highest = Math.floor(iops * EBS_GP3.maxThroughputPerIops);
        if (volume.throughputMiBps! <= highest) return [];
        return [
          {
            field: 'gitaly.throughputMiBps',
            message: `gp3 throughput may be at most IOPS/4: ${highest} MiB/s at ${iops} IOPS, not ${volume.throughputMiBps}. Lower gitaly.throughputMiBps, or set gitaly.iops to at least ${volume.throughputMiBps! * 4}.`,
          },
        ];
      }),
};
