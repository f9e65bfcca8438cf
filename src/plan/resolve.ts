/**
 * spec + catalog -> Plan. Pure: no AWS calls, no CDK, no clock; the same spec gives the same Plan.
 *
 * Every sizing decision of gitlab-aws is made here, once. Infra, config, cost and report read the
 * result and never re-derive it.
 */
import { KUBERNETES_VERSION, POSTGRES_MAJOR_VERSION, REDIS_ENGINE } from '../catalog/gitlab-requirements.js';
import { referenceArchitecture } from '../catalog/index.js';
import { INSTANCE_TYPES } from '../catalog/instance-types.js';
import {
  type CatalogRole,
  type ReferenceArchitecture,
  ROLE_IDS,
  type RoleId,
  type SpecSize,
} from '../catalog/types.js';
import type { Spec } from '../spec/schema.js';
import { planAlarms } from './alarms.js';
import { runChecks } from './checks.js';
import { planStatefulResources } from './deletion.js';
import { planDeployNodes } from './deploy-nodes.js';
import { availabilityZoneNames, planNetwork } from './network.js';
import { type MemberlessService, withMembers } from './service-members.js';
import {
  type Arch,
  type AutoScalingGroupPlan,
  type BucketPlan,
  type EksNodeGroupPlan,
  type ElastiCacheService,
  type LoadBalancerService,
  OBJECT_STORAGE_PURPOSES,
  PLAN_SCHEMA_VERSION,
  type Plan,
  type PlanNode,
  type PlanService,
  type RdsService,
  type SecretId,
  type SecretPlan,
  type VolumePlan,
} from './types.js';

export interface ResolveOptions {
  /** Where the spec came from, for the report's first line. */
  readonly origin?: Plan['specOrigin'];
}

/** Where Gitaly keeps repositories on its data volume. */
export const GIT_DATA_MOUNT_POINT = '/var/opt/gitlab/git-data';
/** Device name the Gitaly data volume attaches as (Nitro instances expose it as NVMe). */
export const GIT_DATA_DEVICE = '/dev/sdf';
/** Root volume sizes: the Linux package, logs and caches need room on Rails and Sidekiq. */
const ROOT_VOLUME_GIB: Partial<Record<RoleId, number>> = {
  rails: 100,
  sidekiq: 100,
  gitlab: 100,
  monitoring: 100,
};
const DEFAULT_ROOT_VOLUME_GIB = 50;
/** GitLab's AWS guide scales Rails out at 60 % CPU and in at 45 %. */
const SCALING = { scaleOutCpuPercent: 60, scaleInCpuPercent: 45 } as const;
/** GitLab's AWS guide gives new Rails nodes 300 s before health checks count. */
const HEALTH_CHECK_GRACE_SECONDS = 300;
/** Bastions are idle hosts for SSH hops; a burstable type is right for them (and only them). */
const BASTION_INSTANCE_TYPE: Record<Arch, string> = { x86_64: 't3.micro', arm64: 't4g.micro' };
/** Roles that run GitLab's Rails code and so read the Rails secrets and buckets. */
const RAILS_CODE_ROLES: readonly RoleId[] = ['gitlab', 'rails', 'sidekiq', 'webservice-pool', 'sidekiq-pool'];

