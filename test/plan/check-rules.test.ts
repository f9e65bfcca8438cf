/**
 * Each plan rule at the edges of its condition: the values either side of a threshold, the cases a
 * rule must leave alone, and what its finding says. The firing and quiet case of every rule live in
 * checks.test.ts; this file holds what one pair per rule cannot show.
 *
 * Equivalent mutants left alive on purpose (no input can tell them apart):
 * - GLA-GITALY-EVEN `count >= 3` as `count > 3`: 3 is odd, so it never fires either way.
 * - GLA-GITLAB-VERSION `index < 3` as `index <= 3`: a fourth part is `undefined ?? 0` on both sides.
 * - GLA-RAILS-BOUNDS, GLA-DB-STORAGE-BOUNDS, GLA-RAILS-FEWER-NODES: an `!== undefined` guard as
 *   `true`, since `undefined < n` is false anyway.
 * - GLA-UNDERSIZED `<` as `<=` on memory: no instance type has exactly 93 % of a documented size.
 * - GLA-GITLAB-VERSION `comparison > 0` as `>= 0`: equal versions return before the comparison.
 */
import { describe, expect, it } from 'vitest';
import { NEWEST_GITLAB_RELEASE } from '../../src/catalog/gitlab-requirements.js';
import { referenceArchitecture } from '../../src/catalog/index.js';
import type { CheckContext } from '../../src/plan/checks/index.js';
import { ACCOUNT_ID_PLACEHOLDER } from '../../src/plan/contracts.js';
import { hasErrors, PLAN_RULES, type Plan, runChecks } from '../../src/plan/index.js';
import { planFor, type SpecOverrides } from '../fixtures/plans.js';

const findings = (overrides: SpecOverrides, id: string) =>
  planFor(overrides).checks.filter((check) => check.id === id);

const ruleOf = (id: string) => PLAN_RULES.find((rule) => rule.id === id)!;

/** The context a plan was checked in, with parts of the plan replaced to reach states no spec gives. */
function contextFor(
  overrides: SpecOverrides,
  edit: (plan: Plan) => Partial<Plan> = () => ({}),
): CheckContext {
  const plan = planFor(overrides);
  const reference = referenceArchitecture(
    plan.architecture.size === 'poc' ? '1k' : plan.architecture.size,
    plan.spec.architecture.type,
  );
  return { spec: plan.spec, reference, plan: { ...plan, ...edit(plan) } };
}

describe('every plan rule', () => {
  it.each(PLAN_RULES.map((rule) => [rule.id, rule]))('%s says in one line what it guards', (_, rule) => {
    expect(rule.description.trim().length).toBeGreaterThan(10);
    expect(rule.description).not.toContain('\n');
  });

  it.each(PLAN_RULES.map((rule) => [rule.id, rule]))('%s has a level a plan can act on', (_, rule) => {
    expect(['error', 'warning', 'info']).toContain(rule.level);
  });

  it.each(PLAN_RULES.filter((rule) => 'guidance' in rule).map((rule) => [rule.id, rule]))(
    '%s cites an entry of the catalog guidance when it cites one',
    async (_, rule) => {
      const { AWS_GUIDANCE } = await import('../../src/catalog/aws-guidance.js');
      expect(AWS_GUIDANCE.map((entry) => entry.id)).toContain(rule.guidance);
    },
  );
});

