/**
 * Settings several roles share: where PostgreSQL, Redis, Gitaly and object storage are, and how the
 * monitoring node reaches each node's exporters. Everything is read from the Plan and the runtime
 * endpoints; nothing here re-derives sizing.
 *
 * Sources (GitLab documentation, read in the GitHub mirrors named):
 * - Reference architecture 3k, sections "Configure Sidekiq", "Configure GitLab Rails", "Configure
 *   Prometheus": skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md. The 10k page (same commit) puts the cache
 *   on its own Redis with `redis_cache_instance` and everything else on the persistent one.
 * - AWS install guide (ElastiCache with `redis_ssl`, IAM profile for S3, VPC CIDR in the monitoring
 *   allowlist, proxy protocol): skratsch-solutions/gitlabhq 462401833261e0523def242cd7f5650407a43351,
 *   doc/install/aws/_index.md.
 * - Object storage, consolidated form and the connection table (`use_iam_profile`), and backups not
 *   being part of the consolidated form: skratsch-solutions/gitlabhq
 *   b77f1afb95937ce9916df37b70060a52f4eb8ab3, doc/administration/object_storage.md.
 * - Setting names: the settings reference in src/catalog/gitlab-rb-reference (omnibus-gitlab 440b1f835eb205885d22933ac074cc11c1148609).
 */
import { EXPORTER_PORTS, PORTS } from '../catalog/ports.js';
import { ACCOUNT_ID_PLACEHOLDER } from '../plan/contracts.js';
import { dataEndpoint, readReplicaDnsName, stableHostOf } from '../plan/data-endpoints.js';
import { internalLoadBalancer, nodesOf, serviceOf, servicesOf } from '../plan/query.js';
import {
  CONSOLIDATED_OBJECT_PURPOSES,
  type ObjectStoragePurpose,
  type Plan,
  type PlanNode,
} from '../plan/types.js';
import {
  dataEndpointFact,
  endpointFact,
  type GitlabRb,
  type JoinedText,
  joined,
  type NodeFactName,
  nodeFact,
  type RubyValue,
  secret,
  strHash,
  urlEncodedSecret,
} from './ruby.js';
import type { BootTarget, RuntimeEndpoints } from './types.js';

/** The Gitaly repository directory below the data volume's mount point. */
export const REPOSITORIES_SUBDIR = 'repositories';

/** The database GitLab's Rails code uses, and Praefect's (on its own instance) when the Plan has a Gitaly Cluster. */
export function databaseOf(plan: Plan, role: 'postgres' | 'praefect-postgres') {
  return servicesOf(plan, 'rds')
    .flatMap((service) => service.databases)
    .find((entry) => entry.role === role);
}

/** The RDS instance holding GitLab's database. */
export function gitlabDatabaseService(plan: Plan) {
  const service = servicesOf(plan, 'rds').find((candidate) => candidate.role === 'postgres');
  if (!service) throw new Error('the Plan has no GitLab database');
  return service;
}

/** The role a boot target runs. */
export function targetRole(target: BootTarget): PlanNode['role'] {
  return target.kind === 'node' ? target.node.role : target.group.role;
}

/** Whether the Plan has dedicated Sidekiq nodes; without them the web nodes run Sidekiq. */
export function hasSidekiqNodes(plan: Plan): boolean {
  return plan.autoScalingGroups.some((group) => group.role === 'sidekiq');
}

/** The monitoring node's private name, when the Plan has one. */
export function monitoringHost(plan: Plan): string | undefined {
  return nodesOf(plan, 'monitoring')[0]?.privateDnsName;
}

/** Roles whose processes load GitLab's Rails code (and so need gitlab-secrets.json and the data stores). */
export const RAILS_CODE_ROLES: readonly PlanNode['role'][] = ['gitlab', 'rails', 'sidekiq'];

/**
 * PostgreSQL on RDS. The instance refuses unencrypted connections (`rds.force_ssl`), so Rails
 * connects with `sslmode=require`. Migrations never run at reconfigure time (see boot-script.ts).
 * The host is the database's stable name in the private zone (src/plan/data-endpoints.ts), known
 * before RDS creates the instance: the node reconfigures meanwhile, and its boot script waits for
 * the database only before it first connects.
 */
