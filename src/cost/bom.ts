/**
 * Plan -> bill of materials: every billable item of the planned environment with its quantity,
 * unit, unit price and monthly cost, grouped by role, with totals on demand and with 1-year
 * commitments. Pure: the Plan and the price table in, data out; sizing is read from the Plan, never
 * re-derived.
 *
 * A price the table lacks is a MissingPriceError naming the region and the type (never a zero).
 * Usage-based items (S3 GiB, NAT and internet GiB, NLB capacity units) rest on assumptions that are
 * returned with the bill, each with the spec field that sets it and its default.
 */
import { nodeRoles, nodesOf } from '../plan/query.js';
import type { AlarmAction, Plan, PlanNode, RdsService, VolumePlan } from '../plan/types.js';
import { specSchema } from '../spec/schema.js';
import { MissingPriceError, type PriceTable, priceOf } from './prices.js';
import { type RunnerFleetCost, runnerFleetCost } from './runner-fleet.js';

/** AWS bills hourly items for 730 hours a month (its calculator's convention: 24 x 365 / 12). */
export const HOURS_PER_MONTH = 730;

/** gp3 EBS volumes include 3,000 IOPS and 125 MiB/s; only what is provisioned above is billed. */
export const EBS_GP3_BASELINE = { iops: 3000, throughputMiBps: 125 } as const;

/**
 * RDS gp3 storage includes a baseline that depends on the allocated size (PostgreSQL): 3,000 IOPS
 * and 125 MiB/s below 400 GiB, 12,000 IOPS and 500 MiB/s from 400 GiB (Amazon RDS User Guide,
 * "Amazon RDS DB instance storage", gp3 storage).
 */
export function rdsGp3Baseline(storageGiB: number): { iops: number; throughputMiBps: number } {
  return storageGiB < 400 ? { iops: 3000, throughputMiBps: 125 } : { iops: 12000, throughputMiBps: 500 };
}

/**
 * NLB capacity units assumed per load balancer and hour. One NLCU covers, per hour, 1 GB processed,
 * 800 new TCP (50 new TLS) connections per second or 100,000 (3,000 TLS) active connections; AWS
 * bills the highest dimension. The default egress assumption (500 GiB a month, about 0.7 GB an hour)
 * fits in one unit.
 */
export const NLB_LCU_PER_HOUR = 1;

/**
 * ALB capacity units assumed per load balancer and hour (Cloud Native Hybrid). One LCU covers, per
 * hour, 1 GB processed, 25 new connections per second, 3,000 active connections per minute or 1,000
 * rule evaluations per second; AWS bills the highest dimension. The same traffic as the NLB's.
 */
export const ALB_LCU_PER_HOUR = 1;

export type AssumptionId =
  | 'hours'
  | 'object-storage'
  | 'egress'
  | 'nlb-lcu'
  | 'alb-lcu'
  | 'desired-capacity'
  | 'alarms'
  | 'public-zone';

export interface BomAssumption {
  readonly id: AssumptionId;
  readonly what: string;
  readonly value: string;
  /** Spec field that sets it, when one does. */
  readonly field?: string;
  /** The field's default, when it has one. */
  readonly default?: string;
}

export interface BomLine {
  /** Role (or `network`, `operations`) the item belongs to. */
  readonly group: string;
  readonly item: string;
  readonly quantity: number;
  /** What one unit is: `instance`, `GiB`, `IOPS`... */
  readonly unit: string;
  /**
   * `hourly`: priced per unit-hour, billed 730 hours; `monthly`: per unit-month (GiB-month,
   * IOPS-month, secret-month...); `usage`: per unit used in the month (GiB transferred).
   */
  readonly billing: 'hourly' | 'monthly' | 'usage';
  /** On-demand USD per unit (per hour for hourly items). */
  readonly unitPrice: number;
  /** 1-year commitment USD per unit, for instance items whose table entry has one. */
  readonly commitmentUnitPrice?: number;
  /** On-demand USD a month. */
  readonly monthly: number;
  /** USD a month with the commitment rate where there is one, else on demand. */
  readonly monthlyCommitted: number;
  /** Assumption the quantity rests on. */
  readonly assumption?: AssumptionId;
}

export interface BomGroup {
  readonly group: string;
  readonly monthly: number;
  readonly monthlyCommitted: number;
}

