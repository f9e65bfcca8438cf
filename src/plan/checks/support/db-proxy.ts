import { type PlanRule, when } from '../rule.js';

export const dbProxy: PlanRule = {
  id: 'GLA-DB-PROXY',
  level: 'error',
  category: 'support',
  description: 'RDS Proxy has never been validated with GitLab',
  guidance: 'rds-proxy',
  evaluate: ({ spec }) =>
    when(spec.database.proxy, {
      field: 'database.proxy',
      message:
        'GitLab has never validated RDS Proxy, so gitlab-aws does not build one. Set database.proxy: false; from 10k, read replicas with GitLab database load balancing spread the load.',
    }),
};
