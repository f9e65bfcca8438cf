/**
 * The reference architecture as GitLab's documentation sizes it next to the plan as configured.
 *
 * The reference side is the same spec with every sizing choice put back to the documented one (x86,
 * the page's instance types and node counts, gp3 storage with the IOPS GitLab requires of Gitaly and
 * the baseline elsewhere), resolved by the Plan layer
 * like any spec: nothing is re-derived here. Data sizes (volume GiB, database GiB), region, AZ count,
 * access and the usage assumptions stay as configured, so the comparison isolates the sizing choices.
 */
import { withoutSizingOverrides } from '../catalog/sizing-overrides.js';
import { type Plan, resolvePlan } from '../plan/index.js';
import type { Spec } from '../spec/schema.js';
import { type Bom, billOfMaterials } from './bom.js';
import type { PriceTable } from './prices.js';

/** `spec` with the sizing choices the documentation makes instead of the configured ones. */
export function referenceSpec(spec: Spec): Spec {
  const documented = withoutSizingOverrides(spec);
  const {
    nodes: _gitalyNodes,
    praefectNodes: _praefectNodes,
    iops: _gitalyIops,
    throughputMiBps: _gitalyThroughput,
    ...gitaly
  } = documented.gitaly;
  const { readReplicas: _replicas, iops: _dbIops, ...database } = documented.database;
  const { minNodes: _minNodes, maxNodes: _maxNodes, ...rails } = documented.rails;
  return {
    ...documented,
    architecture: { ...spec.architecture, cpu: 'x86' },
    gitaly: { ...gitaly, mode: 'auto', volumeType: 'gp3' },
    database: { ...database, storageType: 'gp3' },
    rails,
  };
}

export interface CostComparisonRow {
  readonly group: string;
  readonly reference: number;
  readonly configured: number;
  /** configured / reference; undefined when the reference has nothing in the group. */
  readonly ratio?: number;
}

export interface CostComparison {
  readonly region: string;
  readonly reference: Bom;
  readonly configured: Bom;
  /** On-demand monthly cost per group, groups of both sides in order. */
  readonly rows: readonly CostComparisonRow[];
  readonly total: CostComparisonRow;
  readonly totalCommitted: CostComparisonRow;
}

function row(group: string, reference: number, configured: number): CostComparisonRow {
  return { group, reference, configured, ...(reference > 0 ? { ratio: configured / reference } : {}) };
}

/** Side-by-side costs of two bills of materials, configured / reference. */
export function compareBoms(reference: Bom, configured: Bom): CostComparison {
  const names = [
    ...new Set([...reference.groups.map((g) => g.group), ...configured.groups.map((g) => g.group)]),
  ];
  const monthlyOf = (bom: Bom, name: string) => bom.groups.find((g) => g.group === name)?.monthly ?? 0;
  return {
    region: configured.region,
    reference,
    configured,
    rows: names.map((name) => row(name, monthlyOf(reference, name), monthlyOf(configured, name))),
    total: row('total on demand', reference.total.monthly, configured.total.monthly),
    totalCommitted: row(
      'total with 1-year commitments',
      reference.total.monthlyCommitted,
      configured.total.monthlyCommitted,
    ),
  };
}

/** The plan's cost next to its reference architecture's. */
export function compareWithReference(plan: Plan, table: PriceTable): CostComparison {
  const reference = resolvePlan(referenceSpec(plan.spec), { origin: plan.specOrigin });
  return compareBoms(billOfMaterials(reference, table), billOfMaterials(plan, table));
}
