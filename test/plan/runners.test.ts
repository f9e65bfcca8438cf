import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_INSTANCE_TYPES, GITLAB_RUNNER } from '../../src/catalog/gitlab-runner.js';
import { INSTANCE_TYPES } from '../../src/catalog/instance-types.js';
import { SPOT_INTERRUPTIONS } from '../../src/catalog/spot-interruption.js';
import { bootOrderProblems, planBootOrder } from '../../src/plan/boot-order.js';
import type { Plan } from '../../src/plan/types.js';
import { specErrorOf } from '../fixtures/errors.js';
import { planFor, supportedCombinations } from '../fixtures/plans.js';

const ON = { enabled: true } as const;

describe('runner fleet in the Plan', () => {
  let plan: Plan;
  let graviton: Plan;
  beforeAll(() => {
    plan = planFor({
      runners: { ...ON, maxInstances: 8, idleCount: 2, concurrentPerInstance: 2, tags: ['docker'] },
    });
    graviton = planFor({ architecture: { cpu: 'graviton' }, runners: ON });
  });

  it('is absent unless the spec enables it', () => {
    expect(planFor().runners).toBeUndefined();
    expect(planFor({ runners: { maxInstances: 3 } }).runners).toBeUndefined();
  });

  it('shapes the job instances group as the fleeting plugin requires', () => {
    const fleet = plan.runners!.fleet;
    expect(fleet.minCapacity).toBe(0);
    expect(fleet.maxCapacity).toBe(8);
    expect(fleet.spotAllocationStrategy).toBe('price-capacity-optimized');
    expect(fleet.onDemandPercentageAboveBase).toBe(0);
    expect(fleet.capacityRebalance).toBe(false);
    expect(fleet.newInstancesProtectedFromScaleIn).toBe(true);
    expect(fleet.suspendedProcesses).toEqual(['AZRebalance']);
    expect(fleet.availabilityZones).toEqual(plan.availabilityZones);
    expect(fleet.instanceTypes.map((type) => type.instanceType)).toEqual(DEFAULT_RUNNER_INSTANCE_TYPES.x86);
    expect(fleet.autoScalingGroupName).toBe('gitlab-test-runner-fleet');
  });

  it('carries how often AWS reclaims each Spot type in the region, from the catalog', () => {
    const bands = (region: string, instanceTypes: string[]) =>
      planFor({ region, runners: { ...ON, instanceTypes } }).runners!.fleet.instanceTypes.map(
        (type) => type.spotInterruption,
      );
    const types = ['c7i.xlarge', 'm6i.xlarge'];
    for (const region of ['us-west-2', 'eu-central-1']) {
      expect(bands(region, types), region).toEqual(
        types.map((type) => SPOT_INTERRUPTIONS.regions[region]![type]),
      );
    }
    // The same types are reclaimed at different rates in different regions.
    expect(bands('us-west-2', types)).not.toEqual(bands('eu-central-1', types));
    expect(plan.runners!.fleet.instanceTypes.every((type) => type.spotInterruption !== undefined)).toBe(true);
  });

  it('keeps the manager on demand, alone, and its runner busy across every instance', () => {
    const runners = plan.runners!;
    expect(runners.manager.purchase).toBe('on-demand');
    expect(runners.manager.arch).toBe('x86_64');
    expect(runners.concurrent).toBe(16);
    expect(runners.capacityPerInstance).toBe(2);
    expect(runners.maxUseCount).toBe(2);
    expect(runners.idleCount).toBe(2);
    expect(runners.tags).toEqual(['docker']);
    expect(runners.runUntagged).toBe(false);
    expect(planFor({ runners: ON }).runners!.runUntagged).toBe(true);
  });

  it('follows the architecture cpu, or the runners own cpu', () => {
    expect(graviton.runners!.fleet.arch).toBe('arm64');
    expect(graviton.runners!.manager.arch).toBe('arm64');
    expect(
      graviton.runners!.fleet.instanceTypes.every(
        (type) => INSTANCE_TYPES[type.instanceType]!.arch === 'arm64',
      ),
    ).toBe(true);
    const mixed = planFor({ runners: { ...ON, cpu: 'graviton' } });
    expect(mixed.runners!.fleet.arch).toBe('arm64');
    expect(mixed.nodes.every((node) => node.arch === 'x86_64')).toBe(true);
  });

  it('names the runner, its groups and root volumes, and the GitLab Runner release from the catalog', () => {
    const runners = plan.runners!;
    expect(runners.runner).toEqual({
      version: GITLAB_RUNNER.version,
      packageName: GITLAB_RUNNER.packageName,
      fleetingPlugin: GITLAB_RUNNER.fleetingPlugin,
      source: `${GITLAB_RUNNER.source.repository} ${GITLAB_RUNNER.source.path} @ ${GITLAB_RUNNER.source.commit}`,
    });
    expect([runners.manager.id, runners.manager.autoScalingGroupName]).toEqual([
      'runner-manager',
      'gitlab-test-runner-manager',
    ]);
    expect(runners.fleet.id).toBe('runner-fleet');
    expect(runners.manager.logs).toEqual({
      logGroupName: '/gitlab-aws/gitlab-test/runner-manager',
      retentionDays: 30,
      units: ['gitlab-runner', 'cloud-final'],
    });
    const root = { purpose: 'root', deviceName: '/dev/sda1', type: 'gp3', retainOnDelete: false };
    expect(runners.manager.rootVolume).toEqual({ ...root, sizeGiB: 30 });
    expect(runners.fleet.rootVolume).toEqual({ ...root, sizeGiB: 100 });
    expect(runners.description).toBe('gitlab-test docker-autoscaler on x86 Spot');
    expect(graviton.runners!.description).toBe('gitlab-test docker-autoscaler on Graviton Spot');
    expect(planFor({ runners: { ...ON, spot: false } }).runners!.description).toBe(
      'gitlab-test docker-autoscaler on x86 on-demand',
    );
  });

  it('buys every instance on demand when spot is off, with the base on demand otherwise', () => {
    expect(planFor({ runners: { ...ON, spot: false } }).runners!.fleet.onDemandPercentageAboveBase).toBe(100);
    expect(planFor({ runners: { ...ON, onDemandBase: 2 } }).runners!.fleet.onDemandBaseCapacity).toBe(2);
  });

  it('names the cache bucket like every bucket, and creates the runner through the API unless a token is supplied', () => {
    const runners = plan.runners!;
    expect(runners.cacheBucketName).toBe('gl-gitlab-test-runner-cache-${AWS::AccountId}-us-west-2');
    expect(runners.registration).toEqual({
      kind: 'api',
      adminTokenSecretName: 'gitlab-test/runner-admin-token',
      adminToken: {
        name: 'gitlab-aws gitlab-test runners',
        scopes: ['create_runner', 'manage_runner'],
        expiresInDays: 365,
      },
    });
    expect(runners.tokenSecretName).toBe('gitlab-test/runner-authentication-token');
    const supplied = planFor({ runners: { ...ON, authenticationToken: { secret: 'ci/runner' } } }).runners!;
    expect(supplied.registration).toEqual({ kind: 'supplied', userSecret: 'ci/runner' });
    expect(supplied.tokenSecretName).toBe('ci/runner');
  });

  it('lists the cache bucket (deleted with the stack) and the token secret among stateful resources', () => {
    const ids = plan.statefulResources.filter((resource) => resource.id.includes('runner'));
    expect(ids.map((resource) => [resource.id, resource.onStackDelete])).toEqual([
      ['bucket-runner-cache', 'delete'],
      ['secret-runner-authentication-token', 'delete'],
      ['secret-runner-admin-token', 'delete'],
      ['log-group-runner-manager', 'delete'],
      ['log-group-runner-interruptions', 'retain'],
    ]);
    const supplied = planFor({ runners: { ...ON, authenticationToken: { secret: 'ci/runner' } } });
    expect(
      supplied.statefulResources.some((resource) => resource.id === 'secret-runner-authentication-token'),
    ).toBe(false);
    expect(supplied.statefulResources.some((resource) => resource.id === 'secret-runner-admin-token')).toBe(
      false,
    );
  });

  it('makes the manager wait for its token, which the deploy produces', () => {
    const order = planBootOrder(plan);
    expect(order.artifacts.find((artifact) => artifact.id === 'runner-token')?.producer).toEqual({
      kind: 'deploy',
      id: 'runner-registration',
    });
    expect(order.waits.filter((wait) => wait.artifact === 'runner-token')).toEqual([
      {
        waiter: { kind: 'group', id: 'runner-manager' },
        artifact: 'runner-token',
        before: 'start',
        enforcedBy: 'boot-script',
        timeoutSeconds: plan.runners!.manager.tokenWaitSeconds,
      },
    ]);
    expect(bootOrderProblems(order)).toEqual([]);
    expect(planBootOrder(planFor()).artifacts.some((artifact) => artifact.kind === 'runner-token')).toBe(
      false,
    );
  });

  it('works for every size, type and AZ count, on both CPUs', () => {
    for (const combination of supportedCombinations()) {
      for (const cpu of ['x86', 'graviton'] as const) {
        const base = {
          availabilityZones: combination.availabilityZones,
          architecture: { size: combination.size, type: combination.type, cpu },
        };
        const resolved = planFor({ ...base, runners: ON });
        const label = `${combination.size} ${combination.type} ${combination.availabilityZones} ${cpu}`;
        expect(resolved.runners?.fleet.availabilityZones, label).toHaveLength(combination.availabilityZones);
        expect(resolved.runners?.fleet.arch, label).toBe(cpu === 'graviton' ? 'arm64' : 'x86_64');
        // The default fleet adds no finding of its own to what the architecture has: its types
        // include a pool outside the most reclaimed Spot band.
        expect(resolved.checks, label).toEqual(planFor(base).checks);
        expect(bootOrderProblems(planBootOrder(resolved)), label).toEqual(
          bootOrderProblems(planBootOrder(planFor(base))),
        );
      }
    }
  });
});

