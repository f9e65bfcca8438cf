/**
 * The CloudWatch alarms of an environment, decided once from what the Plan already holds: the
 * stacks build these, each beside what it watches (`alarmStack`, stacks.ts), the bill counts these,
 * and nothing else decides which alarms exist.
 *
 * - Auto scaling groups that can grow (maximum above minimum) get the two alarms of step scaling on
 *   average CPU; a group pinned at one size (the 1k all-in-one node) has no scaling policy.
 * - Fixed instances (Gitaly, Praefect, monitoring, bastions) have no group to replace them: a failed
 *   system status check recovers the instance in place, keeping its volumes, addresses and DNS name.
 * - The 5xx rate of the web tier, RDS CPU and free storage, memory of every ElastiCache node, and
 *   unhealthy targets of every load balancer target group notify the alarm topic.
 * - Cloud Native Hybrid has no NGINX access log to count 5xx in: each target group of its
 *   Application Load Balancer (webservice, registry, KAS) is watched for unhealthy pods and for the
 *   share of requests its pods answered 5xx, which the ALB counts per target group
 *   (`HTTPCode_Target_5XX_Count` over `RequestCount`, namespace `AWS/ApplicationELB`, dimensions
 *   LoadBalancer and TargetGroup; Elastic Load Balancing User Guide for Application Load Balancers,
 *   "CloudWatch metrics for your Application Load Balancer").
 */
import type {
  AlarmDimensionPlan,
  AlarmMetricPlan,
  AlarmPlan,
  ApplicationTargetGroup,
  AutoScalingGroupPlan,
  LoadBalancerService,
  Plan,
  PlanNode,
  PlanService,
} from './types.js';

/** What the alarm census reads. */
export type AlarmInputs = Pick<Plan, 'spec' | 'nodes' | 'autoScalingGroups' | 'services'>;

/** A standard-resolution metric over `periodSeconds`, with dimensions named by Plan ids. */
function metric(
  namespace: string,
  name: string,
  statistic: AlarmMetricPlan['statistic'],
  periodSeconds: number,
  dimensions: Readonly<Record<string, string>>,
): AlarmMetricPlan {
  const named: AlarmDimensionPlan[] = Object.entries(dimensions).map(([dimension, subject]) => ({
    name: dimension,
    subject,
  }));
  return { namespace, name, statistic, periodSeconds, dimensions: named };
}

/** Step scaling on average CPU: one alarm adds a node, the other removes one (five 1-minute periods). */
function scalingAlarms(group: AutoScalingGroupPlan): AlarmPlan[] {
  if (group.maxCapacity <= group.minCapacity) return [];
  const cpu = metric('AWS/EC2', 'CPUUtilization', 'Average', 60, { AutoScalingGroupName: group.id });
  const common = {
    subject: group.id,
    role: group.role,
    metric: cpu,
    evaluationPeriods: 5,
    treatMissingData: 'missing',
  } as const;
  return [
    {
      ...common,
      id: `${group.id}-cpu-high`,
      comparison: 'greater-than-or-equal',
      threshold: group.scaling.scaleOutCpuPercent,
      action: 'scale-out',
      why: 'add a node when average CPU reaches the scale-out threshold',
    },
    {
      ...common,
      id: `${group.id}-cpu-low`,
      comparison: 'less-than-or-equal',
      threshold: group.scaling.scaleInCpuPercent,
      action: 'scale-in',
      why: 'remove a node when average CPU falls to the scale-in threshold',
    },
  ];
}

/** EC2 auto recovery: AWS's own hardware or network failed, so the instance moves to a healthy host. */
function recoveryAlarm(node: PlanNode): AlarmPlan {
  return {
    id: `${node.id}-status-check`,
    subject: node.id,
    role: node.role,
    metric: metric('AWS/EC2', 'StatusCheckFailed_System', 'Maximum', 60, { InstanceId: node.id }),
    comparison: 'greater-than-or-equal',
    threshold: 1,
    evaluationPeriods: 2,
    treatMissingData: 'missing',
    action: 'recover-instance',
    why: 'a fixed instance has no group to replace it: recover it in place on a failed system check',
  };
}

/** The 5xx share of requests NGINX logged on the web tier, from the metric filters on its access log. */
function serverErrorAlarm(plan: AlarmInputs, web: AutoScalingGroupPlan): AlarmPlan {
  return {
    id: `${web.id}-server-error-rate`,
    subject: web.id,
    role: web.role,
    metric: {
      ...metric(`GitLabAws/${plan.spec.name}`, 'Http5xx', 'Sum', 60, {}),
      expression: 'IF(Requests > 0, 100 * Http5xx / Requests, 0)',
    },
    ...SERVER_ERROR_RATE,
    why: `more than ${SERVER_ERROR_PERCENT} % of GitLab requests answered 5xx`,
  };
}

/** The share of a web tier's requests answered 5xx above which an alarm notifies, percent. */
const SERVER_ERROR_PERCENT = 5;

