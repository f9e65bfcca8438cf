/**
 * The compute stack: instance roles and every machine (Rails and Sidekiq groups, Gitaly, Praefect,
 * monitoring, the backup node, bastions, EKS). It also grants each instance role the secrets, buckets and volumes
 * the Plan says its role uses, and hands each node's boot script the endpoints it needs.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { KMS_APPLY_IMPORTED_ALIAS_PERMISSIONS_TO_PRINCIPAL } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type { RoleId } from '../../catalog/types.js';
import { chartDataEndpoints } from '../../config/helm/data-endpoints.js';
import { renderNodeConfiguration } from '../../config/index.js';
import { renderRunnerFleetUserData, renderRunnerManagerUserData } from '../../config/runner-manager.js';
import type { BootTarget, RenderUserData, RuntimeEndpoints } from '../../config/types.js';
import { planBootOrder, refText } from '../../plan/boot-order.js';
import {
  gitlabVersionParameterName,
  machineImageParameterName,
  runCommandLogGroupName,
  webTargetGroupsParameterName,
} from '../../plan/contracts.js';
import { planDataEndpoints } from '../../plan/data-endpoints.js';
import {
  internalLoadBalancer,
  nodesOf,
  nodesWithDataVolume,
  serviceOf,
  servicesOf,
} from '../../plan/query.js';
import { alarmStack, alarmTopicName } from '../../plan/stacks.js';
import type {
  AlarmPlan,
  EksService,
  LoadBalancerService,
  PlanNode,
  S3Service,
  SubnetTier,
} from '../../plan/types.js';
import { grantPlanAccess } from '../access-grants.js';
import type { GitLabAutoScalingGroup } from '../auto-scaling.js';
import { BackupNode } from '../backup-node.js';
import { prepareBackupRunner } from '../backup-runner.js';
import { Bastions } from '../bastions.js';
import { environmentImage, type MachineImageOf } from '../common.js';
import type { ObjectStorage } from '../data/object-storage.js';
import type { GitLabSecrets } from '../data/secrets.js';
import type { Edge } from '../edge.js';
import { KubernetesCluster } from '../eks.js';
import { grantExternalSecrets } from '../external-secrets.js';
import type { BootScript, NodeConfigurationOf, NodeTierProps } from '../fixed-node.js';
import { GitalyServers, type GitalyVolumes } from '../gitaly/gitaly.js';
import { PraefectCluster } from '../gitaly/praefect.js';
import { GitLabChart } from '../gitlab-chart.js';
import { MonitoringServer } from '../monitoring.js';
import { NatGateways } from '../network.js';
import { dimensionValueOf, type LoadBalancerTargets } from '../ops/alarm-dimensions.js';
import { addNotifyingAlarms, addScalingEvents, alarmTopicByArn } from '../ops/alarms.js';
import { ApplicationLogs } from '../ops/application-logs.js';
import { InstanceRecovery } from '../ops/instance-recovery.js';
import { RunCommandLogs } from '../ops/run-command-logs.js';
import { RailsAutoScalingGroup } from '../rails.js';
import { removalPolicies } from '../removal-policy.js';
import { InstanceRoles } from '../roles.js';
import { RunnerFleet } from '../runners.js';
import type { SecurityGroups } from '../security.js';
import { SidekiqAutoScalingGroup } from '../sidekiq.js';
import { SingleNode } from '../single-node.js';
import type { GitLabStackProps } from './gitlab-stack.js';

export interface ComputeStackProps extends GitLabStackProps {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** The subnet of a tier in an AZ. */
  readonly subnetIn: (tier: SubnetTier, availabilityZone: string) => ec2.ISubnet;
  /** Private zone naming the fixed nodes and the Praefect load balancer. */
  readonly privateZone: route53.IHostedZone;
  /** Security groups of the tiers. */
  readonly securityGroups: SecurityGroups;
  /** Alias of the network stack's key encrypting root volumes (the key is named by it, see keyByAlias). */
  readonly rootVolumeKeyAlias: string;
  /** Alias of the network stack's key encrypting Kubernetes secrets, when the Plan has EKS. */
  readonly kubernetesSecretsKeyAlias?: string;
  /** Alias of the data stack's key encrypting secrets (the chart build reads them). */
  readonly secretsKeyAlias: string;
  /** The secrets, read (and some written) by the roles the Plan names. */
  readonly secrets: GitLabSecrets;
  /** GitLab's buckets, used by the roles the Plan names. */
  readonly objectStorage: ObjectStorage;
  /** Bucket receiving the Praefect load balancer's access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** The Gitaly data volumes, which Gitaly's boot script attaches. */
  readonly gitalyVolumes: GitalyVolumes;
  /** External target groups Rails registers with. */
  readonly targetGroups: Edge['targetGroups'];
  /** Target groups the GitLab chart's pods are registered in (Cloud Native Hybrid). */
  readonly boundTargetGroups?: Edge['boundTargetGroups'];
  /** Renders each node's user data; without one, instances boot plain Ubuntu and nothing waits. */
  readonly renderUserData?: RenderUserData;
}