describe('runner fleet refusals', () => {
  const messageOf = (runners: Record<string, unknown>) =>
    specErrorOf(() => planFor({ runners: { ...ON, ...runners } })).message;

  it('refuses a manager on Spot, naming the field', () => {
    expect(messageOf({ manager: { spot: true } })).toMatch(
      /runners\.manager\.spot: boolean true puts the runner manager on Spot/,
    );
  });

  it('refuses a fleet of no instances', () => {
    expect(messageOf({ maxInstances: 0 })).toMatch(/runners\.maxInstances: must be at least 1/);
  });

  it('refuses an all-Spot fleet of one instance type, but not one with an on-demand base or no Spot', () => {
    expect(messageOf({ instanceTypes: ['c7i.xlarge'] })).toMatch(
      /runners\.instanceTypes: a list has one instance type/,
    );
    expect(
      planFor({ runners: { ...ON, instanceTypes: ['c7i.xlarge'], onDemandBase: 1 } }).runners,
    ).toBeDefined();
    expect(planFor({ runners: { ...ON, instanceTypes: ['c7i.xlarge'], spot: false } }).runners).toBeDefined();
  });

  it('refuses instance types it cannot size or price, and types of the other CPU', () => {
    expect(messageOf({ instanceTypes: ['c7i.xlarge', 'z9.huge'] })).toMatch(
      /runners\.instanceTypes\.1: z9\.huge is not an EC2 instance type gitlab-aws knows.*c7i\.xlarge/,
    );
    expect(messageOf({ instanceTypes: ['c7i.xlarge', 'c7g.xlarge'] })).toMatch(
      /runners\.instanceTypes\.1: c7g\.xlarge is arm64, but the runners' cpu makes the fleet x86_64/,
    );
    expect(messageOf({ manager: { instanceType: 'db.m6i.large' } })).toMatch(
      /runners\.manager\.instanceType/,
    );
    expect(messageOf({ manager: { instanceType: 'z9.huge' } })).toMatch(
      /runners\.manager\.instanceType: z9\.huge is not an EC2 instance type/,
    );
  });

  it('offers, for an unknown type, the sized EC2 types of the fleet CPU that earn no CPU credits', () => {
    const offered = (cpu: 'x86' | 'graviton') =>
      messageOf({ cpu, instanceTypes: ['z9.huge', 'z9.large'] })
        .match(/use one of (.*)$/m)![1]!
        .split(', ');
    for (const [cpu, arch] of [
      ['x86', 'x86_64'],
      ['graviton', 'arm64'],
    ] as const) {
      const expected = Object.values(INSTANCE_TYPES)
        .filter((type) => type.service === 'ec2' && type.arch === arch && !type.burstable)
        .map((type) => type.name);
      expect(expected.length).toBeGreaterThan(3);
      expect(offered(cpu)).toEqual(expected);
    }
  });

  it('refuses an idle count or on-demand base above the maximum', () => {
    expect(messageOf({ maxInstances: 2, idleCount: 3 })).toMatch(
      /runners\.idleCount: number 3 is more than maxInstances \(2\)/,
    );
    expect(messageOf({ maxInstances: 2, onDemandBase: 3 })).toMatch(
      /runners\.onDemandBase: number 3 is more/,
    );
  });

  it('refuses a token written as text without echoing it, telling registration tokens apart', () => {
    const text = messageOf({ authenticationToken: 'glrt-abcdefghijklmnopqrst' });
    expect(text).toMatch(/runners\.authenticationToken: is a runner authentication token written as text/);
    expect(text).not.toContain('abcdefghijklmnopqrst');
    expect(messageOf({ authenticationToken: 'GR1348941abcdef' })).toMatch(
      /registration token.*removes registration tokens in 20\.0/,
    );
    expect(messageOf({ authenticationToken: 'hunter2' })).toMatch(
      /is not a runner authentication token: those start with glrt-/,
    );
  });

  it('judges nothing of a disabled section but its shape', () => {
    expect(
      planFor({ runners: { manager: { spot: true }, instanceTypes: ['c7i.xlarge'] } }).runners,
    ).toBeUndefined();
  });
});

