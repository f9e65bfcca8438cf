import { type PlanRule, when } from '../rule.js';

export const dbStorageBounds: PlanRule = {
  id: 'GLA-DB-STORAGE-BOUNDS',
  level: 'error',
  category: 'sizing',
  description: 'Storage autoscaling ceiling below the allocated storage',
  evaluate: ({ spec }) =>
    when(
      spec.database.maxStorageGiB !== undefined && spec.database.maxStorageGiB < spec.database.storageGiB,
      {
        field: 'database.maxStorageGiB',
        message: `database.maxStorageGiB (${spec.database.maxStorageGiB}) is below database.storageGiB (${spec.database.storageGiB}); raise it or leave it out (4x storage).`,
      },
    ),
};
