import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EKS_VERSIONS } from '../../src/catalog/eks-versions.js';
import { KUBERNETES_VERSION } from '../../src/catalog/gitlab-requirements.js';
import { RULE_PACKS } from '../../src/plan/checks/index.js';
import { hasErrors, PLAN_RULES, type PlanRule } from '../../src/plan/index.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor, type SpecOverrides } from '../fixtures/plans.js';

/** The EKS calendar entry of the Kubernetes version gitlab-aws plans. */
const EKS = EKS_VERSIONS[KUBERNETES_VERSION]!;
const dayBefore = (day: string) => new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);

/** For each rule: a spec that must fire it (with the field it must name) and one that must not. */
/** `on`: the days the two plans are made, for rules that depend on a calendar. */
/** `breaks`: for rules no spec can fire (they guard what the chart would reject), the Plan broken by hand. */
const CASES: Record<
  string,
  {
    fires: SpecOverrides;
    field?: string;
    quiet: SpecOverrides;
    on?: { fires: string; quiet: string };
    breaks?: (plan: Plan) => Plan;
  }
> = {
  'GLA-DB-AURORA': {
    fires: { database: { engine: 'aurora-postgresql' } },
    field: 'database.engine',
    quiet: {},
  },
  'GLA-DB-MULTI-AZ-CLUSTER': {
    fires: { database: { deployment: 'multi-az-cluster' } },
    field: 'database.deployment',
    quiet: { database: { deployment: 'multi-az-instance' } },
  },
  'GLA-DB-PROXY': { fires: { database: { proxy: true } }, field: 'database.proxy', quiet: {} },
  'GLA-REDIS-CLUSTER-MODE': {
    fires: { redis: { clusterMode: true } },
    field: 'redis.clusterMode',
    quiet: {},
  },
  'GLA-REDIS-SERVERLESS': { fires: { redis: { serverless: true } }, field: 'redis.serverless', quiet: {} },
  'GLA-DB-BURSTABLE': {
    fires: { database: { instanceClass: 'db.t3.large' } },
    field: 'database.instanceClass',
    quiet: { database: { instanceClass: 'db.m6i.xlarge' } },
  },
  'GLA-REDIS-BURSTABLE': {
    fires: { redis: { nodeType: 'cache.t4g.medium' } },
    field: 'redis.nodeType',
    quiet: { redis: { nodeType: 'cache.m7g.large' } },
  },
  'GLA-EC2-BURSTABLE': {
    fires: { rails: { instanceType: 't3.2xlarge' } },
    quiet: { access: { admin: 'bastion' } },
  },
  'GLA-PRAEFECT-QUORUM': {
    fires: { gitaly: { praefectNodes: 2 } },
    field: 'gitaly.praefectNodes',
    quiet: { gitaly: { praefectNodes: 3 } },
  },
  'GLA-GITALY-QUORUM': {
    fires: { gitaly: { nodes: 2 } },
    field: 'gitaly.nodes',
    quiet: { gitaly: { nodes: 3 } },
  },
  'GLA-GITALY-EVEN': {
    fires: { gitaly: { nodes: 4 } },
    field: 'gitaly.nodes',
    quiet: { gitaly: { nodes: 5 } },
  },
  'GLA-GITALY-EFS': {
    fires: { gitaly: { storage: 'efs' } },
    field: 'gitaly.storage',
    quiet: { gitaly: { storage: 'ebs' } },
  },
  'GLA-GITALY-SINGLE-AT-SCALE': {
    fires: { architecture: { size: '3k' }, gitaly: { mode: 'single' } },
    field: 'gitaly.mode',
    quiet: { architecture: { size: '2k' }, gitaly: { mode: 'single' } },
  },
  'GLA-GITALY-CLUSTER-2AZ': {
    fires: { availabilityZones: 2, architecture: { size: '3k' } },
    field: 'availabilityZones',
    quiet: { availabilityZones: 2, architecture: { size: '2k' } },
  },
  'GLA-NOT-HA': {
    fires: { architecture: { size: '2k' } },
    field: 'architecture.size',
    quiet: { architecture: { size: '3k' } },
  },
  'GLA-SSH-OPEN': {
    fires: { access: { sshAllowedCidrs: ['10.0.0.0/8', '0.0.0.0/0'] } },
    field: 'access.sshAllowedCidrs',
    quiet: { access: { sshAllowedCidrs: ['203.0.113.0/24'] } },
  },
  'GLA-UNDERSIZED': {
    fires: { architecture: { size: '10k' }, gitaly: { instanceType: 'm5.xlarge' } },
    field: 'gitaly.instanceType',
    quiet: { architecture: { size: '10k' }, gitaly: { instanceType: 'm5.8xlarge' } },
  },
  'GLA-UNKNOWN-TYPE': {
    fires: { rails: { instanceType: 'c8i.8xlarge' } },
    field: 'rails.instanceType',
    quiet: { rails: { instanceType: 'c5.4xlarge' } },
  },
  'GLA-RAILS-FEWER-NODES': {
    fires: { rails: { minNodes: 2 } },
    field: 'rails.minNodes',
    quiet: { rails: { minNodes: 3 } },
  },
  'GLA-RAILS-BOUNDS': {
    fires: { rails: { minNodes: 4, maxNodes: 3 } },
    field: 'rails.maxNodes',
    quiet: { rails: { minNodes: 4, maxNodes: 4 } },
  },
  'GLA-RAILS-SINGLE': {
    fires: { rails: { minNodes: 1 } },
    field: 'rails.minNodes',
    quiet: { rails: { minNodes: 2 } },
  },
  'GLA-STORAGE-IOPS': {
    fires: { gitaly: { volumeType: 'io1' } },
    field: 'gitaly.iops',
    quiet: { gitaly: { volumeType: 'io1', iops: 8000 } },
  },
  'GLA-GITALY-IOPS': {
    fires: { gitaly: { iops: 7999 } },
    field: 'gitaly.iops',
    quiet: { gitaly: { iops: 8000 } },
  },
  'GLA-DB-STORAGE-BOUNDS': {
    fires: { database: { storageGiB: 500, maxStorageGiB: 200 } },
    field: 'database.maxStorageGiB',
    quiet: { database: { storageGiB: 500, maxStorageGiB: 500 } },
  },
  'GLA-VPC-TOO-SMALL': {
    fires: { network: { vpcCidr: '10.0.0.0/24' } },
    field: 'network.vpcCidr',
    quiet: { network: { vpcCidr: '10.0.0.0/22' } },
  },
  'GLA-ELASTIC-IP-QUOTA': {
    fires: { access: { admin: 'bastion' } },
    field: 'access.admin',
    quiet: { access: { admin: 'bastion' }, availabilityZones: 2 },
  },
  // With the default prefix, us-west-2 and the longest purpose (dependency-proxy), names of 20
  // characters make 63-character bucket names once the 12-digit account id is in; 21 do not fit.
  'GLA-BUCKET-NAME': {
    // gl-<name>-agent-plan-content-<12-digit account>-us-west-2: 63 characters with an 18-character name.
    fires: { name: 'a-nineteen-chars-xx' },
    field: 'objectStorage.bucketPrefix',
    quiet: { name: 'eighteen-chars-xyz' },
  },
  'GLA-GITLAB-VERSION': {
    fires: { gitlab: { version: '18.11.2' } },
    field: 'gitlab.version',
    quiet: { gitlab: { version: '19.3.0' } },
  },
  'GLA-RDS-GP3-IOPS': {
    fires: { database: { storageType: 'gp3', storageGiB: 399, iops: 12000 } },
    field: 'database.iops',
    quiet: { database: { storageType: 'gp3', storageGiB: 400, iops: 12000 } },
  },
  'GLA-RDS-IOPS-RATIO': {
    fires: { database: { storageType: 'io1', storageGiB: 100, iops: 5001 } },
    field: 'database.iops',
    quiet: { database: { storageType: 'io1', storageGiB: 100, iops: 5000 } },
  },
  'GLA-EBS-GP3-THROUGHPUT': {
    // At gp3's 3,000 baseline IOPS (the Plan's own 8,000 allow more than the spec's 1,000 MiB/s).
    fires: { gitaly: { volumeType: 'gp3', iops: 3000, throughputMiBps: 751 } },
    field: 'gitaly.throughputMiBps',
    quiet: { gitaly: { volumeType: 'gp3', iops: 3000, throughputMiBps: 750 } },
  },
  'GLA-EBS-IOPS-RATIO': {
    fires: { gitaly: { volumeType: 'io1', volumeGiB: 100, iops: 5001 } },
    field: 'gitaly.iops',
    quiet: { gitaly: { volumeType: 'io1', volumeGiB: 100, iops: 5000 } },
  },
  'GLA-EKS-EXTENDED-SUPPORT': {
    fires: { architecture: { type: 'cloud-native-hybrid' } },
    on: { fires: EKS.endOfStandardSupport, quiet: dayBefore(EKS.endOfStandardSupport) },
    field: 'architecture.type',
    quiet: { architecture: { type: 'cloud-native-hybrid' } },
  },
  'GLA-EKS-UNSUPPORTED': {
    fires: { architecture: { type: 'cloud-native-hybrid' } },
    on: { fires: EKS.endOfExtendedSupport, quiet: dayBefore(EKS.endOfExtendedSupport) },
    field: 'architecture.type',
    quiet: { architecture: { type: 'cloud-native-hybrid' } },
  },
  'GLA-CHART-GITALY-STORAGE': {
    fires: { architecture: { size: '2k', type: 'cloud-native-hybrid' } },
    breaks: (plan) => ({
      ...plan,
      nodes: plan.nodes.map((node) =>
        node.role === 'gitaly' ? { ...node, gitalyStorage: 'gitaly-1' } : node,
      ),
    }),
    field: 'gitaly.mode',
    quiet: { architecture: { size: '2k', type: 'cloud-native-hybrid' } },
  },
  'GLA-CHART-REDIS-HOST': {
    fires: { architecture: { size: '3k', type: 'cloud-native-hybrid' } },
    breaks: (plan) => ({
      ...plan,
      services: plan.services.filter((service) => service.kind !== 'elasticache'),
    }),
    field: 'redis',
    quiet: { architecture: { size: '3k', type: 'cloud-native-hybrid' } },
  },
  'GLA-CHART-OBJECT-STORAGE': {
    fires: { architecture: { size: '3k', type: 'cloud-native-hybrid' } },
    breaks: (plan) => ({
      ...plan,
      services: plan.services.map((service) =>
        service.kind === 's3'
          ? { ...service, buckets: service.buckets.filter((bucket) => bucket.purpose !== 'registry') }
          : service,
      ),
    }),
    field: 'objectStorage.bucketPrefix',
    quiet: { architecture: { size: '3k', type: 'cloud-native-hybrid' } },
  },
  // c7i.xlarge and c6i.xlarge are both in the >20 % band in us-west-2 (the fixture's region).
  'GLA-RUNNER-SPOT-INTERRUPTIONS': {
    fires: { runners: { enabled: true, instanceTypes: ['c7i.xlarge', 'c6i.xlarge'] } },
    field: 'runners.instanceTypes',
    quiet: { runners: { enabled: true, instanceTypes: ['c7i.xlarge', 'c6i.xlarge'], spot: false } },
  },
};

