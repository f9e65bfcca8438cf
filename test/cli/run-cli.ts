/** Runs the CLI in-process with captured output, or as a real process from the built package. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gla-cli-'));
}

export async function runCli(args: readonly string[], options: Partial<CliIo> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    cwd: options.cwd ?? tempDir(),
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  return { code, stdout, stderr };
}

/** The installed binary (needs `npm run build`, which `npm test` runs first). */
export function runBinary(args: readonly string[], cwd = tempDir()): CliResult {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/gitlab-aws.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface BinaryOptions {
  /** Working directory (default: a new empty one). */
  readonly cwd?: string;
  /** Variables added to the minimal environment (PATH only). */
  readonly env?: Readonly<Record<string, string>>;
  /** Close the reading end of standard output at once, as `| head -1` does once it has its line. */
  readonly closeStdout?: boolean;
}

/** The installed binary, run without blocking so that several run side by side. */
export function runBinaryAsync(args: readonly string[], options: BinaryOptions = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/gitlab-aws.js'), ...args], {
      cwd: options.cwd ?? tempDir(),
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