export interface Bom {
  readonly region: string;
  readonly currency: 'USD';
  readonly priceTableRetrieved: string;
  readonly hoursPerMonth: number;
  /** What the committed total means, from the price table. */
  readonly commitment: { readonly ec2: string; readonly rds: string; readonly elasticache: string };
  readonly lines: readonly BomLine[];
  readonly groups: readonly BomGroup[];
  readonly total: { readonly monthly: number; readonly monthlyCommitted: number };
  readonly assumptions: readonly BomAssumption[];
  /** Billable things the estimate leaves out, and why. */
  readonly notCounted: readonly string[];
  /** The runner fleet's job instances idle and busy, at Spot and on demand (its manager and idle instances are in the lines). */
  readonly runners?: RunnerFleetCost;
}

/** Things an environment may be billed for that the table cannot price or the Plan cannot size. */
export const NOT_COUNTED: readonly string[] = [
  'EBS snapshots, RDS backup storage beyond the free allowance and AWS Backup (grow with data and retention)',
  'KMS keys and requests, S3 requests, Route 53 queries, CloudWatch metrics and logs (incl. VPC flow logs): no usage figures',
  'Data transfer between AZs, taxes and support plans',
];

const SPEC_COST_DEFAULTS = specSchema.shape.cost.parse(undefined);

interface Rate {
  readonly onDemand: number;
  readonly commitment?: number;
}

function line(
  group: string,
  item: string,
  quantity: number,
  unit: string,
  billing: BomLine['billing'],
  rate: Rate,
  assumption?: AssumptionId,
): BomLine {
  const hours = billing === 'hourly' ? HOURS_PER_MONTH : 1;
  const monthly = quantity * rate.onDemand * hours;
  return {
    group,
    item,
    quantity,
    unit,
    billing,
    unitPrice: rate.onDemand,
    ...(rate.commitment !== undefined ? { commitmentUnitPrice: rate.commitment } : {}),
    monthly,
    monthlyCommitted: rate.commitment !== undefined ? quantity * rate.commitment * hours : monthly,
    ...(assumption ? { assumption } : {}),
  };
}

/** Items of `values` grouped by a key, in first-seen order. */
function groupBy<T>(values: readonly T[], key: (value: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const value of values) groups.set(key(value), [...(groups.get(key(value)) ?? []), value]);
  return [...groups];
}

function ec2Lines(table: PriceTable, region: string, group: string, instanceType: string, count: number) {
  const price = priceOf(table, region, 'ec2', instanceType);
  return line(group, `EC2 ${instanceType}`, count, 'instance', 'hourly', {
    onDemand: price.onDemandHourly,
    commitment: price.commitment1yHourly,
  });
}

/** EBS lines of one role's volumes of one purpose and type: GiB, then IOPS and throughput above baseline. */
function volumeLines(table: PriceTable, region: string, group: string, volumes: readonly VolumePlan[]) {
  const first = volumes[0]!;
  const what = `${first.purpose} volume${volumes.length === 1 ? '' : 's'}`;
  const gib = volumes.reduce((sum, volume) => sum + volume.sizeGiB, 0);
  const lines: BomLine[] = [];
  if (first.type === 'gp3') {
    const iops = volumes.reduce((sum, v) => sum + Math.max((v.iops ?? 0) - EBS_GP3_BASELINE.iops, 0), 0);
    const throughput = volumes.reduce(
      (sum, v) => sum + Math.max((v.throughputMiBps ?? 0) - EBS_GP3_BASELINE.throughputMiBps, 0),
      0,
    );
    lines.push(
      line(group, `EBS gp3 ${what}`, gib, 'GiB', 'monthly', {
        onDemand: priceOf(table, region, 'ebs', 'gp3GBMonth'),
      }),
    );
    if (iops > 0) {
      lines.push(
        line(group, `EBS gp3 IOPS above 3,000 (${what})`, iops, 'IOPS', 'monthly', {
          onDemand: priceOf(table, region, 'ebs', 'gp3IopsMonth'),
        }),
      );
    }
    if (throughput > 0) {
      lines.push(
        line(group, `EBS gp3 throughput above 125 MiB/s (${what})`, throughput, 'MiB/s', 'monthly', {
          onDemand: priceOf(table, region, 'ebs', 'gp3ThroughputMiBpsMonth'),
        }),
      );
    }
    return lines;
  }
  const gbKey = first.type === 'io1' ? 'io1GBMonth' : 'io2GBMonth';
  const iopsKey = first.type === 'io1' ? 'io1IopsMonth' : 'io2IopsMonth';
  const iops = volumes.reduce((sum, volume) => sum + (volume.iops ?? 0), 0);
  lines.push(
    line(group, `EBS ${first.type} ${what}`, gib, 'GiB', 'monthly', {
      onDemand: priceOf(table, region, 'ebs', gbKey),
    }),
  );
  if (iops > 0) {
    lines.push(
      line(group, `EBS ${first.type} provisioned IOPS (${what})`, iops, 'IOPS', 'monthly', {
        onDemand: priceOf(table, region, 'ebs', iopsKey),
      }),
    );
  }
  return lines;
}

