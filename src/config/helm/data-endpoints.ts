/**
 * The data services' endpoints in the chart's values. The compute stack imports nothing of the
 * data stack, so the values it stores hold a placeholder for each host, and the chart build, which
 * runs once the cluster is up, waits for the parameter the data stack publishes the endpoint in
 * (src/plan/data-endpoints.ts) and writes the host in the placeholder's place before Helm reads the
 * values. Ports are the services' fixed ones (catalog/ports.ts).
 */
import { type DataEndpointId, planDataEndpoints } from '../../plan/data-endpoints.js';
import type { Plan } from '../../plan/types.js';
import type { ChartEndpoints } from './types.js';

/** The text standing for a data service's host in the stored values: no host name contains `@`. */
export function endpointPlaceholder(id: DataEndpointId): string {
  return `@data-endpoint:${id}@`;
}

/** The database and Redis hosts of the values, as placeholders the chart build fills in. */
export function chartDataEndpoints(plan: Plan): Pick<ChartEndpoints, 'databaseHost' | 'redisHosts'> {
  const redisHosts: Record<string, string> = {};
  for (const service of plan.services) {
    if (service.kind === 'elasticache') redisHosts[service.role] = endpointPlaceholder(service.role);
  }
  return { databaseHost: endpointPlaceholder('database'), redisHosts };
}

/**
 * What the chart build fills in, as its `DATA_ENDPOINTS` setting: `<placeholder>|<parameter>` for
 * each endpoint the chart's pods use (GitLab's database and each Redis; Praefect's database is
 * Praefect's own, on its VMs).
 */
export function chartDataEndpointSetting(plan: Plan): string {
  return planDataEndpoints(plan)
    .filter((endpoint) => endpoint.id !== 'praefect-database')
    .map((endpoint) => `${endpointPlaceholder(endpoint.id)}|${endpoint.parameterName}`)
    .join(' ');
}
