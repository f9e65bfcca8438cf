import { beforeAll, describe, expect, it } from 'vitest';
import {
  BOOT_PHASE_SECONDS,
  type BootArtifact,
  type BootOrderPlan,
  type BootPhaseId,
  type BootWait,
  bootOrderProblems,
  bootTimeline,
  planBootOrder,
  walkBoot,
  worstCaseReadyAt,
} from '../../src/plan/boot-order.js';
import { DATA_SERVICE_CREATION, NODE_BOOT } from '../../src/plan/contracts.js';
import type { Plan } from '../../src/plan/types.js';
import { type Combination, planFor, supportedCombinations } from '../fixtures/plans.js';

const nameOf = (combination: Combination) =>
  `${combination.size} ${combination.type}, ${combination.availabilityZones} AZs`;

/** Who waits for what, from whom, as `waiter <- artifact (producer, how)`. */
function waitLines(order: BootOrderPlan, filter: (wait: BootWait) => boolean = () => true): string[] {
  return order.waits.filter(filter).map((wait) => {
    const artifact = order.artifacts.find((entry) => entry.id === wait.artifact)!;
    const producer = artifact.producer ? `${artifact.producer.kind} ${artifact.producer.id}` : 'nobody';
    return `${wait.waiter.kind} ${wait.waiter.id} <- ${artifact.id} (${producer}, ${wait.enforcedBy})`;
  });
}

describe('boot order of every supported plan', () => {
  const combinations = supportedCombinations();
  const plans = new Map<string, Plan>();
  beforeAll(() => {
    for (const combination of combinations) {
      plans.set(
        nameOf(combination),
        planFor({
          availabilityZones: combination.availabilityZones,
          architecture: { size: combination.size, type: combination.type },
        }),
      );
    }
  });

  for (const combination of combinations) {
    it(`${nameOf(combination)}: every wait has a producer that does not wait on the waiter and is done in time`, () => {
      const order = planBootOrder(plans.get(nameOf(combination))!);
      expect(order.waits.length).toBeGreaterThan(0);
      expect(bootOrderProblems(order)).toEqual([]);
    });
  }
});

