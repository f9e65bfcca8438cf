import type { CliCommand } from '../command.js';
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { UserError } from '../errors.js';

export const command: CliCommand = {
  name: 'completion',
  async run({ positionals, io }) {
    const shell = positionals[0]!;
    if (!(SHELLS as readonly string[]).includes(shell))
      throw new UserError(`no completion for "${shell}": use ${SHELLS.join(' or ')}`, 2);
    io.out(completionScript(shell as Shell));
    return 0;
  },
};
