/**
 * The AWS names behind the Plan ids that notifying alarms' dimensions name, from the resources a
 * stack has at hand: the ops stack the external load balancer (with, for Cloud Native Hybrid, the
 * Application Load Balancer's target groups behind it), the data stack the databases and Redis
 * nodes, the compute stack the internal (Praefect) load balancer.
 */
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { AlarmDimensionPlan, ApplicationTargetGroup } from '../../plan/types.js';
import type { DimensionValue } from './plan-alarm.js';

/** A load balancer's target groups by target port, as the Plan's alarms name them. */
export type LoadBalancerTargets = ReadonlyMap<number, elbv2.NetworkTargetGroup>;

/** The target groups of the Application Load Balancer behind a load balancer, by the Plan's name. */
export type ApplicationTargets = ReadonlyMap<ApplicationTargetGroup, elbv2.ApplicationTargetGroup>;

export interface AlarmSubjects {
  /** Load balancers by Plan service id, with their target groups. */
  readonly loadBalancers?: ReadonlyMap<string, LoadBalancerTargets>;
  /** Cloud Native Hybrid: the ALB target groups behind a load balancer, by its service id. */
  readonly applicationTargets?: ReadonlyMap<string, ApplicationTargets>;
  /** RDS instances by Plan member id. */
  readonly databaseMembers?: ReadonlyMap<string, rds.IDatabaseInstance>;
  /** Cache cluster id of every Redis node, by Plan member id. */
  readonly cacheClusterIds?: ReadonlyMap<string, string>;
}

/** The target group a TargetGroup dimension names: an ALB's by name, else the load balancer's by port. */
function targetGroupOf(
  subjects: AlarmSubjects,
  dimension: AlarmDimensionPlan,
): elbv2.NetworkTargetGroup | elbv2.ApplicationTargetGroup | undefined {
  if (dimension.applicationTargetGroup)
    return subjects.applicationTargets?.get(dimension.subject)?.get(dimension.applicationTargetGroup);
  return subjects.loadBalancers?.get(dimension.subject)?.get(dimension.targetPort ?? -1);
}

/** Fills a dimension from `subjects`; a subject it does not hold is an error, never a wrong name. */
export function dimensionValueOf(subjects: AlarmSubjects): DimensionValue {
  return (dimension, metric) => {
    const missing = () => new Error(`no ${dimension.name} for ${dimension.subject}`);
    switch (dimension.name) {
      case 'DBInstanceIdentifier': {
        const instance = subjects.databaseMembers?.get(dimension.subject);
        if (!instance) throw missing();
        return instance.instanceIdentifier;
      }
      case 'CacheClusterId': {
        const cluster = subjects.cacheClusterIds?.get(dimension.subject);
        if (!cluster) throw missing();
        return cluster;
      }
      case 'LoadBalancer': {
        // Named through the metric's target group (its listener's load balancer: the ALB's for an ALB
        // target group), as the alarms always were: a different token would drop an export the
        // deployed ops stack still imports.
        const targets = metric.dimensions.find((candidate) => candidate.name === 'TargetGroup');
        const group = targets && targetGroupOf(subjects, targets);
        if (!group) throw missing();
        return group.firstLoadBalancerFullName;
      }
      case 'TargetGroup': {
        const group = targetGroupOf(subjects, dimension);
        if (!group) throw missing();
        return group.targetGroupFullName;
      }
      default:
        throw missing();
    }
  };
}