export function resolvePlan(spec: Spec, options: ResolveOptions = {}): Plan {
  const reference = referenceArchitecture(spec.architecture.size, spec.architecture.type);
  const availabilityZones = availabilityZoneNames(spec.region, spec.availabilityZones);
  const privateDnsZone = `${spec.name}.internal`;
  const gitalyMode = decideGitalyMode(spec, reference);
  const context: BuildContext = { spec, reference, availabilityZones, privateDnsZone, gitalyMode };

  const autoScalingGroups = planAutoScalingGroups(context);
  // Nodes in role order (Rails first, as GitLab's pages list them), so output and JSON are stable.
  const nodes = [
    ...autoScalingGroups.flatMap((group) => groupMembers(context, group)),
    ...planGitalyNodes(context),
    ...planFixedNodes(context),
  ].sort((a, b) => ROLE_IDS.indexOf(a.role) - ROLE_IDS.indexOf(b.role));
  const services = withMembers(planServices(context), availabilityZones);
  const roles = new Set<RoleId>([
    ...nodes.map((node) => node.role),
    ...services.flatMap((service) =>
      service.kind === 'eks' ? service.nodeGroups.map((group) => group.role) : [service.role],
    ),
  ]);
  const resolved: Omit<Plan, 'checks' | 'alarms' | 'statefulResources' | 'deployNodes'> = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    spec,
    specOrigin: options.origin ?? { kind: 'embedded-default' },
    architecture: {
      size: spec.architecture.size,
      type: spec.architecture.type,
      cpu: spec.architecture.cpu,
      users: reference.users,
      highAvailability: isHighlyAvailable(reference, gitalyMode, spec),
      gitalyMode,
      ...(reference.targetLoad ? { targetLoad: reference.targetLoad } : {}),
      source: reference.source,
    },
    gitlab: {
      edition: spec.gitlab.edition,
      version: spec.gitlab.version,
      packageName: `gitlab-${spec.gitlab.edition}`,
      externalUrl: `https://${spec.domain.name}`,
    },
    region: spec.region,
    availabilityZones,
    network: planNetwork(spec, availabilityZones),
    privateDnsZone,
    nodes,
    autoScalingGroups,
    services,
    secrets: planSecrets(spec, gitalyMode, roles),
  };
  const draft: Omit<Plan, 'checks'> = {
    ...resolved,
    alarms: planAlarms(resolved),
    statefulResources: planStatefulResources(resolved),
    deployNodes: planDeployNodes(resolved),
  };
  return { ...draft, checks: runChecks({ spec, reference, plan: draft }) };
}

interface BuildContext {
  readonly spec: Spec;
  readonly reference: ReferenceArchitecture<SpecSize>;
  readonly availabilityZones: readonly string[];
  readonly privateDnsZone: string;
  readonly gitalyMode: 'single' | 'cluster';
}

function decideGitalyMode(spec: Spec, reference: ReferenceArchitecture<SpecSize>): 'single' | 'cluster' {
  if (spec.gitaly.mode !== 'auto') return spec.gitaly.mode;
  return reference.roles.some((role) => role.role === 'praefect') ? 'cluster' : 'single';
}

function isHighlyAvailable(
  reference: ReferenceArchitecture<SpecSize>,
  gitalyMode: 'single' | 'cluster',
  spec: Spec,
): boolean {
  const webRole = spec.architecture.type === 'cloud-native-hybrid' ? 'webservice-pool' : 'rails';
  const railsMinimum = spec.rails.minNodes ?? roleOf(reference, webRole)?.nodes ?? 1;
  return reference.highAvailability && gitalyMode === 'cluster' && railsMinimum >= 2;
}

function roleOf(reference: ReferenceArchitecture<SpecSize>, role: RoleId): CatalogRole | undefined {
  return reference.roles.find((entry) => entry.role === role);
}

/** The arm64 type when the spec asks for Graviton and GitLab supports the role on arm64. */
function chooseInstanceType(spec: Spec, role: CatalogRole, override?: string): string {
  if (override) return override;
  if (spec.architecture.cpu === 'graviton' && role.gravitonInstanceType) return role.gravitonInstanceType;
  if (!role.awsInstanceType) throw new Error(`catalog role ${role.role} has no AWS instance type`);
  return role.awsInstanceType;
}

/** CPU architecture of an instance type, from the table or, for types it lacks, AWS's naming (c7g, m6gd, t4g...). */
export function archOf(instanceType: string): Arch {
  const known = INSTANCE_TYPES[instanceType];
  if (known) return known.arch;
  const family = instanceType.replace(/^(db|cache)\./, '').split('.')[0] ?? '';
  return /^[a-z]+\d+g/.test(family) ? 'arm64' : 'x86_64';
}

function sizeOf(instanceType: string, role: CatalogRole | undefined): { vcpu: number; memoryGiB: number } {
  const known = INSTANCE_TYPES[instanceType];
  if (known) return { vcpu: known.vcpu, memoryGiB: known.memoryGiB };
  return { vcpu: role?.vcpu ?? 0, memoryGiB: role?.memoryGB ?? 0 };
}

function rootVolume(role: RoleId): VolumePlan {
  return {
    purpose: 'root',
    deviceName: '/dev/sda1',
    sizeGiB: ROOT_VOLUME_GIB[role] ?? DEFAULT_ROOT_VOLUME_GIB,
    type: 'gp3',
    retainOnDelete: false,
  };
}

