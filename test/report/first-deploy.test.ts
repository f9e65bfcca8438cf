/**
 * The first deploy of the synthesized environments, timed from their templates and the Plan's boot
 * order (computed, never measured): each wait the boot order leaves to CloudFormation holds in the
 * templates, removing a dependency a boot wait covers does not make the estimate shorter, and the
 * critical path stays within 1.3 times the slowest resource.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SPEC_SIZES } from '../../src/catalog/types.js';
import {
  BOOT_PHASE_SECONDS,
  type BootOrderPlan,
  type BootWait,
  planBootOrder,
  walkBoot,
} from '../../src/plan/boot-order.js';
import { GROUP_TAG, NODE_TAG } from '../../src/plan/contracts.js';
import { stackName } from '../../src/plan/stacks.js';
import type { Plan } from '../../src/plan/types.js';
import {
  type CfnResource,
  createdAfter,
  createMinutes,
  type DeployEstimate,
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

  it('creates each machine the boot order has CloudFormation hold back after its producer, and the others side by side', () => {
    const order = planBootOrder(plan);
    const producerOf = (wait: BootWait) =>
      order.artifacts.find((artifact) => artifact.id === wait.artifact)!.producer;
    const betweenMachines = order.waits.filter((wait) =>
      ['node', 'group'].includes(producerOf(wait)?.kind ?? ''),
    );
    // The Praefect nodes wait for the deploy node's schema in their boot script, not in CloudFormation.
    expect(betweenMachines.filter((wait) => wait.enforcedBy === 'boot-script').length).toBeGreaterThan(0);
    for (const wait of betweenMachines) {
      const producer = producerOf(wait)!;
      const waiter = machineKey(stacks, wait.waiter.kind, wait.waiter.id);
      const produced = machineKey(stacks, producer.kind as 'node' | 'group', producer.id);
      expect(createdAfter(stacks, waiter, produced), `${wait.waiter.id} after ${producer.id}`).toBe(
        wait.enforcedBy === 'cloudformation',
      );
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

  it("counts a boot wait that no CloudFormation dependency keeps: a late deploy node holds the other Praefect nodes' signal", () => {
    const bootOrder = planBootOrder(plan);
    const deployNode = machineKey(stacks, 'node', plan.deployNodes.praefect!);
    const others = plan.nodes
      .filter((node) => node.role === 'praefect' && node.id !== plan.deployNodes.praefect)
      .map((node) => machineKey(stacks, 'node', node.id));
    expect(others).toHaveLength(2);
    // Hold the deploy node back behind the Rails group, in its own stack: the group signals after the
    // database is up, so the deploy node reconfigures after the other Praefect nodes have.
    const [stackName, logicalId] = deployNode.split('/') as [string, string];
    const railsGroup = machineKey(stacks, 'group', 'rails').split('/')[1]!;
    const late = stacks.map((stack) => {
      if (stack.name !== stackName) return stack;
      const resources = { ...stack.template.Resources };
      resources[logicalId] = { ...resources[logicalId]!, DependsOn: railsGroup };
      return { ...stack, template: { ...stack.template, Resources: resources } };
    });
    for (const other of others) expect(createdAfter(late, other, deployNode)).toBe(false);
    const timed = estimateDeploy(late, { bootOrder }).resources;
    const producer = timed.get(deployNode)!;
    for (const other of others) {
      const waiter = timed.get(other)!;
      // Created before the deploy node, it still signals only after the deploy node's schema plus its own start.
      expect(waiter.start).toBeLessThan(producer.start);
      expect(waiter.heldBy).toBe('praefect-schema');
      expect(waiter.finish).toBe(
        producer.start +
          (BOOT_PHASE_SECONDS.install + BOOT_PHASE_SECONDS.configure + BOOT_PHASE_SECONDS.start) / 60,
      );
      // Counting CloudFormation's dependencies only, it would signal earlier.
      expect(estimateDeploy(late).resources.get(other)!.finish).toBeLessThan(waiter.finish);
    }
  });
});

describe('first deploy, critical path over slowest resource', () => {
  const sizes = SPEC_SIZES;
  const estimates = new Map<string, DeployEstimate>();
  /** Per size, the least a machine can take when nothing but its own boot holds it after the database. */
  const floors = new Map<string, number>();
  const stacksBySize = new Map<string, StackTemplate[]>();
  const plansBySize = new Map<string, Plan>();
  beforeAll(() => {
    for (const size of sizes) {
      const plan = planFor({ architecture: { size } });
      plansBySize.set(size, plan);
      const stacks = stacksOf(plan);
      const bootOrder = planBootOrder(plan);
      stacksBySize.set(size, stacks);
      estimates.set(size, estimateDeploy(stacks, { bootOrder }));
      floors.set(size, databaseFloorMinutes(stacks, bootOrder));
    }
  });

  it('lists as serialized only waits the stack order makes, never a boot wait', () => {
    for (const size of sizes) {
      const stacks = stacksBySize.get(size)!;
      const dependsOn = new Map(stacks.map((stack) => [stack.name, new Set(stack.dependsOn ?? [])]));
      for (const wait of estimates.get(size)!.serialized) {
        const waitedStack = wait.waitsFor.split('/')[0]!;
        expect(dependsOn.get(wait.resource.stack)!.has(waitedStack), `${size} ${wait.waitsFor}`).toBe(true);
      }
    }
    // 2k's Rails group waits for the database in its boot script, which is no stack-order wait.
    const rails = estimates.get('2k')!.criticalPath.find((step) => step.heldBy !== undefined)!;
    expect(rails.heldBy).toBe('database-ready:postgres');
    expect(rails.type).toBe('AWS::AutoScaling::AutoScalingGroup');
    expect(estimates.get('2k')!.serialized.map((wait) => wait.resource.logicalId)).not.toContain(
      rails.logicalId,
    );
  });

  // The ops stack names nothing of the data stack's (the alarms on the databases and Redis are the
  // data stack's, the backup selection picks the data by tag), so its vault, plan and selection are
  // created while RDS is, not after the read replicas: ops no longer ends the first deploy at 10k.
  it('starts every ops resource before the RDS primaries are created, and never ends the critical path in ops', () => {
    for (const size of sizes) {
      const plan = plansBySize.get(size)!;
      const estimate = estimates.get(size)!;
      const templateOf = (resource: { stack: string; logicalId: string }) =>
        stacksBySize.get(size)!.find((stack) => stack.name === resource.stack)!.template.Resources![
          resource.logicalId
        ]!;
      const timed = [...estimate.resources.values()];
      const ops = timed.filter((resource) => resource.stack === stackName(plan, 'ops'));
      const primaries = timed.filter(
        (resource) =>
          resource.type === 'AWS::RDS::DBInstance' &&
          !(templateOf(resource).Properties as Record<string, unknown>).SourceDBInstanceIdentifier,
      );
      expect(ops.length, size).toBeGreaterThan(0);
      // GitLab's and Praefect's; none on 1k, whose PostgreSQL is bundled.
      expect(primaries.length, size).toBe(plan.services.filter((service) => service.kind === 'rds').length);
      const primariesCreated = Math.min(...primaries.map((resource) => resource.finish));
      for (const resource of ops)
        expect(resource.start, `${size} ${resource.logicalId}`).toBeLessThan(primariesCreated);
      expect(estimate.criticalPath.at(-1)!.stack, size).not.toBe(stackName(plan, 'ops'));
    }
    // At 10k the data stack ends 15 min after its primary, with the read replicas: ops is long done.
    const tenK = estimates.get('10k')!;
    const dataFinish = Math.max(
      ...[...tenK.resources.values()]
        .filter((resource) => resource.stack === stackName(plansBySize.get('10k')!, 'data'))
        .map((resource) => resource.finish),
    );
    expect(tenK.criticalPath.at(-1)!.stack).toBe(stackName(plansBySize.get('10k')!, 'data'));
    expect(tenK.minutes).toBe(dataFinish);
  });

  it('never estimates a first deploy shorter than the database plus the boot steps that need it', () => {
    for (const size of sizes) {
      expect(estimates.get(size)!.minutes, size).toBeGreaterThanOrEqual(floors.get(size)!);
    }
    // Sizes without RDS (1k) have no such floor.
    expect(floors.get('1k')).toBe(0);
  });

  // The database and the boot steps after its wait alone now fit the target: the migrating node
  // installs, reconfigures (gitlab.rb names the database by its stable name) and shares the
  // first-boot secrets while RDS creates, and only prepares the database, migrates and starts after
  // it (BOOT_PHASE_SECONDS, estimates). What keeps the estimate over the target is what AWS needs
  // around the database, which no stack layout removes: before it, the VPC, subnets and subnet group
  // and the key and secret it is created with; after it, its name in the private zone, which the
  // nodes reach it by. Timed as if each resource waited only for what it references, every size
  // with RDS stays over the target: this states the gap so that a change of either side shows here.
  for (const size of sizes.filter((candidate) => candidate !== '1k')) {
    it(`${size}: the database, what it is created from and its name keep the first deploy over ${FIRST_DEPLOY_RATIO_TARGET}x the slowest resource`, () => {
      const estimate = estimates.get(size)!;
      expect(floors.get(size)!).toBeGreaterThan(estimate.slowest.minutes);
      expect(floors.get(size)! / estimate.slowest.minutes).toBeLessThanOrEqual(FIRST_DEPLOY_RATIO_TARGET);
      expect(estimate.minutesIfResourceLevel / estimate.slowest.minutes).toBeGreaterThan(
        FIRST_DEPLOY_RATIO_TARGET,
      );
    });
  }

  // KNOWN GAP (issue "First deploy time"): compute deploys beside the data stack and its nodes
  // install and reconfigure while RDS creates, but what the database is created from and its name
  // (above) keep every size with RDS over the target; from 10k the data stack ends with the read
  // replicas, which AWS creates from the primary. 1k has no RDS: its node waits for its NAT gateway
  // (compute's), boots, then its DNS record is written.
  for (const size of sizes) {
    it.fails(`${size}: KNOWN GAP, at most ${FIRST_DEPLOY_RATIO_TARGET}x the slowest resource`, () => {
      expect(estimates.get(size)!.ratio).toBeLessThanOrEqual(FIRST_DEPLOY_RATIO_TARGET);
    });
  }
});

