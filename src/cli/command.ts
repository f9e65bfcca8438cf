/**
 * The shape every CLI command has. Its options and help live in definition.ts; the dispatcher
 * (main.ts) imports a command's module only when that command runs, so `plan` never loads
 * aws-cdk-lib or the AWS SDK.
 */

/** Where a command writes, and what it may read of its environment. Tests pass fakes. */
export interface CliIo {
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  /** Working directory spec files and outputs are resolved against. */
  readonly cwd: string;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether standard output is a terminal (colour, live progress). */
  readonly isTTY: boolean;
  /** Reads one line typed by the user (confirmations); undefined when there is no terminal. */
  readonly prompt?: (question: string) => Promise<string>;
}

/** Parsed arguments of one command invocation: option values by long name (`allow-replace`). */
export interface CliInvocation {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: readonly string[];
  readonly io: CliIo;
}

export interface CliCommand {
  /** Command name as typed, e.g. `plan`. */
  readonly name: string;
  /** Runs the command; resolves to the process exit code. */
  readonly run: (invocation: CliInvocation) => Promise<number>;
}
