/**
 * spec + catalog -> Plan. Pure: no AWS calls, no CDK, no clock; the same spec gives the same Plan.
 *
 * Every sizing decision of gitlab-aws is made here, once, one concern per file under resolve/.
 * Infra, config, cost and report read the result and never re-derive it.
 */
import { EKS_CALENDAR_READ_ON } from '../catalog/eks-versions.js';
import { referenceArchitecture } from '../catalog/index.js';
import { ROLE_IDS, type RoleId } from '../catalog/types.js';
import type { Spec } from '../spec/schema.js';
import { planAlarms } from './alarms.js';
import { runChecks } from './checks/index.js';
import { planStatefulResources } from './deletion.js';
import { planDeployNodes } from './deploy-nodes.js';
import { availabilityZoneNames, planNetwork } from './network.js';
import { decideGitalyMode, isHighlyAvailable } from './resolve/architecture.js';
import { groupMembers, planAutoScalingGroups } from './resolve/auto-scaling.js';
import { planBackupNode } from './resolve/backup-node.js';
import { planBastionNodes } from './resolve/bastion.js';
import type { BuildContext } from './resolve/context.js';
import { planDatabase, planPraefectDatabase } from './resolve/database.js';
import { planEmail } from './resolve/email.js';
import { planExtraSettings } from './resolve/extra-settings.js';
import { planGitalyNodes } from './resolve/gitaly.js';
import { planEks } from './resolve/kubernetes.js';
import { planExternalLoadBalancer, planPraefectLoadBalancer, publicUrls } from './resolve/load-balancers.js';
import { planMonitoringNodes } from './resolve/monitoring.js';
import { planObjectStorage } from './resolve/object-storage.js';
import { planPraefectNodes } from './resolve/praefect.js';
import { planRedis } from './resolve/redis.js';
import { planRunners } from './resolve/runners.js';
import { planSecrets } from './resolve/secrets.js';
import { planSingleNode, runsOnOneNode } from './resolve/single-node.js';
import { decideSize } from './resolve/size.js';
import { planScheduledBackup, scheduledBackupAlarms } from './scheduled-backup.js';
import { type MemberlessService, withMembers } from './service-members.js';
import { PLAN_SCHEMA_VERSION, type Plan } from './types.js';

export { GIT_DATA_DEVICE, GIT_DATA_MOUNT_POINT } from './resolve/gitaly.js';
export { archOf } from './resolve/machines.js';
export { GITLAB_DATA_MOUNT_POINT } from './resolve/single-node.js';

export interface ResolveOptions {
  /** Where the spec came from, for the report's first line. */
  readonly origin?: Plan['specOrigin'];
  /** Zone names an account reported (deploy may look them up); else the catalog's region table. */
  readonly availabilityZoneNames?: readonly string[];
  /**
   * The day (YYYY-MM-DD) the plan is for, which decides whether EKS's Kubernetes version is in
   * standard or extended support; the CLI passes the real date, else the EKS calendar's own date.
   */
  readonly today?: string;
}

export function resolvePlan(spec: Spec, options: ResolveOptions = {}): Plan {
  const origin = options.origin ?? { kind: 'embedded-default' };
  const { size, rpsSizing } = decideSize(spec, origin.kind === 'file' ? origin.path : 'embedded default');
  const reference = referenceArchitecture(size, spec.architecture.type);
  const availabilityZones = availabilityZoneNames(
    spec.region,
    spec.availabilityZones,
    origin.kind === 'file' ? origin.path : 'embedded default',
    options.availabilityZoneNames,
  );
  const privateDnsZone = `${spec.name}.internal`;
  const gitalyMode = decideGitalyMode(spec, reference);
  const context: BuildContext = { spec, reference, availabilityZones, privateDnsZone, gitalyMode };

  const autoScalingGroups = planAutoScalingGroups(context);
  // Nodes in role order (Rails first, as GitLab's pages list them), so output and JSON are stable.
  const nodes = [
    ...autoScalingGroups.flatMap((group) => groupMembers(context, group)),
    ...planSingleNode(context),
    ...planGitalyNodes(context),
    ...planPraefectNodes(context),
    ...planMonitoringNodes(context),
    ...planBackupNode(context),
    ...planBastionNodes(context),
  ].sort((a, b) => ROLE_IDS.indexOf(a.role) - ROLE_IDS.indexOf(b.role));
  const services = withMembers(
    planServices(context, options.today ?? EKS_CALENDAR_READ_ON),
    availabilityZones,
  );
  const roles = new Set<RoleId>([
    ...nodes.map((node) => node.role),
    ...services.flatMap((service) =>
      service.kind === 'eks' ? service.nodeGroups.map((group) => group.role) : [service.role],
    ),
  ]);
  const email = planEmail(spec, roles);
  const extras = planExtraSettings(spec, roles, origin.kind === 'file' ? origin.path : 'embedded default');
  const runners = planRunners(
    spec,
    availabilityZones,
    origin.kind === 'file' ? origin.path : 'embedded default',
  );
  const resolved: Omit<Plan, 'checks' | 'alarms' | 'statefulResources' | 'deployNodes' | 'scheduledBackup'> =
    {
      schemaVersion: PLAN_SCHEMA_VERSION,
      spec,
      specOrigin: origin,
      architecture: {
        size,
        type: spec.architecture.type,
        cpu: spec.architecture.cpu,
        users: reference.users,
        highAvailability: isHighlyAvailable(reference, gitalyMode, spec),
        gitalyMode,
        ...(reference.targetLoad ? { targetLoad: reference.targetLoad } : {}),
        ...(rpsSizing ? { rpsSizing } : {}),
        source: reference.source,
      },
      gitlab: {
        edition: spec.gitlab.edition,
        version: spec.gitlab.version,
        packageName: `gitlab-${spec.gitlab.edition}`,
        externalUrl: `https://${spec.domain.name}`,
        ...publicUrls(spec),
      },
      region: spec.region,
      availabilityZones,
      network: planNetwork(spec, availabilityZones),
      privateDnsZone,
      nodes,
      autoScalingGroups,
      services,
      secrets: planSecrets(spec, gitalyMode, roles, runsOnOneNode(context)),
      // Only when the spec has some, so Plans without stay as they were.
      ...(spec.gitlab.extraSettings ? extras : {}),
      ...(email ? { email } : {}),
      ...(runners ? { runners } : {}),
    };
  const deployNodes = planDeployNodes(resolved);
  const scheduledBackup = planScheduledBackup({ ...resolved, deployNodes });
  const draft: Omit<Plan, 'checks'> = {
    ...resolved,
    alarms: [...planAlarms(resolved), ...scheduledBackupAlarms(scheduledBackup)],
    statefulResources: planStatefulResources(resolved),
    deployNodes,
    scheduledBackup,
  };
  return { ...draft, checks: runChecks({ spec, reference, plan: draft }) };
}

function planServices(context: BuildContext, today: string): MemberlessService[] {
  // The 1k node runs the bundled PostgreSQL and Redis; object storage stays on S3 (GitLab recommends it).
  const services: MemberlessService[] = [
    ...(runsOnOneNode(context)
      ? []
      : [planDatabase(context), ...planPraefectDatabase(context), ...planRedis(context)]),
    planObjectStorage(context),
  ];
  services.push(planExternalLoadBalancer(context));
  if (context.gitalyMode === 'cluster') services.push(planPraefectLoadBalancer(context));
  if (context.spec.architecture.type === 'cloud-native-hybrid') services.push(planEks(context, today));
  return services;
}
