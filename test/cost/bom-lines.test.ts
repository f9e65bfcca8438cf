/**
 * Bills of materials small enough to compute by hand: a Plan whose nodes and services are written
 * out here, priced from a table of round made-up prices, so each line's quantity, unit price and
 * monthly cost can be checked against arithmetic in the comments rather than against the code.
 */
import { describe, expect, it } from 'vitest';
import { type Bom, billOfMaterials, NOT_COUNTED, rdsGp3Baseline } from '../../src/cost/bom.js';
import { loadPriceTable, MissingPriceError, type PriceTable } from '../../src/cost/prices.js';
import { externalLoadBalancer } from '../../src/plan/query.js';
import type {
  EksService,
  ElastiCacheService,
  LoadBalancerService,
  Plan,
  PlanNode,
  RdsService,
  S3Service,
  VolumePlan,
} from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const REGION = 'us-west-2';
const item = <T extends Record<string, number>>(values: T) => ({ ...values, source: 'test' });

/** Round prices, each different, so a line priced from the wrong entry shows. */
const table: PriceTable = {
  ...loadPriceTable(),
  retrieved: '2026-01-02',
  regions: {
    [REGION]: {
      ec2: {
        'm5.xlarge': { onDemandHourly: 1, commitment1yHourly: 0.5, source: 'test' },
        'm5.2xlarge': { onDemandHourly: 2, commitment1yHourly: 1.5, source: 'test' },
        't3.micro': { onDemandHourly: 0.25, commitment1yHourly: 0.125, source: 'test' },
      },
      rds: {
        'db.m5.large': {
          singleAzHourly: 3,
          multiAzHourly: 6,
          commitment1yHourly: 2,
          commitment1yMultiAzHourly: 4,
          source: 'test',
        },
      },
      elasticache: {
        'cache.m5.large': { onDemandHourly: 0.75, commitment1yHourly: 0.5, source: 'test' },
        'cache.r5.large': {
          onDemandHourly: 0.8,
          commitment1yHourly: 0.6,
          source: 'test',
          valkey: { onDemandHourly: 0.4, commitment1yHourly: 0.3, source: 'test' },
        },
      },
      ebs: item({
        gp3GBMonth: 0.08,
        gp3IopsMonth: 0.005,
        gp3ThroughputMiBpsMonth: 0.04,
        io1GBMonth: 0.125,
        io1IopsMonth: 0.065,
        io2GBMonth: 0.13,
        io2IopsMonth: 0.07,
        snapshotGBMonth: 0.05,
      }),
      rdsStorage: item({
        gp3GBMonth: 0.115,
        gp3MultiAzGBMonth: 0.23,
        gp3IopsMonth: 0.02,
        gp3ThroughputMiBpsMonth: 0.08,
        io1GBMonth: 0.125,
        io1IopsMonth: 0.1,
        backupGBMonth: 0.095,
      }),
      network: item({
        natGatewayHourly: 0.045,
        natGatewayPerGB: 0.046,
        nlbHourly: 0.0225,
        nlbLcuHourly: 0.006,
        albHourly: 0.0226,
        albLcuHourly: 0.008,
        publicIpv4Hourly: 0.005,
        dataTransferOutPerGB: 0.09,
      }),
      other: item({
        s3StandardGBMonth: 0.023,
        route53HostedZoneMonth: 0.5,
        secretsManagerSecretMonth: 0.4,
        cloudwatchAlarmMonth: 0.1,
        cloudwatchLogsIngestPerGB: 0.5,
        eksClusterHourly: 0.1,
        eksExtendedSupportClusterHourly: 0.6,
      }),
    },
  },
} as PriceTable;

const base = planFor({ architecture: { size: 'poc' }, cost: { storageGiB: 200, egressGiBPerMonth: 100 } });
const template = base.nodes[0]!;

function volume(
  purpose: VolumePlan['purpose'],
  type: VolumePlan['type'],
  sizeGiB: number,
  extra = {},
): VolumePlan {
  return { purpose, type, sizeGiB, deviceName: '/dev/xvdb', retainOnDelete: false, ...extra };
}

function node(
  id: string,
  role: PlanNode['role'],
  instanceType: string,
  volumes: VolumePlan[],
  extra = {},
): PlanNode {
  const { autoScalingGroup: _, ...rest } = template;
  return { ...rest, id, role, instanceType, volumes, subnet: 'private', ...extra };
}

