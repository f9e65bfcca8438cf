/**
 * The CloudWatch alarms an environment has, derived from the Plan, so that the bill of materials
 * can count them. Standard-resolution metric alarms only; each is billed per alarm-month.
 *
 * This list is the definition the cost estimate uses. The ops stack is expected to create exactly
 * these (one name per alarm), so that what is billed and what is counted agree.
 */
import type { Plan } from '../plan/types.js';

export interface PlannedAlarm {
  /** Stable name, `<subject>-<what>`. */
  readonly name: string;
  /** Role or service the alarm watches, for grouping in the bill of materials. */
  readonly role: string;
  /** Why the alarm exists. */
  readonly why: string;
}

/** Every alarm of the environment, in a stable order. */
export function plannedAlarms(plan: Plan): PlannedAlarm[] {
  const alarms: PlannedAlarm[] = [];
  for (const group of plan.autoScalingGroups) {
    // Step scaling on average CPU needs one alarm to scale out and one to scale in.
    alarms.push(
      { name: `${group.id}-cpu-high`, role: group.role, why: 'scale out at the Plan CPU threshold' },
      { name: `${group.id}-cpu-low`, role: group.role, why: 'scale in at the Plan CPU threshold' },
    );
  }
  for (const node of plan.nodes.filter((candidate) => candidate.autoScalingGroup === undefined)) {
    // A fixed instance has no group to replace it: a failed system status check recovers it in place.
    alarms.push({ name: `${node.id}-status-check`, role: node.role, why: 'recover the instance' });
  }
  for (const service of plan.services) {
    switch (service.kind) {
      case 'rds':
        alarms.push(
          { name: `${service.id}-cpu`, role: service.role, why: 'database CPU above 80 %' },
          { name: `${service.id}-free-storage`, role: service.role, why: 'storage nearly full' },
        );
        break;
      case 'elasticache':
        alarms.push({ name: `${service.id}-memory`, role: service.role, why: 'Redis memory above 80 %' });
        break;
      case 'nlb':
        // One unhealthy-target alarm per target group: one per distinct target port.
        for (const port of new Set(service.listeners.map((listener) => listener.targetPort))) {
          alarms.push({
            name: `${service.id}-unhealthy-targets-${port}`,
            role: service.role,
            why: 'a target failed its health check',
          });
        }
        break;
      default:
        break;
    }
  }
  return alarms;
}
