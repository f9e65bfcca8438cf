/**
 * The gitlab-aws command line: parses the arguments with the one definition of every command
 * (definition.ts), runs the command, and turns every expected failure into one clear message and an
 * exit code (2 bad input, 1 refused or failed).
 */
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import { closest, SpecError } from '../spec/errors.js';
import type { CliInvocation, CliIo } from './command.js';
import { COMMANDS, type CommandDefinition, longName, RENAMED_COMMANDS } from './definition.js';
import { UserError } from './errors.js';

export { COMMANDS } from './definition.js';

export const VERSION = '0.1.0';

/** Wide enough that every summary stays on its line, whatever the terminal. */
const HELP_WIDTH = 110;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The command-line values a command reads, keyed by each option's long name (`allow-replace`). */
function valuesOf(definition: CommandDefinition, command: Command): CliInvocation['values'] {
  const parsed = command.opts();
  const given = (long: string) => {
    const option = command.options.find((candidate) => candidate.long === `--${long}`);
    return option !== undefined && command.getOptionValueSource(option.attributeName()) === 'cli';
  };
  const values: Record<string, CliInvocation['values'][string]> = {};
  for (const [index, option] of command.options.entries()) {
    const own = definition.options[index]!;
    const value = parsed[option.attributeName()] as CliInvocation['values'][string];
    // `--no-backup` is read as `no-backup: true`, the way the commands ask for it.
    const read = option.negate ? (value === false ? true : undefined) : value;
    if (read === undefined) continue;
    if (own.aliasOf && given(own.aliasOf))
      throw new UserError(`--${longName(own)} is the old name of --${own.aliasOf}: give one of them`, 2);
    values[own.aliasOf ?? longName(own)] = read;
  }
  return values;
}

/**
 * The commander program built from the definition: parsing, errors and help. `run` receives the
 * command's name and its parsed arguments; the command's module is loaded only then.
 */
function program(
  io: CliIo,
  run: (name: string, values: CliInvocation['values'], positionals: string[]) => Promise<void>,
): Command {
  const output = {
    writeOut: (text: string) => io.out(text),
    writeErr: (text: string) => io.err(text),
  };
  const root = new Command('gitlab-aws')
    .description('gitlab-aws: plan, synthesize and run a highly available GitLab on AWS from one spec file.')
    .usage('<command> [options]')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', "show this help; gitlab-aws help <command> shows a command's options")
    .helpCommand('help [command]', "show a command's options")
    .configureHelp({ helpWidth: HELP_WIDTH, subcommandTerm: (command) => command.name() })
    .configureOutput(output)
    .exitOverride();
  for (const [name, definition] of Object.entries(COMMANDS)) {
    const command = root
      .command(name)
      .summary(definition.summary)
      .helpOption('-h, --help', 'show this help')
      .addHelpText('before', `${definition.summary}\n`)
      .showHelpAfterError(`(see gitlab-aws ${name} --help)`)
      .configureHelp({ helpWidth: HELP_WIDTH })
      .configureOutput(output)
      .exitOverride();
    if (definition.arguments) command.arguments(definition.arguments);
    if (definition.usage) command.usage(definition.usage);
    for (const own of definition.options) {
      const values = own.values ? ` (${own.values.join(', ')})` : '';
      const option = new Option(own.flags, `${own.description}${values}`);
      if (own.default !== undefined) option.default(own.default);
      if (own.repeatable) option.argParser(collect);
      if (own.aliasOf) option.hideHelp();
      command.addOption(option);
    }
    command.action(async (...args: unknown[]) => {
      const self = args.at(-1) as Command;
      await run(name, valuesOf(definition, self), [...self.args]);
    });
  }
  return root;
}

/** What a command would be run with for `argv` (its name first), without running it. */
export async function parseCommandLine(
  argv: readonly string[],
): Promise<{ name: string; values: CliInvocation['values']; positionals: string[] } | undefined> {
  let parsed: Awaited<ReturnType<typeof parseCommandLine>>;
  await program(silentIo(), async (name, values, positionals) => {
    parsed = { name, values, positionals };
  }).parseAsync([...argv], { from: 'user' });
  return parsed;
}

/** What `gitlab-aws --help` prints; the README's Commands block is tested against it. */
export function topLevelHelp(): string {
  return program(silentIo(), async () => {}).helpInformation();
}

/** What `gitlab-aws <name> --help` and `gitlab-aws help <name>` print. */
export async function commandHelp(name: string): Promise<string> {
  let text = '';
  await main([name, '--help'], { ...silentIo(), out: (chunk) => (text += chunk) });
  return text;
}

function silentIo(): CliIo {
  return { out: () => {}, err: () => {}, cwd: '.', env: {}, isTTY: false };
}

function unknownCommand(name: string): string {
  const suggestion = closest(name, Object.keys(COMMANDS));
  return `unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (see gitlab-aws --help)`;
}

/** The argument list with an old command name replaced by its new one, said once on standard error. */
function renamed(argv: readonly string[], io: CliIo): readonly string[] {
  // `help cost estimate` asks for the same command as `cost estimate --help`.
  const skip = argv[0] === 'help' ? 1 : 0;
  for (const [old, { words, now }] of Object.entries(RENAMED_COMMANDS)) {
    if (words.every((word, index) => argv[skip + index] === word)) {
      io.err(`note: \`gitlab-aws ${old}\` is now \`gitlab-aws ${now}\`; the old name still works for now\n`);
      return [...argv.slice(0, skip), now, ...argv.slice(skip + words.length)];
    }
  }
  return argv;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.out(topLevelHelp());
    return 2;
  }
  argv = renamed(argv, io);
  // A mistyped command gets a suggestion, also after `help`.
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  if (named !== undefined && !named.startsWith('-') && named !== 'help' && !(named in COMMANDS)) {
    io.err(`error: ${unknownCommand(named)}\n`);
    return 2;
  }
  let exitCode = 0;
  try {
    await program(io, async (name, values, positionals) => {
      const { command } = await COMMANDS[name]!.load();
      exitCode = await command.run({ values, positionals, io });
    }).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end here too; every other parse error is the user's (commander said which).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof SpecError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UserError) {
      io.err(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`internal error: ${message}\n(this is a bug in gitlab-aws; set GITLAB_AWS_DEBUG=1 for details)\n`);
    if (io.env.GITLAB_AWS_DEBUG && error instanceof Error) io.err(`${error.stack}\n`);
    return 70;
  }
}

/** The real process's IO. */
export function processIo(): CliIo {
  // A reader that stops early (`gitlab-aws synth | head -1`) closes the pipe: end quietly, as
  // command-line tools do, instead of failing on the next write.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    ...(process.stdin.isTTY
      ? {
          prompt: async (question: string) => {
            const readline = createInterface({ input: process.stdin, output: process.stderr });
            try {
              return await readline.question(question);
            } finally {
              readline.close();
            }
          },
        }
      : {}),
  };
}
