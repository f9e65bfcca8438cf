import { existsSync } from 'node:fs';
import { ARCHITECTURE_TYPES, type ArchitectureType, SPEC_SIZES, type SpecSize } from '../../catalog/types.js';
import { DEFAULT_SPEC_FILE, parseSpecYaml } from '../../spec/index.js';
import { renderSpecTemplate } from '../../spec/template.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { userOutputFile, writeUserFile } from '../user-files.js';

export const command: CliCommand = {
  name: 'init',
  usage:
    'gitlab-aws init [--size 3k] [--type linux-package|cloud-native-hybrid] [-o FILE] [--force]\n' +
    '  -o, --output FILE   where to write (default gitlab-aws.yaml; - for standard output)\n' +
    '      --force         overwrite an existing file',
  options: {
    size: { type: 'string', default: '3k' },
    type: { type: 'string', default: 'linux-package' },
    output: { type: 'string', short: 'o', default: DEFAULT_SPEC_FILE },
    force: { type: 'boolean', default: false },
  },
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
    const output = values.output as string;
    const text = renderSpecTemplate({ size: size as SpecSize, type: type as ArchitectureType });
    // The template must always be a valid spec: validate before writing.
    parseSpecYaml(text, output);
    // `-o -` is the usual way to ask for standard output (to pipe or redirect it).
    if (output === '-') {
      io.out(text);
      return 0;
    }
    if (existsSync(userOutputFile('--output', output, io.cwd)) && !values.force) {
      throw new UserError(`${output} already exists; pass --force to overwrite it`, 1);
    }
    writeUserFile('--output', output, io.cwd, text);
    io.out(`Wrote ${output} (${size}, ${type}). Next: edit domain, then run \`gitlab-aws plan\`.\n`);
    return 0;
  },
};