/**
 * The least any machine can take when the database is the only thing it waits for: the GitLab
 * database's RDS instance created from time 0 (its create time as the estimate reads it), and every
 * machine whose boot waits for it booting from 0 with every other artifact ready at once. 0 without RDS.
 */
function databaseFloorMinutes(stacks: readonly StackTemplate[], order: BootOrderPlan): number {
  const primaries = stacks.flatMap((stack) =>
    Object.values(stack.template.Resources ?? {}).filter(
      (resource) =>
        resource.Type === 'AWS::RDS::DBInstance' &&
        !(resource.Properties as Record<string, unknown>).SourceDBInstanceIdentifier,
    ),
  );
  if (primaries.length === 0) return 0;
  const databaseSeconds = Math.max(...primaries.map((resource) => createMinutes(resource).minutes)) * 60;
  const waiters = order.subjects.filter((subject) =>
    order.waits.some(
      (wait) =>
        wait.waiter.kind === subject.ref.kind &&
        wait.waiter.id === subject.ref.id &&
        wait.artifact.startsWith('database-ready:'),
    ),
  );
  const finishes = waiters.map(
    (subject) =>
      walkBoot(order, subject.ref, 0, (artifact) =>
        artifact.kind === 'database-ready' ? databaseSeconds : 0,
      ).finish,
  );
  return Math.max(0, ...finishes) / 60;
}
