/**
 * The person-facing `plan` report: a summary, nodes by role and AZ, managed services, checks.
 * Other sections (bill of materials, cost, deploy-time estimate) are appended by their producers.
 */

import { SPOT_INTERRUPTIONS } from '../catalog/spot-interruption.js';
import type { TargetLoad } from '../catalog/types.js';
import { nodeRoles, nodesOf } from '../plan/query.js';
import { budgetedGiB } from '../plan/resolve/process-budget.js';
import type { CheckResult, Plan, PlanService, RpsSizing, RunnerFleetPlan } from '../plan/types.js';
import { renderTable } from './table.js';

export function renderOrigin(plan: Plan): string {
  const { size, type, cpu } = plan.architecture;
  const layout = `${size} ${type}, ${cpu}, ${plan.availabilityZones.length} AZs in ${plan.region}`;
  return plan.specOrigin.kind === 'embedded-default'
    ? `No spec file (gitlab-aws.yaml or gitlab-aws.yml) found: planning the embedded default (${layout}). Write your own with \`gitlab-aws init\`.`
    : `Planning ${plan.specOrigin.path} (${layout}).`;
}

export function renderSummary(plan: Plan): string {
  const { architecture, gitlab } = plan;
  const users =
    architecture.size === 'poc'
      ? 'proof of concept'
      : `up to ${architecture.users.toLocaleString('en-US')} users`;
  const single = plan.deployNodes.singleNode;
  const gitaly = single
    ? `one node (${single}) with the bundled PostgreSQL, Redis and Gitaly`
    : architecture.gitalyMode === 'cluster'
      ? `Gitaly Cluster (${nodesOf(plan, 'gitaly').length} Gitaly + ${nodesOf(plan, 'praefect').length} Praefect)`
      : 'single Gitaly';
  const ha = architecture.highAvailability ? 'highly available' : 'not highly available';
  const lines = [
    `${plan.spec.name}: GitLab ${gitlab.edition.toUpperCase()} ${gitlab.version} at ${gitlab.externalUrl}`,
    `  ${architecture.size} reference architecture (${users}), ${architecture.type}, ${ha}, ${gitaly}`,
    `  sized from ${architecture.source.repository} ${architecture.source.path} @ ${architecture.source.commit.slice(0, 12)}`,
    ...(architecture.rpsSizing ? [`  ${rpsReasoning(architecture.rpsSizing, architecture)}`] : []),
    `  container registry at ${gitlab.registryUrl}; ${architecture.type === 'linux-package' ? 'KAS on every Rails node' : "KAS in the GitLab chart's pods"}; GitLab Pages off`,
    `  ${backupSummary(plan)}`,
  ];
  return lines.join('\n');
}

/** Why the load the spec gives (`architecture.rps`) calls for this size and not the next smaller one. */
export function rpsReasoning(sizing: RpsSizing, architecture: Plan['architecture']): string {
  const { rps, smaller } = sizing;
  const tested = (load: TargetLoad) =>
    `API ${load.apiRps}, Web ${load.webRps}, Git (pull) ${load.gitPullRps}`;
  const peak = `sized by peak load (architecture.rps): API ${rps.api}, Web ${rps.web}, Git ${rps.git} requests/s`;
  const chosen = `${architecture.size} to ${tested(architecture.targetLoad!)}`;
  if (!smaller)
    return `${peak}; ${architecture.size}, the smallest, is tested to ${tested(architecture.targetLoad!)}`;
  const short = smaller.uncovered
    .map((kind) => `${kind === 'api' ? 'API' : kind === 'web' ? 'Web' : 'Git'} ${rps[kind]}`)
    .join(', ');
  return `${peak}; ${smaller.size} is tested to ${tested(smaller.targetLoad)}, below ${short}; ${chosen}`;
}

/** What backs the environment up, and when (UTC): the snapshots and the scheduled gitlab-backup. */
export function backupSummary(plan: Plan): string {
  const backup = plan.scheduledBackup;
  const gitlabBackup = backup.runner
    ? `gitlab-backup ${backup.schedule} on ${backup.runner}`
    : 'gitlab-backup on demand only (no persistent Rails node to schedule it on)';
  const repositories = backup.repositoriesServerSide ? ', repositories streamed by each Gitaly node' : '';
  return `backups: AWS Backup snapshots ${backup.snapshotSchedule}; ${gitlabBackup}${repositories}`;
}

