/**
 * The gitlab-aws command line: finds the command, parses its flags, runs it, and turns every
 * expected failure into one clear message and an exit code (2 bad input, 1 refused or failed).
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { SpecError } from '../spec/errors.js';
import type { CliCommand, CliInvocation, CliIo } from './command.js';
import { UserError } from './errors.js';

interface CommandEntry {
  readonly summary: string;
  /** Imported only when the command runs, so `plan` never loads CDK or the AWS SDK. */
  readonly load: () => Promise<{ command: CliCommand }>;
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  init: { summary: 'Write a commented spec file to start from', load: () => import('./commands/init.js') },
  plan: {
    summary: 'Show the planned environment, its checks and cost (no AWS account needed)',
    load: () => import('./commands/plan.js'),
  },
  schema: { summary: 'Print the JSON Schema of the spec file', load: () => import('./commands/schema.js') },
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
    summary: 'Check a running GitLab from outside: DNS, TLS, health, sign-in, API, SSH',
    load: () => import('./commands/check.js'),
  },
  upgrade: {
    summary: 'Zero-downtime GitLab upgrade in the documented multi-node order',
    load: () => import('./commands/upgrade.js'),
  },
  backup: {
    summary: 'Back up GitLab (gitlab-backup, RDS and Gitaly snapshots), or list backups',
    load: () => import('./commands/backup.js'),
  },
  restore: {
    summary: "Restore a gitlab-backup archive with GitLab's procedure",
    load: () => import('./commands/restore.js'),
  },
  destroy: {
    summary: 'Delete compute, edge and ops; keep the data unless --include-data',
    load: () => import('./commands/destroy.js'),
  },
};

export const VERSION = '0.1.0';

function help(): string {
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

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const { closest } = await import('../spec/errors.js');
    const suggestion = closest(name, Object.keys(COMMANDS));
    io.err(
      `error: unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (see gitlab-aws --help)\n`,
    );
    return 2;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${command.summary}\n\nUsage: ${command.usage}\n`);
      return 0;
    }
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
