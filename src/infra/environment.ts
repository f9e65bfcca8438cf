/**
 * `GitLabEnvironment`: a whole GitLab environment from a spec or a Plan, as five stacks (see
 * stacks.ts for what each holds and why). It only creates the stacks in deploy order and hands each
 * what it needs from the ones before; the stacks wire their own constructs.
 */
import { CrossStackReferences, ReferenceStrength, type Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { RenderUserData } from '../config/types.js';
import { ENVIRONMENT_TAG } from '../plan/contracts.js';
import { resolvePlan } from '../plan/index.js';
import { externalLoadBalancer } from '../plan/query.js';
import { STACK_CONTENTS, type StackKind, stackName } from '../plan/stacks.js';
import type { Plan } from '../plan/types.js';
import type { Spec } from '../spec/schema.js';
import type { GitLabAutoScalingGroup } from './auto-scaling.js';
import type { Bastions } from './bastions.js';
import { acknowledge } from './common.js';
import type { Database } from './data/database.js';
import type { ObjectStorage } from './data/object-storage.js';
import type { Redis } from './data/redis.js';
import type { GitLabSecrets } from './data/secrets.js';
import type { Edge } from './edge.js';
import type { KubernetesCluster } from './eks.js';
import type { GitalyServers, GitalyVolumes } from './gitaly/gitaly.js';
import type { PraefectCluster } from './gitaly/praefect.js';
import type { MonitoringServer } from './monitoring.js';
import type { GitLabNetwork } from './network.js';
import type { ApplicationTargets, LoadBalancerTargets } from './ops/alarm-dimensions.js';
import type { ApplicationLogs } from './ops/application-logs.js';
import type { Operations } from './ops/operations.js';
import type { InstanceRoles } from './roles.js';
import type { EncryptionKeys, SecurityGroups } from './security.js';
import { ComputeStack } from './stacks/compute-stack.js';
import { DataStack } from './stacks/data-stack.js';
import { EdgeStack } from './stacks/edge-stack.js';
import { NetworkStack } from './stacks/network-stack.js';
import { OpsStack } from './stacks/ops-stack.js';

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
  readonly networkStack: NetworkStack;
  readonly dataStack: DataStack;
  readonly edgeStack: EdgeStack;
  readonly computeStack: ComputeStack;
  readonly opsStack: OpsStack;

  constructor(scope: Construct, id: string, props: GitLabEnvironmentProps) {
    super(scope, id);
    // S3 server access logs are delivered under a bucket policy, not the legacy log-delivery ACL
    // (which needs ACLs enabled on the log bucket). Set here so it holds inside any user's app.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    // Cross-stack references as CloudFormation exports: a stack whose outputs others import (data,
    // network) cannot be deleted or lose those outputs while the importers exist. Resources that a
    // routine spec change removes or renames are referenced weakly instead (see weakenReferences).
    this.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
    // Each IMDSv2 launch template named after its construct path, not all `InstanceLaunchTemplate`:
    // launch template names are unique per account and region, and a stack has several fixed nodes.
    this.node.setContext('@aws-cdk/aws-ec2:uniqueImdsv2TemplateName', true);
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

    const stackProps = (kind: StackKind) => ({
      ...props.stackProps,
      plan,
      stackName: stackName(plan, kind),
      env: { region: plan.region, ...(props.account ? { account: props.account } : {}) },
      description: `GitLab ${plan.spec.name} (${plan.architecture.size} ${plan.architecture.type}): ${STACK_CONTENTS[kind]}`,
    });
    const network = new NetworkStack(this, 'network', stackProps('network'));
    const { vpc, privateZone } = network.network;
    const sg = network.securityGroups;
    const accessLogBucket = network.accessLogs.bucket;
    const data = new DataStack(this, 'data', {
      ...stackProps('data'),
      vpc,
      accessLogBucket,
      privateZone,
      ...(sg.groups.has('database') ? { databaseSecurityGroup: sg.forTier('database') } : {}),
      ...(sg.groups.has('praefect-database')
        ? { praefectDatabaseSecurityGroup: sg.forTier('praefect-database') }
        : {}),
      ...(sg.groups.has('redis') ? { redisSecurityGroup: sg.forTier('redis') } : {}),
    });
    const edge = new EdgeStack(this, 'edge', {
      ...stackProps('edge'),
      vpc,
      securityGroup: sg.forTier('load-balancer'),
      accessLogBucket,
      ...(props.hostedZoneId ? { hostedZoneId: props.hostedZoneId } : {}),
    });
    const compute = new ComputeStack(this, 'compute', {
      ...stackProps('compute'),
      vpc,
      subnetIn: network.network.subnetIn.bind(network.network),
      privateZone,
      securityGroups: sg,
      rootVolumeKeyAlias: network.computeKeys.aliases['root-volumes']!,
      ...(network.computeKeys.aliases['kubernetes-secrets']
        ? { kubernetesSecretsKeyAlias: network.computeKeys.aliases['kubernetes-secrets'] }
        : {}),
      secretsKeyAlias: data.keys.aliases.secrets,
      secrets: data.secrets,
      objectStorage: data.objectStorage,
      accessLogBucket,
      gitalyVolumes: data.gitalyVolumes,
      targetGroups: edge.edge.targetGroups,
      boundTargetGroups: edge.edge.boundTargetGroups,
      ...(props.renderUserData ? { renderUserData: props.renderUserData } : {}),
    });
    // Compute takes nothing of the data stack that CloudFormation needs when it creates compute's
    // resources: keys by alias (root volumes under the network stack's), secrets and volumes by
    // name and tag, the endpoints from SSM parameters the boot scripts wait for. So the two deploy
    // side by side and nodes install GitLab while RDS is being created; the boot order
    // (src/plan/boot-order.ts) and the estimate (src/report/estimate.ts) count those boot waits.
    const ops = new OpsStack(this, 'ops', {
      ...stackProps('ops'),
      alarmSubjects: {
        loadBalancers: externalLoadBalancerTargets(plan, edge),
        applicationTargets: applicationTargetsOf(plan, edge),
      },
    });
    weakenReferences(network, data, compute);
    this.networkStack = network;
    this.dataStack = data;
    this.edgeStack = edge;
    this.computeStack = compute;
    this.opsStack = ops;
  }

  /** The five stacks, by kind. */
  get stacks(): Readonly<Record<StackKind, Stack>> {
    return {
      network: this.networkStack,
      data: this.dataStack,
      edge: this.edgeStack,
      compute: this.computeStack,
      ops: this.opsStack,
    };
  }

  // What the stacks hold, as the environment exposed it before it had a class per stack.
  get network(): GitLabNetwork {
    return this.networkStack.network;
  }
  get securityGroups(): SecurityGroups {
    return this.networkStack.securityGroups;
  }
  get keys(): EncryptionKeys {
    return this.dataStack.keys;
  }
  get secrets(): GitLabSecrets {
    return this.dataStack.secrets;
  }
  /** RDS; absent on 1k, whose PostgreSQL is bundled on the node. */
  get database(): Database | undefined {
    return this.dataStack.database;
  }
  get redis(): readonly Redis[] {
    return this.dataStack.redis;
  }
  get objectStorage(): ObjectStorage {
    return this.dataStack.objectStorage;
  }
  get gitalyVolumes(): GitalyVolumes {
    return this.dataStack.gitalyVolumes;
  }
  /** The GitLab version new instances install (`gitlab-aws upgrade` moves it). */
  get gitlabVersion(): ssm.StringParameter {
    return this.networkStack.gitlabVersion;
  }
  get edge(): Edge {
    return this.edgeStack.edge;
  }
  get instanceRoles(): InstanceRoles {
    return this.computeStack.instanceRoles;
  }
  /** Auto scaling groups by Plan group id (rails, sidekiq, gitlab). */
  get autoScalingGroups(): ReadonlyMap<string, GitLabAutoScalingGroup> {
    return this.computeStack.autoScalingGroups;
  }
  get gitaly(): GitalyServers | undefined {
    return this.computeStack.gitaly;
  }
  get praefect(): PraefectCluster | undefined {
    return this.computeStack.praefect;
  }
  get monitoring(): MonitoringServer | undefined {
    return this.computeStack.monitoring;
  }
  get bastions(): Bastions | undefined {
    return this.computeStack.bastions;
  }
  get kubernetes(): KubernetesCluster | undefined {
    return this.computeStack.kubernetes;
  }
  get applicationLogs(): ApplicationLogs | undefined {
    return this.computeStack.applicationLogs;
  }
  get operations(): Operations {
    return this.opsStack.operations;
  }
}