function planAutoScalingGroups(context: BuildContext): AutoScalingGroupPlan[] {
  const { spec, reference, availabilityZones } = context;
  if (spec.architecture.type === 'cloud-native-hybrid') return [];
  return [...reference.roles]
    .sort((a, b) => ROLE_IDS.indexOf(a.role) - ROLE_IDS.indexOf(b.role))
    .filter((role) => role.backing === 'ec2-asg')
    .map((role) => {
      const servesWeb = role.role === 'rails' || role.role === 'gitlab';
      const override =
        role.role === 'rails'
          ? spec.rails.instanceType
          : role.role === 'sidekiq'
            ? spec.sidekiq.instanceType
            : undefined;
      const instanceType = chooseInstanceType(spec, role, override);
      const minCapacity = role.role === 'rails' ? (spec.rails.minNodes ?? role.nodes) : role.nodes;
      // The 1k all-in-one node also runs Sidekiq and housekeeping that expect one node: its group only
      // replaces a failed machine. Rails and Sidekiq groups may double under load.
      const documentedMaximum = role.maxNodes ?? (role.role === 'gitlab' ? role.nodes : minCapacity * 2);
      const maxCapacity =
        role.role === 'rails'
          ? (spec.rails.maxNodes ?? Math.max(documentedMaximum, minCapacity))
          : documentedMaximum;
      return {
        id: role.role,
        role: role.role,
        instanceType,
        arch: archOf(instanceType),
        minCapacity,
        desiredCapacity: minCapacity,
        maxCapacity: Math.max(maxCapacity, minCapacity),
        availabilityZones,
        rootVolume: rootVolume(role.role),
        scaling: SCALING,
        healthCheck: servesWeb ? 'elb' : 'ec2',
        healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_SECONDS,
        targetGroups: servesWeb ? ['http', 'ssh'] : [],
        runsDatabaseMigrations: servesWeb,
      } satisfies AutoScalingGroupPlan;
    });
}

/** The desired-capacity members of a group, spread evenly over the AZs (as the ASG itself does). */
function groupMembers(context: BuildContext, group: AutoScalingGroupPlan): PlanNode[] {
  const role = roleOf(context.reference, group.role);
  return Array.from({ length: group.desiredCapacity }, (_, index) => ({
    id: `${group.id}-${index + 1}`,
    role: group.role,
    instanceType: group.instanceType,
    arch: group.arch,
    ...sizeOf(group.instanceType, role),
    availabilityZone: context.availabilityZones[index % context.availabilityZones.length]!,
    subnet: 'private' as const,
    autoScalingGroup: group.id,
    volumes: [group.rootVolume],
  }));
}

/**
 * Gitaly: one server (storage `default`), or a Gitaly Cluster of 3+ Gitaly nodes behind 3+ Praefect
 * nodes (virtual storage `default`, one physical storage per Gitaly node).
 */
function planGitalyNodes(context: BuildContext): PlanNode[] {
  const { spec, reference, gitalyMode } = context;
  const gitalyRole = roleOf(reference, 'gitaly') ?? fallbackRole('gitaly', spec);
  const gitalyType = chooseInstanceType(spec, gitalyRole, spec.gitaly.instanceType);
  const gitalyCount = gitalyMode === 'cluster' ? (spec.gitaly.nodes ?? Math.max(gitalyRole.nodes, 3)) : 1;
  const dataVolume: VolumePlan = {
    purpose: 'git-data',
    deviceName: GIT_DATA_DEVICE,
    mountPoint: GIT_DATA_MOUNT_POINT,
    sizeGiB: spec.gitaly.volumeGiB,
    type: spec.gitaly.volumeType,
    ...(spec.gitaly.iops !== undefined ? { iops: spec.gitaly.iops } : {}),
    ...(spec.gitaly.throughputMiBps !== undefined ? { throughputMiBps: spec.gitaly.throughputMiBps } : {}),
    retainOnDelete: true,
  };
  const gitalyNodes = spread(context, 'gitaly', gitalyCount, gitalyType, gitalyRole, (index) => ({
    gitalyStorage: gitalyMode === 'cluster' ? `gitaly-${index + 1}` : 'default',
    volumes: [rootVolume('gitaly'), dataVolume],
  }));
  if (gitalyMode === 'single') return gitalyNodes;
  const praefectRole = roleOf(reference, 'praefect') ?? fallbackRole('praefect', spec);
  const praefectCount = spec.gitaly.praefectNodes ?? Math.max(praefectRole.nodes, 3);
  const praefectType = chooseInstanceType(spec, praefectRole);
  return [
    ...gitalyNodes,
    ...spread(context, 'praefect', praefectCount, praefectType, praefectRole, () => ({})),
  ];
}

