import { RDS_IOPS_PER_GIB } from '../../../catalog/aws-storage-limits.js';
import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const rdsIopsRatio: PlanRule = {
  id: 'GLA-RDS-IOPS-RATIO',
  level: 'error',
  category: 'aws',
  description: 'RDS io1/io2 IOPS must be 0.5-50 (io1) or 0.5-1000 (io2) times the storage in GiB',
  evaluate: ({ plan }) =>
    servicesOf(plan, 'rds').flatMap((db) => {
      if (db.storageType === 'gp3' || db.iops === undefined) return [];
      const { min, max } = RDS_IOPS_PER_GIB[db.storageType];
      const lowest = Math.ceil(db.storageGiB * min);
      const highest = Math.floor(db.storageGiB * max);
      if (db.iops >= lowest && db.iops <= highest) return [];
      return [
        {
          field: 'database.iops',
          message: `RDS ${db.storageType} takes ${min} to ${max} IOPS per GiB: ${lowest} to ${highest} IOPS for ${db.storageGiB} GiB, not ${db.iops}. Set database.iops in that range, or change database.storageGiB.`,
        },
      ];
    }),
};
