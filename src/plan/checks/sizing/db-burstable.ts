import { isBurstableInstanceType } from '../../../catalog/instance-types.js';
import { servicesOf } from '../../query.js';
import type { PlanRule } from '../rule.js';

export const dbBurstable: PlanRule = {
  id: 'GLA-DB-BURSTABLE',
  level: 'error',
  category: 'sizing',
  description: 'Burstable database classes throttle GitLab under sustained load',
  guidance: 'rds-burstable-classes',
  evaluate: ({ plan }) =>
    servicesOf(plan, 'rds')
      .filter((service) => isBurstableInstanceType(service.instanceClass))
      .map((service) => ({
        field: 'database.instanceClass',
        message: `${service.instanceClass} is a burstable class: it runs out of CPU credits under GitLab's steady load. Use a general purpose class such as db.m6i.large (or remove the override).`,
      })),
};