export function renderNodes(plan: Plan): string {
  const rows = nodeRoles(plan).map((role) => {
    const nodes = nodesOf(plan, role);
    const first = nodes[0]!;
    const group = plan.autoScalingGroups.find((candidate) => candidate.id === first.autoScalingGroup);
    const perZone = plan.availabilityZones.map((zone) =>
      String(nodes.filter((node) => node.availabilityZone === zone).length),
    );
    const dataVolume = first.volumes.find((volume) => volume.purpose !== 'root');
    const notes = [
      group ? `ASG min ${group.minCapacity} / max ${group.maxCapacity}` : '',
      dataVolume
        ? `${dataVolume.sizeGiB} GiB ${dataVolume.type} ${dataVolume.purpose === 'backup-staging' ? 'archive staging volume' : 'data volume'} each`
        : '',
      first.subnet === 'public' ? 'public subnet' : '',
    ].filter(Boolean);
    return [
      role,
      String(nodes.length),
      first.instanceType,
      String(first.vcpu),
      String(first.memoryGiB),
      ...perZone,
      notes.join('; '),
    ];
  });
  const table = renderTable(
    ['ROLE', 'COUNT', 'INSTANCE', 'VCPU', 'MEM GiB', ...plan.availabilityZones, 'NOTES'],
    rows,
    {
      alignRight: [1, 3, 4, ...plan.availabilityZones.map((_, index) => 5 + index)],
      indent: 2,
    },
  );
  return `Compute nodes (${plan.nodes.length})\n${table}`;
}

/** One decimal at most: 1.5, 4, 13.5. */
const gib = (value: number) => String(Math.round(value * 10) / 10);

/**
 * How each node that runs Puma and Sidekiq together spends its memory (the Plan's budget), one
 * line per group or fixed node; empty when the Plan has none.
 */
export function renderProcessBudgets(plan: Plan): string {
  const budgeted = [
    ...plan.autoScalingGroups.map((group) => ({
      name: group.id,
      type: group.instanceType,
      budget: group.processBudget,
    })),
    ...plan.nodes
      .filter((node) => node.autoScalingGroup === undefined)
      .map((node) => ({ name: node.id, type: node.instanceType, budget: node.processBudget })),
  ].filter((entry) => entry.budget !== undefined);
  if (budgeted.length === 0) return '';
  const lines = budgeted.map(({ name, type, budget: b }) => {
    const parts = [
      `system ${gib(b!.systemGiB)}`,
      ...(b!.bundledServicesGiB > 0
        ? [`bundled PostgreSQL, Redis, Gitaly, Prometheus ${gib(b!.bundledServicesGiB)}`]
        : []),
      `Puma ${b!.pumaWorkers} workers x ${gib(b!.pumaWorkerGiB)}`,
      `Sidekiq ${b!.sidekiqProcesses} process${b!.sidekiqProcesses === 1 ? '' : 'es'} x ${gib(b!.sidekiqProcessGiB)} (${b!.sidekiqConcurrency} threads each)`,
    ];
    const spent = budgetedGiB(b!);
    return `  ${name} (${type}, ${gib(b!.memoryGiB)} GiB): ${parts.join(' + ')} = ${gib(spent)} GiB`;
  });
  return ['Memory budget (GiB) of nodes running Puma and Sidekiq together', ...lines].join('\n');
}

export function describeService(service: PlanService): { role: string; what: string; detail: string } {
  switch (service.kind) {
    case 'rds':
      return {
        role: service.role,
        what: `RDS PostgreSQL ${service.engineVersion} ${service.instanceClass}`,
        detail: [
          service.multiAz ? 'Multi-AZ (primary + standby)' : 'single AZ',
          service.readReplicas > 0 ? `${service.readReplicas} read replicas` : '',
          `${service.storageGiB}-${service.maxStorageGiB} GiB ${service.storageType}`,
          `backups ${service.backupRetentionDays} d`,
          `databases ${service.databases.map((database) => database.name).join(', ')}`,
        ]
          .filter(Boolean)
          .join(', '),
      };
    case 'elasticache':
      return {
        role: service.role,
        what: `ElastiCache ${service.engine === 'redis' ? 'Redis OSS' : 'Valkey'} ${service.engineVersion} ${service.nodeType}`,
        detail: `primary + ${service.replicas} replica${service.replicas === 1 ? '' : 's'}, Multi-AZ failover, TLS + AUTH, cluster mode off`,
      };
    case 's3':
      return {
        role: service.role,
        what: `S3, ${service.buckets.length} buckets`,
        detail: service.buckets.map((bucket) => bucket.purpose).join(', '),
      };
    case 'nlb': {
      const application = service.applicationLoadBalancer;
      const ports = (listeners: typeof service.listeners) =>
        listeners.map((listener) => `${listener.port}/${listener.protocol.toLowerCase()}`).join(', ');
      if (application) {
        // Cloud Native Hybrid: SSH to the pods, HTTP(S) through the ALB to each host's Service.
        const direct = service.listeners.filter((listener) => !listener.forwardsTo);
        const hosts = [...new Set(application.routes.map((route) => route.host))];
        return {
          role: service.role,
          what: `NLB ${service.scheme} + ALB`,
          detail: `${ports(direct)} -> ${direct[0]?.targetRole ?? '-'}; ${ports(service.listeners.filter((listener) => listener.forwardsTo))} -> ALB -> ${hosts.join(', ')}`,
        };
      }
      return {
        role: service.role,
        what: `NLB ${service.scheme}`,
        detail: `${ports(service.listeners)} -> ${service.listeners[0]?.targetRole ?? '-'} (${service.dnsName})`,
      };
    }
    case 'eks':
      return {
        role: 'kubernetes',
        what: `EKS ${service.kubernetesVersion}`,
        detail: service.nodeGroups
          .map((group) => `${group.role} ${group.desiredSize}x ${group.instanceType} (max ${group.maxSize})`)
          .join(', '),
      };
  }
}

