/**
 * The AWS names behind the Plan ids that notifying alarms' dimensions name, from the resources a
 * stack has at hand: the ops stack the databases, Redis nodes and the external load balancer, the
 * compute stack the internal (Praefect) load balancer.
 */
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { DimensionValue } from './plan-alarm.js';

/** A load balancer's target groups by target port, as the Plan's alarms name them. */
export type LoadBalancerTargets = ReadonlyMap<number, elbv2.NetworkTargetGroup>;

export interface AlarmSubjects {
  /** Load balancers by Plan service id, with their target groups. */
  readonly loadBalancers?: ReadonlyMap<string, LoadBalancerTargets>;
  /** RDS instances by Plan member id. */
  readonly databaseMembers?: ReadonlyMap<string, rds.IDatabaseInstance>;
  /** Cache cluster id of every Redis node, by Plan member id. */
  readonly cacheClusterIds?: ReadonlyMap<string, string>;
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
        // Named through the metric's target group (its listener's load balancer), as the alarms always
        // were: a different token would drop an export the deployed ops stack still imports.
        const port = metric.dimensions.find((candidate) => candidate.name === 'TargetGroup')?.targetPort;
        const group = subjects.loadBalancers?.get(dimension.subject)?.get(port ?? -1);
        if (!group) throw missing();
        return group.firstLoadBalancerFullName;
      }
      case 'TargetGroup': {
        const group = subjects.loadBalancers?.get(dimension.subject)?.get(dimension.targetPort ?? -1);
        if (!group) throw missing();
        return group.targetGroupFullName;
      }
      default:
        throw missing();
    }
  };
}