export class ComputeStack extends Stack {
  readonly instanceRoles: InstanceRoles;
  /** Auto scaling groups by Plan group id (rails, sidekiq, gitlab). */
  readonly autoScalingGroups: ReadonlyMap<string, GitLabAutoScalingGroup>;
  /** The 1k node, when the Plan runs all of GitLab on one. */
  readonly singleNode?: SingleNode;
  /** The Gitaly servers; absent on 1k, whose node runs Gitaly itself. */
  readonly gitaly?: GitalyServers;
  readonly praefect?: PraefectCluster;
  readonly monitoring?: MonitoringServer;
  /** The node that runs gitlab-backup (Linux package from 2k). */
  readonly backupNode?: BackupNode;
  readonly bastions?: Bastions;
  readonly kubernetes?: KubernetesCluster;
  /** GitLab's Helm chart on the cluster, with its IAM roles and install (Cloud Native Hybrid). */
  readonly gitlabChart?: GitLabChart;
  /** NGINX access logs and their metrics, where the Plan has nodes behind the HTTP target group. */
  readonly applicationLogs?: ApplicationLogs;
  /** The log group of the commands run on nodes through SSM. */
  readonly runCommandLogs: RunCommandLogs;
  /** EC2 auto recovery of every fixed instance. */
  readonly instanceRecovery: InstanceRecovery;
  /** The alarms on this stack's resources that notify the alarm topic, by Plan alarm id. */
  readonly notifyingAlarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The GitLab Runner fleet, when the Plan has one. */
  readonly runners?: RunnerFleet;
  /** The NAT gateways and the private subnets' default routes (see network.ts for why here). */
  readonly natGateways: NatGateways;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    // Keys by alias, never by ARN: this stack imports nothing for them. Grants on them are
    // kms:ResourceAliases conditions (the flag makes CDK's own grants on an imported alias, such as
    // the chart build's, take that form instead of none). What a launch needs (root volumes, the
    // cluster's secrets) is the network stack's, which exists before this stack starts; the data
    // stack's secrets key is only used once the chart build reads the secrets.
    this.node.setContext(KMS_APPLY_IMPORTED_ALIAS_PERMISSIONS_TO_PRINCIPAL, true);
    const volumeKey = kms.Alias.fromAliasName(this, 'VolumeKey', props.rootVolumeKeyAlias);
    const secretsKey = kms.Alias.fromAliasName(this, 'SecretsKey', props.secretsKeyAlias);
    const { plan, vpc, subnetIn, privateZone, securityGroups: sg } = props;
    this.natGateways = new NatGateways(this, 'Egress', {
      vpc,
      count: plan.network.natGateways,
      availabilityZones: plan.availabilityZones,
    });
    const render = props.renderUserData;
    this.instanceRoles = new InstanceRoles(this, 'InstanceRoles', {
      roles: new Set([...plan.nodes, ...plan.autoScalingGroups].map((machines) => machines.role)),
      // A Gitaly node acts on its own volume and instances only (see roles.ts). The 1k node is alone
      // in its role, so the role's shared one is already its own.
      nodesWithOwnRole: nodesOf(plan, 'gitaly'),
      environmentName: plan.spec.name,
    });
    grantPlanAccess(this, {
      instanceRoles: this.instanceRoles,
      secretPlans: plan.secrets,
      buckets: serviceOf<S3Service>(plan, 's3').buckets,
      autoScalingGroups: plan.autoScalingGroups,
      singleNodes: plan.nodes.filter((node) => node.id === plan.deployNodes.singleNode),
      versionParameterName: gitlabVersionParameterName(plan),
      dataEndpoints: planDataEndpoints(plan),
      secrets: props.secrets,
      objectStorage: props.objectStorage,
      gitalyVolumes: props.gitalyVolumes,
      gitalyNodes: nodesWithDataVolume(plan),
    });
    // Where the lifecycle commands' SSM Run Command output goes in full.
    this.runCommandLogs = new RunCommandLogs(this, 'RunCommandLogs', {
      logGroupName: runCommandLogGroupName(plan),
    });
    for (const [roleId, role] of this.instanceRoles.all()) {
      // Bastions run no GitLab, so no command of gitlab-aws's.
      if (roleId !== 'bastion') this.runCommandLogs.grantWrite(role);
    }
    const smtp = plan.email?.credentialsSecret;
    grantExternalSecrets(this, {
      instanceRoles: this.instanceRoles,
      secrets: [
        ...(plan.externalSecrets ?? []),
        ...(smtp ? [{ secret: smtp.name, readers: smtp.readers }] : []),
      ],
    });
    const praefectService = internalLoadBalancer(plan);
    const endpoints = (logicalId: string): RuntimeEndpoints => ({
      ...(praefectService ? { praefectLoadBalancerHost: praefectService.dnsName } : {}),
      gitlabVersionParameter: gitlabVersionParameterName(plan),
      signal: { stackName: this.stackName, logicalId },
    });
    const bootScript = render
      ? (target: BootTarget): BootScript =>
          (logicalId) =>
            render(plan, target, endpoints(logicalId))
      : undefined;
    const nodeBoot = bootScript ? (node: PlanNode) => bootScript({ kind: 'node', node }) : undefined;
    // What a fixed node's user data leaves out: its settings and gitlab.rb, in SSM parameters.
    const nodeConfiguration = render
      ? (node: PlanNode): NodeConfigurationOf =>
          (logicalId) =>
            renderNodeConfiguration(plan, { kind: 'node', node }, endpoints(logicalId))
      : undefined;
    const alarmsOf = (subject: string, ...actions: AlarmPlan['action'][]) =>
      plan.alarms.filter((alarm) => alarm.subject === subject && actions.includes(alarm.action));
    // The image the environment pinned (network stack), by name: changing it is a deliberate act, never
    // a side effect of Canonical publishing a newer Ubuntu.
    const machineImageOf: MachineImageOf = (arch) => environmentImage(machineImageParameterName(plan, arch));
    const tier = (role: RoleId): NodeTierProps => ({
      nodes: nodesOf(plan, role),
      vpc,
      subnetIn,
      securityGroup: sg.forRole(role),
      roleOf: (node) => this.instanceRoles.ofNode(node),
      volumeKey,
      privateZone,
      machineImageOf,
      ...(nodeBoot ? { bootScript: nodeBoot } : {}),
      ...(nodeConfiguration ? { configuration: nodeConfiguration } : {}),
    });

