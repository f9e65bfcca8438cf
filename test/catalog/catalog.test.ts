import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ARCHITECTURE_TYPES,
  type ArchitectureType,
  AWS_GUIDANCE,
  awsGuidance,
  type CatalogRole,
  catalogRole,
  DATABASE_LOAD_BALANCING_RULE,
  databaseLoadBalancingRecommended,
  INSTANCE_TYPES,
  instanceType,
  isBurstableInstanceType,
  POC_ARCHITECTURE,
  POC_DEPLOYMENT,
  REDIS_SPLIT_RULE,
  REFERENCE_ARCHITECTURES,
  REFERENCE_SIZES,
  type ReferenceArchitecture,
  type RoleId,
  redisSplitRecommended,
  referenceArchitecture,
  requireCatalogRole,
  SPEC_SIZES,
  type SpecSize,
} from '../../src/catalog/index.js';

const CATALOG_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../src/catalog');

/** Every architecture the catalog holds, poc included. */
const ALL: readonly ReferenceArchitecture<SpecSize>[] = [...REFERENCE_ARCHITECTURES, POC_ARCHITECTURE];

function role(arch: ReferenceArchitecture<SpecSize>, id: RoleId): CatalogRole {
  return requireCatalogRole(arch, id);
}

/**
 * Key numbers copied by hand from the documentation tables (see the sources named in
 * src/catalog/reference-architectures.ts), independent of the catalog's data.
 * [role, nodes, vCPU, memory GB, AWS example]
 */
type Row = readonly [RoleId, number, number, number, string];

const LINUX_PACKAGE_TABLES: Readonly<Record<string, readonly Row[]>> = {
  '1k': [['gitlab', 1, 8, 16, 'c5.2xlarge']],
  '2k': [
    ['external-load-balancer', 1, 4, 3.6, 'c5n.xlarge'],
    ['postgres', 1, 2, 7.5, 'm5.large'],
    ['redis', 1, 1, 3.75, 'm5.large'],
    ['gitaly', 1, 4, 15, 'm5.xlarge'],
    ['sidekiq', 1, 4, 15, 'm5.xlarge'],
    ['rails', 2, 8, 7.2, 'c5.2xlarge'],
    ['monitoring', 1, 2, 1.8, 'c5.large'],
  ],
  '3k': [
    ['consul', 3, 2, 1.8, 'c5.large'],
    ['postgres', 3, 2, 7.5, 'm5.large'],
    ['pgbouncer', 3, 2, 1.8, 'c5.large'],
    ['internal-load-balancer', 1, 4, 3.6, 'c5n.xlarge'],
    ['redis', 3, 2, 7.5, 'm5.large'],
    ['gitaly', 3, 4, 15, 'm5.xlarge'],
    ['praefect', 3, 2, 1.8, 'c5.large'],
    ['praefect-postgres', 1, 2, 1.8, 'c5.large'],
    ['sidekiq', 2, 4, 15, 'm5.xlarge'],
    ['rails', 3, 8, 7.2, 'c5.2xlarge'],
    ['monitoring', 1, 2, 1.8, 'c5.large'],
  ],
  '5k': [
    ['postgres', 3, 4, 15, 'm5.xlarge'],
    ['redis', 3, 2, 7.5, 'm5.large'],
    ['gitaly', 3, 8, 30, 'm5.2xlarge'],
    ['sidekiq', 2, 4, 15, 'm5.xlarge'],
    ['rails', 3, 16, 14.4, 'c5.4xlarge'],
  ],
  '10k': [
    ['postgres', 3, 8, 30, 'm5.2xlarge'],
    ['redis-cache', 3, 4, 15, 'm5.xlarge'],
    ['redis-persistent', 3, 4, 15, 'm5.xlarge'],
    ['gitaly', 3, 16, 60, 'm5.4xlarge'],
    ['sidekiq', 4, 4, 15, 'm5.xlarge'],
    ['rails', 3, 32, 28.8, 'c5.9xlarge'],
    ['monitoring', 1, 4, 3.6, 'c5.xlarge'],
  ],
  '25k': [
    ['external-load-balancer', 1, 8, 7.2, 'c5n.2xlarge'],
    ['internal-load-balancer', 1, 8, 7.2, 'c5n.2xlarge'],
    ['postgres', 3, 16, 60, 'm5.4xlarge'],
    ['gitaly', 3, 32, 120, 'm5.8xlarge'],
    ['praefect', 3, 4, 3.6, 'c5.xlarge'],
    ['rails', 5, 32, 28.8, 'c5.9xlarge'],
  ],
  '50k': [
    ['external-load-balancer', 1, 16, 14.4, 'c5.4xlarge'],
    ['postgres', 3, 32, 120, 'm5.8xlarge'],
    ['gitaly', 3, 64, 240, 'm5.16xlarge'],
    ['praefect', 3, 4, 3.6, 'c5.xlarge'],
    ['sidekiq', 4, 4, 15, 'm5.xlarge'],
    ['rails', 12, 32, 28.8, 'c5.9xlarge'],
  ],
};

