/**
 * The Plan: everything gitlab-aws will build, as plain data.
 *
 * It is the one shared language of the project: infra, config, cost and report all read it and
 * none of them re-derives sizing. It is JSON-serialisable (`gitlab-aws plan --json` prints it),
 * so changes to these types are changes to a public format: bump `schemaVersion` on a breaking one.
 */

import type { SpotInterruptionBand } from '../catalog/spot-interruption.js';
import type {
  ArchitectureType,
  CatalogSource,
  CpuFamily,
  RoleId,
  SpecSize,
  TargetLoad,
} from '../catalog/types.js';
import type { Spec } from '../spec/schema.js';

export const PLAN_SCHEMA_VERSION = 1;

/** CPU architecture of an instance or managed service node. */
export type Arch = 'x86_64' | 'arm64';
export type SubnetTier = 'public' | 'private';
export type VolumeType = 'gp3' | 'io1' | 'io2';

export interface Plan {
  /** Version of this format. */
  readonly schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** The spec with every default applied. */
  readonly spec: Spec;
  /** Where the spec came from: a file, or the embedded default when there was none. */
  readonly specOrigin:
    | { readonly kind: 'file'; readonly path: string }
    | { readonly kind: 'embedded-default' };
  /** The reference architecture the plan follows. */
  readonly architecture: PlanArchitecture;
  /** The GitLab package to install. */
  readonly gitlab: PlanGitLab;
  readonly region: string;
  /** Availability zone names, e.g. us-west-2a; nodes of a role are spread evenly over them. */
  readonly availabilityZones: readonly string[];
  readonly network: NetworkPlan;
  /** Private DNS zone in the VPC that names every fixed node (gitaly-1.<zone>, ...). */
  readonly privateDnsZone: string;
  /** Every compute node: fixed instances and the desired-capacity members of each auto scaling group. */
  readonly nodes: readonly PlanNode[];
  /** Auto scaling groups (Rails, Sidekiq) with their bounds and scaling policy. */
  readonly autoScalingGroups: readonly AutoScalingGroupPlan[];
  /** Managed services: RDS, ElastiCache, S3, load balancers, EKS. */
  readonly services: readonly PlanService[];
  /** Secrets Manager secrets: generated at deploy, read by nodes at boot. */
  readonly secrets: readonly SecretPlan[];
  /** Every CloudWatch alarm of the environment: scaling, instance recovery and notifications. */
  readonly alarms: readonly AlarmPlan[];
  /** Every resource holding data or keys, and what deleting its stack does to it. */
  readonly statefulResources: readonly StatefulResourcePlan[];
  /** The nodes that run one-off steps of a deploy or upgrade: database and Praefect migrations. */
  readonly deployNodes: DeployNodesPlan;
  /** The scheduled `gitlab-backup`: where and when it runs, next to the AWS Backup snapshots. */
  readonly scheduledBackup: ScheduledBackupPlan;
  /** Results of every check, errors first. */
  readonly checks: readonly CheckResult[];
  /** The user's own gitlab.rb settings (spec `gitlab.extraSettings`), in the order they are written. */
  readonly extraSettings?: readonly ExtraSettingPlan[];
  /** Secrets of the user's that those settings read at boot, each readable by the roles using it. */
  readonly externalSecrets?: readonly ExternalSecretPlan[];
  /** Outbound e-mail through Amazon SES (spec `email`), when on. */
  readonly email?: EmailPlan;
  /** The GitLab Runner fleet for CI/CD jobs (spec `runners`), when on. */
  readonly runners?: RunnerFleetPlan;
}

/**
 * A GitLab Runner fleet: one on-demand runner manager in an auto scaling group of one, which runs
 * the docker-autoscaler executor and sets the desired capacity of the job instances' group through
 * the AWS fleeting plugin. The plugin owns that group's size, so the group has no scaling policy.
 */