function nodeLines(table: PriceTable, plan: Plan): BomLine[] {
  return nodeRoles(plan).flatMap((role) => {
    const nodes = nodesOf(plan, role);
    const instances = groupBy(nodes, (node) => node.instanceType).map(([type, members]) =>
      ec2Lines(table, plan.region, role, type, members.length),
    );
    const volumes = nodes.flatMap((node: PlanNode) => node.volumes);
    const storage = groupBy(volumes, (volume) => `${volume.purpose} ${volume.type}`).flatMap(([, same]) =>
      volumeLines(table, plan.region, role, same),
    );
    return [...instances, ...storage];
  });
}

function rdsLines(table: PriceTable, plan: Plan, rds: RdsService): BomLine[] {
  const { region } = plan;
  const price = priceOf(table, region, 'rds', rds.instanceClass);
  const group = rds.role;
  const lines: BomLine[] = [
    rds.multiAz
      ? line(group, `RDS ${rds.instanceClass} Multi-AZ (primary + standby)`, 1, 'instance', 'hourly', {
          onDemand: price.multiAzHourly,
          commitment: price.commitment1yMultiAzHourly,
        })
      : line(group, `RDS ${rds.instanceClass} Single-AZ`, 1, 'instance', 'hourly', {
          onDemand: price.singleAzHourly,
          commitment: price.commitment1yHourly,
        }),
  ];
  if (rds.readReplicas > 0) {
    lines.push(
      line(group, `RDS ${rds.instanceClass} read replica`, rds.readReplicas, 'instance', 'hourly', {
        onDemand: price.singleAzHourly,
        commitment: price.commitment1yHourly,
      }),
    );
  }
  // Multi-AZ keeps a synchronous copy of the storage (and its IOPS) in the standby's AZ: billed twice.
  // Each read replica has its own single-AZ copy.
  const copies = (rds.multiAz ? 2 : 1) + rds.readReplicas;
  const where = `${copies} cop${copies === 1 ? 'y' : 'ies'}: ${rds.multiAz ? 'primary, standby' : 'primary'}${rds.readReplicas > 0 ? `, ${rds.readReplicas} replica${rds.readReplicas === 1 ? '' : 's'}` : ''}`;
  const gib = rds.storageGiB * copies;
  if (rds.storageType === 'gp3') {
    lines.push(
      line(group, `RDS gp3 storage (${where})`, gib, 'GiB', 'monthly', {
        onDemand: priceOf(table, region, 'rdsStorage', 'gp3GBMonth'),
      }),
    );
    const extraIops = Math.max((rds.iops ?? 0) - rdsGp3Baseline(rds.storageGiB).iops, 0) * copies;
    if (extraIops > 0) {
      lines.push(
        line(group, 'RDS gp3 IOPS above baseline', extraIops, 'IOPS', 'monthly', {
          onDemand: priceOf(table, region, 'rdsStorage', 'gp3IopsMonth'),
        }),
      );
    }
  } else if (rds.storageType === 'io1') {
    lines.push(
      line(group, `RDS io1 storage (${where})`, gib, 'GiB', 'monthly', {
        onDemand: priceOf(table, region, 'rdsStorage', 'io1GBMonth'),
      }),
    );
    if (rds.iops) {
      lines.push(
        line(group, 'RDS io1 provisioned IOPS', rds.iops * copies, 'IOPS', 'monthly', {
          onDemand: priceOf(table, region, 'rdsStorage', 'io1IopsMonth'),
        }),
      );
    }
  } else {
    throw new MissingPriceError(
      `No AWS price for RDS storage type '${rds.storageType}' in region '${region}' ` +
        `(price table retrieved ${table.retrieved}); use gp3 or io1.`,
      region,
      'rdsStorage',
      rds.storageType,
    );
  }
  return lines;
}