export function renderServices(plan: Plan): string {
  const rows = plan.services.map((service) => {
    const { role, what, detail } = describeService(service);
    return [role, what, detail];
  });
  return `Managed services (${plan.services.length})\n${renderTable(['ROLE', 'SERVICE', 'DETAIL'], rows, { indent: 2 })}`;
}

/** How often AWS reclaims each Spot type of the fleet, when it buys Spot and the bands are known. */
function spotInterruptionRow(fleet: RunnerFleetPlan['fleet']): string[][] {
  const banded = fleet.instanceTypes.filter((type) => type.spotInterruption !== undefined);
  if (fleet.onDemandPercentageAboveBase === 100 || banded.length === 0) return [];
  return [
    [
      'interruptions',
      banded.map((type) => `${type.instanceType} ${type.spotInterruption}`).join(', '),
      `share of Spot instances AWS reclaims a month (Spot Instance Advisor, ${SPOT_INTERRUPTIONS.source.date})`,
    ],
  ];
}

/** The runner fleet (spec `runners`): its manager, its job instances and how they are bought. */
export function renderRunners(plan: Plan): string {
  const runners = plan.runners;
  if (!runners) return '';
  const { fleet, manager } = runners;
  const buying =
    fleet.onDemandPercentageAboveBase === 100
      ? 'all on demand'
      : `Spot ${fleet.spotAllocationStrategy}${fleet.onDemandBaseCapacity > 0 ? ` above ${fleet.onDemandBaseCapacity} on demand` : ''}`;
  const rows = [
    [
      'manager',
      `1x ${manager.instanceType}`,
      `on demand, auto scaling group of 1, GitLab Runner ${runners.runner.version} (${runners.runner.fleetingPlugin} fleeting plugin)`,
    ],
    [
      'job instances',
      `0-${fleet.maxCapacity}x ${fleet.instanceTypes.map((type) => type.instanceType).join('|')}`,
      `${buying}, ${fleet.availabilityZones.length} AZs, scale-in protected, AZRebalance suspended, no scaling policy`,
    ],
    [
      'jobs',
      `${runners.concurrent} at once`,
      `${runners.capacityPerInstance} per instance, ${runners.maxUseCount} before an instance is replaced, ${runners.idleCount} idle kept ${runners.idleMinutes} min, tags ${runners.tags.length > 0 ? runners.tags.join(', ') : 'none (untagged jobs)'}`,
    ],
    ...spotInterruptionRow(fleet),
    ['cache', 'S3', `${runners.cacheBucketName} (objects expire after ${runners.cacheExpireAfterDays} days)`],
    [
      'registration',
      runners.registration.kind === 'api' ? 'deploy, GitLab API' : 'your runner',
      runners.registration.kind === 'api'
        ? `POST /api/v4/user/runners with the token in ${runners.registration.adminTokenSecretName}; glrt- token to ${runners.tokenSecretName}`
        : `glrt- token read from ${runners.tokenSecretName}`,
    ],
  ];
  return `Runner fleet (docker-autoscaler)\n${renderTable(['PART', 'WHAT', 'DETAIL'], rows, { indent: 2 })}`;
}

export function renderChecks(checks: readonly CheckResult[]): string {
  const counts = (['error', 'warning', 'info'] as const).map((level) => {
    const found = checks.filter((check) => check.level === level).length;
    return `${found} ${level}${found === 1 || level === 'info' ? '' : 's'}`;
  });
  const lines = checks.map(
    (check) =>
      `  ${check.level.toUpperCase().padEnd(7)} ${check.id}${check.field ? ` (${check.field})` : ''}: ${check.message}`,
  );
  return [`Checks: ${counts.join(', ')}`, ...lines].join('\n');
}

/** The whole report, with optional extra sections (cost, diagram path...) before the checks. */
export function renderPlanText(plan: Plan, extraSections: readonly string[] = []): string {
  return [
    renderOrigin(plan),
    renderSummary(plan),
    renderNodes(plan),
    ...[renderProcessBudgets(plan)].filter(Boolean),
    renderServices(plan),
    ...[renderRunners(plan)].filter(Boolean),
    ...extraSections,
    renderChecks(plan.checks),
  ].join('\n\n');
}