export interface RunnerFleetPlan {
  /** GitLab Runner release and package, and where the version was read. */
  readonly runner: {
    readonly version: string;
    readonly packageName: string;
    /** `plugin` of config.toml: the AWS fleeting plugin and its version constraint. */
    readonly fleetingPlugin: string;
    readonly source: string;
  };
  /** The runner manager: always on demand, in an auto scaling group of one so a lost instance is replaced. */
  readonly manager: {
    /** Auto scaling group id, also the name's suffix. */
    readonly id: 'runner-manager';
    readonly autoScalingGroupName: string;
    readonly instanceType: string;
    readonly arch: Arch;
    readonly vcpu: number;
    readonly memoryGiB: number;
    readonly purchase: 'on-demand';
    readonly rootVolume: VolumePlan;
    readonly availabilityZones: readonly string[];
    /** The most the manager's boot waits for its authentication token before it marks itself unhealthy. */
    readonly tokenWaitSeconds: number;
    /** Where the CloudWatch agent ships the manager's journal: GitLab Runner's, and its boot's. */
    readonly logs: {
      /** Log group, named per environment; the stack creates it with the retention. */
      readonly logGroupName: string;
      readonly retentionDays: number;
      /** One stream per instance and systemd unit, `<instance id>/<unit>`. */
      readonly units: readonly string[];
    };
  };
  /** The job instances' group, shaped as the fleeting plugin requires. */
  readonly fleet: {
    readonly id: 'runner-fleet';
    /** Physical name, which config.toml's plugin_config names. */
    readonly autoScalingGroupName: string;
    /**
     * Name of the Spot interruption warnings' log group, before the suffix the stack adds (the
     * stack's id, so a retained group never blocks the next deploy's).
     */
    readonly interruptionLogGroupPrefix: string;
    readonly arch: Arch;
    /** Instance types of the mixed instances policy, with their size. */
    readonly instanceTypes: readonly {
      readonly instanceType: string;
      readonly vcpu: number;
      readonly memoryGiB: number;
      /** How often AWS reclaims the type's Spot instances in the region (Spot Instance Advisor band); absent where the catalog has none. */
      readonly spotInterruption?: SpotInterruptionBand;
    }[];
    readonly minCapacity: 0;
    readonly maxCapacity: number;
    /** Instances bought on demand before any Spot. */
    readonly onDemandBaseCapacity: number;
    /** Share of instances above the base bought on demand: 0 (Spot) or 100 (no Spot). */
    readonly onDemandPercentageAboveBase: 0 | 100;
    readonly spotAllocationStrategy: 'price-capacity-optimized';
    /** Off: the plugin owns the group's size, and a replacement launched by the group would be an instance it never asked for. */
    readonly capacityRebalance: false;
    /** On: only the plugin removes an instance, once no job runs on it. */
    readonly newInstancesProtectedFromScaleIn: true;
    /** Processes suspended: AZRebalance would terminate instances that run jobs to even out the AZs. */
    readonly suspendedProcesses: readonly ['AZRebalance'];
    readonly availabilityZones: readonly string[];
    readonly rootVolume: VolumePlan;
  };
  /** `concurrent` of config.toml: every instance full. */
  readonly concurrent: number;
  readonly capacityPerInstance: number;
  /** Jobs an instance runs before the plugin removes it: 1 gives every job a fresh instance. */
  readonly maxUseCount: number;
  readonly idleCount: number;
  readonly idleMinutes: number;
  readonly tags: readonly string[];
  /** Whether the runner takes jobs without tags (when it has none of its own). */
  readonly runUntagged: boolean;
  /** The runner's description in GitLab. */
  readonly description: string;
  /** The shared cache: an S3 bucket (account in the name as `${AWS::AccountId}`), objects expiring after `cacheExpireAfterDays`. */
  readonly cacheBucketName: string;
  readonly cacheExpireAfterDays: number;
  /** Secrets Manager secret holding the runner's glrt- authentication token, which the manager reads at boot. */
  readonly tokenSecretName: string;
  /** How the runner is registered: created by deploy through GitLab's API, or a token the user made (in their secret). */
  readonly registration:
    | {
        readonly kind: 'api';
        /** The secret the administrator token is in; deploy creates the token on a Rails node when it holds `RUNNER_ADMIN_TOKEN_UNSET`. */
        readonly adminTokenSecretName: string;
        /** The token deploy creates for root: its name, scopes and lifetime in days. */
        readonly adminToken: {
          readonly name: string;
          readonly scopes: readonly string[];
          readonly expiresInDays: number;
        };
      }
    | { readonly kind: 'supplied'; readonly userSecret: string };
}

/** GitLab's outbound e-mail through Amazon SES over SMTP. */
export interface EmailPlan {
  /** The domain identity verified in SES with Easy DKIM: the From address's domain. */
  readonly domain: string;
  /** Route 53 public zone that holds the DKIM CNAMEs and the MAIL FROM records. */
  readonly hostedZone: string;
  /** Custom MAIL FROM domain, so that SPF aligns with the From domain (DMARC). */
  readonly mailFromDomain: string;
  readonly from: string;
  readonly displayName: string;
  readonly replyTo: string;
  /** SES's SMTP endpoint of the region. */
  readonly smtpHost: string;
  /** 587 with STARTTLS. */
  readonly smtpPort: number;
  /** Secrets Manager secret with the access key (id and secret key) of an IAM user that may only send as the domain; each node derives the SMTP password from it. */
  readonly credentialsSecret: {
    readonly id: 'smtp-credentials';
    readonly name: string;
    readonly readers: readonly RoleId[];
  };
}

/** One of the user's gitlab.rb settings, written after the generated ones on the nodes of `roles`. */
export interface ExtraSettingPlan {
  /** The setting path, single-quoted, e.g. `gitlab_rails['omniauth_providers']`. */
  readonly path: string;
  /** Its top-level name, e.g. gitlab_rails. */
  readonly name: string;
  /** Its keys below the name; none for a call such as `registry_external_url`. */
  readonly keys: readonly string[];
  /** The value as JSON; `{ secret, key? }` objects are ExternalSecretPlan references. */
  readonly value: unknown;
  /** Roles whose nodes get it. */
  readonly roles: readonly RoleId[];
  /** Spec field it came from, e.g. gitlab.extraSettings.rails. */
  readonly field: string;
}

