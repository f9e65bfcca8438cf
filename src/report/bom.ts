/**
 * The bill of materials and the reference comparison as text tables and CSV. Formatting only: the
 * numbers come from src/cost.
 */
import type { Bom, BomLine } from '../cost/bom.js';
import type { CostComparison, CostComparisonRow } from '../cost/compare.js';
import type { RunnerFleetCost } from '../cost/runner-fleet.js';
import { renderTable } from './table.js';

export function usd(value: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Unit prices keep four decimals: hourly rates such as $0.0045 would read as $0.00 otherwise. */
function unitPrice(entry: BomLine, price: number): string {
  const digits = price < 0.01 ? 5 : 4;
  const text = `$${price.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
  if (entry.billing === 'hourly') return `${text}/h`;
  return entry.billing === 'monthly' ? `${text}/${entry.unit}-mo` : `${text}/${entry.unit}`;
}

function quantity(entry: BomLine): string {
  const plural = entry.quantity === 1 || ['GiB', 'IOPS', 'MiB/s', 'LCU'].includes(entry.unit) ? '' : 's';
  const unit = entry.unit === 'address' && plural ? 'addresse' : entry.unit;
  return `${entry.quantity.toLocaleString('en-US')} ${unit}${plural}`;
}

/** Lines grouped by role with each group's subtotal, then the totals, assumptions and exclusions. */
export function renderBom(bom: Bom): string {
  const rows: string[][] = [];
  for (const group of bom.groups) {
    const members = bom.lines.filter((entry) => entry.group === group.group);
    members.forEach((entry, index) => {
      rows.push([
        index === 0 ? group.group : '',
        `${entry.item}${entry.assumption ? ' *' : ''}`,
        quantity(entry),
        unitPrice(entry, entry.unitPrice),
        usd(entry.monthly),
        entry.commitmentUnitPrice !== undefined ? usd(entry.monthlyCommitted) : '',
      ]);
    });
    if (members.length > 1) rows.push(['', `subtotal ${group.group}`, '', '', usd(group.monthly), '']);
  }
  const table = renderTable(['ROLE', 'ITEM', 'QUANTITY', 'UNIT PRICE', 'MONTHLY', '1-YR COMMIT'], rows, {
    alignRight: [2, 3, 4, 5],
    indent: 2,
  });
  const saved = bom.total.monthly - bom.total.monthlyCommitted;
  return [
    `Bill of materials (${bom.region}, USD, AWS prices retrieved ${bom.priceTableRetrieved}, ${bom.hoursPerMonth} h a month)`,
    table,
    '',
    `  Monthly total on demand:           ${usd(bom.total.monthly).padStart(12)}`,
    `  Monthly total with commitments:    ${usd(bom.total.monthlyCommitted).padStart(12)}  (${usd(saved)} less)`,
    '  Commitments are 1-year No Upfront reserved rates for EC2, RDS and ElastiCache (not Savings Plans).',
    '',
    '  Assumptions (* above):',
    ...bom.assumptions.map(
      (assumption) =>
        `    ${assumption.what}: ${assumption.value}` +
        (assumption.field ? ` (${assumption.field}, default ${assumption.default})` : ''),
    ),
    ...(bom.runners ? ['', ...renderRunnerCost(bom.runners)] : []),
    '  Not counted:',
    ...bom.notCounted.map((text) => `    ${text}`),
  ].join('\n');
}

/** The runner fleet's job instances idle and busy, at Spot and on demand, with the prices per type. */
export function renderRunnerCost(cost: RunnerFleetCost): string[] {
  const row = (what: string, month: RunnerFleetCost['idle']) => [
    what,
    `${month.instances} instance${month.instances === 1 ? '' : 's'}`,
    usd(month.spot),
    usd(month.onDemand),
  ];
  const prices = cost.types
    .map(
      (type) =>
        `${type.instanceType} ${type.spotHourly !== undefined ? `$${type.spotHourly}/h Spot, ` : ''}$${type.onDemandHourly}/h on demand${type.spotInterruption !== undefined ? `, ${type.spotInterruption} interrupted` : ''}`,
    )
    .join('; ');
  return [
    '  Runner fleet job instances a month (idle is in the total above; busy is the most the fleet costs):',
    renderTable(
      ['', 'INSTANCES', 'AS BOUGHT', 'ALL ON DEMAND'],
      [row('idle', cost.idle), row('busy, all month', cost.busy)],
      {
        alignRight: [1, 2, 3],
        indent: 4,
      },
    ),
    `    Prices: ${prices}.`,
    ...cost.spotSources.map((source) => `    Spot: ${source.what} (feed of ${source.date}).`),
    ...(cost.withoutSpotPrice.length > 0
      ? [
          `    No Spot price in the table for ${cost.withoutSpotPrice.join(', ')} here: counted at on demand, the most Spot costs.`,
        ]
      : []),
  ];
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `${[headers, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\n')}\n`;
}

/** An amount of money to the cent, as a bill shows it: sums of float products carry noise (62.050000000000004). */
function cents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** One row per line, for spreadsheets: unit prices as AWS lists them, amounts to the cent. */
export function renderBomCsv(bom: Bom): string {
  return toCsv(
    [
      'role',
      'item',
      'quantity',
      'unit',
      'billing',
      'unit_price_usd',
      'commitment_unit_price_usd',
      'monthly_usd',
      'monthly_committed_usd',
      'assumption',
    ],
    bom.lines.map((entry) => [
      entry.group,
      entry.item,
      entry.quantity,
      entry.unit,
      entry.billing,
      entry.unitPrice,
      entry.commitmentUnitPrice ?? '',
      cents(entry.monthly),
      cents(entry.monthlyCommitted),
      entry.assumption ?? '',
    ]),
  );
}

function ratio(row: CostComparisonRow): string {
  return row.ratio === undefined ? '-' : `x${row.ratio.toFixed(2)}`;
}

/** Reference architecture and configured plan side by side, per group and in total. */
export function renderComparison(comparison: CostComparison): string {
  const { reference, configured } = comparison;
  const rows = [...comparison.rows, comparison.total, comparison.totalCommitted].map((row) => [
    row.group,
    usd(row.reference),
    usd(row.configured),
    ratio(row),
  ]);
  const table = renderTable(['ROLE', 'REFERENCE (DOCS)', 'AS CONFIGURED', 'RATIO'], rows, {
    alignRight: [1, 2, 3],
    indent: 2,
  });
  const totals = rows.length - 2;
  const lines = table.split('\n');
  // A rule above the totals so that they read as totals.
  const width = Math.max(...lines.map((text) => text.length));
  lines.splice(totals + 1, 0, `  ${'-'.repeat(width - 2)}`);
  return [
    `Monthly cost, reference architecture vs as configured (${comparison.region}, USD, on demand unless said)`,
    '  Reference: x86, the documented instance types and node counts, gp3 storage (Gitaly at 8,000 IOPS);',
    '  same region, AZs, data sizes and usage assumptions as the spec.',
    lines.join('\n'),
    `  Prices retrieved ${configured.priceTableRetrieved}; commitments are 1-year No Upfront reserved rates.`,
    reference.priceTableRetrieved === configured.priceTableRetrieved ? '' : '  (price tables differ)',
  ]
    .filter(Boolean)
    .join('\n');
}

export function renderComparisonCsv(comparison: CostComparison): string {
  return toCsv(
    ['role', 'reference_monthly_usd', 'configured_monthly_usd', 'ratio'],
    [...comparison.rows, comparison.total, comparison.totalCommitted].map((row) => [
      row.group,
      cents(row.reference),
      cents(row.configured),
      row.ratio ?? '',
    ]),
  );
}
