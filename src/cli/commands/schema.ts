import { z } from 'zod';
import { specSchema } from '../../spec/index.js';
import type { CliCommand } from '../command.js';

/** The file `init` writes the schema to, beside the spec; the spec template names it. */
export const SCHEMA_FILE = 'gitlab-aws.schema.json';

/** JSON Schema of the spec file, for editor completion (e.g. the YAML language server's `# yaml-language-server: $schema=`). */
export function specJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(specSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'gitlab-aws spec',
    description: 'The gitlab-aws.yaml file: one GitLab environment on AWS.',
  };
}

export const command: CliCommand = {
  name: 'schema',
  async run({ io }) {
    io.out(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    return 0;
  },
};