/**
 * For a role the size's page does not have, the smallest page that has it: Praefect for a cluster
 * asked for below 3k; Gitaly, PostgreSQL and Redis for 1k, whose page runs everything on one node.
 * On AWS that node is split so that it can live in an auto scaling group: the GitLab node stays
 * stateless, repositories get their own Gitaly node and volume, and RDS and ElastiCache take the
 * data stores, sized like the 2k page's.
 */
function fallbackRole(role: RoleId, spec: Spec): CatalogRole {
  for (const size of ['2k', '3k'] as const) {
    const found = roleOf(referenceArchitecture(size, 'linux-package'), role);
    if (found) return found;
  }
  throw new Error(`no reference architecture defines ${role} (spec size ${spec.architecture.size})`);
}

function planFixedNodes(context: BuildContext): PlanNode[] {
  const { spec, reference } = context;
  const nodes: PlanNode[] = [];
  const monitoring = roleOf(reference, 'monitoring');
  if (monitoring && monitoring.backing === 'ec2' && spec.monitoring.prometheus) {
    nodes.push(
      ...spread(
        context,
        'monitoring',
        monitoring.nodes,
        chooseInstanceType(spec, monitoring),
        monitoring,
        () => ({}),
      ),
    );
  }
  if (spec.access.admin === 'bastion') {
    const arch: Arch = spec.architecture.cpu === 'graviton' ? 'arm64' : 'x86_64';
    const instanceType = BASTION_INSTANCE_TYPE[arch];
    // One bastion per public subnet of the first two AZs, as GitLab's AWS guide sets them up.
    nodes.push(
      ...context.availabilityZones.slice(0, 2).map((zone, index) => ({
        id: `bastion-${index + 1}`,
        role: 'bastion' as const,
        instanceType,
        arch,
        ...sizeOf(instanceType, undefined),
        availabilityZone: zone,
        subnet: 'public' as const,
        volumes: [rootVolume('bastion')],
      })),
    );
  }
  return nodes;
}

function spread(
  context: BuildContext,
  role: RoleId,
  count: number,
  instanceType: string,
  catalogRole: CatalogRole,
  extra: (index: number) => Partial<PlanNode>,
): PlanNode[] {
  return Array.from({ length: count }, (_, index) => {
    const id = `${role}-${index + 1}`;
    return {
      id,
      role,
      instanceType,
      arch: archOf(instanceType),
      ...sizeOf(instanceType, catalogRole),
      availabilityZone: context.availabilityZones[index % context.availabilityZones.length]!,
      subnet: 'private' as const,
      privateDnsName: `${id}.${context.privateDnsZone}`,
      volumes: [rootVolume(role)],
      ...extra(index),
    };
  });
}

function planServices(context: BuildContext): MemberlessService[] {
  const { spec, reference } = context;
  const services: MemberlessService[] = [
    planDatabase(context),
    ...planRedis(context),
    planObjectStorage(context),
  ];
  services.push(planExternalLoadBalancer(context));
  if (context.gitalyMode === 'cluster') services.push(planPraefectLoadBalancer(context));
  if (spec.architecture.type === 'cloud-native-hybrid') services.push(planEks(spec, reference));
  return services;
}

/** Managed service class of the role: the override, else the catalog's class for the CPU family. */
function serviceClass(spec: Spec, role: CatalogRole, override: string | undefined): string {
  if (override) return override;
  const chosen =
    spec.architecture.cpu === 'graviton'
      ? (role.gravitonServiceClass ?? role.serviceClass)
      : role.serviceClass;
  if (!chosen) throw new Error(`catalog role ${role.role} has no managed service class`);
  return chosen;
}

/**
 * RDS: one Multi-AZ DB instance replaces the page's PostgreSQL nodes (primary + synchronous standby).
 * Read replicas (database load balancing) follow the catalog's guidance: from 10k the page runs
 * secondaries that serve reads, so RDS gets as many read replicas as the page has secondaries.
 */