describe('boot order of a 3k plan', () => {
  let plan: Plan;
  let order: BootOrderPlan;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '3k' } });
    order = planBootOrder(plan);
  });

  it('names who produces the shared secrets, the Praefect database and the first migration, and who waits', () => {
    const shared = (wait: BootWait) =>
      wait.enforcedBy !== 'cloudformation' &&
      !/^(secrets|database-ready|redis-ready|gitaly-volume)/.test(wait.artifact);
    expect(waitLines(order, shared).sort()).toEqual(
      [
        'group rails <- database-migrated (group rails, deploy-lock)',
        'group sidekiq <- gitlab-secrets-json (group rails, boot-script)',
        'node backup-1 <- gitlab-secrets-json (group rails, boot-script)',
        'node backup-1 <- gitaly-serving (node praefect-1, boot-script)',
        'node gitaly-1 <- gitlab-secrets-json (group rails, boot-script)',
        'node gitaly-2 <- gitlab-secrets-json (group rails, boot-script)',
        'node gitaly-3 <- gitlab-secrets-json (group rails, boot-script)',
        'node praefect-1 <- praefect-database (service praefect-postgres, boot-script)',
        'node praefect-2 <- praefect-database (service praefect-postgres, boot-script)',
        'node praefect-3 <- praefect-database (service praefect-postgres, boot-script)',
        // Created beside the deploy node, the others wait for its schema in the boot script.
        'node praefect-2 <- praefect-schema (node praefect-1, boot-script)',
        'node praefect-3 <- praefect-schema (node praefect-1, boot-script)',
      ].sort(),
    );
  });

  it('has CloudFormation hold back nothing: every user of a service, a volume or the secrets waits in its boot script', () => {
    expect(waitLines(order, (wait) => wait.enforcedBy === 'cloudformation')).toEqual([]);
    const lines = waitLines(order);
    expect(lines).toContain('group rails <- database-ready:postgres (service postgres, boot-script)');
    // Praefect uses its own RDS instance, not GitLab's.
    expect(lines).toContain(
      'node praefect-1 <- database-ready:praefect-postgres (service praefect-postgres, boot-script)',
    );
    expect(lines).not.toContain('node praefect-1 <- database-ready:postgres (service postgres, boot-script)');
    expect(lines).toContain('group sidekiq <- redis-ready:redis (service redis, boot-script)');
    expect(lines).toContain('node gitaly-2 <- gitaly-volume:gitaly-2 (volume gitaly-2, boot-script)');
    // Every node that installs GitLab reads secrets the data stack creates.
    for (const subject of order.subjects)
      expect(lines).toContain(`${subject.ref.kind} ${subject.ref.id} <- secrets (secrets data, boot-script)`);
    // Monitoring and Gitaly use neither the database nor Redis.
    expect(lines.filter((line) => /^node (monitoring|gitaly)-\d <- (database|redis)/.test(line))).toEqual([]);
  });

  it('times each boot: waits plus the boot left after each', () => {
    const timeline = bootTimeline(order);
    const minutes = (id: string) => {
      const walk = timeline.get(id)!;
      return [walk.start / 60, walk.finish / 60];
    };
    // Rails: install 7, configure 3, first boot 1 (secrets), bootstrap 0.5, migrate 3, start 2.
    expect(minutes('group rails')).toEqual([0, 16.5]);
    // Gitaly waits for the secrets (11), then configures and starts.
    expect(minutes('node gitaly-1')).toEqual([0, 16]);
    // The Praefect deploy node's database is its own RDS instance, there before it boots; the others
    // boot beside it and wait for its schema only before they start (its reconfigure ends at 10).
    expect(minutes('node praefect-1')).toEqual([0, 12]);
    expect(minutes('node praefect-3')).toEqual([0, 12]);
    expect(
      timeline.get('node praefect-3')!.waits.map((entry) => [entry.wait.artifact, entry.readyAt / 60]),
    ).toEqual([
      ['secrets', 0],
      ['database-ready:praefect-postgres', 0],
      ['praefect-database', 0],
      ['praefect-schema', 10],
    ]);
    expect(minutes('node monitoring-1')).toEqual([0, 12]);
    // The backup node waits for the secrets (11), configures (3); Praefect serves from 12 on.
    expect(minutes('node backup-1')).toEqual([0, 16]);
  });

  it('times each boot with the data services created beside the machines: the database holds the migrating node', () => {
    // RDS available 20 min after compute starts: Rails has installed (7), configured (3) and shared
    // the secrets (1) meanwhile, then waits 9 min for its database, prepares it (0.5), migrates (3)
    // and starts (2).
    const timeline = bootTimeline(order, (artifact) => (artifact.kind === 'database-ready' ? 20 * 60 : 0));
    const rails = timeline.get('group rails')!;
    expect([rails.start / 60, rails.finish / 60]).toEqual([0, 25.5]);
    expect(rails.heldBy?.wait.artifact).toBe('database-ready:postgres');
    // Gitaly needs no database, only the secrets the migrating node shares before it (11), then
    // configures and starts: the database no longer holds it.
    expect(timeline.get('node gitaly-1')!.finish / 60).toBe(16);
    // Sidekiq configures with the secrets and waits for the database only to start.
    expect(timeline.get('group sidekiq')!.finish / 60).toBe(22);
    expect(timeline.get('node monitoring-1')!.finish / 60).toBe(12);
  });

  it('finds every wait in time even when the data services take as long as their bound', () => {
    const timeline = bootTimeline(order, worstCaseReadyAt);
    expect(timeline.get('group rails')!.finish).toBe(DATA_SERVICE_CREATION.boundSeconds + 9.5 * 60);
    for (const [subject, walk] of timeline)
      expect(walk.finish - walk.start, subject).toBeLessThanOrEqual(NODE_BOOT.timeoutSeconds);
    expect(bootOrderProblems(order)).toEqual([]);
    // A creation timeout that leaves no room for the database's bound fails the boot order.
    expect(bootOrderProblems(order, DATA_SERVICE_CREATION.boundSeconds)).toContain(
      `group rails signals ${DATA_SERVICE_CREATION.boundSeconds + 570} s after CloudFormation creates it, over the ${DATA_SERVICE_CREATION.boundSeconds} s creation timeout`,
    );
  });

  it('has the backup node wait for the database, Redis, the secrets and Praefect, each with a producer', () => {
    expect(waitLines(order, (wait) => wait.waiter.id === 'backup-1').sort()).toEqual(
      [
        'node backup-1 <- secrets (secrets data, boot-script)',
        'node backup-1 <- database-ready:postgres (service postgres, boot-script)',
        'node backup-1 <- redis-ready:redis (service redis, boot-script)',
        'node backup-1 <- gitlab-secrets-json (group rails, boot-script)',
        'node backup-1 <- gitaly-serving (node praefect-1, boot-script)',
      ].sort(),
    );
    const serving = order.artifacts.find((artifact) => artifact.id === 'gitaly-serving')!;
    expect(serving.producedAfter).toBe('start');
    expect(order.waits.find((wait) => wait.artifact === 'gitaly-serving')!.before).toBe('start');
  });
});