export function databaseSettings(rb: GitlabRb, plan: Plan): void {
  const main = databaseOf(plan, 'postgres');
  if (!main) throw new Error('the Plan has no GitLab database');
  const endpoint = dataEndpoint(plan, 'database');
  rb.comment('PostgreSQL: Amazon RDS (the bundled PostgreSQL is off)')
    .set('postgresql', ['enable'], false)
    .set('gitlab_rails', ['db_adapter'], 'postgresql')
    .set('gitlab_rails', ['db_encoding'], 'unicode')
    .set('gitlab_rails', ['db_host'], stableHostOf(plan, endpoint.id))
    .set('gitlab_rails', ['db_port'], endpoint.port)
    .set('gitlab_rails', ['db_database'], main.name)
    .set('gitlab_rails', ['db_username'], main.user)
    .set('gitlab_rails', ['db_password'], secret('database-password'))
    .set('gitlab_rails', ['db_sslmode'], 'require')
    .comment('Only the boot script migrates, one node at a time, under a lock.')
    .set('gitlab_rails', ['auto_migrate'], false);
  databaseLoadBalancingSettings(rb, plan);
}

/**
 * Database load balancing: with read replicas, Rails and Sidekiq send read-only queries round-robin
 * to the primary and every replica (each on the primary's port, with the same credentials), so the
 * replicas the Plan pays for take traffic. The primary is listed too, which the documentation
 * recommends; its endpoint follows a Multi-AZ failover. gitlabhq/gitlabhq
 * 04027f81f0f468809a95eff2f7105a34dd7e69cf, doc/administration/postgresql/database_load_balancing.md
 * ("Configure database load balancing", hosts list).
 *
 * Each replica is listed by its stable name in the private zone (src/plan/data-endpoints.ts), which
 * the data stack points at the replica only once the replica exists, about 15 min after the primary:
 * so no node waits for the replicas. Until then the name does not resolve, and GitLab does without
 * the host: a read that fails with a connection error marks the host offline and moves to the next,
 * and with no replica left it reads from the primary ("No secondaries were available, using primary
 * instead", `LoadBalancer#read`, gitlabhq/gitlabhq 03c84e0de56dc220410c02533f5879c6b8523abe,
 * lib/gitlab/database/load_balancing/load_balancer.rb); an offline host is checked again every one
 * to two replica check intervals and comes back online once it answers and is not lagging
 * (`Host#online?`, `#refresh_status`, gitlabhq/gitlabhq 800235cce8e92b2b6dd34d30cffb5f9bebe311c0,
 * lib/gitlab/database/load_balancing/host.rb). A resolver that asked for the name before its record
 * existed keeps that negative answer for the zone's negative caching TTL, which the network stack
 * keeps to PRIVATE_ZONE_NEGATIVE_TTL_SECONDS (src/plan/data-endpoints.ts), so a replica takes reads
 * within a replica check or two of its record appearing.
 */
export function databaseLoadBalancingSettings(rb: GitlabRb, plan: Plan): void {
  const replicas = gitlabDatabaseService(plan).members.filter((member) => member.role === 'read-replica');
  if (replicas.length === 0) return;
  const replicaHosts = replicas.map((member) => readReplicaDnsName(plan, member.id));
  rb.comment(
    `Database load balancing: reads over the primary and ${replicas.map((member) => member.id).join(', ')}`,
  ).set(
    'gitlab_rails',
    ['db_load_balancing'],
    strHash({
      hosts: [stableHostOf(plan, 'database'), ...replicaHosts],
    }),
  );
}