    if (plan.autoScalingGroups.some((group) => group.targetGroups.includes('http'))) {
      this.applicationLogs = new ApplicationLogs(this, 'ApplicationLogs', {
        environmentName: plan.spec.name,
        removalPolicyOf: removalPolicies(plan.statefulResources),
      });
    }
    const groups = new Map<string, GitLabAutoScalingGroup>();
    for (const group of plan.autoScalingGroups) {
      const common = {
        group,
        scalingAlarms: alarmsOf(group.id, 'scale-out', 'scale-in'),
        vpc,
        subnets: group.availabilityZones.map((zone) => subnetIn('private', zone)),
        securityGroup: sg.forRole(group.role),
        role: this.instanceRoles.of(group.role),
        volumeKey,
        machineImageOf,
        environmentName: plan.spec.name,
        ...(bootScript ? { bootScript: bootScript({ kind: 'group', group }) } : {}),
        // What the group's user data leaves out: its gitlab.rb, in an SSM parameter.
        ...(render
          ? {
              configuration: (logicalId: string) =>
                renderNodeConfiguration(plan, { kind: 'group', group }, endpoints(logicalId)),
            }
          : {}),
      };
      const id = pascal(group.id);
      const construct =
        group.targetGroups.length > 0
          ? new RailsAutoScalingGroup(this, id, { ...common, targetGroups: props.targetGroups }).nodes
          : new SidekiqAutoScalingGroup(this, id, common).nodes;
      if (group.targetGroups.includes('http'))
        this.applicationLogs?.grantWrite(this.instanceRoles.of(group.role));
      groups.set(group.id, construct);
    }
    this.autoScalingGroups = groups;