function serviceLines(table: PriceTable, plan: Plan): BomLine[] {
  const { region } = plan;
  return plan.services.flatMap((service): BomLine[] => {
    switch (service.kind) {
      case 'rds':
        return rdsLines(table, plan, service);
      case 'elasticache': {
        const redisPrice = priceOf(table, region, 'elasticache', service.nodeType);
        // Valkey nodes have their own (lower) rates; a table without them must not price Valkey as Redis.
        const price = service.engine === 'valkey' ? redisPrice.valkey : redisPrice;
        if (!price) {
          throw new MissingPriceError(
            `No AWS Valkey price for ElastiCache node type '${service.nodeType}' in region '${region}' (price table retrieved ${table.retrieved}).`,
            region,
            'elasticache',
            service.nodeType,
          );
        }
        const engine = service.engine === 'valkey' ? 'Valkey' : 'Redis OSS';
        return [
          line(
            service.role,
            `ElastiCache ${engine} ${service.nodeType} (primary + ${service.replicas} replica${service.replicas === 1 ? '' : 's'})`,
            service.count,
            'node',
            'hourly',
            { onDemand: price.onDemandHourly, commitment: price.commitment1yHourly },
          ),
        ];
      }
      case 's3':
        return [
          line(
            service.role,
            `S3 Standard storage (${service.buckets.length} buckets)`,
            plan.spec.cost.storageGiB,
            'GiB',
            'monthly',
            { onDemand: priceOf(table, region, 'other', 's3StandardGBMonth') },
            'object-storage',
          ),
        ];
      case 'nlb': {
        const lines = [
          line(service.role, `NLB ${service.scheme}`, service.count, 'load balancer', 'hourly', {
            onDemand: priceOf(table, region, 'network', 'nlbHourly'),
          }),
          line(
            service.role,
            'NLB capacity units',
            service.count * NLB_LCU_PER_HOUR,
            'LCU',
            'hourly',
            { onDemand: priceOf(table, region, 'network', 'nlbLcuHourly') },
            'nlb-lcu',
          ),
        ];
        if (service.scheme === 'internet-facing') {
          // An internet-facing NLB holds one public IPv4 address per subnet (one per AZ).
          lines.push(
            line(
              service.role,
              'Public IPv4 addresses (one per AZ)',
              service.count * plan.availabilityZones.length,
              'address',
              'hourly',
              { onDemand: priceOf(table, region, 'network', 'publicIpv4Hourly') },
            ),
          );
        }
        const application = service.applicationLoadBalancer;
        if (application) {
          // Cloud Native Hybrid's ALB behind the NLB, with its own capacity units and, internet-facing,
          // at least one public IPv4 address per AZ.
          lines.push(
            line(service.role, `ALB ${application.scheme}`, service.count, 'load balancer', 'hourly', {
              onDemand: priceOf(table, region, 'network', 'albHourly'),
            }),
            line(
              service.role,
              'ALB capacity units',
              service.count * ALB_LCU_PER_HOUR,
              'LCU',
              'hourly',
              { onDemand: priceOf(table, region, 'network', 'albLcuHourly') },
              'alb-lcu',
            ),
            line(
              service.role,
              'ALB public IPv4 addresses (one per AZ)',
              application.scheme === 'internet-facing' ? service.count * plan.availabilityZones.length : 0,
              'address',
              'hourly',
              { onDemand: priceOf(table, region, 'network', 'publicIpv4Hourly') },
            ),
          );
        }
        return lines;
      }
      case 'eks': {
        // Each node at desired size with its root volume; the autoscaler may add nodes up to maxSize.
        const groups = service.nodeGroups.flatMap((group) => [
          ec2Lines(table, region, group.role, group.instanceType, group.desiredSize),
          ...volumeLines(
            table,
            region,
            group.role,
            Array.from({ length: group.desiredSize }, () => ({
              purpose: 'root' as const,
              deviceName: '/dev/xvda',
              sizeGiB: service.nodeRootVolume.sizeGiB,
              type: service.nodeRootVolume.type,
              retainOnDelete: false,
            })),
          ),
        ]);
        return [
          // Past standard support the whole cluster hour costs the extended-support rate.
          service.kubernetesSupport === 'extended'
            ? line('kubernetes', 'EKS cluster (extended support)', 1, 'cluster', 'hourly', {
                onDemand: priceOf(table, region, 'other', 'eksExtendedSupportClusterHourly'),
              })
            : line('kubernetes', 'EKS cluster (standard support)', 1, 'cluster', 'hourly', {
                onDemand: priceOf(table, region, 'other', 'eksClusterHourly'),
              }),
          ...groups,
          // The toolbox's persistent volume for backups and restores, a claim of the chart.
          line('toolbox', 'EBS gp3 toolbox volume', service.toolboxVolume.sizeGiB, 'GiB', 'monthly', {
            onDemand: priceOf(table, region, 'ebs', 'gp3GBMonth'),
          }),
        ];
      }
      default: {
        const unknown: never = service;
        throw new Error(`bill of materials: unknown service ${JSON.stringify(unknown)}`);
      }
    }
  });
}