/** A Secrets Manager secret (or one key of its JSON) of the user's, read at boot into a root-only file. */
export interface ExternalSecretPlan {
  /** File id on the node, `user-<n>`. */
  readonly id: `user-${number}`;
  /** Secret name or ARN, as the spec gives it. */
  readonly secret: string;
  /** Key of the secret's JSON, or absent for the whole secret string. */
  readonly key?: string;
  /** Roles whose instances may read it. */
  readonly readers: readonly RoleId[];
}

/** A size chosen as the smallest reference architecture whose target load covers the spec's peak. */
export interface RpsSizing {
  /** Peak requests per second, as the spec gives them. */
  readonly rps: { readonly api: number; readonly web: number; readonly git: number };
  /** The next smaller size and the kinds of request it does not cover; absent below the smallest. */
  readonly smaller?: {
    readonly size: SpecSize;
    readonly targetLoad: TargetLoad;
    readonly uncovered: readonly ('api' | 'web' | 'git')[];
  };
}

export interface PlanArchitecture {
  /** The size planned: the spec's (`poc` or a published size), or the one its rps calls for. */
  readonly size: SpecSize;
  readonly type: ArchitectureType;
  readonly cpu: CpuFamily;
  /** Users the architecture is sized for. */
  readonly users: number;
  /** Whether every tier survives the loss of a node (and of an AZ with 3 AZs). */
  readonly highAvailability: boolean;
  /** Gitaly layout: one Gitaly server, or Gitaly Cluster (Praefect + 3 or more Gitaly nodes). */
  readonly gitalyMode: 'single' | 'cluster';
  /** Target load, where the reference architecture gives one. */
  readonly targetLoad?: TargetLoad;
  /** How the size was chosen, when the spec gave its peak load (`architecture.rps`) instead of a size. */
  readonly rpsSizing?: RpsSizing;
  /** Where the sizing was read. */
  readonly source: CatalogSource;
}

export interface PlanGitLab {
  readonly edition: 'ee' | 'ce';
  readonly version: string;
  /** Linux package name, e.g. gitlab-ee. */
  readonly packageName: string;
  /** The domain users browse and clone from. */
  readonly externalUrl: string;
  /**
   * The container registry users log in to, push and pull at: the domain on its own port (Linux
   * package), or its own host name below the domain on 443 (Cloud Native Hybrid, the chart's Ingress
   * host).
   */
  readonly registryUrl: string;
  /**
   * Where GitLab agents for Kubernetes connect to KAS: the domain's `/-/kubernetes-agent/` path
   * (Linux package, proxied by NGINX) or the KAS host below the domain (Cloud Native Hybrid).
   */
  readonly kasUrl: string;
}

export interface NetworkPlan {
  readonly vpcCidr: string;
  /** One public and one private subnet per AZ. */
  readonly subnets: readonly SubnetPlan[];
  /** One NAT gateway per AZ, so losing an AZ never cuts the others' outbound traffic. */
  readonly natGateways: number;
  readonly s3GatewayEndpoint: boolean;
  readonly flowLogs: boolean;
}

export interface SubnetPlan {
  /** e.g. public-us-west-2a. */
  readonly name: string;
  readonly tier: SubnetTier;
  readonly availabilityZone: string;
  readonly cidr: string;
}

export interface VolumePlan {
  /**
   * What the volume holds: the OS (`root`), Gitaly's repositories (`git-data`), Prometheus's data,
   * everything a single GitLab node keeps under /var/opt/gitlab (`gitlab-data`: repositories, the
   * bundled PostgreSQL and Redis, Prometheus), or the backup node's archives while `gitlab-backup`
   * makes and uploads them (`backup-staging`: scratch space, created and deleted with its instance).
   */
  readonly purpose: 'root' | 'git-data' | 'prometheus-data' | 'gitlab-data' | 'backup-staging';
  /** Linux device name the volume attaches as. */
  readonly deviceName: string;
  /** Mount point for data volumes. */
  readonly mountPoint?: string;
  readonly sizeGiB: number;
  readonly type: VolumeType;
  /** Provisioned IOPS (io1/io2) or gp3 IOPS above the 3000 baseline. */
  readonly iops?: number;
  /** gp3 throughput above the 125 MiB/s baseline. */
  readonly throughputMiBps?: number;
  /** Data volumes survive stack deletion and instance replacement. */
  readonly retainOnDelete: boolean;
}