describe('boot order of a Cloud Native Hybrid plan', () => {
  it("has the VMs wait only for managed services, volumes and the Praefect deploy node's schema: no Rails VM boots", () => {
    const plan = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    const order = planBootOrder(plan);
    expect(plan.autoScalingGroups).toEqual([]);
    const shared = (wait: BootWait) =>
      !/^(secrets|database-ready|redis-ready|gitaly-volume)/.test(wait.artifact);
    expect(waitLines(order, (wait) => wait.enforcedBy === 'cloudformation')).toEqual([]);
    expect(waitLines(order, shared).sort()).toEqual(
      [
        'node praefect-1 <- praefect-database (service praefect-postgres, boot-script)',
        'node praefect-2 <- praefect-database (service praefect-postgres, boot-script)',
        'node praefect-3 <- praefect-database (service praefect-postgres, boot-script)',
        'node praefect-2 <- praefect-schema (node praefect-1, boot-script)',
        'node praefect-3 <- praefect-schema (node praefect-1, boot-script)',
      ].sort(),
    );
    // What Gitaly and the chart share is generated by Secrets Manager before any VM boots.
    expect(order.artifacts.map((artifact) => artifact.kind)).not.toContain('gitlab-secrets-json');
    expect(plan.secrets.filter((secret) => secret.generatedBy === 'first-boot')).toEqual([]);
    expect(plan.secrets.find((secret) => secret.id === 'gitlab-shell-secret')!.readers).toContain('gitaly');
    const timeline = bootTimeline(order);
    expect(timeline.get('node gitaly-1')!.finish).toBe(NODE_BOOT.typicalSeconds);
  });
});