/** Hybrid node pools: [pool, nodes, AWS example, target vCPU, target memory request GB]. */
type PoolRow = readonly [RoleId, number, string, number, number];

const HYBRID_POOLS: Readonly<Record<string, readonly PoolRow[]>> = {
  '2k': [
    ['webservice-pool', 3, 'c5.2xlarge', 12, 15],
    ['sidekiq-pool', 2, 'm5.xlarge', 3.6, 8],
    ['supporting-pool', 2, 'm5.large', 4, 15],
  ],
  '3k': [
    ['webservice-pool', 2, 'c5.4xlarge', 16, 20],
    ['sidekiq-pool', 3, 'm5.xlarge', 7.2, 16],
    ['supporting-pool', 2, 'm5.large', 4, 15],
  ],
  '5k': [
    ['webservice-pool', 3, 'c5.4xlarge', 36, 45],
    ['sidekiq-pool', 3, 'm5.xlarge', 7.2, 16],
    ['supporting-pool', 2, 'm5.large', 4, 15],
  ],
  '10k': [
    ['webservice-pool', 3, 'c5.9xlarge', 80, 100],
    ['sidekiq-pool', 4, 'm5.xlarge', 12.6, 28],
    ['supporting-pool', 2, 'm5.xlarge', 8, 30],
  ],
  '25k': [
    ['webservice-pool', 5, 'c5.9xlarge', 140, 175],
    ['sidekiq-pool', 4, 'm5.xlarge', 12.6, 28],
    ['supporting-pool', 2, 'm5.xlarge', 8, 30],
  ],
  '50k': [
    ['webservice-pool', 11, 'c5.9xlarge', 308, 385],
    ['sidekiq-pool', 4, 'm5.xlarge', 12.6, 28],
    ['supporting-pool', 2, 'm5.xlarge', 8, 30],
  ],
};

/** [API, Web, Git pull, Git push] RPS per size, from the pages' target load lines. */
const TARGET_LOADS: Readonly<Record<string, readonly [number, number, number, number]>> = {
  '1k': [20, 2, 2, 1],
  '2k': [40, 4, 4, 1],
  '3k': [60, 6, 6, 1],
  '5k': [100, 10, 10, 2],
  '10k': [200, 20, 20, 4],
  '25k': [500, 50, 50, 10],
  '50k': [1000, 100, 100, 20],
};

/** Managed classes expected for PostgreSQL and Redis (x86, arm64) by the mapping rule. */
const POSTGRES_CLASSES: Readonly<Record<string, readonly [string, string]>> = {
  '2k': ['db.m6i.large', 'db.m7g.large'],
  '3k': ['db.m6i.large', 'db.m7g.large'],
  '5k': ['db.m6i.xlarge', 'db.m7g.xlarge'],
  '10k': ['db.m6i.2xlarge', 'db.m7g.2xlarge'],
  '25k': ['db.m6i.4xlarge', 'db.m7g.4xlarge'],
  '50k': ['db.m6i.8xlarge', 'db.m7g.8xlarge'],
};