export interface PlanNode {
  /** Unique id, `<role>-<n>`, e.g. gitaly-2. */
  readonly id: string;
  readonly role: RoleId;
  readonly instanceType: string;
  readonly arch: Arch;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly availabilityZone: string;
  readonly subnet: SubnetTier;
  /** The auto scaling group the node belongs to, for Rails/Sidekiq; absent for fixed instances. */
  readonly autoScalingGroup?: string;
  /** Private DNS name of a fixed node, e.g. gitaly-1.gitlab.internal. */
  readonly privateDnsName?: string;
  /** Gitaly storage name (Rails `repositories_storages` and Praefect refer to it). */
  readonly gitalyStorage?: string;
  readonly volumes: readonly VolumePlan[];
  /** How a node that runs Puma and Sidekiq together shares its memory between them (the 1k node). */
  readonly processBudget?: ProcessBudgetPlan;
}

/**
 * Puma workers and Sidekiq processes of a node that runs both (the 1k node, the poc's Rails nodes),
 * sized so that they fit the node's memory next to what else runs on it.
 */
export interface ProcessBudgetPlan {
  /** Memory of the node. */
  readonly memoryGiB: number;
  /** Kept for the operating system and GitLab's smaller processes (NGINX, Workhorse, exporters). */
  readonly systemGiB: number;
  /** Kept for the data services bundled on the node (PostgreSQL, Redis, Gitaly, Prometheus); 0 when they run elsewhere. */
  readonly bundledServicesGiB: number;
  /** Puma worker processes (`puma['worker_processes']`). */
  readonly pumaWorkers: number;
  /** Memory allowed per Puma worker. */
  readonly pumaWorkerGiB: number;
  /** Sidekiq processes, each processing every queue (`sidekiq['queue_groups']`). */
  readonly sidekiqProcesses: number;
  /** Memory allowed per Sidekiq process. */
  readonly sidekiqProcessGiB: number;
  /** Threads of each Sidekiq process (`sidekiq['concurrency']`). */
  readonly sidekiqConcurrency: number;
}

/** A node's modelled boot: Linux package install, first reconfigure and (first node) migrations. */
export interface NodeBootPlan {
  /** A typical boot, for time estimates. */
  readonly typicalSeconds: number;
  /** The most a boot may take: the launch hook's heartbeat timeout and CloudFormation's signal timeout. */
  readonly timeoutSeconds: number;
}

export interface AutoScalingGroupPlan {
  /** e.g. rails. */
  readonly id: string;
  readonly role: RoleId;
  readonly instanceType: string;
  readonly arch: Arch;
  readonly minCapacity: number;
  readonly desiredCapacity: number;
  readonly maxCapacity: number;
  readonly availabilityZones: readonly string[];
  readonly rootVolume: VolumePlan;
  /** Step scaling on average CPU: add a node at or above `scaleOutCpuPercent`, remove one at or below `scaleInCpuPercent`. */
  readonly scaling: { readonly scaleOutCpuPercent: number; readonly scaleInCpuPercent: number };
  /** ELB health checks (Rails behind the NLB) or EC2 status checks. */
  readonly healthCheck: 'elb' | 'ec2';
  /** Seconds after a node is InService (its launch hook completed) before health checks count. */
  readonly healthCheckGracePeriodSeconds: number;
  /** How long a new node takes to boot, and the most it may take before it is abandoned. */
  readonly boot: NodeBootPlan;
  /** Name of the launch lifecycle hook that holds a new node out of service until its boot script completes it. */
  readonly launchHookName: string;
  /** Target groups of the external load balancer the group registers with. */
  readonly targetGroups: readonly ExternalTargetGroup[];
  /** Whether nodes of this group may run database migrations (one at a time, under a lock). */
  readonly runsDatabaseMigrations: boolean;
  /** Puma and Sidekiq on the same node (web groups of a Plan without Sidekiq nodes): how they share its memory. */
  readonly processBudget?: ProcessBudgetPlan;
}

export type PlanService = RdsService | ElastiCacheService | S3Service | LoadBalancerService | EksService;

export interface RdsService {
  readonly kind: 'rds';
  readonly id: string;
  /** GitLab's database (`postgres`) or, with a Gitaly Cluster, Praefect's own instance (`praefect-postgres`). */
  readonly role: 'postgres' | 'praefect-postgres';
  readonly engine: 'postgres';
  /** PostgreSQL major version GitLab requires. */
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly arch: Arch;
  /** Multi-AZ DB instance (one primary, one synchronous standby in another AZ). */
  readonly multiAz: boolean;
  /** Instances billed: primary plus standby. */
  readonly count: number;
  readonly readReplicas: number;
  /** The primary, the standby and each read replica, with where they run. */
  readonly members: readonly ServiceMemberPlan[];
  readonly storageGiB: number;
  readonly maxStorageGiB: number;
  readonly storageType: VolumeType;
  readonly iops?: number;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  /** The instance's parameter group, by RDS parameter name (values in RDS's units). */
  readonly parameters: Readonly<Record<string, string>>;
  /** The read replicas' parameter group: the instance's plus what only a replica serving reads needs. */
  readonly replicaParameters: Readonly<Record<string, string>>;
  /** The database on the instance (created with it) and the user that owns it (the master user). */
  readonly databases: readonly {
    readonly name: string;
    readonly role: 'postgres' | 'praefect-postgres';
    readonly user: string;
  }[];
}

