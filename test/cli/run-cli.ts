/** Runs the CLI in-process with captured output, or as a real process from the built package. */
import { spawnSync } from 'node:child_process';
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
