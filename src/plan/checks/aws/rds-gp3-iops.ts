import { RDS_GP3 } from '../../../catalog/aws-storage-limits.js';
import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const rdsGp3Iops: PlanRule = {
  id: 'GLA-RDS-GP3-IOPS',
  level: 'error',
  category: 'aws',
  description: 'RDS gp3 IOPS can be set only from 400 GiB, and then from 12,000 to 64,000',
  evaluate: ({ plan }) =>
    servicesOf(plan, 'rds')
      .filter((db) => db.storageType === 'gp3' && db.iops !== undefined)
      .flatMap((db) => {
        const iops = db.iops!;
        if (db.storageGiB < RDS_GP3.minGiBForIops) {
          return [
            {
              field: 'database.iops',
              message: `RDS gp3 below ${RDS_GP3.minGiBForIops} GiB has a fixed 3,000 IOPS, so database.iops: ${iops} with database.storageGiB: ${db.storageGiB} is refused. Remove database.iops, or set database.storageGiB: ${RDS_GP3.minGiBForIops} or more.`,
            },
          ];
        }
        if (iops < RDS_GP3.minIopsFrom400GiB || iops > RDS_GP3.maxIops) {
          return [
            {
              field: 'database.iops',
              message: `RDS gp3 from ${RDS_GP3.minGiBForIops} GiB takes ${RDS_GP3.minIopsFrom400GiB} to ${RDS_GP3.maxIops} IOPS, not ${iops}. Set database.iops in that range, or remove it for the ${RDS_GP3.minIopsFrom400GiB} baseline.`,
            },
          ];
        }
        return [];
      }),
};