/**
 * ElastiCache with in-transit encryption and an AUTH token. With one Redis service it serves
 * everything; with `redis-cache` and `redis-persistent` (10k and up) the cache gets its own
 * instance and the persistent one takes the rest, as the 10k page splits them.
 *
 * The main instance is given by its parts (`redis_host`, `redis_password`...), from which the Linux
 * package builds the URL itself, percent-encoding the password. A separate instance is given by a
 * URL that the package writes to `redis.<instance>.yml` as it is; `redis_<instance>_password` only
 * reaches that file for Redis Cluster nodes (gitlabhq/omnibus-gitlab 19.3.0+ee.0 =
 * 8bae586ed153bd3598bf6f11dc4cfeaefd693a72, files/gitlab-cookbooks/gitlab/recipes/gitlab-rails.rb and
 * templates/default/resque.yml.erb). So the cache URL carries the token, percent-encoded, as GitLab's
 * page on external Redis writes it (`rediss://:<password>@<host>:<port>`; gitlabhq/gitlabhq
 * 04027f81f0f468809a95eff2f7105a34dd7e69cf, doc/administration/redis/replication_and_failover_external.md).
 * The token is read from its file when gitlab.rb is evaluated, never written into it. Rate limiting,
 * the repository cache and feature flags have no URL of their own and use the cache's.
 */
export function redisSettings(rb: GitlabRb, plan: Plan): void {
  const roles = new Set(servicesOf(plan, 'elasticache').map((service) => service.role));
  const mainRole = roles.has('redis-persistent') ? 'redis-persistent' : 'redis';
  rb.comment('Redis: ElastiCache with TLS and AUTH')
    .set('redis', ['enable'], false)
    .set('gitlab_rails', ['redis_host'], dataEndpointFact('redis-host', dataEndpoint(plan, mainRole), 'host'))
    .set('gitlab_rails', ['redis_port'], PORTS.redis)
    .set('gitlab_rails', ['redis_ssl'], true)
    .set('gitlab_rails', ['redis_password'], secret('redis-auth-token'));
  if (roles.has('redis-cache')) {
    rb.set('gitlab_rails', ['redis_cache_instance'], redisUrl(plan, 'redis-cache-host'));
  }
}

/** `rediss://:<token, percent-encoded>@<host>:<port>` of the cache, joined when gitlab.rb is evaluated. */
function redisUrl(plan: Plan, hostFact: NodeFactName): JoinedText {
  return joined(
    'rediss://:',
    urlEncodedSecret('redis-auth-token'),
    '@',
    dataEndpointFact(hostFact, dataEndpoint(plan, 'redis-cache'), 'host'),
    `:${PORTS.redis}`,
  );
}

/** The address Rails and Sidekiq use for repositories: the one Gitaly, or Praefect's load balancer. */
export function repositoryStorageSettings(rb: GitlabRb, plan: Plan, endpoints: RuntimeEndpoints): void {
  if (plan.architecture.gitalyMode === 'cluster') {
    const host = endpoints.praefectLoadBalancerHost ?? internalLoadBalancer(plan)?.dnsName;
    if (!host) throw new Error('a Gitaly Cluster needs the Praefect load balancer');
    rb.comment('Repositories: the Gitaly Cluster, through the Praefect internal load balancer').set(
      'gitlab_rails',
      ['repositories_storages'],
      strHash({
        default: strHash({
          gitaly_address: endpointFact('praefect-host', host, 'tcp://', `:${PORTS.praefect}`),
          gitaly_token: secret('praefect-external-token'),
        }),
      }),
    );
    return;
  }
  const gitaly = nodesOf(plan, 'gitaly')[0];
  if (!gitaly?.privateDnsName || !gitaly.gitalyStorage) throw new Error('the Plan has no named Gitaly node');
  rb.comment(`Repositories: Gitaly on ${gitaly.id}`).set(
    'gitlab_rails',
    ['repositories_storages'],
    strHash({
      [gitaly.gitalyStorage]: strHash({
        gitaly_address: `tcp://${gitaly.privateDnsName}:${PORTS.gitaly}`,
        gitaly_token: secret('gitaly-token'),
      }),
    }),
  );
}

/**
 * A bucket's name as gitlab.rb reads it: the Plan's name with the account id the boot script read
 * from the instance identity document in place of its placeholder.
 */
export function bucketNameOnNode(pattern: string): RubyValue {
  const [before = '', after, ...more] = pattern.split(ACCOUNT_ID_PLACEHOLDER);
  if (after === undefined) return pattern;
  if (more.length > 0) throw new Error(`a bucket name names its account once: ${pattern}`);
  return nodeFact('account-id', before, after);
}

