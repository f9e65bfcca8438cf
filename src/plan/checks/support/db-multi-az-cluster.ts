import { type PlanRule, when } from '../rule.js';

export const dbMultiAzCluster: PlanRule = {
  id: 'GLA-DB-MULTI-AZ-CLUSTER',
  level: 'error',
  category: 'support',
  description: 'RDS Multi-AZ DB clusters are not validated by GitLab',
  guidance: 'rds-multi-az-db-cluster',
  evaluate: ({ spec }) =>
    when(spec.database.deployment === 'multi-az-cluster', {
      field: 'database.deployment',
      message:
        'RDS Multi-AZ DB clusters are not tested by GitLab. Set database.deployment: multi-az-instance (a Multi-AZ DB instance with a standby).',
    }),
};
