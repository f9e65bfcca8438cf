import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { topLevelHelp } from '../src/cli/main.js';
import { KEPT_STACK_KINDS, STACK_CONTENTS, STACK_ORDER } from '../src/infra/stacks.js';
import { PLAN_RULES } from '../src/plan/index.js';
import { specSchema } from '../src/spec/index.js';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const inner = (current as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
    if (!inner) return current;
    current = inner;
  }
}

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

/** The lines of the Markdown table that starts after the paragraph ending in `intro`. */
function tableAfter(intro: string): string {
  const after = readme.split(intro)[1];
  if (after === undefined) throw new Error(`README has no "${intro}"`);
  const lines = after.split('\n').slice(1);
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start, end).join('\n');
}

describe('README', () => {
  it('has one copy of each section', () => {
    const prose = readme.split(/^```.*$/m).filter((_, i) => i % 2 === 0);
    const headings = prose.flatMap((text) => text.split('\n').filter((line) => /^#{1,6} /.test(line)));
    expect(headings.filter((heading, i) => headings.indexOf(heading) !== i)).toEqual([]);
  });

  it('shows the top-level help exactly as the CLI prints it', () => {
    const shown = readme.split('\n$ npx gitlab-aws --help\n')[1]?.split('```')[0];
    expect(shown).toBe(topLevelHelp());
  });

  it('tables which stack holds what exactly as STACK_CONTENTS and destroy define it', () => {
    expect(tableAfter('Which stack holds what')).toBe(stackTable());
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
