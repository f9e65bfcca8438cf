/**
 * Bills of materials computed by hand. Quantities below are read off GitLab's pages and the Plan's
 * documented rules (not from the code under test); unit prices are the price table's own entries.
 */
import { describe, expect, it } from 'vitest';
import { EKS_CALENDAR_READ_ON, EKS_VERSIONS } from '../../src/catalog/eks-versions.js';
import { GITALY_DISK_IOPS, KUBERNETES_VERSION } from '../../src/catalog/gitlab-requirements.js';
import { SPEC_SIZES } from '../../src/catalog/types.js';
import { type Bom, billOfMaterials } from '../../src/cost/bom.js';
import { loadPriceTable, MissingPriceError } from '../../src/cost/prices.js';
import { planFor } from '../fixtures/plans.js';

const table = loadPriceTable();
const prices = table.regions['us-west-2']!;
const H = 730;

/** One expected line: group, item, quantity, monthly factor (730 for hourly), unit price, commitment price. */
type Expected = [group: string, item: string, quantity: number, hours: number, unit: number, commit?: number];

function ec2(type: string) {
  const entry = prices.ec2[type]!;
  return [entry.onDemandHourly, entry.commitment1yHourly] as const;
}

function expectBom(bom: Bom, expected: readonly Expected[]): void {
  expect(bom.lines.map((l) => [l.group, l.item])).toEqual(expected.map(([group, item]) => [group, item]));
  expected.forEach(([group, item, quantity, hours, unit, commit], index) => {
    const actual = bom.lines[index]!;
    expect(actual, `${group} ${item}`).toMatchObject({ quantity, unitPrice: unit });
    expect(actual.monthly, `${group} ${item}`).toBeCloseTo(quantity * unit * hours, 6);
    expect(actual.monthlyCommitted, `${group} ${item}`).toBeCloseTo(quantity * (commit ?? unit) * hours, 6);
  });
  const onDemand = expected.reduce((sum, [, , q, h, u]) => sum + q * u * h, 0);
  const committed = expected.reduce((sum, [, , q, h, u, c]) => sum + q * (c ?? u) * h, 0);
  expect(bom.total.monthly).toBeCloseTo(onDemand, 6);
  expect(bom.total.monthlyCommitted).toBeCloseTo(committed, 6);
}

const { ebs, rdsStorage, network, other } = prices;

