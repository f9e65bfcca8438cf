/**
 * `GitLabEnvironment`: a whole GitLab environment from a spec or a Plan, as five stacks (see
 * stacks.ts for what each holds and why). Numbers come from the Plan; this file only wires the
 * constructs together: who may read which secret and bucket, which endpoints the boot scripts get.
 */
import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { RoleId } from '../catalog/types.js';
import type { BootTarget, RenderUserData, RuntimeEndpoints } from '../config/types.js';
import { ENVIRONMENT_TAG, gitlabVersionParameterName } from '../plan/contracts.js';
import { resolvePlan } from '../plan/index.js';
import { STACK_CONTENTS, type StackKind, stackName } from '../plan/stacks.js';
import type {
  EksService,
  ElastiCacheService,
  LoadBalancerService,
  ObjectStoragePurpose,
  Plan,
  PlanNode,
  RdsService,
  S3Service,
} from '../plan/types.js';
import type { Spec } from '../spec/schema.js';
import type { GitLabAutoScalingGroup } from './auto-scaling.js';
import { acknowledge, volumeArn } from './common.js';
import { Database } from './data/database.js';
import { ObjectStorage } from './data/object-storage.js';
import { Redis } from './data/redis.js';
import { GitLabSecrets } from './data/secrets.js';
import { Edge } from './edge.js';
import { KubernetesCluster } from './eks.js';
import type { BootScript } from './fixed-node.js';
import { GitalyServers, GitalyVolumes } from './gitaly/gitaly.js';
import { PraefectCluster } from './gitaly/praefect.js';
import { GitLabNetwork } from './network.js';
import { ApplicationLogs, Bastions, MonitoringServer, Operations } from './ops.js';
import { RailsAutoScalingGroup } from './rails.js';
import { InstanceRoles } from './roles.js';
import { EncryptionKeys, SecurityGroups } from './security.js';
import { SidekiqAutoScalingGroup } from './sidekiq.js';

export interface GitLabEnvironmentProps {
  /** The Plan to build; resolved from `spec` when omitted. */
  readonly plan?: Plan;
  /** The spec to plan and build, when no Plan is given. */
  readonly spec?: Spec;
  /**
   * Renders each node's cloud-init user data (the config layer's renderer). Without one, instances
   * boot plain Ubuntu and CloudFormation waits for no boot signal.
   */
  readonly renderUserData?: RenderUserData;
  /** Id of the public hosted zone of the domain, so a requested certificate validates itself. */
  readonly hostedZoneId?: string;
  /** AWS account to deploy to; the stacks are account-agnostic when omitted. */
  readonly account?: string;
  /** Extra stack properties (synthesizer, permissions boundary...) applied to every stack. */
  readonly stackProps?: Omit<StackProps, 'env' | 'stackName' | 'description'>;
}