/** One database or cache node of a managed service. */
export interface ServiceMemberPlan {
  /** Unique id, `<service>-<member>`, e.g. postgres-standby or redis-cache-002. */
  readonly id: string;
  /** What the member does: a primary, a Multi-AZ standby, an RDS read replica or an ElastiCache replica. */
  readonly role: 'primary' | 'standby' | 'read-replica' | 'replica';
  /** The AZ the member runs in, when the templates pin it. */
  readonly availabilityZone?: string;
  /** `pinned`: the templates name the AZ; `chosen-by-aws`: AWS picks it (a Multi-AZ RDS instance's primary and standby). */
  readonly placement: 'pinned' | 'chosen-by-aws';
}

export interface ElastiCacheService {
  readonly kind: 'elasticache';
  readonly id: string;
  /** `redis` when one instance serves everything, else `redis-cache` / `redis-persistent`. */
  readonly role: 'redis' | 'redis-cache' | 'redis-persistent';
  readonly engine: 'redis' | 'valkey';
  readonly engineVersion: string;
  readonly nodeType: string;
  readonly arch: Arch;
  /** Replicas of the primary, placed in other AZs. */
  readonly replicas: number;
  /** Nodes billed: primary plus replicas. */
  readonly count: number;
  /** The primary and each replica (cache clusters `<replication group>-001`...), with where they run. */
  readonly members: readonly ServiceMemberPlan[];
  readonly multiAz: boolean;
  readonly automaticFailover: boolean;
  readonly clusterMode: false;
  readonly transitEncryption: boolean;
  readonly atRestEncryption: boolean;
  /** Snapshots kept, in days (0 for a pure cache). */
  readonly snapshotRetentionDays: number;
}

/**
 * Object types GitLab 19.3 writes through its consolidated object storage settings
 * (`gitlab_rails['object_store']['objects']`), for the features this environment runs. GitLab Pages
 * is off (no `pages_external_url`), so it writes no `pages` objects and gets no bucket; external
 * diffs are turned on, so merge request diffs leave the database for their bucket. Sources: the
 * package's object types, gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (tag
 * 19.3.0+ee.0), files/gitlab-cookbooks/gitlab/attributes/default.rb (`agent_plan_content` is new
 * in 19.3 and on by default, `external_diffs` off unless enabled).
 */
export const CONSOLIDATED_OBJECT_PURPOSES = [
  'artifacts',
  'external_diffs',
  'lfs',
  'uploads',
  'packages',
  'dependency_proxy',
  'terraform_state',
  'ci_secure_files',
  'agent_plan_content',
] as const;

/** What GitLab stores in object storage; each gets its own bucket (registry and backups are configured apart). */
export const OBJECT_STORAGE_PURPOSES = [...CONSOLIDATED_OBJECT_PURPOSES, 'registry', 'backups'] as const;
export type ObjectStoragePurpose = (typeof OBJECT_STORAGE_PURPOSES)[number];

export interface BucketPlan {
  readonly purpose: ObjectStoragePurpose;
  /**
   * Bucket name, starting with the spec's bucket prefix and ending in the account and region, with
   * the account as `${AWS::AccountId}` (`nameInAccount` in contracts.ts puts it in place).
   */
  readonly bucketName: string;
  /** Whether S3 keeps overwritten and deleted objects as noncurrent versions (the object backup). */
  readonly versioned: boolean;
  /** Days after which objects expire (backups only). */
  readonly expireAfterDays?: number;
  /** Days S3 keeps a noncurrent version before deleting it: how long an overwrite or delete can be undone. */
  readonly noncurrentVersionsExpireAfterDays: number;
  /** Roles that read or write the bucket. */
  readonly accessRoles: readonly RoleId[];
}

export interface S3Service {
  readonly kind: 's3';
  readonly id: string;
  readonly role: 'object-storage';
  readonly buckets: readonly BucketPlan[];
  /** Bucket receiving the buckets' S3 server access logs and the load balancers' access logs (named as bucketName). */
  readonly accessLogBucketName: string;
}

/**
 * The external load balancer's target groups, one per target port: `http` (NGINX serving GitLab,
 * behind TLS 443), `http-redirect` (NGINX answering port 80 with a redirect to HTTPS), `ssh` (Git
 * over SSH) and `registry` (the container registry's NGINX, behind TLS 5050).
 */
export const EXTERNAL_TARGET_GROUPS = ['http', 'http-redirect', 'ssh', 'registry'] as const;
export type ExternalTargetGroup = (typeof EXTERNAL_TARGET_GROUPS)[number];

