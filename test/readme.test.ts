import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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

describe('README', () => {
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