describe('bill of materials', () => {
  it('matches the poc plan line by line', () => {
    // poc (AWS install guide): 2 Rails c5.2xlarge (100 GiB root each), 1 Gitaly m5.xlarge (50 GiB root,
    // 500 GiB gp3 data), RDS db.m5.large Multi-AZ with 100 GiB gp3 (twice: primary and standby),
    // 3 ElastiCache cache.m5.large, 3 AZs (3 NAT gateways, 3 NLB addresses), 6 secrets (single Gitaly),
    // 13 alarms: rails out/in 2 + gitaly-1 recovery 1 + 5xx rate 1 + RDS 2 + 3 ElastiCache nodes 3
    // + NLB target ports 22, 80 (HTTPS), 8081 (redirect) and 5050 (registry).
    const bom = billOfMaterials(planFor({ architecture: { size: 'poc' } }), table);
    const rds = prices.rds['db.m5.large']!;
    // The Plan runs Valkey, so its nodes are billed at the Valkey rates.
    const cache = prices.elasticache['cache.m5.large']!.valkey!;
    expectBom(bom, [
      ['rails', 'EC2 c5.2xlarge', 2, H, ...ec2('c5.2xlarge')],
      ['rails', 'EBS gp3 root volumes', 200, 1, ebs.gp3GBMonth],
      ['gitaly', 'EC2 m5.xlarge', 1, H, ...ec2('m5.xlarge')],
      ['gitaly', 'EBS gp3 root volume', 50, 1, ebs.gp3GBMonth],
      ['gitaly', 'EBS gp3 git-data volume', 500, 1, ebs.gp3GBMonth],
      // GitLab's 8,000 IOPS for Gitaly, above gp3's 3,000 baseline.
      [
        'gitaly',
        'EBS gp3 IOPS above 3,000 (git-data volume)',
        GITALY_DISK_IOPS.read - 3000,
        1,
        ebs.gp3IopsMonth,
      ],
      [
        'postgres',
        'RDS db.m5.large Multi-AZ (primary + standby)',
        1,
        H,
        rds.multiAzHourly,
        rds.commitment1yMultiAzHourly,
      ],
      ['postgres', 'RDS gp3 storage (2 copies: primary, standby)', 200, 1, rdsStorage.gp3GBMonth],
      [
        'redis',
        'ElastiCache Valkey cache.m5.large (primary + 2 replicas)',
        3,
        H,
        cache.onDemandHourly,
        cache.commitment1yHourly,
      ],
      ['object-storage', 'S3 Standard storage (11 buckets)', 1000, 1, other.s3StandardGBMonth],
      ['external-load-balancer', 'NLB internet-facing', 1, H, network.nlbHourly],
      ['external-load-balancer', 'NLB capacity units', 1, H, network.nlbLcuHourly],
      ['external-load-balancer', 'Public IPv4 addresses (one per AZ)', 3, H, network.publicIpv4Hourly],
      ['network', 'NAT gateways (one per AZ)', 3, H, network.natGatewayHourly],
      ['network', 'NAT gateway Elastic IPs', 3, H, network.publicIpv4Hourly],
      ['network', 'NAT gateway data processed', 500, 1, network.natGatewayPerGB],
      ['network', 'Data transfer out to the internet', 500, 1, network.dataTransferOutPerGB],
      ['network', 'Route 53 private hosted zone (gitlab-test.internal)', 1, 1, other.route53HostedZoneMonth],
      ['operations', 'Secrets Manager secrets', 6, 1, other.secretsManagerSecretMonth],
      ['operations', 'CloudWatch alarms (standard resolution)', 13, 1, other.cloudwatchAlarmMonth],
    ]);
  });

  it('matches the 3k Graviton plan line by line', () => {
    // 3k page: 3 Rails, 2 Sidekiq, 3 Gitaly, 3 Praefect, 1 monitoring; Graviton twins of c5/m5; and
    // the backup node, the Sidekiq machine with a staging volume of the database's 100 GiB.
    // 8 secrets (Gitaly Cluster); 26 alarms: 2 ASGs x 2 + 8 fixed nodes + 5xx rate 1 + RDS 2 x 2
    // (GitLab's and Praefect's instances) + 3 ElastiCache nodes + NLB target ports 22, 80, 8081, 5050,
    // 2305 + the scheduled backup's failure.
    const bom = billOfMaterials(planFor({ architecture: { size: '3k', cpu: 'graviton' } }), table);
    const rds = prices.rds['db.m7g.large']!;
    const cache = prices.elasticache['cache.r7g.large']!.valkey!;
    expectBom(bom, [
      ['rails', 'EC2 c7g.2xlarge', 3, H, ...ec2('c7g.2xlarge')],
      ['rails', 'EBS gp3 root volumes', 300, 1, ebs.gp3GBMonth],
      ['sidekiq', 'EC2 m7g.xlarge', 2, H, ...ec2('m7g.xlarge')],
      ['sidekiq', 'EBS gp3 root volumes', 200, 1, ebs.gp3GBMonth],
      ['gitaly', 'EC2 m7g.xlarge', 3, H, ...ec2('m7g.xlarge')],
      ['gitaly', 'EBS gp3 root volumes', 150, 1, ebs.gp3GBMonth],
      ['gitaly', 'EBS gp3 git-data volumes', 1500, 1, ebs.gp3GBMonth],
      [
        'gitaly',
        'EBS gp3 IOPS above 3,000 (git-data volumes)',
        3 * (GITALY_DISK_IOPS.read - 3000),
        1,
        ebs.gp3IopsMonth,
      ],
      ['praefect', 'EC2 c7g.large', 3, H, ...ec2('c7g.large')],
      ['praefect', 'EBS gp3 root volumes', 150, 1, ebs.gp3GBMonth],
      ['monitoring', 'EC2 c7g.large', 1, H, ...ec2('c7g.large')],
      ['monitoring', 'EBS gp3 root volume', 100, 1, ebs.gp3GBMonth],
      ['backup', 'EC2 m7g.xlarge', 1, H, ...ec2('m7g.xlarge')],
      ['backup', 'EBS gp3 root volume', 100, 1, ebs.gp3GBMonth],
      ['backup', 'EBS gp3 backup-staging volume', 100, 1, ebs.gp3GBMonth],
      [
        'postgres',
        'RDS db.m7g.large Multi-AZ (primary + standby)',
        1,
        H,
        rds.multiAzHourly,
        rds.commitment1yMultiAzHourly,
      ],
      ['postgres', 'RDS gp3 storage (2 copies: primary, standby)', 200, 1, rdsStorage.gp3GBMonth],
      // Praefect's own instance: the "Praefect PostgreSQL" row (2 vCPU) on its Graviton class.
      [
        'praefect-postgres',
        'RDS db.m7g.large Multi-AZ (primary + standby)',
        1,
        H,
        rds.multiAzHourly,
        rds.commitment1yMultiAzHourly,
      ],
      ['praefect-postgres', 'RDS gp3 storage (2 copies: primary, standby)', 40, 1, rdsStorage.gp3GBMonth],
      [
        'redis',
        'ElastiCache Valkey cache.r7g.large (primary + 2 replicas)',
        3,
        H,
        cache.onDemandHourly,
        cache.commitment1yHourly,
      ],
      ['object-storage', 'S3 Standard storage (11 buckets)', 1000, 1, other.s3StandardGBMonth],
      ['external-load-balancer', 'NLB internet-facing', 1, H, network.nlbHourly],
      ['external-load-balancer', 'NLB capacity units', 1, H, network.nlbLcuHourly],
      ['external-load-balancer', 'Public IPv4 addresses (one per AZ)', 3, H, network.publicIpv4Hourly],
      ['internal-load-balancer', 'NLB internal', 1, H, network.nlbHourly],
      ['internal-load-balancer', 'NLB capacity units', 1, H, network.nlbLcuHourly],
      ['network', 'NAT gateways (one per AZ)', 3, H, network.natGatewayHourly],
      ['network', 'NAT gateway Elastic IPs', 3, H, network.publicIpv4Hourly],
      ['network', 'NAT gateway data processed', 500, 1, network.natGatewayPerGB],
      ['network', 'Data transfer out to the internet', 500, 1, network.dataTransferOutPerGB],
      ['network', 'Route 53 private hosted zone (gitlab-test.internal)', 1, 1, other.route53HostedZoneMonth],
      ['operations', 'Secrets Manager secrets', 8, 1, other.secretsManagerSecretMonth],
      ['operations', 'CloudWatch alarms (standard resolution)', 26, 1, other.cloudwatchAlarmMonth],
    ]);
  });

  it('bills provisioned IOPS and throughput above the baselines, Multi-AZ storage twice, and read replicas', () => {
    const bom = billOfMaterials(
      planFor({
        architecture: { size: '3k', cpu: 'graviton' },
        gitaly: { iops: 5000, throughputMiBps: 250 },
        database: { storageGiB: 500, storageType: 'io1', iops: 6000, readReplicas: 1 },
      }),
      table,
    );
    const find = (item: string) => bom.lines.find((l) => l.item === item);
    // 3 Gitaly volumes x (5000 - 3000) IOPS and x (250 - 125) MiB/s.
    expect(find('EBS gp3 IOPS above 3,000 (git-data volumes)')?.quantity).toBe(6000);
    expect(find('EBS gp3 throughput above 125 MiB/s (git-data volumes)')?.quantity).toBe(375);
    // io1: primary + standby + 1 replica = 3 copies of 500 GiB and of 6000 IOPS.
    expect(find('RDS io1 storage (3 copies: primary, standby, 1 replica)')).toMatchObject({
      quantity: 1500,
      unitPrice: rdsStorage.io1GBMonth,
    });
    expect(find('RDS io1 provisioned IOPS')).toMatchObject({
      quantity: 18000,
      unitPrice: rdsStorage.io1IopsMonth,
    });
    expect(find('RDS db.m7g.large read replica')).toMatchObject({
      quantity: 1,
      unitPrice: prices.rds['db.m7g.large']!.singleAzHourly,
    });
  });

  it('counts bastions with their public addresses, and an EKS cluster with its node groups', () => {
    const hybrid = billOfMaterials(
      planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid', cpu: 'graviton' } }),
      table,
    );
    expect(hybrid.lines.find((l) => l.group === 'kubernetes')).toMatchObject({
      item: 'EKS cluster (standard support)',
      quantity: 1,
      unitPrice: other.eksClusterHourly,
    });
    expect(hybrid.groups.map((g) => g.group)).toEqual(
      expect.arrayContaining(['webservice-pool', 'sidekiq-pool', 'supporting-pool']),
    );
  });

  it('prices an EKS cluster past standard support at the extended-support rate', () => {
    const hybrid = { architecture: { type: 'cloud-native-hybrid' } } as const;
    const clusterLine = (today: string) =>
      billOfMaterials(planFor(hybrid, { today }), table).lines.find((l) => l.group === 'kubernetes');
    const { endOfStandardSupport } = EKS_VERSIONS[KUBERNETES_VERSION]!;
    expect(clusterLine(endOfStandardSupport)).toMatchObject({
      item: 'EKS cluster (extended support)',
      unitPrice: other.eksExtendedSupportClusterHourly,
    });
    expect(other.eksExtendedSupportClusterHourly).toBeGreaterThan(other.eksClusterHourly);
    expect(clusterLine(EKS_CALENDAR_READ_ON)).toMatchObject({ unitPrice: other.eksClusterHourly });
  });

  it('uses the cost assumptions of the spec and lists them with their field and default', () => {
    const bom = billOfMaterials(
      planFor({ architecture: { size: 'poc' }, cost: { storageGiB: 20000, egressGiBPerMonth: 0 } }),
      table,
    );
    expect(bom.lines.find((l) => l.group === 'object-storage')?.quantity).toBe(20000);
    expect(bom.lines.some((l) => l.assumption === 'egress')).toBe(false);
    expect(bom.assumptions.find((a) => a.id === 'object-storage')).toMatchObject({
      field: 'cost.storageGiB',
      value: '20000',
      default: '1000',
    });
  });

  it.each(
    SPEC_SIZES.flatMap((size) => [
      { size, type: 'linux-package' as const },
      ...(size === 'poc' || size === '1k' ? [] : [{ size, type: 'cloud-native-hybrid' as const }]),
    ]),
  )('bills exactly the alarms of the $size $type Plan', (architecture) => {
    const plan = planFor({ architecture, redis: { nodeType: 'cache.r7g.xlarge' } });
    const bom = billOfMaterials(plan, table);
    expect(bom.lines.find((l) => l.item.startsWith('CloudWatch alarms'))?.quantity).toBe(plan.alarms.length);
    expect(bom.assumptions.find((a) => a.id === 'alarms')?.value).toBe(String(plan.alarms.length));
  });
});

