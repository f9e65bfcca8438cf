import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { topLevelHelp } from '../src/cli/main.js';
import { billOfMaterials } from '../src/cost/bom.js';
import { loadPriceTable } from '../src/cost/prices.js';
import { planUpgrade, renderUpgradePlan } from '../src/lifecycle/upgrade.js';
import { PLAN_RULES, resolvePlan } from '../src/plan/index.js';
import { KEPT_STACK_KINDS, STACK_CONTENTS, STACK_ORDER } from '../src/plan/stacks.js';
import { renderBom } from '../src/report/bom.js';
import { renderPlanText } from '../src/report/index.js';
import { loadSpec, specSchema } from '../src/spec/index.js';
import { unwrap } from './fixtures/zod.js';

/** A Markdown table with every column padded to its widest cell, as the README writes them. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The README's "which stack holds what" table, as the code defines the stacks. */
function stackTable(): string {
  return markdownTable(
    ['stack', 'kept by `destroy`', 'holds'],
    STACK_ORDER.map((kind) => [
      `\`<name>-${kind}\``,
      KEPT_STACK_KINDS.includes(kind) ? 'yes' : 'no',
      STACK_CONTENTS[kind],
    ]),
  );
}

/** A part of the README rendered from the code, so that it cannot drift from it. */
interface GeneratedBlock {
  /** What the block shows, for the test's name. */
  readonly name: string;
  /** Start and end offsets of the block in the README text. */
  readonly find: (text: string) => readonly [number, number];
  /** The block as the code renders it. */
  readonly render: () => string;
}

/** Offsets of the text between the first `before` and the next `after`. */
function between(text: string, before: string, after: string): readonly [number, number] {
  const found = text.indexOf(before);
  if (found < 0) throw new Error(`README has no ${JSON.stringify(before)}`);
  const start = found + before.length;
  const end = text.indexOf(after, start);
  if (end < 0) throw new Error(`README has no ${JSON.stringify(after)} after ${JSON.stringify(before)}`);
  return [start, end];
}

/** Offsets of the Markdown table (its lines, each with its newline) first found after `intro`. */
function tableAfter(text: string, intro: string): readonly [number, number] {
  const [, newline] = between(text, intro, '\n|');
  const blankLine = text.indexOf('\n\n', newline + 1);
  if (blankLine < 0)
    throw new Error(`README's table after ${JSON.stringify(intro)} has no blank line after it`);
  return [newline + 1, blankLine + 1];
}

/** What `gitlab-aws plan --size 1k` prints with no spec file, as its command renders it. */
function oneNodePlan(): string {
  const loaded = loadSpec({ cwd: mkdtempSync(join(tmpdir(), 'gla-readme-')), overrides: { size: '1k' } });
  const plan = resolvePlan(loaded.spec, { origin: loaded.origin });
  return `${renderPlanText(plan, [renderBom(billOfMaterials(plan, loadPriceTable()))])}\n`;
}

/** What `gitlab-aws upgrade --to 19.4.1 --from 19.3.0 --dry-run` prints with no spec file. */
function upgradePlan(): string {
  const loaded = loadSpec({ cwd: mkdtempSync(join(tmpdir(), 'gla-readme-')) });
  const plan = resolvePlan(loaded.spec, { origin: loaded.origin });
  return `${renderUpgradePlan(planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true })).join('\n')}\n`;
}

/** The first lines of `gitlab-aws plan --rps api=80,web=5,git=3` with no spec file: the size and why. */
function rpsPlanHead(): string {
  const loaded = loadSpec({
    cwd: mkdtempSync(join(tmpdir(), 'gla-readme-')),
    overrides: { rps: 'api=80,web=5,git=3' },
  });
  const plan = resolvePlan(loaded.spec, { origin: loaded.origin });
  return `${renderPlanText(plan).split('\n').slice(0, 6).join('\n')}\n`;
}

const GENERATED: readonly GeneratedBlock[] = [
  {
    name: '1k plan',
    find: (text) => between(text, '\n$ npx gitlab-aws plan --size 1k\n', '```'),
    render: oneNodePlan,
  },
  {
    name: 'plan sized by peak load',
    find: (text) => between(text, '\n$ npx gitlab-aws plan --rps api=80,web=5,git=3 | head -6\n', '```'),
    render: rpsPlanHead,
  },
  {
    name: 'top-level help',
    find: (text) => between(text, '\n$ npx gitlab-aws --help\n', '```'),
    render: topLevelHelp,
  },
  {
    name: 'upgrade plan',
    find: (text) => between(text, '\n$ npx gitlab-aws upgrade --to 19.4.1 --from 19.3.0 --dry-run\n', '```'),
    render: upgradePlan,
  },
  {
    name: 'stack table',
    find: (text) => tableAfter(text, 'Which stack holds what'),
    render: () => `${stackTable()}\n`,
  },
];

/** The README with every generated block rendered afresh from the code. */
function withGeneratedBlocks(text: string): string {
  return GENERATED.reduce((current, block) => {
    const [start, end] = block.find(current);
    return current.slice(0, start) + block.render() + current.slice(end);
  }, text);
}

const README = resolve(import.meta.dirname, '../README.md');
const UPDATE = 'UPDATE_README=1 npx vitest run test/readme.test.ts';
// Run as UPDATE to rewrite the generated blocks from the code, then check them as usual.
if (process.env.UPDATE_README) writeFileSync(README, withGeneratedBlocks(readFileSync(README, 'utf8')));
const readme = readFileSync(README, 'utf8');

describe('README', () => {
  it('has one copy of each section', () => {
    const prose = readme.split(/^```.*$/m).filter((_, i) => i % 2 === 0);
    const headings = prose.flatMap((text) => text.split('\n').filter((line) => /^#{1,6} /.test(line)));
    expect(headings.filter((heading, i) => headings.indexOf(heading) !== i)).toEqual([]);
  });

  it.each(GENERATED)('shows the $name as the code renders it', (block) => {
    const [start, end] = block.find(readme);
    expect(readme.slice(start, end), `out of date; run ${UPDATE}`).toBe(block.render());
  });

  it('has exactly two set-up commands', () => {
    const setUp = readme.split('## Set up')[1]!.split('```sh')[1]!.split('```')[0]!;
    expect(setUp.trim().split('\n')).toHaveLength(2);
  });

  it('documents every spec field', () => {
    const missing: string[] = [];
    for (const [section, schema] of Object.entries(specSchema.shape)) {
      const inner = unwrap(schema as z.ZodType);
      if (!(inner instanceof z.ZodObject)) {
        if (!readme.includes(`| \`${section}\``)) missing.push(section);
        continue;
      }
      const rows = readme.split('\n').filter((line) => line.startsWith(`| \`${section}.`));
      for (const key of Object.keys(inner.shape)) {
        if (!rows.some((row) => row.split('|')[1]!.includes(key))) missing.push(`${section}.${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists every plan check with its level', () => {
    for (const rule of PLAN_RULES)
      expect(readme).toMatch(new RegExp(`\\| \`${rule.id}\` +\\| ${rule.level} +\\|`));
  });
});