    if (plan.deployNodes.singleNode) {
      // It registers itself with the external target groups, named by the edge's parameter.
      this.singleNode = new SingleNode(this, 'SingleNode', {
        ...tier('gitlab'),
        environmentName: plan.spec.name,
        targetGroupsParameterName: webTargetGroupsParameterName(plan),
      });
    }
    if (nodesOf(plan, 'gitaly').length > 0) {
      this.gitaly = new GitalyServers(this, 'Gitaly', { ...tier('gitaly'), privateZone });
    }
    if (praefectService) {
      this.praefect = new PraefectCluster(this, 'Praefect', {
        ...tier('praefect'),
        privateZone,
        loadBalancer: praefectService,
        availabilityZones: plan.availabilityZones,
        loadBalancerSecurityGroup: sg.forTier('praefect-load-balancer'),
        accessLogBucket: props.accessLogBucket,
      });
    }
    if (nodesOf(plan, 'monitoring').length > 0) {
      this.monitoring = new MonitoringServer(this, 'Monitoring', tier('monitoring'));
    }
    if (nodesOf(plan, 'backup').length > 0) {
      this.backupNode = new BackupNode(this, 'BackupNode', tier('backup'));
    }
    if (nodesOf(plan, 'bastion').length > 0) {
      this.bastions = new Bastions(this, 'Bastions', tier('bastion'));
    }
    const eksService = servicesOf<EksService>(plan, 'eks')[0];
    if (eksService) {
      // Only these: the controller registers pods nowhere else (the NLB's ALB target groups hold the ALB).
      const bound = [...(props.boundTargetGroups ?? new Map())];
      const boundArns = bound.map(([, group]) => group.targetGroupArn);
      this.kubernetes = new KubernetesCluster(this, 'Kubernetes', {
        service: eksService,
        vpc,
        nodeSecurityGroup: sg.forTier('kubernetes'),
        ...kubernetesSecretsKey(this, props.kubernetesSecretsKeyAlias),
        volumeKey,
        targetGroupArns: boundArns,
      });
      this.gitlabChart = new GitLabChart(this, 'GitLabChart', {
        plan,
        kubernetes: this.kubernetes,
        vpc,
        objectStorage: props.objectStorage,
        secrets: props.secrets,
        endpoints: chartDataEndpoints(plan),
        encryptionKey: secretsKey,
        boundTargetGroupArns: Object.fromEntries(bound.map(([name, group]) => [name, group.targetGroupArn])),
      });
    }

    const fixedInstances = new Map<string, ec2.Instance>([
      ...(this.singleNode?.instances ?? []),
      ...(this.gitaly?.instances ?? []),
      ...(this.praefect?.instances ?? []),
      ...(this.monitoring
        ? nodesOf(plan, 'monitoring').map((node) => [node.id, this.monitoring!.instance] as const)
        : []),
      ...(this.backupNode
        ? nodesOf(plan, 'backup').map((node) => [node.id, this.backupNode!.instance] as const)
        : []),
      ...(this.bastions?.instances ?? []),
    ]);
    // The boot order's waits that CloudFormation keeps between machines (a Praefect node waits for
    // the deploy node's migrations): the waiter is created once its producer has signalled. Every
    // other machine is created side by side; their boot scripts wait for what they need.
    const machines = new Map<string, Construct>([
      ...[...groups].map(
        ([groupId, group]) => [refText({ kind: 'group', id: groupId }), group.autoScalingGroup] as const,
      ),
      ...[...fixedInstances].map(
        ([nodeId, instance]) => [refText({ kind: 'node', id: nodeId }), instance] as const,
      ),
    ]);
    const bootOrder = planBootOrder(plan);
    for (const wait of bootOrder.waits.filter((entry) => entry.enforcedBy === 'cloudformation')) {
      const producer = bootOrder.artifacts.find((artifact) => artifact.id === wait.artifact)?.producer;
      if (producer?.kind !== 'node' && producer?.kind !== 'group') continue;
      const waiter = machines.get(refText(wait.waiter));
      const produced = machines.get(refText(producer));
      // Only the waiter's machine waits; its role, profile and launch template are created meanwhile.
      if (waiter && produced) (waiter.node.defaultChild ?? waiter).node.addDependency(produced);
    }
    const runner = plan.nodes.find((node) => node.id === plan.scheduledBackup.runner);
    const runnerInstance = runner && fixedInstances.get(runner.id);
    if (runner && runnerInstance) {
      prepareBackupRunner({
        environmentName: plan.spec.name,
        scheduledBackup: plan.scheduledBackup,
        instance: runnerInstance,
        role: this.instanceRoles.ofNode(runner),
      });
    }
    if (plan.runners) {
      const runners = plan.runners;
      this.runners = new RunnerFleet(this, 'Runners', {
        runners,
        environmentName: plan.spec.name,
        vpc,
        subnets: runners.fleet.availabilityZones.map((zone) => subnetIn('private', zone)),
        volumeKey,
        accessLogBucket: props.accessLogBucket,
        machineImageOf,
        managerUserData: (cacheBucketName) => renderRunnerManagerUserData(plan, { cacheBucketName }),
        fleetUserData: renderRunnerFleetUserData(plan),
      });
      // deploy makes the administrator token on a Rails node, which stores it itself.
      for (const role of ['rails', 'gitlab'] as const) {
        if (this.instanceRoles.roles.has(role))
          this.runners.grantAdminTokenWrite(this.instanceRoles.of(role));
      }
    }
    this.instanceRecovery = new InstanceRecovery(this, 'InstanceRecovery', {
      alarms: plan.alarms.filter((alarm) => alarm.action === 'recover-instance'),
      instances: fixedInstances,
    });

