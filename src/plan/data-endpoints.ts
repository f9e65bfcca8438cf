/**
 * Where the nodes find the data services, without the compute stack importing anything of the data
 * stack: the data stack writes each service's endpoint into an SSM parameter named here once the
 * service exists, and the boot scripts (and the chart build) wait for the parameter they need, when
 * they need it. Compute then starts beside the data stack, and its nodes install GitLab while RDS
 * is being created instead of after it.
 *
 * Read replicas get no parameter: each has a stable name in the environment's private zone, which
 * the data stack points at the replica (a CNAME) once the replica exists, and gitlab.rb lists those
 * names from the start, so Rails never waits for the replicas (see config/common.ts, load balancing).
 */
import type { RoleId } from '../catalog/types.js';
import type { Plan, SecretId } from './types.js';

/** The data services whose endpoint the data stack publishes: GitLab's database, Praefect's, and each Redis. */
export type DataEndpointId = 'database' | 'praefect-database' | 'redis' | 'redis-cache' | 'redis-persistent';

export interface DataEndpointPlan {
  readonly id: DataEndpointId;
  /** The Plan service it belongs to. */
  readonly serviceId: string;
  /** What kind of service answers there: the boot order names the wait after it. */
  readonly kind: 'database' | 'redis';
  /** SSM parameter holding `host:port`, written by the data stack. */
  readonly parameterName: string;
  /** Roles whose nodes read it at boot (and may read the parameter): the readers of the service's credentials. */
  readonly readers: readonly RoleId[];
}

/** What the endpoint list reads. */
export type DataEndpointInputs = Pick<Plan, 'spec' | 'services' | 'secrets'>;

/** The credential each endpoint's clients read: whoever may log in needs to know where. */
const CREDENTIALS: Readonly<Record<DataEndpointId, SecretId>> = {
  database: 'database-password',
  'praefect-database': 'praefect-database-password',
  redis: 'redis-auth-token',
  'redis-cache': 'redis-auth-token',
  'redis-persistent': 'redis-auth-token',
};

/**
 * SSM parameter holding one data service's endpoint as `host:port`: written by the data stack, read
 * by the boot scripts and the chart build (which wait for it), named after the environment.
 */
export function dataEndpointParameterName(plan: Pick<Plan, 'spec'>, endpoint: DataEndpointId): string {
  return `/${plan.spec.name}/data-endpoints/${endpoint}`;
}

/** Every data endpoint of the Plan, with the parameter it is published in and who reads it. */
export function planDataEndpoints(plan: DataEndpointInputs): DataEndpointPlan[] {
  const readersOf = (secret: SecretId) => plan.secrets.find((entry) => entry.id === secret)?.readers ?? [];
  const endpoints: DataEndpointPlan[] = [];
  for (const service of plan.services) {
    if (service.kind !== 'rds' && service.kind !== 'elasticache') continue;
    const id: DataEndpointId =
      service.kind === 'rds'
        ? service.role === 'postgres'
          ? 'database'
          : 'praefect-database'
        : service.role;
    endpoints.push({
      id,
      serviceId: service.id,
      kind: service.kind === 'rds' ? 'database' : 'redis',
      parameterName: dataEndpointParameterName(plan, id),
      readers: readersOf(CREDENTIALS[id]),
    });
  }
  return endpoints;
}

/** The endpoint of a data service, by its id; throws when the Plan has no such service. */
export function dataEndpoint(plan: DataEndpointInputs, id: DataEndpointId): DataEndpointPlan {
  const found = planDataEndpoints(plan).find((endpoint) => endpoint.id === id);
  if (!found) throw new Error(`the Plan has no ${id} service`);
  return found;
}

/**
 * The stable name of a read replica of GitLab's database in the environment's private zone
 * (`<member id>.<zone>`, e.g. `postgres-read-replica-1.gitlab.internal`): the data stack points it
 * at the replica once the replica exists, and gitlab.rb names the replica by it.
 */
export function readReplicaDnsName(plan: Pick<Plan, 'privateDnsZone'>, memberId: string): string {
  return `${memberId}.${plan.privateDnsZone}`;
}
