import { type PlanRule, when } from '../rule.js';

export const dbAurora: PlanRule = {
  id: 'GLA-DB-AURORA',
  level: 'error',
  category: 'support',
  description: 'Aurora is not a database GitLab supports',
  guidance: 'aurora-postgresql',
  evaluate: ({ spec }) =>
    when(spec.database.engine === 'aurora-postgresql', {
      field: 'database.engine',
      message:
        'Amazon Aurora is incompatible with GitLab (since GitLab 14.4). Set database.engine: postgres to use RDS for PostgreSQL, Multi-AZ.',
    }),
};