function planDatabase(context: BuildContext): Omit<RdsService, 'members'> {
  const { spec, reference } = context;
  const role = roleOf(reference, 'postgres') ?? fallbackRole('postgres', spec);
  const instanceClass = serviceClass(spec, role, spec.database.instanceClass);
  const replicasFromPage = READ_REPLICA_SIZES.has(reference.size) ? Math.max(role.nodes - 1, 0) : 0;
  return {
    kind: 'rds',
    id: 'postgres',
    role: 'postgres',
    engine: 'postgres',
    engineVersion: POSTGRES_MAJOR_VERSION,
    instanceClass,
    arch: archOf(instanceClass),
    multiAz: true,
    count: 2,
    readReplicas: spec.database.readReplicas ?? replicasFromPage,
    storageGiB: spec.database.storageGiB,
    maxStorageGiB: spec.database.maxStorageGiB ?? spec.database.storageGiB * 4,
    storageType: spec.database.storageType,
    ...(spec.database.iops !== undefined ? { iops: spec.database.iops } : {}),
    backupRetentionDays: spec.database.backupRetentionDays,
    deletionProtection: true,
    databases: [
      { name: 'gitlabhq_production', role: 'postgres', user: 'gitlab' },
      ...(context.gitalyMode === 'cluster'
        ? [{ name: 'praefect_production', role: 'praefect-postgres' as const, user: 'praefect' }]
        : []),
    ],
  };
}

/** Sizes whose page runs database load balancing over PostgreSQL secondaries. */
const READ_REPLICA_SIZES: ReadonlySet<SpecSize> = new Set(['10k', '25k', '50k']);

function planRedis(context: BuildContext): Omit<ElastiCacheService, 'members'>[] {
  const { spec, reference } = context;
  const isRedis = (
    role: CatalogRole,
  ): role is CatalogRole & { role: 'redis' | 'redis-cache' | 'redis-persistent' } =>
    role.backing === 'elasticache' && ['redis', 'redis-cache', 'redis-persistent'].includes(role.role);
  const ownRedis = reference.roles.filter(isRedis);
  const redisRoles = ownRedis.length > 0 ? ownRedis : [fallbackRole('redis', spec)].filter(isRedis);
  return redisRoles.map((role) => {
    const nodeType = serviceClass(spec, role, spec.redis.nodeType);
    // The page's Redis nodes are a primary and its replicas; keep at least one replica for failover.
    const replicas = Math.max(role.nodes - 1, 1);
    return {
      kind: 'elasticache',
      id: role.role,
      role: role.role,
      engine: REDIS_ENGINE.engine,
      engineVersion: REDIS_ENGINE.version,
      nodeType,
      arch: archOf(nodeType),
      replicas,
      count: replicas + 1,
      multiAz: true,
      automaticFailover: true,
      clusterMode: false,
      transitEncryption: true,
      atRestEncryption: true,
      // The cache instance holds only what GitLab can rebuild; the others hold sessions and job queues.
      snapshotRetentionDays: role.role === 'redis-cache' ? 0 : 7,
    };
  });
}

function planObjectStorage(context: BuildContext): PlanService {
  const { spec } = context;
  const accessRoles = RAILS_CODE_ROLES.filter((role) =>
    context.reference.roles.some((entry) => entry.role === role),
  );
  const buckets: BucketPlan[] = OBJECT_STORAGE_PURPOSES.map((purpose) => ({
    purpose,
    bucketName: `${spec.objectStorage.bucketPrefix}${spec.name}-${purpose.replaceAll('_', '-')}`,
    versioned: purpose === 'backups',
    ...(purpose === 'backups' ? { expireAfterDays: spec.backups.retentionDays } : {}),
    accessRoles,
  }));
  return { kind: 's3', id: 'object-storage', role: 'object-storage', buckets };
}

function webTargetRole(context: BuildContext): RoleId {
  if (context.spec.architecture.type === 'cloud-native-hybrid') return 'webservice-pool';
  return roleOf(context.reference, 'rails') ? 'rails' : 'gitlab';
}