describe('runner fleet in the report', () => {
  it('has its own section of the plan text, and boxes and arrows in the diagram', async () => {
    const { renderPlanText } = await import('../../src/report/plan-text.js');
    const { planToDot } = await import('../../src/report/diagram.js');
    const plan = planFor({ runners: { ...ON, maxInstances: 7, tags: ['docker'] } });
    const text = renderPlanText(plan);
    expect(text).toContain('Runner fleet (docker-autoscaler)');
    expect(text).toMatch(
      /job instances +0-7x c7i\.xlarge\|c6i\.xlarge\|m7i\.xlarge\|m6i\.xlarge +Spot price-capacity-optimized, 3 AZs/,
    );
    expect(text).toMatch(/jobs +7 at once .* tags docker/);
    const bands = plan.runners!.fleet.instanceTypes.map(
      (type) => `${type.instanceType} ${type.spotInterruption}`,
    );
    expect(text).toContain(
      `  interruptions  ${bands.join(', ')}  share of Spot instances AWS reclaims a month (Spot Instance Advisor, ${SPOT_INTERRUPTIONS.source.date})`,
    );
    // All on demand, nothing is reclaimed; a type without a band is left out of the row.
    expect(renderPlanText(planFor({ runners: { ...ON, spot: false } }))).not.toContain('interruptions');
    const [first, ...others] = plan.runners!.fleet.instanceTypes;
    const { spotInterruption: _band, ...unbanded } = first!;
    const partly = renderPlanText({
      ...plan,
      runners: { ...plan.runners!, fleet: { ...plan.runners!.fleet, instanceTypes: [unbanded, ...others] } },
    });
    expect(partly).toContain(`  interruptions  ${bands.slice(1).join(', ')}  `);
    const none = renderPlanText({
      ...plan,
      runners: { ...plan.runners!, fleet: { ...plan.runners!.fleet, instanceTypes: [unbanded] } },
    });
    expect(none).not.toContain('interruptions');
    expect(renderPlanText(planFor())).not.toContain('Runner fleet');
    const dot = planToDot(plan);
    expect(dot).toContain('runner_manager -> runner_fleet');
    expect(dot).toContain('runner_manager -> nlb_external');
    expect(dot).toMatch(/runner_fleet \[.*0-7 Spot, 4 types/);
    expect(planToDot(planFor())).not.toContain('runner_');
  });
});

describe('runner fleet refusals through the CLI', () => {
  it('exits 2 naming the field, for a manager on Spot and an unknown instance type', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCli } = await import('../cli/run-cli.js');
    const base = 'name: gitlab-test\nregion: us-west-2\ndomain: { name: gitlab.example.com }\n';
    for (const [runners, field] of [
      ['runners: { enabled: true, manager: { spot: true } }', 'runners.manager.spot'],
      ['runners: { enabled: true, instanceTypes: [c7i.xlarge, z9.huge] }', 'runners.instanceTypes.1'],
      ['runners: { enabled: true, maxInstances: 0 }', 'runners.maxInstances'],
    ] as const) {
      const cwd = mkdtempSync(join(tmpdir(), 'gla-runners-'));
      writeFileSync(join(cwd, 'gitlab-aws.yaml'), `${base}${runners}\n`);
      const result = await runCli(['plan'], { cwd });
      expect(result.code, runners).toBe(2);
      expect(result.stderr, runners).toContain(field);
    }
  });
});