describe('plan checks', () => {
  it('has a firing and a quiet case for every rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(PLAN_RULES.map((rule) => rule.id).sort());
  });

  it('gives every rule a unique id and a message that says what to do', () => {
    expect(new Set(PLAN_RULES.map((rule) => rule.id)).size).toBe(PLAN_RULES.length);
  });

  describe.each(Object.entries(CASES))('%s', (id, { fires, field, quiet, on, breaks }) => {
    const options = (day: 'fires' | 'quiet') => (on ? { today: on[day] } : {});
    const rule = PLAN_RULES.find((candidate) => candidate.id === id)!;

    it('fires, naming the field', () => {
      const planned = planFor(fires, options('fires'));
      const broken = breaks?.(planned);
      const finding = broken
        ? rule.evaluate({ spec: broken.spec, reference: undefined as never, plan: broken })[0]
        : planned.checks.find((check) => check.id === id);
      expect(finding).toBeDefined();
      if (!broken) expect((finding as { level?: string } | undefined)?.level).toBe(rule.level);
      if (field) expect(finding?.field).toBe(field);
      // A message a person can act on: it names a setting or a value to use.
      expect(finding?.message).toMatch(/(Set|Use|use|set|raise|list|remove|shorten|Double-check|Expect)/);
    });

    it('stays quiet when the spec is fine', () => {
      expect(planFor(quiet, options('quiet')).checks.map((check) => check.id)).not.toContain(id);
    });
  });

  it('makes an error-level finding fail the plan, and a warning not', () => {
    expect(hasErrors(planFor({ database: { engine: 'aurora-postgresql' } }))).toBe(true);
    expect(hasErrors(planFor({ access: { sshAllowedCidrs: ['0.0.0.0/0'] } }))).toBe(false);
  });

  it('lists errors before warnings before information', () => {
    const plan = planFor({ architecture: { size: '2k' }, redis: { clusterMode: true } });
    const levels = plan.checks.map((check) => check.level);
    expect(levels).toEqual(
      [...levels].sort(
        (a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b),
      ),
    );
    expect(levels[0]).toBe('error');
  });
});