describe('boot order read from the Plan', () => {
  let withBastions: Plan;
  let oneK: Plan;
  let tenK: Plan;
  beforeAll(() => {
    withBastions = planFor({ architecture: { size: '3k' }, access: { admin: 'bastion' } });
    oneK = planFor({ architecture: { size: '1k' } });
    tenK = planFor({ architecture: { size: '10k' } });
  });

  it('boots a bastion its tools only, waiting for nothing', () => {
    const order = planBootOrder(withBastions);
    const bastions = order.subjects.filter((subject) => subject.role === 'bastion');
    expect(bastions.length).toBeGreaterThan(0);
    for (const bastion of bastions) {
      expect(bastion.phases).toEqual(['tools']);
      expect(order.waits.filter((wait) => wait.waiter.id === bastion.ref.id)).toEqual([]);
      expect(bootTimeline(order).get(`node ${bastion.ref.id}`)!.finish).toBe(BOOT_PHASE_SECONDS.tools);
    }
  });

  it('names each artifact by its kind and, for a service, the service', () => {
    const order = planBootOrder(tenK);
    expect(order.artifacts.map((artifact) => `${artifact.id} ${artifact.kind}`).sort()).toEqual(
      [
        'database-migrated database-migrated',
        'database-ready:postgres database-ready',
        'database-ready:praefect-postgres database-ready',
        'gitaly-serving gitaly-serving',
        'gitaly-volume:gitaly-1 gitaly-volume',
        'gitaly-volume:gitaly-2 gitaly-volume',
        'gitaly-volume:gitaly-3 gitaly-volume',
        'gitlab-secrets-json gitlab-secrets-json',
        'praefect-database praefect-database',
        'praefect-schema praefect-schema',
        'secrets secrets',
        'redis-ready:redis-cache redis-ready',
        'redis-ready:redis-persistent redis-ready',
        'ssh-host-keys ssh-host-keys',
      ].sort(),
    );
    expect(order.artifacts.find((artifact) => artifact.id === 'praefect-schema')!.producedAfter).toBe(
      'configure',
    );
  });

  it('puts each wait before the step that needs it', () => {
    const order = planBootOrder(tenK);
    const stepOf = (waiter: string, artifact: string) =>
      order.waits.find((wait) => wait.waiter.id === waiter && wait.artifact === artifact)?.before;
    // gitlab.rb names the databases by stable names: each user waits for its database where it
    // first connects; Redis, named by its endpoint, before the first reconfigure.
    expect(stepOf('rails', 'database-ready:postgres')).toBe('bootstrap');
    expect(stepOf('sidekiq', 'database-ready:postgres')).toBe('start');
    expect(stepOf('praefect-2', 'database-ready:praefect-postgres')).toBe('configure');
    expect(stepOf('sidekiq', 'redis-ready:redis-persistent')).toBe('configure');
    expect(stepOf('rails', 'redis-ready:redis-persistent')).toBe('configure');
    expect(stepOf('sidekiq', 'secrets')).toBe('install');
    expect(stepOf('gitaly-1', 'gitaly-volume:gitaly-1')).toBe('configure');
    expect(stepOf('praefect-2', 'praefect-schema')).toBe('start');
    expect(stepOf('praefect-2', 'praefect-database')).toBe('configure');
    expect(stepOf('gitaly-1', 'gitlab-secrets-json')).toBe('configure');
    expect(stepOf('rails', 'database-migrated')).toBe('start');
    // The monitoring node's Prometheus volume is not a Gitaly volume it waits for: only its secrets.
    expect(
      order.waits.filter((wait) => wait.waiter.id === 'monitoring-1').map((wait) => wait.artifact),
    ).toEqual(['secrets']);
  });

  it('has no Praefect artifacts without a Gitaly Cluster, and every wait bounded by the creation timeout', () => {
    const order = planBootOrder(oneK);
    expect(order.artifacts.map((artifact) => artifact.kind)).not.toContain('praefect-database');
    expect(order.artifacts.map((artifact) => artifact.kind)).not.toContain('praefect-schema');
    expect(order.waits.every((wait) => wait.timeoutSeconds === NODE_BOOT.timeoutSeconds)).toBe(true);
  });

  it('has no migration producer without a migrating group', () => {
    const order = planBootOrder({
      ...tenK,
      autoScalingGroups: tenK.autoScalingGroups.filter((g) => !g.runsDatabaseMigrations),
    });
    expect(order.artifacts.map((artifact) => artifact.kind)).not.toContain('database-migrated');
    const secrets = order.artifacts.find((artifact) => artifact.id === 'gitlab-secrets-json')!;
    expect(secrets.producer).toBeUndefined();
    expect(bootOrderProblems(order)).toContain(
      'node gitaly-1 waits for gitlab-secrets-json, which nothing in the Plan produces',
    );
  });
});