describe('reference architectures match the documentation tables', () => {
  for (const [size, rows] of Object.entries(LINUX_PACKAGE_TABLES)) {
    it(`${size} linux-package`, () => {
      const arch = referenceArchitecture(size as SpecSize, 'linux-package');
      for (const [id, nodes, vcpu, memoryGB, aws] of rows) {
        const row = role(arch, id);
        expect({
          id,
          nodes: row.nodes,
          vcpu: row.vcpu,
          memoryGB: row.memoryGB,
          aws: row.awsInstanceType,
        }).toEqual({
          id,
          nodes,
          vcpu,
          memoryGB,
          aws,
        });
      }
    });
  }

  for (const [size, pools] of Object.entries(HYBRID_POOLS)) {
    it(`${size} cloud-native-hybrid node pools`, () => {
      const arch = referenceArchitecture(size as SpecSize, 'cloud-native-hybrid');
      for (const [id, nodes, aws, vcpu, memoryRequestGB] of pools) {
        const pool = role(arch, id);
        expect(pool.backing).toBe('eks-node-group');
        expect([pool.nodes, pool.awsInstanceType]).toEqual([nodes, aws]);
        expect(pool.nodePoolTarget?.vcpu).toBe(vcpu);
        expect(pool.nodePoolTarget?.memoryRequestGB).toBe(memoryRequestGB);
      }
    });
  }

  it('hybrid backends repeat the Linux package backend rows, except the 25k internal load balancer', () => {
    for (const size of Object.keys(HYBRID_POOLS)) {
      const linux = referenceArchitecture(size as SpecSize, 'linux-package');
      const hybrid = referenceArchitecture(size as SpecSize, 'cloud-native-hybrid');
      for (const id of ['postgres', 'gitaly', 'praefect', 'consul', 'redis', 'redis-cache'] as const) {
        expect(catalogRole(hybrid, id)).toEqual(catalogRole(linux, id));
      }
      expect(catalogRole(hybrid, 'rails')).toBeUndefined();
      expect(catalogRole(hybrid, 'sidekiq')).toBeUndefined();
      expect(catalogRole(hybrid, 'monitoring')).toBeUndefined();
    }
    const ilb = role(referenceArchitecture('25k', 'cloud-native-hybrid'), 'internal-load-balancer');
    expect(ilb.awsInstanceType).toBe('c5.2xlarge');
  });

  it('target loads and users per size', () => {
    for (const [size, [api, web, pull, push]] of Object.entries(TARGET_LOADS)) {
      const arch = referenceArchitecture(size as SpecSize, 'linux-package');
      expect(arch.targetLoad).toEqual({ apiRps: api, webRps: web, gitPullRps: pull, gitPushRps: push });
      expect(arch.users).toBe(Number.parseInt(size, 10) * 1000);
    }
  });

  it('high availability from 3k upwards only', () => {
    for (const arch of REFERENCE_ARCHITECTURES) {
      expect([arch.size, arch.highAvailability]).toEqual([arch.size, !['1k', '2k'].includes(arch.size)]);
    }
    expect(POC_ARCHITECTURE.highAvailability).toBe(false);
  });

  it('Redis splits into cache and persistent exactly where the docs split it', () => {
    for (const arch of REFERENCE_ARCHITECTURES) {
      const split = ['10k', '25k', '50k'].includes(arch.size);
      const hasCombined = catalogRole(arch, 'redis') !== undefined;
      const hasSplit =
        catalogRole(arch, 'redis-cache') !== undefined && catalogRole(arch, 'redis-persistent') !== undefined;
      if (arch.size === '1k') {
        expect(hasCombined || hasSplit).toBe(false);
      } else {
        expect([arch.size, hasCombined, hasSplit]).toEqual([arch.size, !split, split]);
      }
      expect(redisSplitRecommended(arch.size)).toBe(split);
    }
  });

  it('RDS classes per size follow the mapping rule', () => {
    for (const [size, [x86, arm]] of Object.entries(POSTGRES_CLASSES)) {
      const pg = role(referenceArchitecture(size as SpecSize, 'linux-package'), 'postgres');
      expect([size, pg.serviceClass, pg.gravitonServiceClass]).toEqual([size, x86, arm]);
    }
    const cache10k = role(referenceArchitecture('10k', 'linux-package'), 'redis-cache');
    expect([cache10k.serviceClass, cache10k.gravitonServiceClass]).toEqual([
      'cache.r5.xlarge',
      'cache.r7g.xlarge',
    ]);
    const redis3k = role(referenceArchitecture('3k', 'linux-package'), 'redis');
    expect([redis3k.serviceClass, redis3k.gravitonServiceClass]).toEqual([
      'cache.r5.large',
      'cache.r7g.large',
    ]);
  });
});