function bastionIpLines(table: PriceTable, plan: Plan): BomLine[] {
  const bastions = plan.nodes.filter((node) => node.subnet === 'public').length;
  if (bastions === 0) return [];
  return [
    line('bastion', 'Public IPv4 addresses (Elastic IPs)', bastions, 'address', 'hourly', {
      onDemand: priceOf(table, plan.region, 'network', 'publicIpv4Hourly'),
    }),
  ];
}

function networkLines(table: PriceTable, plan: Plan): BomLine[] {
  const { region } = plan;
  const nat = plan.network.natGateways;
  const lines = [
    line('network', 'NAT gateways (one per AZ)', nat, 'gateway', 'hourly', {
      onDemand: priceOf(table, region, 'network', 'natGatewayHourly'),
    }),
    line('network', 'NAT gateway Elastic IPs', nat, 'address', 'hourly', {
      onDemand: priceOf(table, region, 'network', 'publicIpv4Hourly'),
    }),
  ];
  const egress = plan.spec.cost.egressGiBPerMonth;
  if (nat > 0 && egress > 0) {
    lines.push(
      line(
        'network',
        'NAT gateway data processed',
        egress,
        'GiB',
        'usage',
        { onDemand: priceOf(table, region, 'network', 'natGatewayPerGB') },
        'egress',
      ),
    );
  }
  if (egress > 0) {
    lines.push(
      line(
        'network',
        'Data transfer out to the internet',
        egress,
        'GiB',
        'usage',
        { onDemand: priceOf(table, region, 'network', 'dataTransferOutPerGB') },
        'egress',
      ),
    );
  }
  lines.push(
    line('network', `Route 53 private hosted zone (${plan.privateDnsZone})`, 1, 'zone', 'monthly', {
      onDemand: priceOf(table, region, 'other', 'route53HostedZoneMonth'),
    }),
  );
  return lines;
}

function operationsLines(table: PriceTable, plan: Plan): BomLine[] {
  return [
    line('operations', 'Secrets Manager secrets', plan.secrets.length, 'secret', 'monthly', {
      onDemand: priceOf(table, plan.region, 'other', 'secretsManagerSecretMonth'),
    }),
    line(
      'operations',
      'CloudWatch alarms (standard resolution)',
      plan.alarms.length,
      'alarm',
      'monthly',
      { onDemand: priceOf(table, plan.region, 'other', 'cloudwatchAlarmMonth') },
      'alarms',
    ),
  ];
}

