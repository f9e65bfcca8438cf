export { hasErrors, PLAN_RULES, type PlanRule, runChecks } from './checks/index.js';
export { availabilityZoneNames, planNetwork } from './network.js';
export * from './query.js';
export {
  archOf,
  GIT_DATA_DEVICE,
  GIT_DATA_MOUNT_POINT,
  type ResolveOptions,
  resolvePlan,
} from './resolve.js';
export * from './types.js';