describe('running the checks', () => {
  it('leaves out the field of a finding that names none', () => {
    const [finding] = findings({ rails: { instanceType: 't3.2xlarge' } }, 'GLA-EC2-BURSTABLE');
    expect(finding).toBeDefined();
    expect(Object.keys(finding!)).not.toContain('field');
  });

  it('runs only the rules it is given', () => {
    const context = contextFor({ database: { engine: 'aurora-postgresql' }, redis: { clusterMode: true } });
    expect(runChecks(context, [ruleOf('GLA-REDIS-CLUSTER-MODE')]).map((check) => check.id)).toEqual([
      'GLA-REDIS-CLUSTER-MODE',
    ]);
  });

  it('sorts errors first however the rules are ordered', () => {
    const context = contextFor({ architecture: { size: '2k' }, database: { engine: 'aurora-postgresql' } });
    const levels = runChecks(context, [ruleOf('GLA-NOT-HA'), ruleOf('GLA-DB-AURORA')]).map(
      (check) => check.level,
    );
    expect(levels).toEqual(['error', 'info']);
  });

  it('fails a plan on any error among other findings, and passes one with none', () => {
    const plan = planFor({ architecture: { size: '2k' }, database: { engine: 'aurora-postgresql' } });
    expect(plan.checks.some((check) => check.level !== 'error')).toBe(true);
    expect(hasErrors(plan)).toBe(true);
    expect(hasErrors({ checks: [] })).toBe(false);
  });
});

describe('HA rules', () => {
  it('GLA-GITALY-CLUSTER-2AZ stays quiet for a cluster over 3 AZs', () => {
    expect(
      findings({ availabilityZones: 3, architecture: { size: '3k' } }, 'GLA-GITALY-CLUSTER-2AZ'),
    ).toEqual([]);
  });

  it('GLA-GITALY-EVEN names the Praefect field for an even Praefect count', () => {
    const [finding, ...rest] = findings({ gitaly: { praefectNodes: 4 } }, 'GLA-GITALY-EVEN');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ field: 'gitaly.praefectNodes', level: 'warning' });
    // Four nodes tolerate the failures three do.
    expect(finding?.message).toMatch(/\b4\b.*\b3\b/);
  });

  it('GLA-GITALY-EVEN leaves a 2-node cluster to the quorum rule, and a single Gitaly alone', () => {
    expect(findings({ gitaly: { nodes: 2 } }, 'GLA-GITALY-EVEN')).toEqual([]);
    const context = contextFor({ architecture: { size: '2k' } }, (plan) => ({
      nodes: [1, 2, 3, 4].map((index) => ({
        ...plan.nodes.find((node) => node.role === 'gitaly')!,
        id: `gitaly-${index}`,
      })),
    }));
    expect(ruleOf('GLA-GITALY-EVEN').evaluate(context)).toEqual([]);
  });

  it.each(['GLA-GITALY-QUORUM', 'GLA-PRAEFECT-QUORUM'])('%s leaves a single Gitaly alone', (id) => {
    const plan = planFor({ architecture: { size: '2k' } });
    expect(plan.architecture.gitalyMode).toBe('single');
    expect(plan.checks.map((check) => check.id)).not.toContain(id);
  });

  it.each([
    ['GLA-GITALY-QUORUM', { gitaly: { nodes: 2 } }, /\b2\b.*gitaly\.nodes: 3/],
    ['GLA-PRAEFECT-QUORUM', { gitaly: { praefectNodes: 2 } }, /\b2\b.*gitaly\.praefectNodes: 3/],
  ] as const)('%s counts the nodes and says which field to raise', (id, overrides, message) => {
    expect(findings(overrides, id)[0]?.message).toMatch(message);
  });

  it('GLA-RAILS-SINGLE leaves the 1k all-in-one node and groups that serve no HTTP alone', () => {
    expect(findings({ architecture: { size: '1k' } }, 'GLA-RAILS-SINGLE')).toEqual([]);
    const context = contextFor({ architecture: { size: '3k' } }, (plan) => ({
      autoScalingGroups: plan.autoScalingGroups.map((group) => ({ ...group, minCapacity: 1 })),
    }));
    // Only the Rails group serves HTTP: one finding, not one per group.
    expect(context.plan.autoScalingGroups.length).toBeGreaterThan(1);
    expect(ruleOf('GLA-RAILS-SINGLE').evaluate(context)).toHaveLength(1);
  });

  it('GLA-GITALY-SINGLE-AT-SCALE leaves a Gitaly Cluster alone', () => {
    expect(findings({ architecture: { size: '3k' } }, 'GLA-GITALY-SINGLE-AT-SCALE')).toEqual([]);
  });

  it('GLA-NOT-HA names the size it was given', () => {
    expect(findings({ architecture: { size: '2k' } }, 'GLA-NOT-HA')[0]?.message).toContain('2k');
  });
});

