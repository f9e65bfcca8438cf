/**
 * Where the nodes find the data services, without the compute stack importing anything of the data
 * stack: the data stack writes each service's endpoint into an SSM parameter named here once the
 * service exists, and the boot scripts (and the chart build) wait for the parameter they need, when
 * they need it. Compute then starts beside the data stack, and its nodes install GitLab while RDS
 * is being created instead of after it.
 *
 * The databases are reached by stable names in the environment's private zone (`database.<zone>`,
 * `praefect-database.<zone>`, and one per read replica), which the data stack points at each RDS
 * instance (a CNAME) once it exists. gitlab.rb and Praefect's config name them from the start, so a
 * node installs and reconfigures while RDS is being created and waits for its database only where
 * it first connects (the boot order, src/plan/boot-order.ts). A name looked up before its record
 * exists is cached as absent for the zone's negative caching TTL, which the network stack keeps
 * short (PRIVATE_ZONE_NEGATIVE_TTL_SECONDS). PostgreSQL clients connect with `sslmode=require`,
 * which checks no host name, so the name may differ from RDS's certificate. Redis is named by
 * ElastiCache's own endpoint: its clients verify the TLS certificate against the host they connect
 * to, and ElastiCache's certificate names its own endpoints only; so a node still reads the Redis
 * endpoint from its parameter before it configures (ElastiCache is created well before a node's
 * package is installed).
 */
import { PORTS } from '../catalog/ports.js';
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
  /** SSM parameter holding `host:port`, written by the data stack once clients can connect there. */
  readonly parameterName: string;
  /**
   * The name clients connect to when it is known before the service exists: a database's stable
   * name in the private zone. Absent for Redis, whose host is read from the parameter at boot.
   */
  readonly stableHost?: string;
  /** The port the service listens on. */
  readonly port: number;
  /** Roles whose nodes read it at boot (and may read the parameter): the readers of the service's credentials. */
  readonly readers: readonly RoleId[];
}

/** What the endpoint list reads. */
export type DataEndpointInputs = Pick<Plan, 'spec' | 'services' | 'secrets' | 'privateDnsZone'>;

/**
 * How long a resolver may remember that a name of the private zone does not exist (the zone's SOA
 * TTL for negative caching, RFC 2308): a node's services look the database's name up from their
 * first start, before the data stack creates its record, and must find it within a poll or two once
 * it exists, not after Route 53's default of 900 s.
 */
export const PRIVATE_ZONE_NEGATIVE_TTL_SECONDS = 10;

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
      ...(service.kind === 'rds' ? { stableHost: `${id}.${plan.privateDnsZone}` } : {}),
      port: service.kind === 'rds' ? PORTS.postgres : PORTS.redis,
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

/** The stable name clients connect to for a database of the Plan; throws for one without (Redis). */
export function stableHostOf(plan: DataEndpointInputs, id: DataEndpointId): string {
  const { stableHost } = dataEndpoint(plan, id);
  if (stableHost === undefined) throw new Error(`the ${id} service has no stable name`);
  return stableHost;
}

/**
 * The stable name of a read replica of GitLab's database in the environment's private zone
 * (`<member id>.<zone>`, e.g. `postgres-read-replica-1.gitlab.internal`): the data stack points it
 * at the replica once the replica exists, and gitlab.rb names the replica by it.
 */
export function readReplicaDnsName(plan: Pick<Plan, 'privateDnsZone'>, memberId: string): string {
  return `${memberId}.${plan.privateDnsZone}`;
}