/** The external load balancer's target groups, by its service id (the internal one's alarms are compute's). */
function externalLoadBalancerTargets(plan: Plan, edge: EdgeStack): Map<string, LoadBalancerTargets> {
  const external = externalLoadBalancer(plan);
  return new Map(external ? [[external.id, edge.edge.targetGroupsByPort]] : []);
}

/** The target groups of the edge's Application Load Balancer (Cloud Native Hybrid), by the external load balancer's id. */
function applicationTargetsOf(plan: Plan, edge: EdgeStack): Map<string, ApplicationTargets> {
  const external = externalLoadBalancer(plan);
  return external?.applicationLoadBalancer
    ? new Map([[external.id, edge.edge.applicationTargetGroups]])
    : new Map();
}

/**
 * CloudFormation updates a producer stack before its consumers, and refuses to delete or change an
 * export that a deployed consumer imports ("Export ... cannot be deleted as it is in use"). The
 * resources below come and go, or get a new name, with routine spec changes: a tier's security
 * group (monitoring off, bastion/SSM), a Gitaly node's volume (fewer Gitaly nodes), an auto scaling
 * group (replaced by its ReplacingUpdate, which renames it). Their consumers read them with
 * `Fn::GetStackOutput` (weak references) instead, which binds at the consumer's own update. The
 * rest stays strong: the VPC, keys, database and secrets never go while the environment lives, and
 * an export keeps a consumer from losing them by accident.
 */
function weakenReferences(network: NetworkStack, data: DataStack, compute: ComputeStack): void {
  const weak = [
    ...network.securityGroups.groups.values(),
    ...data.gitalyVolumes.volumes.values(),
    ...[...compute.autoScalingGroups.values()].map((group) => group.autoScalingGroup),
  ];
  for (const resource of weak) CrossStackReferences.of(resource).produce(ReferenceStrength.WEAK);
}
