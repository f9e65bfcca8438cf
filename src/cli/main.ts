/**
 * The gitlab-aws command line: finds the command, parses its flags, runs it, and turns every
 * expected failure into one clear message and an exit code (2 bad input, 1 refused or failed).
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { closest, SpecError } from '../spec/errors.js';
import type { CliCommand, CliInvocation, CliIo } from './command.js';
import { UserError } from './errors.js';

interface CommandEntry {
  /** The one line both `gitlab-aws --help` and `gitlab-aws <command> --help` print. */
  readonly summary: string;
  /** Imported only when the command runs, so `plan` never loads CDK or the AWS SDK. */
  readonly load: () => Promise<{ command: CliCommand }>;
}

/**
 * Every command, in the order `--help` lists them. Summaries live here rather than in the command
 * modules because the top-level help must not import those; each module holds its own usage.
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  init: {
    summary: 'Write a commented spec file (gitlab-aws.yaml) to start from',
    load: () => import('./commands/init.js'),
  },
  plan: {
    summary:
      'Validate the spec and show the planned environment, its checks and cost (no AWS account needed)',
    load: () => import('./commands/plan.js'),
  },
  schema: {
    summary: 'Print the JSON Schema of the spec file (for editor completion)',
    load: () => import('./commands/schema.js'),
  },
  cost: {
    summary: 'Bill of materials and monthly cost; --compare with the reference; refresh prices; deploy time',
    load: () => import('./commands/cost.js'),
  },
  synth: {
    summary: 'Write the CloudFormation templates and rendered GitLab configs for review (no AWS account)',
    load: () => import('./commands/synth.js'),
  },
  bootstrap: {
    summary: 'Prepare the AWS account and region for CDK deployments (once)',
    load: () => import('./commands/bootstrap.js'),
  },
  diff: {
    summary: 'Show what deploy would change per stack; data-losing changes in red',
    load: () => import('./commands/diff.js'),
  },
  deploy: {
    summary: 'Create or update the environment, then check it',
    load: () => import('./commands/deploy.js'),
  },
  check: {
    summary: 'Check a running GitLab: DNS, TLS, sign-in, API, Git, SSH from outside; readiness inside',
    load: () => import('./commands/check.js'),
  },
  upgrade: {
    summary: 'GitLab upgrade: zero-downtime in the multi-node order; 1k is down meanwhile',
    load: () => import('./commands/upgrade.js'),
  },
  backup: {
    summary: 'Back up GitLab (gitlab-backup, RDS and data volume snapshots), or list backups',
    load: () => import('./commands/backup.js'),
  },
  restore: {
    summary: "Restore a gitlab-backup archive with GitLab's procedure (overwrites the database)",
    load: () => import('./commands/restore.js'),
  },
  destroy: {
    summary: 'Delete compute, edge and ops; keep the data unless --include-data',
    load: () => import('./commands/destroy.js'),
  },
};

export const VERSION = '0.1.0';

/** What `gitlab-aws --help` prints; the README's Commands block is tested against it. */
export function topLevelHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'gitlab-aws: plan, synthesize and run a highly available GitLab on AWS from one spec file.',
    '',
    'Usage: gitlab-aws <command> [options]     (gitlab-aws <command> --help for its options)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`),
    '',
  ].join('\n');
}

/** What `gitlab-aws <name> --help` and `gitlab-aws help <name>` print. */
export async function commandHelp(name: string): Promise<string> {
  const entry = COMMANDS[name];
  if (!entry) throw new UserError(unknownCommand(name), 2);
  const { command } = await entry.load();
  return `${entry.summary}\n\nUsage: ${command.usage}\n`;
}

function unknownCommand(name: string): string {
  const suggestion = closest(name, Object.keys(COMMANDS));
  return `unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (see gitlab-aws --help)`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`error: ${unknownCommand(name)}\n`);
    return 2;
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(await commandHelp(name));
      return 0;
    }
    const { command } = await entry.load();
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: command.options,
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (error) {
      throw new UserError(`${(error as Error).message.split('\n')[0]}\nUsage: ${command.usage}`, 2);
    }
    return await command.run({
      values: parsed.values as CliInvocation['values'],
      positionals: parsed.positionals,
      io,
    });
  } catch (error) {
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