export class GitLabEnvironment extends Construct {
  /** The Plan built. */
  readonly plan: Plan;
  /** The five stacks, by kind. */
  readonly stacks: Readonly<Record<StackKind, Stack>>;
  readonly network: GitLabNetwork;
  readonly securityGroups: SecurityGroups;
  readonly keys: EncryptionKeys;
  readonly secrets: GitLabSecrets;
  readonly database: Database;
  readonly redis: readonly Redis[];
  readonly objectStorage: ObjectStorage;
  readonly gitalyVolumes: GitalyVolumes;
  readonly edge: Edge;
  readonly instanceRoles: InstanceRoles;
  /** Auto scaling groups by Plan group id (rails, sidekiq, gitlab). */
  readonly autoScalingGroups: ReadonlyMap<string, GitLabAutoScalingGroup>;
  readonly gitaly: GitalyServers;
  readonly praefect?: PraefectCluster;
  readonly monitoring?: MonitoringServer;
  readonly bastions?: Bastions;
  readonly kubernetes?: KubernetesCluster;
  readonly applicationLogs?: ApplicationLogs;
  readonly operations: Operations;
  /** The GitLab version new instances install (`gitlab-aws upgrade` moves it). */
  readonly gitlabVersion: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: GitLabEnvironmentProps) {
    super(scope, id);
    // S3 server access logs are delivered under a bucket policy, not the legacy log-delivery ACL
    // (which needs ACLs enabled on the log bucket). Set here so it holds inside any user's app.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    // Cross-stack references as CloudFormation exports: a stack whose outputs others import (data,
    // network) cannot be deleted or lose those outputs while the importers exist.
    this.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
    if (!props.plan && !props.spec) throw new Error('GitLabEnvironment needs a plan or a spec');
    const plan = props.plan ?? resolvePlan(props.spec!);
    const errors = plan.checks.filter((check) => check.level === 'error');
    if (errors.length > 0) {
      throw new Error(
        `the Plan has errors; fix the spec first:\n${errors.map((check) => `  ${check.id}: ${check.message}`).join('\n')}`,
      );
    }
    this.plan = plan;
    acknowledge(this, [
      {
        id: 'CloudFormation-Validate::W3010',
        reason:
          'The Plan places every fixed node and its data volume in a named AZ (and the VPC spans exactly those AZs), so the AZ names are the design, not an accident.',
      },
    ]);
    Tags.of(this).add(ENVIRONMENT_TAG, plan.spec.name);
    for (const [key, value] of Object.entries(plan.spec.tags)) Tags.of(this).add(key, value);

    const stack = (kind: StackKind) =>
      new Stack(this, kind, {
        ...props.stackProps,
        stackName: stackName(plan, kind),
        env: { region: plan.region, ...(props.account ? { account: props.account } : {}) },
        description: `GitLab ${plan.spec.name} (${plan.architecture.size} ${plan.architecture.type}): ${STACK_CONTENTS[kind]}`,
      });
    this.stacks = {
      network: stack('network'),
      data: stack('data'),
      edge: stack('edge'),
      compute: stack('compute'),
      ops: stack('ops'),
    };
    const {
      network: networkStack,
      data: dataStack,
      edge: edgeStack,
      compute: computeStack,
      ops: opsStack,
    } = this.stacks;

    // network: VPC, private zone, security groups.
    this.network = new GitLabNetwork(networkStack, 'Network', { plan });
    const vpc = this.network.vpc;
    const subnetIn = this.network.subnetIn.bind(this.network);
    this.securityGroups = new SecurityGroups(networkStack, 'SecurityGroups', { plan, vpc });
    const sg = this.securityGroups;

    // data: keys, secrets, RDS, ElastiCache, S3, Gitaly volumes.
    this.keys = new EncryptionKeys(dataStack, 'Keys', { plan });
    this.secrets = new GitLabSecrets(dataStack, 'Secrets', { plan, encryptionKey: this.keys.secrets });
    this.database = new Database(dataStack, 'Database', {
      plan,
      service: serviceOf<RdsService>(plan, 'rds'),
      vpc,
      securityGroup: sg.forTier('database'),
      encryptionKey: this.keys.database,
      credentials: this.secrets.secret('database-password'),
    });
    const redisSubnets = new elasticache.CfnSubnetGroup(dataStack, 'RedisSubnets', {
      description: `${plan.spec.name} Redis`,
      subnetIds: vpc.privateSubnets.map((subnet) => subnet.subnetId),
    });
    this.redis = servicesOf<ElastiCacheService>(plan, 'elasticache').map(
      (service) =>
        new Redis(dataStack, `Redis-${service.role}`, {
          plan,
          service,
          subnetGroup: redisSubnets,
          securityGroup: sg.forTier('redis'),
          encryptionKey: this.keys.cache,
          authToken: this.secrets.secret('redis-auth-token'),
        }),
    );
    const s3Service = serviceOf<S3Service>(plan, 's3');
    this.objectStorage = new ObjectStorage(dataStack, 'ObjectStorage', {
      plan,
      service: s3Service,
      encryptionKey: this.keys.objectStorage,
    });
    this.gitalyVolumes = new GitalyVolumes(dataStack, 'GitalyVolumes', {
      plan,
      encryptionKey: this.keys.volumes,
    });

    // The GitLab version every new instance installs. In the data stack: it is the version the
    // database schema is migrated to, so it must outlive compute (`destroy` keeps data; a compute
    // stack recreated later must not bring back an older version). The template holds the spec's
    // version: CloudFormation writes the value only when the template's value changes, so after
    // `gitlab-aws upgrade` has written a newer one, deploys with an unchanged spec leave it alone;
    // setting the spec's gitlab.version to the upgraded version makes the next change a no-op.
    this.gitlabVersion = new ssm.StringParameter(dataStack, 'GitLabVersion', {
      parameterName: gitlabVersionParameterName(plan),
      stringValue: plan.gitlab.version,
      description: `${plan.spec.name}: GitLab version new instances install; gitlab-aws upgrade sets it`,
    });

    // edge: the public load balancer, certificate and DNS record.
    const external = servicesOf<LoadBalancerService>(plan, 'nlb').find(
      (service) => service.scheme === 'internet-facing',
    );
    if (!external) throw new Error('the Plan has no internet-facing load balancer');
    this.edge = new Edge(edgeStack, 'Edge', {
      plan,
      loadBalancer: external,
      vpc,
      securityGroup: sg.forTier('load-balancer'),
      accessLogBucket: this.objectStorage.logBucket,
      ...(props.hostedZoneId ? { hostedZoneId: props.hostedZoneId } : {}),
    });

    // compute: roles, then every machine.
    this.instanceRoles = new InstanceRoles(computeStack, 'InstanceRoles', { plan });
    this.grantAccess();
    const praefectService = servicesOf<LoadBalancerService>(plan, 'nlb').find(
      (service) => service.scheme === 'internal',
    );
    const endpoints = (logicalId: string): RuntimeEndpoints => ({
      databaseHost: this.database.host,
      databasePort: this.database.port,
      redisHosts: Object.fromEntries(
        this.redis.map((redis, index) => [redisRole(plan, index), redis.primaryHost]),
      ),
      ...(praefectService ? { praefectLoadBalancerHost: praefectService.dnsName } : {}),
      gitlabVersionParameter: gitlabVersionParameterName(plan),
      signal: { stackName: computeStack.stackName, logicalId },
    });
    const render = props.renderUserData;
    const bootScript = render
      ? (target: BootTarget): BootScript =>
          (logicalId) =>
            render(plan, target, endpoints(logicalId))
      : undefined;
    const nodeBoot = bootScript ? (node: PlanNode) => bootScript({ kind: 'node', node }) : undefined;
    const rolesInfrastructure = (role: RoleId) => ({
      vpc,
      subnetIn,
      securityGroup: sg.forRole(role),
      role: this.instanceRoles.of(role),
      volumeKey: this.keys.volumes,
      privateZone: this.network.privateZone,
      ...(nodeBoot ? { bootScript: nodeBoot } : {}),
    });

    if (plan.autoScalingGroups.some((group) => group.targetGroups.includes('http'))) {
      this.applicationLogs = new ApplicationLogs(computeStack, 'ApplicationLogs', { plan });
    }
    const groups = new Map<string, GitLabAutoScalingGroup>();
    for (const group of plan.autoScalingGroups) {
      const common = {
        group,
        vpc,
        subnets: group.availabilityZones.map((zone) => subnetIn('private', zone)),
        securityGroup: sg.forRole(group.role),
        role: this.instanceRoles.of(group.role),
        volumeKey: this.keys.volumes,
        ...(bootScript ? { bootScript: bootScript({ kind: 'group', group }) } : {}),
      };
      const id = pascal(group.id);
      const construct =
        group.targetGroups.length > 0
          ? new RailsAutoScalingGroup(computeStack, id, { ...common, targetGroups: this.edge.targetGroups })
              .nodes
          : new SidekiqAutoScalingGroup(computeStack, id, common).nodes;
      if (group.targetGroups.includes('http'))
        this.applicationLogs?.grantWrite(this.instanceRoles.of(group.role));
      groups.set(group.id, construct);
    }
    this.autoScalingGroups = groups;

    this.gitaly = new GitalyServers(computeStack, 'Gitaly', {
      plan,
      ...rolesInfrastructure('gitaly'),
    });
    if (praefectService) {
      this.praefect = new PraefectCluster(computeStack, 'Praefect', {
        plan,
        loadBalancer: praefectService,
        ...rolesInfrastructure('praefect'),
        loadBalancerSecurityGroup: sg.forTier('praefect-load-balancer'),
        accessLogBucket: this.objectStorage.logBucket,
      });
    }
    const monitoringNode = plan.nodes.find((node) => node.role === 'monitoring');
    if (monitoringNode) {
      this.monitoring = new MonitoringServer(computeStack, 'Monitoring', {
        node: monitoringNode,
        ...rolesInfrastructure('monitoring'),
      });
    }
    const bastionNodes = plan.nodes.filter((node) => node.role === 'bastion');
    if (bastionNodes.length > 0) {
      this.bastions = new Bastions(computeStack, 'Bastions', {
        nodes: bastionNodes,
        ...rolesInfrastructure('bastion'),
      });
    }
    const eksService = servicesOf<EksService>(plan, 'eks')[0];
    if (eksService) {
      this.kubernetes = new KubernetesCluster(computeStack, 'Kubernetes', {
        plan,
        service: eksService,
        vpc,
        nodeSecurityGroup: sg.forTier('kubernetes'),
        secretsKey: this.keys.secrets,
        volumeKey: this.keys.volumes,
      });
    }

    // ops: alarms, scaling notifications, backups.
    this.operations = new Operations(opsStack, 'Operations', {
      plan,
      targetGroups: Object.values(this.edge.targetGroups),
      database: this.database.instance,
      databaseStorageGiB: serviceOf<RdsService>(plan, 'rds').storageGiB,
      redis: this.redis,
      ...(this.applicationLogs ? { applicationLogs: this.applicationLogs } : {}),
      autoScalingGroupNames: [...groups.values()].map((group) => group.autoScalingGroup.autoScalingGroupName),
      backupResources: [
        backup.BackupResource.fromRdsDatabaseInstance(this.database.instance),
        ...[...this.gitalyVolumes.volumes.values()].map((volume) =>
          backup.BackupResource.fromArn(volumeArn(volume)),
        ),
      ],
    });
  }

  /** Grants every instance role the secrets, buckets and volumes the Plan says its role uses. */
  private grantAccess(): void {
    const { plan } = this;
    const roleOf = (role: RoleId): iam.Role | undefined => this.instanceRoles.roles.get(role);
    const migrators = new Set(
      plan.autoScalingGroups.filter((group) => group.runsDatabaseMigrations).map((group) => group.role),
    );
    for (const secret of plan.secrets) {
      for (const reader of secret.readers) {
        const role = roleOf(reader);
        if (!role) continue; // Kubernetes pools read secrets through the cluster, not an instance role.
        this.secrets.grantRead(role, secret.id);
        // The first node that boots generates gitlab-secrets.json and the SSH host keys and stores them.
        if (secret.generatedBy === 'first-boot' && migrators.has(reader))
          this.secrets.grantWrite(role, secret.id);
      }
    }
    const purposesByRole = new Map<RoleId, ObjectStoragePurpose[]>();
    for (const bucket of serviceOf<S3Service>(plan, 's3').buckets) {
      for (const role of bucket.accessRoles) {
        purposesByRole.set(role, [...(purposesByRole.get(role) ?? []), bucket.purpose]);
      }
    }
    for (const [roleId, purposes] of purposesByRole) {
      const role = roleOf(roleId);
      if (!role) continue;
      this.objectStorage.grantReadWrite(role, purposes);
    }
    const gitalyRole = roleOf('gitaly');
    if (gitalyRole) this.gitalyVolumes.grantAttach(gitalyRole);
    // Every node that installs the GitLab package reads the version at boot. By name, not by the
    // data stack's parameter: the name comes from the Plan, so compute imports nothing for it.
    const computeStack = this.stacks.compute;
    const versionParameter = ssm.StringParameter.fromStringParameterName(
      computeStack,
      'GitLabVersionParameter',
      gitlabVersionParameterName(plan),
    );
    for (const [roleId, role] of this.instanceRoles.roles) {
      if (INSTALLS_GITLAB.has(roleId)) versionParameter.grantRead(role);
    }
  }
}

/** EC2 roles whose nodes install the GitLab Linux package (bastions do not). */
const INSTALLS_GITLAB: ReadonlySet<RoleId> = new Set<RoleId>([
  'gitlab',
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'monitoring',
]);

function servicesOf<T extends Plan['services'][number]>(plan: Plan, kind: T['kind']): T[] {
  return plan.services.filter((service): service is T => service.kind === kind);
}

function serviceOf<T extends Plan['services'][number]>(plan: Plan, kind: T['kind']): T {
  const service = servicesOf<T>(plan, kind)[0];
  if (!service) throw new Error(`the Plan has no ${kind} service`);
  return service;
}

function redisRole(plan: Plan, index: number): ElastiCacheService['role'] {
  return servicesOf<ElastiCacheService>(plan, 'elasticache')[index]!.role;
}

function pascal(text: string): string {
  return text
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