    // The alarms on this stack's resources that notify, and the groups' scaling events, go to the
    // ops stack's topic named by its ARN: a reference would make this stack wait for ops, and ops
    // (which alarms on the data) must not wait for every node to boot.
    const notifying = plan.alarms.filter(
      (alarm) => alarm.action === 'notify' && alarmStack(plan, alarm) === 'compute',
    );
    const alarmScope = new Construct(this, 'Alarms');
    const alarmTopic = alarmTopicByArn(alarmScope, 'Topic', alarmTopicName(plan));
    this.notifyingAlarms = addNotifyingAlarms(
      alarmScope,
      notifying,
      dimensionValueOf({
        loadBalancers: new Map(
          praefectService && this.praefect
            ? [[praefectService.id, praefectTargets(praefectService, this.praefect)]]
            : [],
        ),
      }),
      alarmTopic,
    );
    if (this.praefect) {
      // An ops stack an earlier release deployed imports these two for the alarm now built here;
      // compute and ops update side by side, so compute keeps exporting them until that ops stack
      // no longer imports them, or CloudFormation would refuse to remove an export in use.
      const listener = this.praefect.loadBalancer.node.findChild('Praefect') as elbv2.NetworkListener;
      this.exportValue(listener.listenerArn);
      this.exportValue(this.praefect.targetGroup.targetGroupFullName);
    }
    // What boots or builds in the subnets downloads packages, images and charts at once: it is
    // created only once the default routes exist, which this stack creates beside it.
    for (const child of this.node.findAll()) {
      if (CfnResource.isCfnResource(child) && NEEDS_EGRESS.has(child.cfnResourceType))
        child.node.addDependency(this.natGateways.egress);
    }
    if (groups.size > 0) {
      addScalingEvents(alarmScope, {
        environmentName: plan.spec.name,
        autoScalingGroupNames: [...groups.values()].map(
          (group) => group.autoScalingGroup.autoScalingGroupName,
        ),
        topic: alarmTopic,
      });
    }
  }
}

/** The cluster's envelope key for Kubernetes secrets, by its alias. */
function kubernetesSecretsKey(scope: Construct, alias: string | undefined) {
  if (!alias) throw new Error("an EKS cluster needs the network stack's Kubernetes secrets key");
  return {
    secretsKey: kms.Alias.fromAliasName(scope, 'KubernetesSecretsKey', alias),
    secretsKeyAlias: alias,
  };
}

/**
 * Resource types that run software in the VPC's subnets as soon as they are created: instances and
 * groups boot their scripts, EKS node groups pull images, and the chart's build project runs its
 * build in the private subnets.
 */
const NEEDS_EGRESS: ReadonlySet<string> = new Set([
  'AWS::EC2::Instance',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::EKS::Nodegroup',
  'AWS::CodeBuild::Project',
]);

/** The Praefect load balancer's one target group, by its target port, as the Plan's alarm names it. */
function praefectTargets(service: LoadBalancerService, praefect: PraefectCluster): LoadBalancerTargets {
  const ports = new Set(service.listeners.map((listener) => listener.targetPort));
  if (ports.size !== 1) throw new Error(`the Praefect load balancer ${service.id} has one target group`);
  return new Map([[[...ports][0]!, praefect.targetGroup]]);
}

function pascal(text: string): string {
  return text
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