describe('lookup', () => {
  it('every size x type resolves or fails with a message naming the combination', () => {
    for (const size of SPEC_SIZES) {
      for (const type of ARCHITECTURE_TYPES) {
        const unpublished = (size === '1k' || size === 'poc') && type === 'cloud-native-hybrid';
        if (unpublished) {
          expect(() => referenceArchitecture(size, type)).toThrow(new RegExp(`${type}.*size ${size}`));
        } else {
          const arch = referenceArchitecture(size, type);
          expect([arch.size, arch.type]).toEqual([size, type]);
        }
      }
    }
  });

  it('rejects unknown sizes and types', () => {
    expect(() => referenceArchitecture('7k' as SpecSize, 'linux-package')).toThrow(
      /Unknown reference architecture size '7k'/,
    );
    expect(() => referenceArchitecture('3k', 'omnibus' as ArchitectureType)).toThrow(
      /Unknown architecture type 'omnibus'/,
    );
  });

  it('holds exactly one entry per published combination', () => {
    const keys = REFERENCE_ARCHITECTURES.map((arch) => `${arch.size}/${arch.type}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(REFERENCE_SIZES.length * 2 - 1);
  });

  it('catalogRole finds rows and requireCatalogRole throws for missing ones', () => {
    const arch = referenceArchitecture('3k', 'linux-package');
    expect(catalogRole(arch, 'gitaly')?.nodes).toBe(3);
    expect(catalogRole(arch, 'redis-cache')).toBeUndefined();
    expect(() => requireCatalogRole(arch, 'webservice-pool')).toThrow(/3k linux-package .*webservice-pool/);
  });
});

describe('instance types and AWS mapping', () => {
  const everyRole = ALL.flatMap((arch) => arch.roles.map((row) => ({ arch, row })));

  it('every referenced type is in the instance-type table with the right service', () => {
    for (const { row } of everyRole) {
      for (const name of [row.awsInstanceType, row.gravitonInstanceType]) {
        if (name !== undefined) expect(instanceType(name).service).toBe('ec2');
      }
      const managed = row.backing === 'rds' ? 'rds' : 'elasticache';
      for (const name of [row.serviceClass, row.gravitonServiceClass]) {
        if (name !== undefined) expect(instanceType(name).service).toBe(managed);
      }
    }
    expect(() => instanceType('m5.3xlarge')).toThrow(/m5\.3xlarge/);
  });

  it('no burstable type anywhere except the guide-documented bastion', () => {
    for (const { arch, row } of everyRole) {
      const names = [
        row.awsInstanceType,
        row.gravitonInstanceType,
        row.serviceClass,
        row.gravitonServiceClass,
      ];
      for (const name of names) {
        if (name === undefined) continue;
        const allowed = arch.size === 'poc' && row.role === 'bastion';
        expect({
          where: `${arch.size}/${arch.type}/${row.role}`,
          burstable: isBurstableInstanceType(name),
        }).toEqual({
          where: `${arch.size}/${arch.type}/${row.role}`,
          burstable: allowed,
        });
        expect(INSTANCE_TYPES[name]?.burstable).toBe(allowed);
      }
    }
  });

  it('graviton types and classes are arm64 families with the g generation suffix', () => {
    for (const { row } of everyRole) {
      for (const name of [row.gravitonInstanceType, row.gravitonServiceClass]) {
        if (name === undefined) continue;
        expect(name).toMatch(/^(db\.|cache\.)?[a-z]+\d+g[a-z]*\./);
        expect(instanceType(name).arch).toBe('arm64');
      }
      for (const name of [row.awsInstanceType, row.serviceClass]) {
        if (name !== undefined) expect(instanceType(name).arch).toBe('x86_64');
      }
    }
  });

  it('node counts are positive (object storage has none)', () => {
    for (const { row } of everyRole) {
      if (row.backing === 's3') expect(row.nodes).toBe(0);
      else expect(row.nodes).toBeGreaterThan(0);
      if (row.maxNodes !== undefined) expect(row.maxNodes).toBeGreaterThanOrEqual(row.nodes);
    }
  });

  it('instance types cover the documented vCPU and memory of each node', () => {
    for (const { arch, row } of everyRole) {
      if (row.nodePoolTarget !== undefined) continue; // pools are checked on totals below
      const where = `${arch.size}/${arch.type}/${row.role}`;
      const names = [row.awsInstanceType, row.gravitonInstanceType];
      if (row.sharesInstanceWith === undefined) names.push(row.serviceClass, row.gravitonServiceClass);
      for (const name of names) {
        if (name === undefined) continue;
        const spec = instanceType(name);
        expect({
          where,
          name,
          vcpuOk: spec.vcpu >= row.vcpu,
          memoryOk: spec.memoryGiB >= row.memoryGB,
        }).toEqual({
          where,
          name,
          vcpuOk: true,
          memoryOk: true,
        });
      }
    }
  });

  it('managed classes keep the documented vCPU count unless no non-burstable class is that small', () => {
    for (const { arch, row } of everyRole) {
      if (row.serviceClass === undefined || arch.size === 'poc') continue;
      // The smallest non-burstable RDS and ElastiCache classes (db.m6i.large, cache.m5.large) have 2 vCPU.
      expect(instanceType(row.serviceClass).vcpu).toBe(Math.max(row.vcpu, 2));
    }
  });

  it('x86 and arm64 choices of a role are the same size', () => {
    for (const { row } of everyRole) {
      if (row.serviceClass !== undefined && row.gravitonServiceClass !== undefined) {
        const x86 = instanceType(row.serviceClass);
        const arm = instanceType(row.gravitonServiceClass);
        expect([arm.vcpu, arm.memoryGiB]).toEqual([x86.vcpu, x86.memoryGiB]);
      }
      if (row.awsInstanceType !== undefined && row.gravitonInstanceType !== undefined) {
        const x86 = instanceType(row.awsInstanceType);
        const arm = instanceType(row.gravitonInstanceType);
        // Only c5.9xlarge (36 vCPU) has no same-size Graviton twin; c7g.8xlarge stands in.
        if (row.awsInstanceType === 'c5.9xlarge') expect(row.gravitonInstanceType).toBe('c7g.8xlarge');
        else expect([arm.vcpu, arm.memoryGiB]).toEqual([x86.vcpu, x86.memoryGiB]);
      }
    }
  });

  it('node pools cover their documented totals with both x86 and Graviton nodes', () => {
    for (const { arch, row } of everyRole) {
      const target = row.nodePoolTarget;
      if (target === undefined) continue;
      for (const name of [row.awsInstanceType, row.gravitonInstanceType]) {
        if (name === undefined) throw new Error(`${arch.size} ${row.role} lacks an instance type`);
        const spec = instanceType(name);
        expect(row.nodes * spec.vcpu).toBeGreaterThanOrEqual(target.vcpu);
        expect(row.nodes * spec.memoryGiB).toBeGreaterThanOrEqual(
          target.memoryLimitGB ?? target.memoryRequestGB,
        );
      }
    }
  });

  it('backing follows the role', () => {
    const expected: Partial<Record<RoleId, string>> = {
      gitlab: 'ec2',
      rails: 'ec2-asg',
      sidekiq: 'ec2-asg',
      gitaly: 'ec2',
      praefect: 'ec2',
      monitoring: 'ec2',
      postgres: 'rds',
      'praefect-postgres': 'rds',
      redis: 'elasticache',
      'redis-cache': 'elasticache',
      'redis-persistent': 'elasticache',
      pgbouncer: 'not-needed',
      consul: 'not-needed',
      'redis-sentinel': 'not-needed',
      'internal-load-balancer': 'nlb',
      'external-load-balancer': 'nlb',
      'object-storage': 's3',
      'webservice-pool': 'eks-node-group',
      'sidekiq-pool': 'eks-node-group',
      'supporting-pool': 'eks-node-group',
      bastion: 'ec2',
    };
    for (const { arch, row } of everyRole) {
      expect([arch.size, row.role, row.backing]).toEqual([arch.size, row.role, expected[row.role]]);
    }
  });

  it('managed roles carry a class unless they share another role instance, and that role exists', () => {
    for (const { arch, row } of everyRole) {
      if (row.sharesInstanceWith !== undefined) {
        expect(catalogRole(arch, row.sharesInstanceWith)).toBeDefined();
        expect(row.serviceClass).toBeUndefined();
      } else if (row.backing === 'rds' || row.backing === 'elasticache') {
        expect(row.serviceClass).toBeDefined();
        expect(row.gravitonServiceClass).toBeDefined();
      }
      if (row.backing === 'not-needed') expect(row.note ?? '').not.toBe('');
    }
  });
});

describe('poc scenario (AWS install guide)', () => {
  it('matches the guide', () => {
    const poc = referenceArchitecture('poc', 'linux-package');
    expect(poc).toBe(POC_ARCHITECTURE);
    const rails = role(poc, 'rails');
    expect([rails.nodes, rails.maxNodes, rails.awsInstanceType]).toEqual([2, 4, 'c5.2xlarge']);
    expect(role(poc, 'gitaly').awsInstanceType).toBe('m5.xlarge');
    expect(role(poc, 'postgres').serviceClass).toBe('db.m5.large');
    expect(role(poc, 'external-load-balancer').backing).toBe('nlb');
    expect(role(poc, 'bastion').nodes).toBe(2);
    expect(catalogRole(poc, 'sidekiq')).toBeUndefined();
    expect(POC_DEPLOYMENT.availabilityZones).toBe(2);
    expect(POC_DEPLOYMENT.gitalyVolume).toEqual({ type: 'io1', sizeGiB: 20, iops: 1000 });
    expect(POC_DEPLOYMENT.railsAutoScaling).toMatchObject({
      min: 2,
      max: 4,
      scaleOutCpuPercent: 60,
      scaleInCpuPercent: 45,
    });
    expect(isBurstableInstanceType(POC_DEPLOYMENT.redis.guideMinimumNodeType)).toBe(true);
    expect(instanceType(POC_DEPLOYMENT.redis.guideMinimumNodeType).burstable).toBe(true);
  });
});

describe('AWS guidance', () => {
  it('has unique ids, one-line reasons and a source', () => {
    const ids = AWS_GUIDANCE.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of AWS_GUIDANCE) {
      expect(entry.reason).not.toMatch(/\n/);
      expect(entry.reason.length).toBeGreaterThan(10);
      if ('commit' in entry.source) expect(entry.source.commit).toMatch(/^[0-9a-f]{40}$/);
      else expect(entry.source.url).toMatch(/^https:\/\//);
    }
  });

  it('records the documented positions on the services the plan must check', () => {
    const expected: Readonly<Record<string, string>> = {
      'rds-multi-az-db-instance': 'recommended',
      'rds-multi-az-db-cluster': 'not-recommended',
      'aurora-postgresql': 'unsupported',
      'rds-proxy': 'not-validated',
      'elasticache-cluster-mode-disabled': 'recommended',
      'elasticache-cluster-mode-enabled': 'unsupported',
      'elasticache-serverless': 'unsupported',
      'efs-git-data': 'not-recommended',
      nlb: 'recommended',
      s3: 'recommended',
      'asg-stateful-nodes': 'unsupported',
    };
    for (const [id, status] of Object.entries(expected)) {
      expect([id, awsGuidance(id).status]).toEqual([id, status]);
    }
    expect(() => awsGuidance('no-such-entry')).toThrow(/no-such-entry/);
  });

  it('size rules start at 10k', () => {
    expect(REDIS_SPLIT_RULE.fromSize).toBe('10k');
    expect(DATABASE_LOAD_BALANCING_RULE.fromSize).toBe('10k');
    const recommended = SPEC_SIZES.filter((size) => databaseLoadBalancingRecommended(size));
    expect(recommended).toEqual(['10k', '25k', '50k']);
    expect(redisSplitRecommended('poc')).toBe(false);
  });
});

describe('sources and module hygiene', () => {
  it('every architecture names the page and commit it was read from', () => {
    for (const arch of ALL) {
      expect(arch.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(arch.source.repository).toMatch(/^[\w.-]+\/[\w.-]+$/);
      const page = arch.size === 'poc' ? 'doc/install/aws/_index.md' : `${arch.size}_users.md`;
      expect(arch.source.path.endsWith(page)).toBe(true);
    }
  });

  it('src/catalog imports no AWS SDK, CDK or other package', () => {
    for (const file of readdirSync(CATALOG_DIR).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(join(CATALOG_DIR, file), 'utf8');
      const specifiers = [...text.matchAll(/from\s+'([^']+)'/g)].map((match) => match[1] ?? '');
      for (const specifier of specifiers) {
        // Local modules, and the spec's architecture choices (the one layer to the catalog's left);
        // and the catalog's own data files, tables a script writes from a cited source.
        const local =
          ((specifier.startsWith('./') || specifier === '../spec/choices.js') && specifier.endsWith('.js')) ||
          /^\.\/data\/[a-z0-9-]+\.json$/.test(specifier);
        expect({ file, specifier, local }).toEqual({
          file,
          specifier,
          local: true,
        });
      }
    }
  });
});