export interface ListenerPlan {
  readonly port: number;
  readonly protocol: 'TCP' | 'TLS';
  /** Port on the targets. */
  readonly targetPort: number;
  /** Name of the target group on that port (the Praefect load balancer's is `praefect`). */
  readonly targetGroup: ExternalTargetGroup | 'praefect';
  /** Role or auto scaling group receiving the traffic. */
  readonly targetRole: RoleId;
  /** Health check of the target group. */
  readonly healthCheck: TargetHealthCheckPlan;
  /**
   * Cloud Native Hybrid: the listener passes TCP on to the Application Load Balancer's listener on
   * `targetPort`, which ends TLS and routes by host.
   */
  readonly forwardsTo?: 'application-load-balancer';
  /** Cloud Native Hybrid: the chart Service whose pods a TargetGroupBinding registers in the target group. */
  readonly binding?: ChartBindingPlan;
}

/** How a load balancer health-checks a target group's targets. */
export interface TargetHealthCheckPlan {
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  readonly port: number;
  readonly path?: string;
}

/**
 * A Service of GitLab's chart whose pods the AWS Load Balancer Controller registers, by IP, in a
 * target group CloudFormation made (a TargetGroupBinding).
 */
export interface ChartBindingPlan {
  /** The Service in the chart's namespace, e.g. gitlab-webservice-default. */
  readonly service: string;
  /** The Service port; the controller registers the pod port behind it. */
  readonly servicePort: number;
}

/** Target groups of the Application Load Balancer (Cloud Native Hybrid), one per chart Service port. */
export const APPLICATION_TARGET_GROUPS = ['webservice', 'registry', 'kas', 'kas-k8s-api'] as const;
export type ApplicationTargetGroup = (typeof APPLICATION_TARGET_GROUPS)[number];

/** One rule of the Application Load Balancer's HTTPS listener: a host (and path) to a chart Service. */
export interface ApplicationRoutePlan {
  readonly targetGroup: ApplicationTargetGroup;
  /** Host header the rule matches. */
  readonly host: string;
  /** Path prefix the rule also matches, e.g. `/k8s-proxy/`; any path when absent. */
  readonly pathPrefix?: string;
  /** The pods' port, which the target group's IP targets are registered on. */
  readonly targetPort: number;
  /** Node pool the pods run in. */
  readonly targetRole: RoleId;
  readonly binding: ChartBindingPlan;
  readonly healthCheck: TargetHealthCheckPlan;
}

/**
 * The Application Load Balancer of Cloud Native Hybrid, behind the Network Load Balancer's 80 and 443
 * listeners: TLS ends here with the ACM certificate, HTTP answers with a redirect to HTTPS, and the
 * HTTPS listener routes each host to its chart Service.
 */
export interface ApplicationLoadBalancerPlan {
  readonly scheme: 'internet-facing';
  readonly subnet: SubnetTier;
  readonly httpsPort: number;
  readonly httpPort: number;
  /** Rules in priority order; a request no rule matches reaches the first route (GitLab). */
  readonly routes: readonly ApplicationRoutePlan[];
}

export interface LoadBalancerService {
  readonly kind: 'nlb';
  readonly id: string;
  readonly role: 'external-load-balancer' | 'internal-load-balancer';
  readonly scheme: 'internet-facing' | 'internal';
  readonly subnet: SubnetTier;
  /** Load balancers billed. */
  readonly count: number;
  readonly listeners: readonly ListenerPlan[];
  readonly proxyProtocol: boolean;
  /** DNS name clients use: the domain (external) or a private name (internal). */
  readonly dnsName: string;
  /** Cloud Native Hybrid: the Application Load Balancer the HTTP(S) listeners pass on to. */
  readonly applicationLoadBalancer?: ApplicationLoadBalancerPlan;
}

export interface EksNodeGroupPlan {
  readonly role: 'webservice-pool' | 'sidekiq-pool' | 'supporting-pool';
  readonly instanceType: string;
  readonly arch: Arch;
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
}

export interface EksService {
  readonly kind: 'eks';
  readonly id: string;
  readonly role: 'webservice-pool';
  /** Name of the cluster: the environment's. */
  readonly clusterName: string;
  readonly kubernetesVersion: string;
  /** EKS support of that version on the plan's date: extended support costs more per cluster hour. */
  readonly kubernetesSupport: 'standard' | 'extended' | 'unsupported';
  readonly nodeGroups: readonly EksNodeGroupPlan[];
  /** Root volume of every node: container images and pod scratch space. */
  readonly nodeRootVolume: { readonly sizeGiB: number; readonly type: 'gp3' };
  /**
   * The toolbox pod's persistent volume for its temporary files, where `backup-utility` builds an
   * on-demand backup and unpacks the archive it restores (the chart's `gitlab.toolbox.persistence`).
   */
  readonly toolboxVolume: { readonly sizeGiB: number; readonly type: 'gp3' };
  /**
   * IMDS hop limit of the nodes: 1, so only host-network pods (the VPC CNI, kube-proxy) reach the
   * node role; every other pod that calls AWS has a role of its own through IRSA.
   */
  readonly metadataHopLimit: 1;
  /** EKS managed add-ons, each with the service account that gets an IRSA role when it needs one. */
  readonly addOns: readonly EksAddOnPlan[];
  /** Helm releases of the cluster add-ons, installed before GitLab's chart. */
  readonly addOnReleases: readonly ClusterAddOnReleasePlan[];
  /** IAM role given cluster admin through an EKS access entry (spec `access.clusterAdminRoleArn`). */
  readonly adminRoleArn?: string;
}