describe('what follows the database wait', () => {
  let tenK: Plan;
  let oneK: Plan;
  beforeAll(() => {
    tenK = planFor({ architecture: { size: '10k' } });
    oneK = planFor({ architecture: { size: '1k' } });
  });
  const databaseWaits = (order: BootOrderPlan) =>
    order.waits.filter((wait) => wait.artifact === 'database-ready:postgres');

  it('has the migrating group install, reconfigure and share the secrets before the database, then prepare it, migrate and start', () => {
    const order = planBootOrder(tenK);
    const rails = order.subjects.find((subject) => subject.ref.id === 'rails')!;
    const wait = databaseWaits(order).find((entry) => entry.waiter.id === 'rails')!;
    const at = rails.phases.indexOf(wait.before);
    expect(rails.phases.slice(0, at)).toEqual(['install', 'configure', 'first-boot']);
    expect(rails.phases.slice(at)).toEqual(['bootstrap', 'migrate', 'start']);
    // The secrets are shared before the database exists: no deploy lock and no database for them.
    for (const id of ['gitlab-secrets-json', 'ssh-host-keys']) {
      const artifact = order.artifacts.find((entry) => entry.id === id)!;
      expect(artifact.producer).toEqual({ kind: 'group', id: 'rails' });
      expect(rails.phases.indexOf(artifact.producedAfter!)).toBeLessThan(at);
    }
    // Redis, whose host gitlab.rb reads from its parameter, is still waited for before configuring.
    const redisWait = order.waits.find(
      (entry) => entry.waiter.id === 'rails' && entry.artifact.startsWith('redis-ready:'),
    )!;
    expect(redisWait.before).toBe('configure');
  });

  it('times the migrating group as the database plus the steps after its wait, and the secrets as its own boot', () => {
    const order = planBootOrder(tenK);
    const databaseAt = 20 * 60;
    const walk = walkBoot(order, { kind: 'group', id: 'rails' }, 0, (artifact) =>
      artifact.kind === 'database-ready' ? databaseAt : 0,
    );
    const sum = (phases: readonly BootPhaseId[]) =>
      phases.reduce((total, phase) => total + BOOT_PHASE_SECONDS[phase], 0);
    expect(walk.finish).toBe(databaseAt + sum(['bootstrap', 'migrate', 'start']));
    expect(walk.heldBy?.wait.artifact).toBe('database-ready:postgres');
    // The secrets come with the group's own boot, not after the database.
    const secretsAt = sum(['install', 'configure', 'first-boot']);
    expect(secretsAt).toBeLessThan(databaseAt);
    expect(walk.produced.get('gitlab-secrets-json')).toBe(secretsAt);
    // Sidekiq waits for those secrets before its reconfigure, and for the database before it starts.
    const sidekiq = walkBoot(order, { kind: 'group', id: 'sidekiq' }, 0, (artifact) =>
      artifact.kind === 'database-ready' ? databaseAt : (walk.produced.get(artifact.id) ?? 0),
    );
    expect(sidekiq.finish).toBe(databaseAt + sum(['start']));
    expect(sidekiq.heldBy?.wait.artifact).toBe('database-ready:postgres');
    // With the database early, the secrets hold Sidekiq instead.
    const early = walkBoot(order, { kind: 'group', id: 'sidekiq' }, 0, (artifact) =>
      artifact.kind === 'database-ready' ? 0 : (walk.produced.get(artifact.id) ?? 0),
    );
    expect(early.finish).toBe(secretsAt + sum(['configure', 'start']));
  });

  it("has the nodes using GitLab's database wait for it where they first connect, Praefect before its reconfigure", () => {
    const tenKOrder = planBootOrder(tenK);
    const steps = new Map(databaseWaits(tenKOrder).map((wait) => [wait.waiter.id, wait.before]));
    expect(Object.fromEntries(steps)).toEqual({
      rails: 'bootstrap',
      sidekiq: 'start',
      'backup-1': 'start',
    });
    // Praefect's deploy node migrates Praefect's database at reconfigure: it waits before.
    expect(
      tenKOrder.waits
        .filter((wait) => wait.artifact === 'database-ready:praefect-postgres')
        .map((wait) => wait.before),
    ).toEqual(['configure', 'configure', 'configure']);
    // The artifact names the parameter the boot script polls, for each data service.
    for (const artifact of tenKOrder.artifacts.filter((entry) =>
      /^(database|redis)-ready$/.test(entry.kind),
    )) {
      expect(artifact.parameter, artifact.id).toMatch(new RegExp(`^/${tenK.spec.name}/data-endpoints/`));
    }
    // The 1k node, which migrates at reconfigure, waits for no database: its own is on the node.
    expect(oneK.deployNodes.singleNode).toBeDefined();
    expect(databaseWaits(planBootOrder(oneK))).toEqual([]);
  });
});