describe('sizing rules', () => {
  it('GLA-STORAGE-IOPS asks for database IOPS too', () => {
    const [finding, ...rest] = findings({ database: { storageType: 'io1' } }, 'GLA-STORAGE-IOPS');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ field: 'database.iops', level: 'error' });
    expect(finding?.message).toContain('database.iops');
    expect(findings({ database: { storageType: 'io1', iops: 8000 } }, 'GLA-STORAGE-IOPS')).toEqual([]);
    expect(findings({}, 'GLA-STORAGE-IOPS')).toEqual([]);
  });

  it('GLA-GITALY-EVEN, GLA-STORAGE-IOPS and others each name their field in the message', () => {
    expect(findings({ gitaly: { volumeType: 'io1' } }, 'GLA-STORAGE-IOPS')[0]?.message).toContain(
      'gitaly.iops',
    );
    expect(findings({ rails: { minNodes: 4, maxNodes: 3 } }, 'GLA-RAILS-BOUNDS')[0]?.message).toMatch(
      /rails\.maxNodes \(3\).*rails\.minNodes \(4\)/,
    );
    expect(
      findings({ database: { storageGiB: 500, maxStorageGiB: 200 } }, 'GLA-DB-STORAGE-BOUNDS')[0]?.message,
    ).toMatch(/\(200\).*\(500\)/);
  });

  it('GLA-RAILS-BOUNDS needs both bounds set to compare them', () => {
    expect(findings({ rails: { minNodes: 4 } }, 'GLA-RAILS-BOUNDS')).toEqual([]);
    expect(findings({ rails: { maxNodes: 2 } }, 'GLA-RAILS-BOUNDS')).toEqual([]);
  });

  it('GLA-RAILS-FEWER-NODES compares with the reference count of the size', () => {
    const [finding] = findings(
      { architecture: { size: '3k' }, rails: { minNodes: 2 } },
      'GLA-RAILS-FEWER-NODES',
    );
    expect(finding?.message).toMatch(/\b2\b.*3k.*\b3\b/);
    // Cloud Native Hybrid has no Rails VMs to compare.
    expect(
      findings(
        { architecture: { size: '3k', type: 'cloud-native-hybrid' }, rails: { minNodes: 2 } },
        'GLA-RAILS-FEWER-NODES',
      ),
    ).toEqual([]);
  });

  it('GLA-RUNNER-SPOT-INTERRUPTIONS fires when every Spot type is in the >20% band, naming them', () => {
    const id = 'GLA-RUNNER-SPOT-INTERRUPTIONS';
    const runners = (more: object) => ({ runners: { enabled: true, ...more } });
    // In us-west-2 c7i.xlarge and c6i.xlarge are both in the >20% band: no other pool to fall back to.
    const [all] = findings(runners({ instanceTypes: ['c7i.xlarge', 'c6i.xlarge'] }), id);
    expect(all?.message).toMatch(
      /^every runner job instance type \(c7i\.xlarge, c6i\.xlarge\) is in the >20% Spot interruption band in us-west-2 \(AWS Spot Instance Advisor, \d{4}-\d{2}-\d{2}\)/,
    );
    expect(all?.message).toContain('Add types with lower interruption frequency');
    // An on-demand base still buys Spot above it; all on demand is never reclaimed.
    const worst = ['c7i.xlarge', 'c6i.xlarge'];
    expect(findings(runners({ instanceTypes: worst, onDemandBase: 2 }), id)).toHaveLength(1);
    expect(findings(runners({ instanceTypes: worst, spot: false }), id)).toEqual([]);
    // One type in a lower band (m7i.xlarge, 5-10 % in us-west-2) is a pool the allocation can use.
    expect(findings(runners({ instanceTypes: ['m7i.xlarge', 'c7i.xlarge'] }), id)).toEqual([]);
    // The defaults have such a pool in us-west-2, for both CPU families.
    expect(findings(runners({}), id)).toEqual([]);
    expect(findings({ architecture: { cpu: 'graviton' }, ...runners({}) }, id)).toEqual([]);
    expect(findings({}, id)).toEqual([]);
    // A type without a band (none in the catalog's table for the region) is not counted as reclaimed.
    const unbanded = contextFor(runners({ instanceTypes: ['c7i.xlarge', 'c6i.xlarge'] }), (plan) => ({
      runners: {
        ...plan.runners!,
        fleet: {
          ...plan.runners!.fleet,
          instanceTypes: plan.runners!.fleet.instanceTypes.map((type, index) => {
            if (index > 0) return type;
            const { spotInterruption: _band, ...rest } = type;
            return rest;
          }),
        },
      },
    }));
    expect(runChecks(unbanded, [ruleOf(id)])).toEqual([]);
  });

  it('GLA-EC2-BURSTABLE reports each burstable role once, naming role and type', () => {
    const found = findings(
      { architecture: { size: '3k' }, rails: { instanceType: 't3.2xlarge' } },
      'GLA-EC2-BURSTABLE',
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain('rails (t3.2xlarge)');
  });

  it.each([
    // CPU short of the 3k Rails node (8 vCPU).
    [
      'rails fewer vCPU',
      { architecture: { size: '3k' }, rails: { instanceType: 'c5.xlarge' } },
      'rails.instanceType',
    ],
    // Same vCPU as the 3k Gitaly node (4), half its memory.
    [
      'gitaly less memory',
      { architecture: { size: '3k' }, gitaly: { instanceType: 'c5.xlarge' } },
      'gitaly.instanceType',
    ],
    // From 10k Redis is compared with the persistent instance (4 vCPU).
    [
      'redis at 10k',
      { architecture: { size: '10k' }, redis: { nodeType: 'cache.r5.large' } },
      'redis.nodeType',
    ],
  ] as const)('GLA-UNDERSIZED fires for %s', (_, overrides, field) => {
    const [finding, ...rest] = findings(overrides, 'GLA-UNDERSIZED');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ field, level: 'warning' });
    expect(finding?.message).toContain(overrides.architecture.size);
  });

  it.each([
    // Exactly the documented vCPU, enough memory.
    ['gitaly at the reference', { architecture: { size: '3k' }, gitaly: { instanceType: 'm5.xlarge' } }],
    // ElastiCache reserves memory: a cache node is compared by CPU only.
    [
      'a cache node short of memory only',
      { architecture: { size: '3k' }, redis: { nodeType: 'cache.m7g.large' } },
    ],
    [
      'redis at 10k at the reference CPU',
      { architecture: { size: '10k' }, redis: { nodeType: 'cache.r5.xlarge' } },
    ],
    // A type gitlab-aws cannot size is GLA-UNKNOWN-TYPE's, not this rule's.
    ['an unknown type', { rails: { instanceType: 'c8i.8xlarge' } }],
  ] as const)('GLA-UNDERSIZED stays quiet for %s', (_, overrides) => {
    expect(findings(overrides, 'GLA-UNDERSIZED')).toEqual([]);
  });

  it('GLA-UNDERSIZED leaves a role the reference does not have alone', () => {
    // Cloud Native Hybrid pages have no Rails VMs.
    expect(
      findings(
        { architecture: { size: '3k', type: 'cloud-native-hybrid' }, rails: { instanceType: 'c5.large' } },
        'GLA-UNDERSIZED',
      ),
    ).toEqual([]);
  });

  it('GLA-UNKNOWN-TYPE names the unknown type', () => {
    expect(findings({ rails: { instanceType: 'c8i.8xlarge' } }, 'GLA-UNKNOWN-TYPE')[0]?.message).toContain(
      'c8i.8xlarge',
    );
  });
});

