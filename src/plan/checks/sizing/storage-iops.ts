import { type PlanRule, when } from '../rule.js';

export const storageIops: PlanRule = {
  id: 'GLA-STORAGE-IOPS',
  level: 'error',
  category: 'sizing',
  description: 'Provisioned-IOPS volumes need an IOPS figure',
  evaluate: ({ spec }) => [
    ...when(spec.gitaly.volumeType !== 'gp3' && spec.gitaly.iops === undefined, {
      field: 'gitaly.iops',
      message: `gitaly.volumeType ${spec.gitaly.volumeType} needs gitaly.iops (e.g. 8000); or use volumeType: gp3.`,
    }),
    ...when(spec.database.storageType !== 'gp3' && spec.database.iops === undefined, {
      field: 'database.iops',
      message: `database.storageType ${spec.database.storageType} needs database.iops (e.g. 8000); or use storageType: gp3.`,
    }),
  ],
};