describe('boot steps', () => {
  it('add up to the modelled boot, and to at most 20 min for the node that migrates', () => {
    const order = planBootOrder(planFor({ architecture: { size: '10k' } }));
    const own = (id: string) => walkBoot(order, { kind: 'group', id }, 0, () => 0).ownSeconds;
    expect(own('sidekiq')).toBe(NODE_BOOT.typicalSeconds);
    expect(own('rails')).toBeGreaterThan(NODE_BOOT.typicalSeconds);
    expect(own('rails')).toBeLessThanOrEqual(20 * 60);
    expect(BOOT_PHASE_SECONDS.tools).toBeLessThan(NODE_BOOT.typicalSeconds);
  });

  it('refuses a subject the order does not have', () => {
    const order = planBootOrder(planFor({ architecture: { size: '1k' } }));
    expect(() => walkBoot(order, { kind: 'node', id: 'nope' }, 0, () => 0)).toThrow(/no node nope/);
  });
});

describe('problems found in hand-built boot orders', () => {
  const subject = (id: string) => ({
    ref: { kind: 'node' as const, id },
    role: 'gitaly' as const,
    phases: ['install', 'configure', 'start'] as const,
  });
  const wait = (
    waiter: string,
    artifact: string,
    enforcedBy: BootWait['enforcedBy'] = 'boot-script',
  ): BootWait => ({
    waiter: { kind: 'node', id: waiter },
    artifact,
    before: 'configure',
    enforcedBy,
    timeoutSeconds: 1800,
  });
  /** An artifact a producer makes at the end of one of its boot steps. */
  const produced = (
    id: string,
    kind: BootArtifact['kind'],
    producer: NonNullable<BootArtifact['producer']>,
    after: NonNullable<BootArtifact['producedAfter']>,
  ): BootArtifact => ({ id, kind, producer, producedAfter: after });

  it('reports an artifact nobody produces', () => {
    const order: BootOrderPlan = {
      subjects: [subject('a')],
      artifacts: [{ id: 'x', kind: 'gitlab-secrets-json' }],
      waits: [wait('a', 'x')],
    };
    expect(bootOrderProblems(order)).toEqual(['node a waits for x, which nothing in the Plan produces']);
    expect(bootTimeline(order).get('node a')!.finish).toBe(Number.POSITIVE_INFINITY);
  });

  it('reports a producer that does not boot', () => {
    const order: BootOrderPlan = {
      subjects: [subject('a')],
      artifacts: [produced('x', 'gitlab-secrets-json', { kind: 'group', id: 'rails' }, 'install')],
      waits: [wait('a', 'x')],
    };
    expect(bootOrderProblems(order)).toEqual(['node a waits for x from group rails, which does not boot']);
  });

  it('reports two nodes that wait for each other, and not a node that waits for itself', () => {
    const cycle: BootOrderPlan = {
      subjects: [subject('a'), subject('b')],
      artifacts: [
        produced('x', 'gitlab-secrets-json', { kind: 'node', id: 'a' }, 'start'),
        produced('y', 'ssh-host-keys', { kind: 'node', id: 'b' }, 'start'),
      ],
      waits: [wait('a', 'y'), wait('b', 'x')],
    };
    expect(bootOrderProblems(cycle)).toEqual([
      'node a waits, through its producers, for itself',
      'node b waits, through its producers, for itself',
    ]);
    expect(bootTimeline(cycle).get('node a')!.finish).toBe(Number.POSITIVE_INFINITY);
    const own: BootOrderPlan = {
      subjects: [subject('a')],
      artifacts: [produced('x', 'gitlab-secrets-json', { kind: 'node', id: 'a' }, 'install')],
      waits: [wait('a', 'x')],
    };
    expect(bootOrderProblems(own)).toEqual([]);
    expect(bootTimeline(own).get('node a')!.finish).toBe(12 * 60);
  });

  it('reports a wait longer than the script polls and a boot longer than the creation timeout', () => {
    const order: BootOrderPlan = {
      subjects: [subject('a'), subject('b')],
      artifacts: [produced('x', 'gitlab-secrets-json', { kind: 'node', id: 'a' }, 'start')],
      waits: [{ ...wait('b', 'x'), timeoutSeconds: 60 }],
    };
    // b reaches the wait at 7 min and a signals at 12: 300 s over a 60 s poll; b signals at 17 min.
    expect(bootOrderProblems(order, 16 * 60)).toEqual([
      'node b signals 1020 s after CloudFormation creates it, over the 960 s creation timeout',
      'node b waits 300 s for x, over its 60 s',
    ]);
    expect(bootOrderProblems(order, 17 * 60)).toEqual(['node b waits 300 s for x, over its 60 s']);
    // Exactly at either bound is in time.
    expect(
      bootOrderProblems({ ...order, waits: [{ ...order.waits[0]!, timeoutSeconds: 300 }] }, 17 * 60),
    ).toEqual([]);
  });

  it('starts a subject CloudFormation holds back when its producer signals, and counts its timeout from there', () => {
    const order: BootOrderPlan = {
      subjects: [subject('a'), subject('b')],
      artifacts: [produced('x', 'praefect-schema', { kind: 'node', id: 'a' }, 'configure')],
      waits: [{ ...wait('b', 'x', 'cloudformation'), before: 'install' }],
    };
    const b = bootTimeline(order).get('node b')!;
    expect([b.start, b.finish]).toEqual([12 * 60, 24 * 60]);
    expect(bootOrderProblems(order, 12 * 60)).toEqual([]);
    expect(bootOrderProblems(order, 11 * 60)).toEqual([
      'node a signals 720 s after CloudFormation creates it, over the 660 s creation timeout',
      'node b signals 720 s after CloudFormation creates it, over the 660 s creation timeout',
    ]);
  });

  it('tells which wait held a boot back, and none when an artifact is ready as the node reaches it', () => {
    const order: BootOrderPlan = {
      subjects: [subject('b')],
      artifacts: [{ id: 'x', kind: 'gitlab-secrets-json', producer: { kind: 'service', id: 's' } }],
      waits: [wait('b', 'x')],
    };
    const atReach = walkBoot(order, { kind: 'node', id: 'b' }, 0, () => 7 * 60);
    expect(atReach.heldBy).toBeUndefined();
    expect(atReach.finish).toBe(12 * 60);
    const later = walkBoot(order, { kind: 'node', id: 'b' }, 0, () => 8 * 60);
    expect(later.heldBy).toEqual({ wait: order.waits[0], readyAt: 8 * 60 });
    expect(later.finish).toBe(13 * 60);
    expect([...later.produced]).toEqual([]);
    expect(() =>
      walkBoot({ ...order, waits: [wait('b', 'nope')] }, { kind: 'node', id: 'b' }, 0, () => 0),
    ).toThrow(/no artifact nope/);
  });
});

describe('boot order of the backup node without a Gitaly Cluster', () => {
  let plan: Plan;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '2k' } });
  });

  it('waits for the one Gitaly node to serve, and for nothing when no Gitaly node would', () => {
    const order = planBootOrder(plan);
    expect(waitLines(order, (wait) => wait.artifact === 'gitaly-serving')).toEqual([
      'node backup-1 <- gitaly-serving (node gitaly-1, boot-script)',
    ]);
    expect(bootOrderProblems(order)).toEqual([]);
    // Without a Gitaly node the wait has no producer: a deadlock the check reports.
    const withoutGitaly = planBootOrder({
      ...plan,
      nodes: plan.nodes.filter((node) => node.role !== 'gitaly'),
    });
    expect(bootOrderProblems(withoutGitaly)).toContain(
      'node backup-1 waits for gitaly-serving, which nothing in the Plan produces',
    );
  });
});