/** A Kubernetes service account, in its namespace. */
export interface KubernetesServiceAccountPlan {
  readonly namespace: string;
  readonly name: string;
}

export interface EksAddOnPlan {
  readonly name: 'vpc-cni' | 'coredns' | 'kube-proxy' | 'aws-ebs-csi-driver';
  /** The account the add-on calls AWS as, with an IRSA role; absent when it uses none of its own. */
  readonly serviceAccount?: KubernetesServiceAccountPlan;
}

/**
 * A Helm release of a cluster add-on, as data for the install path. `values` holds what the Plan
 * knows; the infrastructure adds what only a deploy knows (the VPC id, the IRSA role's ARN) with
 * `KubernetesCluster.releaseValues`.
 */
export interface ClusterAddOnReleasePlan {
  readonly name: 'aws-load-balancer-controller' | 'cluster-autoscaler' | 'metrics-server';
  readonly namespace: string;
  /** Helm repository URL. */
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** The service account the release creates and runs as, with an IRSA role, when it calls AWS. */
  readonly serviceAccount?: KubernetesServiceAccountPlan;
}

export type SecretId =
  | 'root-password'
  | 'gitlab-secrets-json'
  | 'ssh-host-keys'
  | 'database-password'
  | 'praefect-database-password'
  | 'redis-auth-token'
  | 'gitaly-token'
  | 'praefect-external-token'
  | 'praefect-internal-token'
  /**
   * GitLab Shell's secret token, with which Gitaly's hooks call GitLab's internal API back: Cloud
   * Native Hybrid only, where no VM generates gitlab-secrets.json to carry it.
   */
  | 'gitlab-shell-secret'
  /**
   * Rails' secrets (secrets.yml) of GitLab's chart, kept outside the cluster: Cloud Native Hybrid
   * only, written by the chart's install build (see SecretPlan.generatedBy `chart-install`).
   */
  | 'rails-secrets'
  /** The SES SMTP user's access key, from which each node derives its SMTP password (see EmailPlan). */
  | 'smtp-credentials'
  /** A secret of the user's, named in `gitlab.extraSettings` (see ExternalSecretPlan). */
  | `user-${number}`;

export interface SecretPlan {
  readonly id: SecretId;
  /** Secrets Manager secret name, `<env name>/<id>`. */
  readonly name: string;
  readonly description: string;
  /** Roles whose instances may read it. */
  readonly readers: readonly RoleId[];
  /**
   * Generated by Secrets Manager at deploy time, written once by the first node that boots, or
   * created empty and filled by the chart's install build with what the chart generated in the
   * cluster (Cloud Native Hybrid's Rails secrets), which no node waits for.
   */
  readonly generatedBy: 'secrets-manager' | 'first-boot' | 'chart-install';
  /** Never replaced on redeploy: replacing it would break a running GitLab. */
  readonly retainOnDelete: boolean;
}

/** What an alarm does when it fires. */
export type AlarmAction = 'scale-out' | 'scale-in' | 'recover-instance' | 'notify';
export type AlarmComparison = 'greater-than' | 'greater-than-or-equal' | 'less-than' | 'less-than-or-equal';

/** A CloudWatch dimension, named by the Plan id of the thing whose AWS name fills it. */
export interface AlarmDimensionPlan {
  /** CloudWatch dimension name, e.g. AutoScalingGroupName. */
  readonly name: string;
  /** Plan id of the node, group, service or member the value names, e.g. rails or redis-001. */
  readonly subject: string;
  /** For a load balancer's TargetGroup: the target port whose target group it is. */
  readonly targetPort?: number;
  /**
   * For a TargetGroup of the Application Load Balancer behind `subject` (Cloud Native Hybrid), in
   * place of a port: the Plan's name of it. The metric's LoadBalancer is that ALB.
   */
  readonly applicationTargetGroup?: ApplicationTargetGroup;
}

export interface AlarmMetricPlan {
  /** CloudWatch namespace, e.g. AWS/EC2. */
  readonly namespace: string;
  /** Metric name, e.g. CPUUtilization. */
  readonly name: string;
  readonly statistic: 'Average' | 'Maximum' | 'Minimum' | 'Sum';
  /** Length of one evaluation period. */
  readonly periodSeconds: number;
  readonly dimensions: readonly AlarmDimensionPlan[];
  /** Metric math the alarm watches instead of the metric itself, over metrics of the same namespace by name. */
  readonly expression?: string;
}