describe('AWS limit rules', () => {
  it('GLA-BUCKET-NAME allows exactly 63 characters and names the long bucket', () => {
    const withBuckets = (names: string[]) =>
      contextFor({}, (plan) => ({
        services: plan.services.map((service) =>
          service.kind === 's3'
            ? {
                ...service,
                buckets: names.map((bucketName) => ({
                  ...service.buckets[0]!,
                  bucketName,
                })),
              }
            : service,
        ),
      }));
    const rule = ruleOf('GLA-BUCKET-NAME');
    expect(rule.evaluate(withBuckets(['a'.repeat(63)]))).toEqual([]);
    const found = rule.evaluate(withBuckets(['b'.repeat(64), 'c'.repeat(10), 'd'.repeat(70)]));
    expect(found.map((finding) => finding.field)).toEqual([
      'objectStorage.bucketPrefix',
      'objectStorage.bucketPrefix',
    ]);
    expect(found[0]?.message).toContain('b'.repeat(64));
    expect(found[1]?.message).toContain('d'.repeat(70));
  });

  it('GLA-BUCKET-NAME counts the account id as its 12 digits, in every bucket and the access-log bucket', () => {
    const withNames = (names: string[], accessLog: string) =>
      contextFor({}, (plan) => ({
        services: plan.services.map((service) =>
          service.kind === 's3'
            ? {
                ...service,
                buckets: names.map((bucketName) => ({ ...service.buckets[0]!, bucketName })),
                accessLogBucketName: accessLog,
              }
            : service,
        ),
      }));
    const rule = ruleOf('GLA-BUCKET-NAME');
    const named = (length: number) => `${'e'.repeat(length - 12 - 4)}-${ACCOUNT_ID_PLACEHOLDER}-xy`;
    expect(rule.evaluate(withNames([named(63)], named(63)))).toEqual([]);
    const found = rule.evaluate(withNames([named(63), named(64)], named(65)));
    expect(found.map((finding) => finding.message)).toEqual([
      expect.stringContaining(`${named(64)} is 64 characters with its 12-digit account id`),
      expect.stringContaining(`${named(65)} is 65 characters`),
    ]);
  });

  it('GLA-VPC-TOO-SMALL names the range and the largest prefix that fits', () => {
    expect(findings({ network: { vpcCidr: '10.0.0.0/23' } }, 'GLA-VPC-TOO-SMALL')[0]?.message).toMatch(
      /10\.0\.0\.0\/23.*\/22/,
    );
  });
});