describe('a missing price', () => {
  it('is an error naming the type and region, never a zero', () => {
    // cache.m6g.3xlarge is a real node type the price table does not carry.
    expect(() =>
      billOfMaterials(
        planFor({ architecture: { size: '3k' }, redis: { nodeType: 'cache.m6g.3xlarge' } }),
        table,
      ),
    ).toThrow(
      new MissingPriceError(
        "No AWS price for ElastiCache node type 'cache.m6g.3xlarge' in region 'us-west-2' (price table retrieved 2025-04-05).",
        'us-west-2',
        'elasticache',
        'cache.m6g.3xlarge',
      ),
    );
  });

  it('never prices Valkey nodes at Redis OSS rates when the Valkey rate is missing', () => {
    const withoutValkey = structuredClone(table);
    delete (withoutValkey.regions['us-west-2']!.elasticache['cache.m5.large'] as { valkey?: unknown }).valkey;
    expect(() => billOfMaterials(planFor({ architecture: { size: 'poc' } }), withoutValkey)).toThrow(
      /No AWS Valkey price for ElastiCache node type 'cache\.m5\.large' in region 'us-west-2'/,
    );
  });

  it('prices every default plan, bastions included, and names a missing region', () => {
    for (const size of ['poc', '3k', '50k'] as const) {
      const bom = billOfMaterials(planFor({ architecture: { size }, access: { admin: 'bastion' } }), table);
      expect(
        bom.lines.some((line) => line.item.includes('t3.micro')),
        size,
      ).toBe(true);
      expect(bom.total.monthly, size).toBeGreaterThan(0);
    }
    expect(() =>
      billOfMaterials(planFor({ architecture: { size: 'poc' }, region: 'sa-east-1' }), table),
    ).toThrow(/No AWS prices for region 'sa-east-1'/);
  });

  it('is an error for RDS io2 storage, which the table does not price', () => {
    expect(() =>
      billOfMaterials(
        planFor({ architecture: { size: 'poc' }, database: { storageType: 'io2', iops: 3000 } }),
        table,
      ),
    ).toThrow(/RDS storage type 'io2'/);
  });
});