/** How a share of 5xx answers alarms, for GitLab's requests as for each ALB target group's: 3 of 5 minutes over the share. */
const SERVER_ERROR_RATE = {
  comparison: 'greater-than',
  threshold: SERVER_ERROR_PERCENT,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  treatMissingData: 'not-breaching',
  action: 'notify',
} as const;

/** Unhealthy pods and the 5xx share of each target group of the Application Load Balancer behind `service`. */
function applicationTargetAlarms(service: LoadBalancerService): AlarmPlan[] {
  const groups = [
    ...new Set((service.applicationLoadBalancer?.routes ?? []).map((route) => route.targetGroup)),
  ];
  const dimensionsOf = (group: ApplicationTargetGroup): AlarmDimensionPlan[] => [
    { name: 'LoadBalancer', subject: service.id },
    { name: 'TargetGroup', subject: service.id, applicationTargetGroup: group },
  ];
  return groups.flatMap((group): AlarmPlan[] => [
    {
      id: `${service.id}-${group}-unhealthy-targets`,
      subject: service.id,
      role: service.role,
      metric: {
        ...metric('AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', 60, {}),
        dimensions: dimensionsOf(group),
      },
      comparison: 'greater-than',
      threshold: 0,
      evaluationPeriods: 3,
      treatMissingData: 'not-breaching',
      action: 'notify',
      why: `a ${group} pod failed the Application Load Balancer's health check`,
    },
    {
      id: `${service.id}-${group}-server-error-rate`,
      subject: service.id,
      role: service.role,
      metric: {
        ...metric('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', 60, {}),
        dimensions: dimensionsOf(group),
        expression: 'IF(RequestCount > 0, 100 * HTTPCode_Target_5XX_Count / RequestCount, 0)',
      },
      ...SERVER_ERROR_RATE,
      why: `more than ${SERVER_ERROR_PERCENT} % of the requests ${group} pods served answered 5xx`,
    },
  ]);
}

function serviceAlarms(service: PlanService): AlarmPlan[] {
  switch (service.kind) {
    case 'rds': {
      const primary = service.members.find((member) => member.role === 'primary')?.id ?? service.id;
      const instance = { DBInstanceIdentifier: primary };
      return [
        {
          id: `${service.id}-cpu`,
          subject: service.id,
          role: service.role,
          metric: metric('AWS/RDS', 'CPUUtilization', 'Average', 300, instance),
          comparison: 'greater-than',
          threshold: 80,
          evaluationPeriods: 3,
          treatMissingData: 'missing',
          action: 'notify',
          why: 'database CPU above 80 % for 15 minutes',
        },
        {
          id: `${service.id}-free-storage`,
          subject: service.id,
          role: service.role,
          metric: metric('AWS/RDS', 'FreeStorageSpace', 'Minimum', 300, instance),
          comparison: 'less-than',
          // Bytes: 10 % of the allocated storage.
          threshold: service.storageGiB * 1024 ** 3 * 0.1,
          evaluationPeriods: 2,
          treatMissingData: 'missing',
          action: 'notify',
          why: 'database free storage below 10 % of the allocated storage',
        },
      ];
    }
    case 'elasticache':
      // Memory is per node: a replica can fill up apart from its primary.
      return service.members.map((member) => ({
        id: `${member.id}-memory`,
        subject: member.id,
        role: service.role,
        metric: metric('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', 'Maximum', 300, {
          CacheClusterId: member.id,
        }),
        comparison: 'greater-than',
        threshold: 80,
        evaluationPeriods: 2,
        treatMissingData: 'missing',
        action: 'notify',
        why: 'Redis memory use above 80 %',
      }));
    case 'nlb':
      // One target group per distinct target port, and one alarm per target group.
      return [
        ...[...new Set(service.listeners.map((listener) => listener.targetPort))].map(
          (port): AlarmPlan => ({
            id: `${service.id}-unhealthy-targets-${port}`,
            subject: service.id,
            role: service.role,
            metric: {
              ...metric('AWS/NetworkELB', 'UnHealthyHostCount', 'Maximum', 60, {}),
              dimensions: [
                { name: 'LoadBalancer', subject: service.id },
                { name: 'TargetGroup', subject: service.id, targetPort: port },
              ],
            },
            comparison: 'greater-than',
            threshold: 0,
            evaluationPeriods: 3,
            treatMissingData: 'not-breaching',
            action: 'notify',
            why: 'a load balancer target failed its health check',
          }),
        ),
        ...applicationTargetAlarms(service),
      ];
    default:
      return [];
  }
}

/** Every alarm of the environment, in a stable order: groups, fixed nodes, web errors, services. */
export function planAlarms(plan: AlarmInputs): AlarmPlan[] {
  // NGINX access logs, and so the 5xx metric, exist where a group serves the load balancer's HTTP.
  const web = plan.autoScalingGroups.find((group) => group.targetGroups.includes('http'));
  return [
    ...plan.autoScalingGroups.flatMap(scalingAlarms),
    ...plan.nodes.filter((node) => node.autoScalingGroup === undefined).map(recoveryAlarm),
    ...(web ? [serverErrorAlarm(plan, web)] : []),
    ...plan.services.flatMap(serviceAlarms),
  ];
}
