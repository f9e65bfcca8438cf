import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARCHITECTURE_TYPES, type ArchitectureType, SPEC_SIZES, type SpecSize } from '../../catalog/types.js';
import { DEFAULT_SPEC_FILE, parseSpecYaml } from '../../spec/index.js';
import { renderSpecTemplate } from '../../spec/template.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { userOutputFile, writeUserFile } from '../user-files.js';
import { SCHEMA_FILE, specJsonSchema } from './schema.js';

export const command: CliCommand = {
  name: 'init',
  async run({ values, io }) {
    const size = values.size as string;
    const type = values.type as string;
    if (!(SPEC_SIZES as readonly string[]).includes(size)) {
      throw new UserError(
        `--size ${size} is not a size gitlab-aws knows; use one of ${SPEC_SIZES.join(', ')}`,
        2,
      );
    }
    if (!(ARCHITECTURE_TYPES as readonly string[]).includes(type)) {
      throw new UserError(
        `--type ${type} is not an architecture type; use one of ${ARCHITECTURE_TYPES.join(', ')}`,
        2,
      );
    }
    const output = (values.out as string | undefined) ?? DEFAULT_SPEC_FILE;
    const text = renderSpecTemplate({ size: size as SpecSize, type: type as ArchitectureType });
    // The template must always be a valid spec: validate before writing.
    parseSpecYaml(text, output);
    // `-o -` is the usual way to ask for standard output (to pipe or redirect it).
    if (output === '-') {
      io.out(text);
      return 0;
    }
    // The template points editors at the schema beside it (`$schema=./gitlab-aws.schema.json`).
    const schemaFile = join(dirname(output), SCHEMA_FILE);
    for (const file of [output, schemaFile]) {
      if (existsSync(userOutputFile('--out', file, io.cwd)) && !values.force) {
        throw new UserError(`${file} already exists; pass --force to overwrite it`, 1);
      }
    }
    writeUserFile('--out', output, io.cwd, text);
    writeUserFile('--out', schemaFile, io.cwd, `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    io.out(
      `Wrote ${output} (${size}, ${type}) and ${schemaFile}, its JSON Schema for your editor. Next: edit domain, then run \`gitlab-aws plan\`.\n`,
    );
    return 0;
  },
};