function planExternalLoadBalancer(context: BuildContext): LoadBalancerService {
  const targetRole = webTargetRole(context);
  const readiness = { protocol: 'HTTP' as const, port: 80, path: '/-/readiness' };
  return {
    kind: 'nlb',
    id: 'external',
    role: 'external-load-balancer',
    scheme: 'internet-facing',
    subnet: 'public',
    count: 1,
    listeners: [
      { port: 22, protocol: 'TCP', targetPort: 22, targetRole, healthCheck: { protocol: 'TCP', port: 22 } },
      { port: 80, protocol: 'TCP', targetPort: 80, targetRole, healthCheck: readiness },
      // TLS ends at the NLB with the ACM certificate; NGINX serves plain HTTP behind it.
      { port: 443, protocol: 'TLS', targetPort: 80, targetRole, healthCheck: readiness },
    ],
    proxyProtocol: context.spec.edge.proxyProtocol,
    dnsName: context.spec.domain.name,
  };
}

function planPraefectLoadBalancer(context: BuildContext): LoadBalancerService {
  return {
    kind: 'nlb',
    id: 'praefect',
    role: 'internal-load-balancer',
    scheme: 'internal',
    subnet: 'private',
    count: 1,
    listeners: [
      {
        port: 2305,
        protocol: 'TCP',
        targetPort: 2305,
        targetRole: 'praefect',
        healthCheck: { protocol: 'TCP', port: 2305 },
      },
    ],
    proxyProtocol: false,
    dnsName: `praefect.${context.privateDnsZone}`,
  };
}

function planEks(spec: Spec, reference: ReferenceArchitecture<SpecSize>): PlanService {
  const nodeGroups: EksNodeGroupPlan[] = reference.roles
    .filter((role) => role.backing === 'eks-node-group')
    .map((role) => {
      const instanceType = chooseInstanceType(spec, role);
      // Webservice and Sidekiq pools scale with load; supporting services stay at their documented size.
      const scales = role.role !== 'supporting-pool';
      return {
        role: role.role as EksNodeGroupPlan['role'],
        instanceType,
        arch: archOf(instanceType),
        minSize: role.nodes,
        desiredSize: role.nodes,
        maxSize: scales ? role.nodes * 2 : role.nodes,
      };
    });
  return {
    kind: 'eks',
    id: 'eks',
    role: 'webservice-pool',
    kubernetesVersion: KUBERNETES_VERSION,
    nodeGroups,
  };
}

const SECRET_DESCRIPTIONS: Record<SecretId, string> = {
  'root-password': 'Initial password of the GitLab root user',
  'gitlab-secrets-json': 'gitlab-secrets.json shared by every Rails and Sidekiq node',
  'ssh-host-keys': 'SSH host keys shared by every Rails node behind the load balancer',
  'database-password': 'Password of the gitlab database user on RDS',
  'praefect-database-password': 'Password of the praefect database user on RDS',
  'redis-auth-token': 'ElastiCache AUTH token',
  'gitaly-token': 'Token clients present to Gitaly',
  'praefect-external-token': 'Token Rails presents to Praefect',
  'praefect-internal-token': 'Token Praefect nodes present to each other',
};

function planSecrets(spec: Spec, gitalyMode: 'single' | 'cluster', roles: ReadonlySet<RoleId>): SecretPlan[] {
  const present = (candidates: readonly RoleId[]) => candidates.filter((role) => roles.has(role));
  const rails = present(RAILS_CODE_ROLES);
  const web = present(['gitlab', 'rails', 'webservice-pool']);
  const secret = (
    id: SecretId,
    readers: readonly RoleId[],
    generatedBy: SecretPlan['generatedBy'] = 'secrets-manager',
  ): SecretPlan => ({
    id,
    name: `${spec.name}/${id}`,
    description: SECRET_DESCRIPTIONS[id],
    readers,
    generatedBy,
    retainOnDelete: true,
  });
  const secrets = [
    secret('root-password', web),
    // Gitaly calls GitLab's internal API back (hooks on push), authenticated by the shared secret file.
    secret('gitlab-secrets-json', [...rails, ...present(['gitaly'])], 'first-boot'),
    secret('ssh-host-keys', web, 'first-boot'),
    secret('database-password', rails),
    secret('redis-auth-token', rails),
  ];
  if (gitalyMode === 'cluster') {
    secrets.push(
      // The first web node runs the database bootstrap, which creates Praefect's database user.
      secret('praefect-database-password', ['praefect', ...web]),
      secret('gitaly-token', ['gitaly', 'praefect']),
      secret('praefect-external-token', [...rails, 'praefect']),
    );
  } else {
    secrets.push(secret('gitaly-token', [...rails, 'gitaly']));
  }
  return secrets;
}
