/**
 * GitLab's database: the Plan's RDS instance, its password from the Kubernetes Secret the External
 * Secrets Operator fills. Migrations talk to the same primary (there is no PgBouncer in front).
 * Source: the chart's external database settings (`global.psql`, `examples/ref/<size>.yaml`
 * `gitlab.migrations.psql`), integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41.
 */
import { PORTS } from '../../catalog/ports.js';
import { servicesOf } from '../../plan/query.js';
import type { Plan } from '../../plan/types.js';
import { CHART_SECRETS } from './names.js';
import type { ChartEndpoints, Values } from './types.js';

export function databaseValues(
  plan: Pick<Plan, 'services'>,
  endpoints: Pick<ChartEndpoints, 'databaseHost'>,
): Values {
  const database = servicesOf(plan, 'rds')
    .flatMap((service) => service.databases)
    .find((candidate) => candidate.role === 'postgres');
  if (!database) throw new Error("the Plan has no database for GitLab's chart");
  const password = {
    useSecret: true,
    secret: CHART_SECRETS.databasePassword.name,
    key: CHART_SECRETS.databasePassword.key,
  };
  return {
    global: {
      psql: {
        host: endpoints.databaseHost,
        port: PORTS.postgres,
        database: database.name,
        username: database.user,
        password,
      },
    },
    postgresql: { install: false },
    gitlab: { migrations: { psql: { host: endpoints.databaseHost, port: PORTS.postgres } } },
  };
}
