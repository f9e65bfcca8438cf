/**
 * The first deploy of the synthesized environments, timed from their templates and the Plan's boot
 * order (computed, never measured): each wait the boot order leaves to CloudFormation holds in the
 * templates, removing a dependency a boot wait covers does not make the estimate shorter, and the
 * critical path stays within 1.3 times the slowest resource.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SPEC_SIZES } from '../../src/catalog/types.js';
import { planBootOrder } from '../../src/plan/boot-order.js';
import { GROUP_TAG, NODE_TAG } from '../../src/plan/contracts.js';
import type { Plan } from '../../src/plan/types.js';
import {
  type CfnResource,
  createdAfter,
  estimateDeploy,
  readCloudAssembly,
  type StackTemplate,
} from '../../src/report/estimate.js';
import { planFor } from '../fixtures/plans.js';
import { synthesize } from '../infra/synth.js';

/** The target of issue "First deploy time": critical path over slowest resource. */
const FIRST_DEPLOY_RATIO_TARGET = 1.3;

function stacksOf(plan: Plan): StackTemplate[] {
  return readCloudAssembly(synthesize(plan).app.synth().directory);
}

function tagOf(resource: CfnResource, key: string): string | undefined {
  const tags = ((resource.Properties as { Tags?: { Key: string; Value: unknown }[] } | undefined)?.Tags ??
    []) as { Key: string; Value: unknown }[];
  const value = tags.find((tag) => tag.Key === key)?.Value;
  return typeof value === 'string' ? value : undefined;
}

/** `stack/logicalId` of the resource that boots a node or group. */
function machineKey(stacks: readonly StackTemplate[], kind: 'node' | 'group', id: string): string {
  const [type, tag] =
    kind === 'node' ? ['AWS::EC2::Instance', NODE_TAG] : ['AWS::AutoScaling::AutoScalingGroup', GROUP_TAG];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      if (resource.Type === type && tagOf(resource, tag) === id) return `${stack.name}/${logicalId}`;
    }
  }
  throw new Error(`no resource boots ${kind} ${id}`);
}

describe('first deploy of a 3k environment', () => {
  let plan: Plan;
  let stacks: StackTemplate[];
  beforeAll(() => {
    plan = planFor({ architecture: { size: '3k' } });
    stacks = stacksOf(plan);
  });

  it('creates each machine the boot order has CloudFormation hold back after its producer', () => {
    const order = planBootOrder(plan);
    const held = order.waits.filter((wait) => {
      const producer = order.artifacts.find((artifact) => artifact.id === wait.artifact)!.producer;
      return (
        wait.enforcedBy === 'cloudformation' && (producer?.kind === 'node' || producer?.kind === 'group')
      );
    });
    expect(held.length).toBeGreaterThan(0);
    for (const wait of held) {
      const producer = order.artifacts.find((artifact) => artifact.id === wait.artifact)!.producer!;
      const waiter = machineKey(stacks, wait.waiter.kind, wait.waiter.id);
      const produced = machineKey(stacks, producer.kind as 'node' | 'group', producer.id);
      expect(createdAfter(stacks, waiter, produced), `${wait.waiter.id} after ${producer.id}`).toBe(true);
    }
    // Gitaly nodes are created side by side: none waits for another.
    const gitaly = plan.nodes.filter((node) => node.role === 'gitaly').map((node) => node.id);
    for (const a of gitaly) {
      for (const b of gitaly.filter((other) => other !== a)) {
        expect(createdAfter(stacks, machineKey(stacks, 'node', a), machineKey(stacks, 'node', b))).toBe(
          false,
        );
      }
    }
  });

  it('creates the edge (certificate, load balancer) beside the data stack, not after its database', () => {
    const byType = (stackKind: string, type: string) =>
      stacks
        .filter((stack) => stack.name.endsWith(`-${stackKind}`))
        .flatMap((stack) =>
          Object.entries(stack.template.Resources ?? {})
            .filter(([, resource]) => resource.Type === type)
            .map(([logicalId]) => `${stack.name}/${logicalId}`),
        );
    const database = byType('data', 'AWS::RDS::DBInstance');
    const edge = [
      ...byType('edge', 'AWS::CertificateManager::Certificate'),
      ...byType('edge', 'AWS::ElasticLoadBalancingV2::LoadBalancer'),
    ];
    expect(database.length).toBeGreaterThan(0);
    expect(edge.length).toBeGreaterThan(1);
    for (const waiter of edge) {
      for (const producer of database) expect(createdAfter(stacks, waiter, producer), waiter).toBe(false);
    }
  });

  it('does not get shorter when a DependsOn that a boot wait covers is removed', () => {
    const bootOrder = planBootOrder(plan);
    // The Praefect nodes the deploy node's migrations hold back, without their DependsOn.
    const deployNode = machineKey(stacks, 'node', plan.deployNodes.praefect!);
    const waiters = plan.nodes
      .filter((node) => node.role === 'praefect' && node.id !== plan.deployNodes.praefect)
      .map((node) => machineKey(stacks, 'node', node.id));
    expect(waiters).toHaveLength(2);
    const without = stacks.map((stack) => {
      const resources = { ...stack.template.Resources };
      for (const waiter of waiters.filter((key) => key.startsWith(`${stack.name}/`))) {
        const logicalId = waiter.slice(stack.name.length + 1);
        const { DependsOn: _dropped, ...rest } = resources[logicalId]!;
        resources[logicalId] = rest;
      }
      return { ...stack, template: { ...stack.template, Resources: resources } };
    });
    for (const waiter of waiters) expect(createdAfter(without, waiter, deployNode)).toBe(false);
    // Counting CloudFormation's dependencies only, removing it would shorten the first deploy...
    expect(estimateDeploy(without).minutes).toBeLessThan(estimateDeploy(stacks).minutes);
    // ...but the boot order still has the node wait for the deploy node's migrations.
    expect(estimateDeploy(without, { bootOrder }).minutes).toBe(
      estimateDeploy(stacks, { bootOrder }).minutes,
    );
  });
});

describe('first deploy, critical path over slowest resource', () => {
  const sizes = SPEC_SIZES;
  const ratios = new Map<string, number>();
  beforeAll(() => {
    for (const size of sizes) {
      const plan = planFor({ architecture: { size } });
      ratios.set(size, estimateDeploy(stacksOf(plan), { bootOrder: planBootOrder(plan) }).ratio);
    }
  });

  // KNOWN GAP (issue "First deploy time"): compute waits for the whole data stack (RDS, and from
  // 10k its read replicas): it imports data's keys, secrets and database and Redis endpoints, so the
  // nodes cannot install while RDS creates. (Edge no longer waits: it deploys beside data.)
  for (const size of sizes) {
    it.fails(`${size}: KNOWN GAP, at most ${FIRST_DEPLOY_RATIO_TARGET}x the slowest resource`, () => {
      expect(ratios.get(size)).toBeLessThanOrEqual(FIRST_DEPLOY_RATIO_TARGET);
    });
  }
});