describe('support rules', () => {
  const version = (value: string) => findings({ gitlab: { version: value } }, 'GLA-GITLAB-VERSION');
  const [major, minor, patch] = NEWEST_GITLAB_RELEASE.split('.').map(Number) as [number, number, number];

  it('GLA-GITLAB-VERSION stays quiet on the newest release it knows', () => {
    expect(version(NEWEST_GITLAB_RELEASE)).toEqual([]);
  });

  it.each([[`${major}.${minor}.${patch + 1}`], [`${major}.${minor + 10}.0`], [`${major + 1}.0.0`]])(
    'GLA-GITLAB-VERSION calls %s newer, without telling to go back',
    (value) => {
      const [finding] = version(value);
      expect(finding).toMatchObject({ field: 'gitlab.version', level: 'warning' });
      expect(finding?.message).toContain(value);
      expect(finding?.message).toContain(NEWEST_GITLAB_RELEASE);
      expect(finding?.message).not.toContain(`set gitlab.version`);
    },
  );

  it.each([[`${major - 1}.${minor + 10}.${patch + 5}`], [`${major}.${minor - 1}.9`]])(
    'GLA-GITLAB-VERSION tells %s to move to the newest release',
    (value) => {
      const [finding] = version(value);
      expect(finding?.message).toContain(value);
      expect(finding?.message).toContain(`set gitlab.version: ${NEWEST_GITLAB_RELEASE}`);
    },
  );
});