describe('plan checks and GitLab guidance', () => {
  it('cites only guidance entries the catalog has, and refuses what GitLab does not support', async () => {
    const { AWS_GUIDANCE } = await import('../../src/catalog/aws-guidance.js');
    const byId = new Map(AWS_GUIDANCE.map((entry) => [entry.id, entry]));
    for (const rule of PLAN_RULES.filter((candidate) => candidate.guidance)) {
      const entry = byId.get(rule.guidance!);
      expect(entry, `${rule.id} cites ${rule.guidance}`).toBeDefined();
      // What GitLab calls unsupported or never validated is refused, not merely warned about.
      if (entry?.status === 'unsupported' || entry?.status === 'not-validated')
        expect(rule.level, rule.id).toBe('error');
    }
  });
});

describe('plan rule files and packs', () => {
  const checksDir = resolve(import.meta.dirname, '../../src/plan/checks');
  const categories = readdirSync(checksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const ruleFiles = categories.flatMap((category) =>
    readdirSync(join(checksDir, category))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => ({ category, path: join(checksDir, category, name) })),
  );
  const isRule = (value: unknown): value is PlanRule =>
    typeof value === 'object' && value !== null && 'id' in value && 'evaluate' in value;

  it('has a folder per category and a pack per folder', () => {
    expect(categories.sort()).toEqual(Object.keys(RULE_PACKS).sort());
  });

  it.each(ruleFiles.map(({ category, path }) => [`${category}/${basename(path)}`, category, path]))(
    "%s exports one rule, of its folder's category, named for its id, in exactly its pack",
    async (_name, category, path) => {
      const rules = Object.values(await import(path)).filter(isRule);
      expect(rules).toHaveLength(1);
      const rule = rules[0]!;
      expect(rule.category).toBe(category);
      expect(basename(path, '.ts')).toBe(rule.id.replace(/^GLA-/, '').toLowerCase());
      const packs = Object.entries(RULE_PACKS).filter(([, pack]) => pack.includes(rule));
      expect(packs.map(([name]) => name)).toEqual([category]);
      expect(RULE_PACKS[category as PlanRule['category']].filter((entry) => entry === rule)).toHaveLength(1);
    },
  );

  it('runs exactly the rules of the rule files, each id once', () => {
    expect(PLAN_RULES).toHaveLength(ruleFiles.length);
    expect(new Set(PLAN_RULES.map((rule) => rule.id)).size).toBe(ruleFiles.length);
    expect(PLAN_RULES).toEqual(Object.values(RULE_PACKS).flat());
  });
});
