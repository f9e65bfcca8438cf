import { describe, expect, it } from 'vitest';
import { allPlans } from '../fixtures/plans.js';

describe('plan.deployNodes', () => {
  it.each(allPlans().map(({ combination, plan }) => ({ ...combination, plan })))(
    '$size $type $availabilityZones AZs',
    ({ plan }) => {
      const migrating = plan.autoScalingGroups.filter((group) => group.runsDatabaseMigrations);
      expect(plan.deployNodes.databaseMigrations).toBe(migrating[0]?.id);
      expect(migrating.length).toBeLessThanOrEqual(1);
      const praefects = plan.nodes.filter((node) => node.role === 'praefect');
      // The deploy node is the first Praefect node, which CloudFormation creates before the others.
      expect(plan.deployNodes.praefect).toBe(praefects[0]?.id);
      expect(plan.deployNodes.praefect !== undefined).toBe(plan.architecture.gitalyMode === 'cluster');
    },
  );
});