function rds(overrides: Partial<RdsService>): RdsService {
  const found = base.services.find((service) => service.kind === 'rds')!;
  return { ...(found as RdsService), instanceClass: 'db.m5.large', ...overrides };
}

function cache(overrides: Partial<ElastiCacheService>): ElastiCacheService {
  const found = base.services.find((service) => service.kind === 'elasticache')!;
  return { ...(found as ElastiCacheService), ...overrides };
}

function nlb(overrides: Partial<LoadBalancerService>): LoadBalancerService {
  const found = base.services.find((service) => service.kind === 'nlb')!;
  return { ...(found as LoadBalancerService), ...overrides };
}

const s3 = base.services.find((service): service is S3Service => service.kind === 's3')!;

function plan(overrides: Partial<Plan>): Plan {
  return { ...base, nodes: [], services: [], ...overrides };
}

const line = (bom: Bom, item: string, group?: string) => {
  const found = bom.lines.filter(
    (entry) => entry.item === item && (group === undefined || entry.group === group),
  );
  expect(
    found.map((entry) => entry.item),
    item,
  ).toEqual([item]);
  return found[0]!;
};

describe('bill of materials, by hand', () => {
  it('rdsGp3Baseline: 3,000 IOPS and 125 MiB/s below 400 GiB, 12,000 and 500 from 400 GiB', () => {
    expect(rdsGp3Baseline(20)).toEqual({ iops: 3000, throughputMiBps: 125 });
    expect(rdsGp3Baseline(399)).toEqual({ iops: 3000, throughputMiBps: 125 });
    expect(rdsGp3Baseline(400)).toEqual({ iops: 12000, throughputMiBps: 500 });
  });

  it('prices instances per type and EBS by volume type, above the gp3 baselines only', () => {
    const bom = billOfMaterials(
      plan({
        nodes: [
          // gitaly: 1 m5.xlarge + 1 m5.2xlarge; root gp3 50 GiB at the baseline and 60 GiB with
          // 4,000 IOPS and 200 MiB/s; git-data io1 100 GiB x 1,000 IOPS and 200 GiB x 2,000 IOPS.
          node('gitaly-1', 'gitaly', 'm5.xlarge', [
            volume('root', 'gp3', 50, { iops: 3000, throughputMiBps: 125 }),
            volume('git-data', 'io1', 100, { iops: 1000 }),
          ]),
          node('gitaly-2', 'gitaly', 'm5.2xlarge', [
            volume('root', 'gp3', 60, { iops: 4000, throughputMiBps: 200 }),
            volume('git-data', 'io1', 200, { iops: 2000 }),
          ]),
          node('gitaly-3', 'gitaly', 'm5.xlarge', [volume('root', 'gp3', 40)]),
          // monitoring: io2 30 GiB with 500 IOPS; praefect: io2 without IOPS, gp3 without figures.
          node('monitoring-1', 'monitoring', 'm5.xlarge', [
            volume('prometheus-data', 'io2', 30, { iops: 500 }),
          ]),
          node('praefect-1', 'praefect', 't3.micro', [
            volume('root', 'io2', 8),
            volume('git-data', 'gp3', 10),
          ]),
        ],
      }),
      table,
    );
    const nodeLines = bom.lines.filter((entry) => ['gitaly', 'monitoring', 'praefect'].includes(entry.group));
    expect(
      nodeLines.map((entry) => [entry.group, entry.item, entry.quantity, entry.unit, entry.unitPrice]),
    ).toEqual([
      ['gitaly', 'EC2 m5.xlarge', 2, 'instance', 1],
      ['gitaly', 'EC2 m5.2xlarge', 1, 'instance', 2],
      // 50 + 60 + 40 GiB; 4,000 - 3,000 IOPS and 200 - 125 MiB/s on the second root volume only.
      ['gitaly', 'EBS gp3 root volumes', 150, 'GiB', 0.08],
      ['gitaly', 'EBS gp3 IOPS above 3,000 (root volumes)', 1000, 'IOPS', 0.005],
      ['gitaly', 'EBS gp3 throughput above 125 MiB/s (root volumes)', 75, 'MiB/s', 0.04],
      ['gitaly', 'EBS io1 git-data volumes', 300, 'GiB', 0.125],
      ['gitaly', 'EBS io1 provisioned IOPS (git-data volumes)', 3000, 'IOPS', 0.065],
      ['praefect', 'EC2 t3.micro', 1, 'instance', 0.25],
      ['praefect', 'EBS io2 root volume', 8, 'GiB', 0.13],
      ['praefect', 'EBS gp3 git-data volume', 10, 'GiB', 0.08],
      ['monitoring', 'EC2 m5.xlarge', 1, 'instance', 1],
      ['monitoring', 'EBS io2 prometheus-data volume', 30, 'GiB', 0.13],
      ['monitoring', 'EBS io2 provisioned IOPS (prometheus-data volume)', 500, 'IOPS', 0.07],
    ]);
    // Instances bill by the hour, EBS (GiB, IOPS and MiB/s alike) by the month.
    for (const entry of nodeLines)
      expect(entry.billing, entry.item).toBe(entry.unit === 'instance' ? 'hourly' : 'monthly');
    // Instances bill 730 hours at the on-demand and at the commitment rate; EBS is per month.
    expect(line(bom, 'EC2 m5.xlarge', 'gitaly')).toMatchObject({
      billing: 'hourly',
      commitmentUnitPrice: 0.5,
      monthly: 2 * 730,
      monthlyCommitted: 730,
    });
    expect(line(bom, 'EBS io1 git-data volumes')).toMatchObject({ billing: 'monthly', monthly: 37.5 });
    expect(line(bom, 'EBS io1 git-data volumes').monthlyCommitted).toBe(37.5);
    expect(line(bom, 'EBS io1 git-data volumes')).not.toHaveProperty('commitmentUnitPrice');
    expect(line(bom, 'EBS io1 git-data volumes')).not.toHaveProperty('assumption');
    // gitaly: 2 x 730 + 2 x 730 + 150 x 0.08 + 1,000 x 0.005 + 75 x 0.04 + 300 x 0.125 + 3,000 x 0.065
    const gitaly = bom.groups.find((group) => group.group === 'gitaly')!;
    expect(gitaly.monthly).toBeCloseTo(1460 + 1460 + 12 + 5 + 3 + 37.5 + 195, 9);
    // committed: 730 x 0.5 x 2 + 730 x 1.5, storage as on demand
    expect(gitaly.monthlyCommitted).toBeCloseTo(730 + 1095 + 12 + 5 + 3 + 37.5 + 195, 9);
  });

  it('bills single-AZ RDS once per copy, read replicas at the single-AZ rate, IOPS above the 400 GiB baseline', () => {
    const bom = billOfMaterials(
      plan({
        services: [
          rds({ multiAz: false, readReplicas: 2, storageGiB: 400, storageType: 'gp3', iops: 13000 }),
        ],
      }),
      table,
    );
    expect(
      bom.lines.map((entry) => [
        entry.item,
        entry.quantity,
        entry.unit,
        entry.billing,
        entry.unitPrice,
        entry.commitmentUnitPrice,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['RDS db.m5.large Single-AZ', 1, 'instance', 'hourly', 3, 2],
        ['RDS db.m5.large read replica', 2, 'instance', 'hourly', 3, 2],
        // primary + 2 replicas = 3 copies of 400 GiB; (13,000 - 12,000) IOPS x 3.
        ['RDS gp3 storage (3 copies: primary, 2 replicas)', 1200, 'GiB', 'monthly', 0.115, undefined],
        ['RDS gp3 IOPS above baseline', 3000, 'IOPS', 'monthly', 0.02, undefined],
      ]),
    );
    const postgres = bom.groups.find((group) => group.group === 'postgres')!;
    // 3 x 730 + 2 x 3 x 730 + 1,200 x 0.115 + 3,000 x 0.02
    expect(postgres.monthly).toBeCloseTo(2190 + 4380 + 138 + 60, 9);
    expect(postgres.monthlyCommitted).toBeCloseTo(1460 + 2920 + 138 + 60, 9);
  });

  it('bills Multi-AZ RDS at the Multi-AZ rates, and no IOPS line at or below the baseline', () => {
    const bom = billOfMaterials(
      plan({
        services: [rds({ multiAz: true, readReplicas: 1, storageGiB: 100, storageType: 'gp3', iops: 3000 })],
      }),
      table,
    );
    const postgres = bom.lines.filter((entry) => entry.group === 'postgres');
    expect(
      postgres.map((entry) => [entry.item, entry.quantity, entry.unit, entry.billing, entry.unitPrice]),
    ).toEqual([
      ['RDS db.m5.large Multi-AZ (primary + standby)', 1, 'instance', 'hourly', 6],
      ['RDS db.m5.large read replica', 1, 'instance', 'hourly', 3],
      ['RDS gp3 storage (3 copies: primary, standby, 1 replica)', 300, 'GiB', 'monthly', 0.115],
    ]);
    expect(line(bom, 'RDS db.m5.large Multi-AZ (primary + standby)').monthlyCommitted).toBe(4 * 730);
    const alone = billOfMaterials(
      plan({
        services: [rds({ multiAz: false, readReplicas: 0, storageGiB: 100, storageType: 'gp3', iops: 3001 })],
      }),
      table,
    );
    expect(line(alone, 'RDS gp3 storage (1 copy: primary)').quantity).toBe(100);
    expect(line(alone, 'RDS gp3 IOPS above baseline').quantity).toBe(1);
    expect(alone.lines.some((entry) => entry.item.includes('read replica'))).toBe(false);
  });

  it('bills io1 RDS storage and its IOPS per copy, and refuses a storage type it has no price for', () => {
    const io1 = billOfMaterials(
      plan({
        services: [rds({ multiAz: true, readReplicas: 0, storageGiB: 100, storageType: 'io1', iops: 1000 })],
      }),
      table,
    );
    expect(line(io1, 'RDS io1 storage (2 copies: primary, standby)')).toMatchObject({
      quantity: 200,
      unit: 'GiB',
      billing: 'monthly',
      unitPrice: 0.125,
    });
    expect(line(io1, 'RDS io1 provisioned IOPS')).toMatchObject({
      quantity: 2000,
      unit: 'IOPS',
      billing: 'monthly',
      monthly: 200,
      unitPrice: 0.1,
    });
    const noIops = billOfMaterials(
      plan({ services: [rds({ multiAz: false, readReplicas: 0, storageType: 'io1', iops: undefined })] }),
      table,
    );
    expect(noIops.lines.some((entry) => entry.item === 'RDS io1 provisioned IOPS')).toBe(false);
    const io2 = () => billOfMaterials(plan({ services: [rds({ storageType: 'io2' })] }), table);
    expect(io2).toThrow(MissingPriceError);
    expect(io2).toThrow(
      "No AWS price for RDS storage type 'io2' in region 'us-west-2' (price table retrieved 2026-01-02); use gp3 or io1.",
    );
    try {
      io2();
    } catch (error) {
      expect(error).toMatchObject({ region: REGION, kind: 'rdsStorage', key: 'io2' });
    }
  });

  it('prices ElastiCache nodes by engine, and refuses Valkey without Valkey prices', () => {
    const bom = billOfMaterials(
      plan({
        services: [
          cache({
            role: 'redis-persistent',
            engine: 'redis',
            nodeType: 'cache.r5.large',
            replicas: 1,
            count: 2,
          }),
          cache({ role: 'redis-cache', engine: 'valkey', nodeType: 'cache.r5.large', replicas: 2, count: 3 }),
        ],
      }),
      table,
    );
    expect(line(bom, 'ElastiCache Redis OSS cache.r5.large (primary + 1 replica)')).toMatchObject({
      group: 'redis-persistent',
      quantity: 2,
      unit: 'node',
      unitPrice: 0.8,
      commitmentUnitPrice: 0.6,
      monthly: 2 * 0.8 * 730,
    });
    expect(line(bom, 'ElastiCache Valkey cache.r5.large (primary + 2 replicas)')).toMatchObject({
      group: 'redis-cache',
      quantity: 3,
      unitPrice: 0.4,
      commitmentUnitPrice: 0.3,
    });
    const unpriced = () =>
      billOfMaterials(plan({ services: [cache({ engine: 'valkey', nodeType: 'cache.m5.large' })] }), table);
    expect(unpriced).toThrow(
      "No AWS Valkey price for ElastiCache node type 'cache.m5.large' in region 'us-west-2' (price table retrieved 2026-01-02).",
    );
    try {
      unpriced();
    } catch (error) {
      expect(error).toBeInstanceOf(MissingPriceError);
      expect(error).toMatchObject({ region: REGION, kind: 'elasticache', key: 'cache.m5.large' });
    }
  });

  it('bills load balancers with their capacity units, public addresses for internet-facing ones only', () => {
    const bom = billOfMaterials(
      plan({
        services: [
          nlb({ role: 'external-load-balancer', scheme: 'internet-facing', count: 2 }),
          nlb({ role: 'internal-load-balancer', scheme: 'internal', count: 1 }),
        ],
      }),
      table,
    );
    const lb = bom.lines.filter((entry) => entry.group.endsWith('load-balancer'));
    expect(lb.map((entry) => [entry.group, entry.item, entry.quantity, entry.unit, entry.unitPrice])).toEqual(
      [
        ['external-load-balancer', 'NLB internet-facing', 2, 'load balancer', 0.0225],
        ['external-load-balancer', 'NLB capacity units', 2, 'LCU', 0.006],
        // 2 load balancers x 3 AZs
        ['external-load-balancer', 'Public IPv4 addresses (one per AZ)', 6, 'address', 0.005],
        ['internal-load-balancer', 'NLB internal', 1, 'load balancer', 0.0225],
        ['internal-load-balancer', 'NLB capacity units', 1, 'LCU', 0.006],
      ],
    );
    expect(lb.map((entry) => entry.assumption)).toEqual([
      undefined,
      'nlb-lcu',
      undefined,
      undefined,
      'nlb-lcu',
    ]);
    expect(bom.groups.find((group) => group.group === 'internal-load-balancer')?.monthly).toBeCloseTo(
      (0.0225 + 0.006) * 730,
      9,
    );
  });

  it('bills object storage at the assumed size and an EKS cluster with its node groups at desired size', () => {
    const eks: EksService = {
      kind: 'eks',
      nodeGroups: [
        {
          role: 'webservice-pool',
          instanceType: 'm5.2xlarge',
          arch: 'x86_64',
          minSize: 2,
          desiredSize: 4,
          maxSize: 8,
        },
      ],
      nodeRootVolume: { sizeGiB: 100, type: 'gp3' },
      toolboxVolume: { sizeGiB: 300, type: 'gp3' },
    } as unknown as EksService;
    const bom = billOfMaterials(plan({ services: [s3, eks] }), table);
    expect(line(bom, `S3 Standard storage (${s3.buckets.length} buckets)`)).toMatchObject({
      group: 'object-storage',
      quantity: 200,
      unit: 'GiB',
      billing: 'monthly',
      unitPrice: 0.023,
      assumption: 'object-storage',
      monthly: 200 * 0.023,
    });
    // The toolbox's volume for backups and restores, billed all month like any claimed volume.
    expect(line(bom, 'EBS gp3 toolbox volume')).toMatchObject({
      group: 'toolbox',
      quantity: 300,
      unit: 'GiB',
      billing: 'monthly',
      monthly: 300 * 0.08,
    });
    expect(line(bom, 'EKS cluster (standard support)')).toMatchObject({
      unit: 'cluster',
      billing: 'hourly',
      monthly: 0.1 * 730,
      group: 'kubernetes',
      quantity: 1,
      unitPrice: 0.1,
    });
    expect(line(bom, 'EC2 m5.2xlarge')).toMatchObject({
      group: 'webservice-pool',
      quantity: 4,
      monthly: 4 * 2 * 730,
    });
    // Each of the four nodes has a 100 GiB gp3 root volume at the baseline IOPS and throughput.
    expect(line(bom, 'EBS gp3 root volumes')).toMatchObject({
      group: 'webservice-pool',
      quantity: 4 * 100,
      unit: 'GiB',
      billing: 'monthly',
    });
    expect(bom.lines.filter((entry) => entry.group === 'webservice-pool')).toHaveLength(2);
  });

  it('bills NAT gateways, egress, the private zone, bastion addresses, secrets and alarms', () => {
    const bastion = (id: string) => node(id, 'bastion', 't3.micro', [], { subnet: 'public' });
    const bom = billOfMaterials(
      plan({
        nodes: [bastion('bastion-1'), bastion('bastion-2')],
        network: { ...base.network, natGateways: 2 },
        secrets: base.secrets.slice(0, 4),
        alarms: base.alarms.slice(0, 3),
      }),
      table,
    );
    expect(
      bom.lines.map((entry) => [
        entry.group,
        entry.item,
        entry.quantity,
        entry.unit,
        entry.billing,
        entry.unitPrice,
      ]),
    ).toEqual([
      ['bastion', 'EC2 t3.micro', 2, 'instance', 'hourly', 0.25],
      ['bastion', 'Public IPv4 addresses (Elastic IPs)', 2, 'address', 'hourly', 0.005],
      ['network', 'NAT gateways (one per AZ)', 2, 'gateway', 'hourly', 0.045],
      ['network', 'NAT gateway Elastic IPs', 2, 'address', 'hourly', 0.005],
      ['network', 'NAT gateway data processed', 100, 'GiB', 'usage', 0.046],
      ['network', 'Data transfer out to the internet', 100, 'GiB', 'usage', 0.09],
      ['network', `Route 53 private hosted zone (${base.privateDnsZone})`, 1, 'zone', 'monthly', 0.5],
      ['operations', 'Secrets Manager secrets', 4, 'secret', 'monthly', 0.4],
      ['operations', 'CloudWatch alarms (standard resolution)', 3, 'alarm', 'monthly', 0.1],
    ]);
    expect(bom.lines.map((entry) => entry.assumption)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'egress',
      'egress',
      undefined,
      undefined,
      'alarms',
    ]);
    // Usage items are not multiplied by 730 hours.
    expect(line(bom, 'Data transfer out to the internet').monthly).toBeCloseTo(9, 9);
    // network: 2 x 0.045 x 730 + 2 x 0.005 x 730 + 100 x 0.046 + 100 x 0.09 + 0.5
    const network = bom.groups.find((group) => group.group === 'network')!;
    expect(network.monthly).toBeCloseTo(65.7 + 7.3 + 4.6 + 9 + 0.5, 9);
    expect(network.monthlyCommitted).toBeCloseTo(network.monthly, 9);
    expect(bom.groups.map((group) => group.group)).toEqual(['bastion', 'network', 'operations']);
    // bastion 2 x 0.25 x 730 + 2 x 0.005 x 730 (committed: 2 x 0.125 x 730 + the same addresses)
    // operations 4 x 0.4 + 3 x 0.1
    expect(bom.total.monthly).toBeCloseTo(365 + 7.3 + 87.1 + 1.9, 9);
    expect(bom.total.monthlyCommitted).toBeCloseTo(182.5 + 7.3 + 87.1 + 1.9, 9);
  });

  it('refuses a service kind it does not know rather than leaving it out of the bill', () => {
    const unknown = { kind: 'dynamodb', id: 'table' } as unknown as EksService;
    expect(() => billOfMaterials(plan({ services: [unknown] }), table)).toThrow(
      'bill of materials: unknown service {"kind":"dynamodb","id":"table"}',
    );
  });

  it('leaves out lines with nothing to bill: no NAT gateways, no egress', () => {
    const noNat = billOfMaterials(plan({ network: { ...base.network, natGateways: 0 } }), table);
    expect(noNat.lines.map((entry) => entry.item)).toEqual([
      'Data transfer out to the internet',
      `Route 53 private hosted zone (${base.privateDnsZone})`,
      'Secrets Manager secrets',
      'CloudWatch alarms (standard resolution)',
    ]);
    const noEgress = billOfMaterials(
      { ...plan({}), spec: { ...base.spec, cost: { ...base.spec.cost, egressGiBPerMonth: 0 } } },
      table,
    );
    expect(noEgress.lines.some((entry) => entry.billing === 'usage')).toBe(false);
    expect(noEgress.lines.map((entry) => entry.item)).toContain('NAT gateways (one per AZ)');
  });

  it('states its region, currency, price table, hours, commitments and what it leaves out', () => {
    const bom = billOfMaterials(plan({}), table);
    expect(bom).toMatchObject({
      region: REGION,
      currency: 'USD',
      priceTableRetrieved: '2026-01-02',
      hoursPerMonth: 730,
      commitment: table.commitments,
      notCounted: NOT_COUNTED,
    });
    expect(NOT_COUNTED).toHaveLength(3);
    for (const text of NOT_COUNTED) expect(text.length).toBeGreaterThan(40);
  });

  it("bills Cloud Native Hybrid's ALB behind the NLB, with its capacity units and addresses, and only where there is one", () => {
    const hybrid = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    const edge = externalLoadBalancer(hybrid);
    const bom = billOfMaterials(plan({ services: [edge!] }), table);
    const lb = bom.lines.filter((entry) => entry.group === 'external-load-balancer');
    expect(
      lb.map((entry) => [entry.item, entry.quantity, entry.unit, entry.unitPrice, entry.assumption]),
    ).toEqual([
      ['NLB internet-facing', 1, 'load balancer', 0.0225, undefined],
      ['NLB capacity units', 1, 'LCU', 0.006, 'nlb-lcu'],
      ['Public IPv4 addresses (one per AZ)', 3, 'address', 0.005, undefined],
      ['ALB internet-facing', 1, 'load balancer', 0.0226, undefined],
      ['ALB capacity units', 1, 'LCU', 0.008, 'alb-lcu'],
      ['ALB public IPv4 addresses (one per AZ)', 3, 'address', 0.005, undefined],
    ]);
    expect(bom.groups.find((group) => group.group === 'external-load-balancer')?.monthly).toBeCloseTo(
      (0.0225 + 0.006 + 3 * 0.005 + 0.0226 + 0.008 + 3 * 0.005) * 730,
      9,
    );
    expect(bom.assumptions.find((entry) => entry.id === 'alb-lcu')?.value).toBe('1');
    const linux = billOfMaterials(plan({}), table);
    expect(linux.lines.filter((entry) => entry.item.startsWith('ALB'))).toEqual([]);
    expect(linux.assumptions.map((entry) => entry.id)).not.toContain('alb-lcu');
  });

  it('lists every assumption with what it is, its value, and the spec field and default that set it', () => {
    const bom = billOfMaterials(plan({}), table);
    const byId = Object.fromEntries(bom.assumptions.map((entry) => [entry.id, entry]));
    expect(Object.keys(byId)).toEqual([
      'hours',
      'object-storage',
      'egress',
      'nlb-lcu',
      'desired-capacity',
      'alarms',
      'public-zone',
    ]);
    for (const entry of bom.assumptions) expect(entry.what.length, entry.id).toBeGreaterThan(20);
    expect(byId.hours).toEqual({ id: 'hours', what: expect.any(String), value: '730' });
    expect(byId['object-storage']).toMatchObject({ value: '200', field: 'cost.storageGiB', default: '1000' });
    expect(byId.egress).toMatchObject({ value: '100', field: 'cost.egressGiBPerMonth', default: '500' });
    expect(byId['nlb-lcu']).toEqual({ id: 'nlb-lcu', what: expect.any(String), value: '1' });
    // poc: one rails group of 2.
    expect(byId['desired-capacity']?.value).toBe('rails 2');
    // poc's 13 alarms: rails scale out + in, gitaly-1 recovery, 10 notifying (5xx, RDS 2, Redis 3,
    // target ports 22, 80, 8081, 5050).
    expect(byId.alarms?.value).toBe('13');
    expect(byId.alarms?.what).toContain(': 2 scale out/in');
    expect(byId.alarms?.what).toContain(', 1 instance recovery');
    expect(byId.alarms?.what).toContain(', 10 notifying');
    expect(byId['public-zone']).toMatchObject({ value: '0 zones' });
    expect(byId['public-zone']?.what).toContain('(example.com)');

    const bare = billOfMaterials(
      {
        ...plan({ autoScalingGroups: [] }),
        spec: { ...base.spec, domain: { ...base.spec.domain, hostedZone: undefined } },
      },
      table,
    );
    const bareById = Object.fromEntries(bare.assumptions.map((entry) => [entry.id, entry]));
    expect(bareById['desired-capacity']?.value).toBe('none');
    expect(bareById['public-zone']?.what).toContain('(the domain parent)');

    const rails = base.autoScalingGroups[0]!;
    const twoGroups = billOfMaterials(
      plan({ autoScalingGroups: [rails, { ...rails, id: 'sidekiq', role: 'sidekiq', desiredCapacity: 1 }] }),
      table,
    );
    expect(twoGroups.assumptions.find((entry) => entry.id === 'desired-capacity')?.value).toBe(
      'rails 2, sidekiq 1',
    );
  });
});