export interface AlarmPlan {
  /** Stable id, `<subject>-<what>`, e.g. rails-cpu-high. */
  readonly id: string;
  /** Plan id of the node, auto scaling group, service or member watched. */
  readonly subject: string;
  /** GitLab role or service role of the subject, for grouping. */
  readonly role: string;
  readonly metric: AlarmMetricPlan;
  readonly comparison: AlarmComparison;
  /** Threshold in the metric's unit (percent, count, bytes). */
  readonly threshold: number;
  /** Periods the alarm looks at. */
  readonly evaluationPeriods: number;
  /** Breaching periods among them that fire the alarm, when fewer than all. */
  readonly datapointsToAlarm?: number;
  /** Whether missing data counts as healthy (`not-breaching`) or leaves the state as it is (`missing`). */
  readonly treatMissingData: 'not-breaching' | 'missing';
  readonly action: AlarmAction;
  /** Why the alarm exists. */
  readonly why: string;
}

/** The CloudFormation stack a resource lives in (see `src/infra/stacks.ts`). */
export type PlanStack = 'network' | 'data' | 'edge' | 'compute' | 'ops';

export interface StatefulResourcePlan {
  /** Unique id, `<kind>-<what>`, e.g. bucket-artifacts or volume-gitaly-1. */
  readonly id: string;
  readonly kind:
    | 'rds'
    | 'elasticache'
    | 'bucket'
    | 'volume'
    | 'secret'
    | 'log-group'
    | 'backup-vault'
    | 'kms-key';
  /** What it is, named as in AWS, e.g. "S3 bucket gitlab-test-artifacts". */
  readonly description: string;
  /** The stack it lives in. */
  readonly stack: PlanStack;
  /** What deleting the stack does: the resource stays (`retain`), goes after a final snapshot (`snapshot`), or goes (`delete`). */
  readonly onStackDelete: 'retain' | 'snapshot' | 'delete';
  /** The name the templates give it, when fixed: a deploy creating it again fails while a retained one holds the name. */
  readonly physicalName?: string;
}

export interface DeployNodesPlan {
  /** The auto scaling group whose nodes run GitLab's database migrations (its `runsDatabaseMigrations`); absent without one (Cloud Native Hybrid, the 1k node). */
  readonly databaseMigrations?: string;
  /**
   * The one node that runs all of GitLab (1k): it migrates its bundled database itself on every
   * reconfigure, and an upgrade takes GitLab down while it runs.
   */
  readonly singleNode?: string;
  /** The Praefect node that runs Praefect's migrations, the deploy node of GitLab's zero-downtime procedure; absent without a Gitaly Cluster. */
  readonly praefect?: string;
}

/** The scheduled `gitlab-backup` (see src/plan/scheduled-backup.ts for the decisions). */
export interface ScheduledBackupPlan {
  /** The fixed node that runs it: persistent, with GitLab's Rails code and room for the archive; absent when the Plan has none. */
  readonly runner?: string;
  /** When AWS Backup snapshots RDS and the data volumes: the spec's `backups.schedule`. */
  readonly snapshotSchedule: string;
  /** When `gitlab-backup` runs (EventBridge cron, UTC): the snapshots' schedule moved by `offsetHours`. */
  readonly schedule: string;
  /** Hours from the snapshots' start to `gitlab-backup`'s, on the same day (+12 or -12). */
  readonly offsetHours: number;
  /** Whether each Gitaly node streams its repositories to the backups bucket (`REPOSITORIES_SERVER_SIDE=true`). */
  readonly repositoriesServerSide: boolean;
  /** The metric the script puts after each scheduled run: 1 when it failed, 0 when it succeeded. */
  readonly failureMetric: { readonly namespace: string; readonly name: string };
  /** The longest a run may take before it is stopped. */
  readonly timeoutSeconds: number;
  /** Where each backup's archive and the secrets saved with it are kept in the backups bucket. */
  readonly archives: BackupArchivesPlan;
}

/**
 * The keys of one backup in the backups bucket, `<prefix><backup id><suffix>`: where `backup create`
 * and the schedule write them, `backup list` finds them and `restore` reads them.
 */
export interface BackupArchivesPlan {
  /** Key prefix of the archive and its secrets; empty for the bucket's root. */
  readonly prefix: string;
  /** What follows the backup id in the archive's key: GitLab's `_gitlab_backup.tar`. */
  readonly archiveSuffix: string;
  /** What follows the backup id in the key of the secrets saved beside the archive. */
  readonly secretsSuffix: string;
}

export type CheckLevel = 'error' | 'warning' | 'info';
export type CheckCategory = 'ha' | 'security' | 'aws' | 'sizing' | 'support';

export interface CheckResult {
  /** Stable id, e.g. GLA-DB-AURORA. */
  readonly id: string;
  readonly level: CheckLevel;
  readonly category: CheckCategory;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** Spec field the finding is about, dotted path, when there is one. */
  readonly field?: string;
}