/** The name of the Plan's bucket for an object type, as gitlab.rb reads it on the node. */
export function bucketOf(plan: Plan, purpose: ObjectStoragePurpose): RubyValue {
  const found = serviceOf(plan, 's3').buckets.find((entry) => entry.purpose === purpose);
  if (!found) throw new Error(`the Plan has no ${purpose} bucket`);
  return bucketNameOnNode(found.bucketName);
}

/**
 * Consolidated object storage on S3 with the instance profile (no keys), one bucket per object type
 * the Plan has a bucket for. External diffs are on, so merge request diffs live in their bucket
 * rather than in the database.
 */
export function objectStorageSettings(rb: GitlabRb, plan: Plan): void {
  const bucket = (purpose: ObjectStoragePurpose) => bucketOf(plan, purpose);
  const connection = strHash({ provider: 'AWS', region: plan.region, use_iam_profile: true });
  rb.comment('Object storage: Amazon S3 through the instance profile, one bucket per object type')
    .set('gitlab_rails', ['object_store', 'enabled'], true)
    .set('gitlab_rails', ['object_store', 'proxy_download'], false)
    .set('gitlab_rails', ['object_store', 'connection'], connection);
  for (const object of CONSOLIDATED_OBJECT_PURPOSES) {
    rb.set('gitlab_rails', ['object_store', 'objects', object, 'bucket'], bucket(object));
  }
  rb.comment('Merge request diffs in their bucket, not in the database').set(
    'gitlab_rails',
    ['external_diffs_enabled'],
    true,
  );
  rb.comment('Backups are not part of the consolidated form')
    .set('gitlab_rails', ['backup_upload_connection'], connection)
    .set('gitlab_rails', ['backup_upload_remote_directory'], bucket('backups'));
}

/**
 * Who may read the health and metrics endpoints: the node itself and the VPC (the load balancer's
 * health checks and the monitoring node come from inside it). Also tells Rails where Prometheus is.
 */
export function monitoringAccessSettings(rb: GitlabRb, plan: Plan): void {
  rb.comment('Health checks and metrics: readable from the VPC (load balancer, monitoring node)').set(
    'gitlab_rails',
    ['monitoring_whitelist'],
    ['127.0.0.0/8', plan.network.vpcCidr],
  );
  const prometheus = monitoringHost(plan);
  if (prometheus)
    rb.set('gitlab_rails', ['prometheus_address'], `${prometheus}:${EXPORTER_PORTS.prometheus}`);
}

/** node_exporter on every node, listening where the monitoring node can scrape it. */
export function nodeExporterSettings(rb: GitlabRb): void {
  rb.set('node_exporter', ['listen_address'], `0.0.0.0:${EXPORTER_PORTS.node}`);
}

/**
 * Where Rails code finds the container registry when the registry does not run on its node (the
 * Sidekiq nodes): its API at the registry's external URL, through the load balancer.
 */
export function registryClientSettings(rb: GitlabRb, plan: Plan): void {
  const url = new URL(plan.gitlab.registryUrl);
  rb.comment('Container registry: runs on the web nodes; its API through the load balancer')
    .set('registry', ['enable'], false)
    .set('gitlab_rails', ['registry_enabled'], true)
    .set('gitlab_rails', ['registry_host'], url.hostname)
    .set('gitlab_rails', ['registry_port'], url.port)
    .set('gitlab_rails', ['registry_api_url'], url.origin);
}

/** Settings every node running Rails code shares (web, Sidekiq, the 1k node). */
export function railsCodeSettings(rb: GitlabRb, plan: Plan, endpoints: RuntimeEndpoints): void {
  rb.call('external_url', plan.gitlab.externalUrl);
  databaseSettings(rb, plan);
  redisSettings(rb, plan);
  repositoryStorageSettings(rb, plan, endpoints);
  objectStorageSettings(rb, plan);
  monitoringAccessSettings(rb, plan);
}

/** The vCPU count of a group's instances (the Plan's members carry it). */
export function groupVcpu(plan: Plan, groupId: string): number {
  const member = plan.nodes.find((node) => node.autoScalingGroup === groupId);
  if (!member) throw new Error(`the Plan has no member of the ${groupId} group`);
  return member.vcpu;
}