function assumptionsOf(plan: Plan): BomAssumption[] {
  const { cost } = plan.spec;
  const alarmsDoing = (...actions: readonly AlarmAction[]) =>
    plan.alarms.filter((alarm) => actions.includes(alarm.action)).length;
  const asgs = plan.autoScalingGroups.map((group) => `${group.id} ${group.desiredCapacity}`).join(', ');
  return [
    { id: 'hours', what: 'Hours billed a month for hourly items', value: String(HOURS_PER_MONTH) },
    {
      id: 'object-storage',
      what: 'GiB stored in S3 Standard',
      value: String(cost.storageGiB),
      field: 'cost.storageGiB',
      default: String(SPEC_COST_DEFAULTS.storageGiB),
    },
    {
      id: 'egress',
      what: 'GiB a month to the internet, all counted as NAT gateway data processed too (an upper bound)',
      value: String(cost.egressGiBPerMonth),
      field: 'cost.egressGiBPerMonth',
      default: String(SPEC_COST_DEFAULTS.egressGiBPerMonth),
    },
    {
      id: 'nlb-lcu',
      what: 'NLB capacity units per load balancer and hour (1 GB/h processed, 800 new TCP or 50 TLS conn/s)',
      value: String(NLB_LCU_PER_HOUR),
    },
    ...(plan.services.some((service) => service.kind === 'nlb' && service.applicationLoadBalancer)
      ? [
          {
            id: 'alb-lcu' as const,
            what: 'ALB capacity units per load balancer and hour (1 GB/h processed, 25 new conn/s, 3,000 active conn/min)',
            value: String(ALB_LCU_PER_HOUR),
          },
        ]
      : []),
    {
      id: 'desired-capacity',
      what: 'Auto scaling groups run at desired capacity all month (no scale-out)',
      value: asgs || 'none',
    },
    {
      id: 'alarms',
      what: `CloudWatch alarms: ${alarmsDoing('scale-out', 'scale-in')} scale out/in (2 per auto scaling group that can grow), ${alarmsDoing('recover-instance')} instance recovery (1 per fixed instance), ${alarmsDoing('notify')} notifying (5xx rate, RDS, each ElastiCache node, each NLB target group, two per ALB target group, a failed scheduled backup)`,
      value: String(plan.alarms.length),
    },
    {
      id: 'public-zone',
      what: `Public hosted zone (${plan.spec.domain.hostedZone ?? 'the domain parent'}) already exists and is not counted`,
      value: '0 zones',
    },
  ];
}

/** The bill of materials of a Plan at the table's prices for the Plan's region. */
export function billOfMaterials(plan: Plan, table: PriceTable): Bom {
  const lines = [
    ...nodeLines(table, plan),
    ...bastionIpLines(table, plan),
    ...serviceLines(table, plan),
    ...networkLines(table, plan),
    ...operationsLines(table, plan),
    ...runnerLines(table, plan),
  ].filter((entry) => entry.quantity > 0);
  const runners = runnerFleetCost(plan, table);
  const ordered = groupBy(lines, (entry) => entry.group);
  const groups = ordered.map(([group, members]) => ({
    group,
    monthly: sum(members.map((member) => member.monthly)),
    monthlyCommitted: sum(members.map((member) => member.monthlyCommitted)),
  }));
  return {
    region: plan.region,
    currency: 'USD',
    priceTableRetrieved: table.retrieved,
    hoursPerMonth: HOURS_PER_MONTH,
    commitment: table.commitments,
    lines: ordered.flatMap(([, members]) => members),
    groups,
    total: {
      monthly: sum(groups.map((group) => group.monthly)),
      monthlyCommitted: sum(groups.map((group) => group.monthlyCommitted)),
    },
    assumptions: assumptionsOf(plan),
    notCounted: NOT_COUNTED,
    ...(runners ? { runners } : {}),
  };
}

/**
 * The runner fleet in the bill: its manager all month on demand with its root volume, and the job
 * instances the policy keeps idle, bought as the Plan buys them (the instances that run jobs come
 * and go with the jobs: `runners` of the bill gives what they cost busy).
 */
function runnerLines(table: PriceTable, plan: Plan): BomLine[] {
  const runners = plan.runners;
  const cost = runnerFleetCost(plan, table);
  if (!runners || !cost) return [];
  const idle = cost.idle;
  return [
    ec2Lines(table, plan.region, 'runner', runners.manager.instanceType, 1),
    ...volumeLines(table, plan.region, 'runner', [runners.manager.rootVolume]),
    line(
      'runner',
      `Idle job instances (${runners.fleet.onDemandPercentageAboveBase === 100 ? 'on demand' : 'Spot above the on-demand base'}, mean of ${runners.fleet.instanceTypes.length} types)`,
      idle.instances,
      'instance',
      'hourly',
      { onDemand: idle.instances > 0 ? idle.spot / idle.instances / HOURS_PER_MONTH : 0 },
    ),
    ...(idle.instances > 0
      ? volumeLines(
          table,
          plan.region,
          'runner',
          Array.from({ length: idle.instances }, () => runners.fleet.rootVolume),
        )
      : []),
  ];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
