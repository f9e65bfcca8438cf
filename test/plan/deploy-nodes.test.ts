import { describe, expect, it } from 'vitest';
import { planDeployNodes } from '../../src/plan/deploy-nodes.js';
import { allPlans, planFor } from '../fixtures/plans.js';

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

describe('planDeployNodes', () => {
  const plan = planFor({ architecture: { size: '3k' } });

  it('names no node for a step nothing runs', () => {
    const decided = planDeployNodes({
      nodes: plan.nodes.filter((node) => node.role !== 'praefect'),
      autoScalingGroups: plan.autoScalingGroups.map((group) => ({ ...group, runsDatabaseMigrations: false })),
    });
    expect(decided).toEqual({});
    expect(Object.keys(decided)).toEqual([]);
  });

  it('runs Praefect migrations on a fixed Praefect node, never one a group may replace', () => {
    const praefects = plan.nodes.filter((node) => node.role === 'praefect');
    const decided = planDeployNodes({
      nodes: [{ ...praefects[0]!, autoScalingGroup: 'praefect' }, ...praefects.slice(1)],
      autoScalingGroups: plan.autoScalingGroups,
    });
    expect(decided.praefect).toBe(praefects[1]!.id);
  });
});
