/**
 * The boot scripts are shell files of their own (src/config/scripts/*.sh): shellcheck reads each one
 * as a file with the shell its shebang names, the renderer reads every one of them and nothing else,
 * each is installed by some node's user data, and values TypeScript defines reach them only through
 * the header rendered below their shebang. (user-data.test.ts shellchecks them as installed.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BOOT_SCRIPT,
  DEPLOY_LOCK_KEY,
  LOCK_SCRIPT,
  readScript,
  SCRIPT_FILES,
  shellQuote,
  withHeader,
} from '../../src/config/boot-script.js';
import { withoutComments } from '../../src/config/user-data.js';
import { FIRST_BOOT_SECRET_PLACEHOLDER } from '../../src/plan/contracts.js';
import { allRendered, repoRoot, requireTool, sh, writeFiles } from './support.js';

const SCRIPTS_DIR = resolve(repoRoot, 'src/config/scripts');
const scriptFiles = () =>
  readdirSync(SCRIPTS_DIR)
    .filter((name) => name.endsWith('.sh'))
    .sort();
const source = (name: string) => readFileSync(join(SCRIPTS_DIR, name), 'utf8');

describe.runIf(requireTool('shellcheck'))('shellcheck on the script files', () => {
  it('passes every src/config/scripts/*.sh, read with the shell its shebang names', () => {
    const files = scriptFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      expect(source(name).split('\n')[0], name).toBe('#!/usr/bin/env bash');
      expect(source(name), name).toMatch(/^set -E?euo pipefail$/m);
    }
    // No -s: shellcheck takes the shell from the shebang, as it does in an editor.
    const result = sh(`cd ${SCRIPTS_DIR} && shellcheck ${files.join(' ')}`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('script files', () => {
  it('are exactly the ones the renderer reads: none missing, none left over', () => {
    expect(scriptFiles()).toEqual(Object.values(SCRIPT_FILES).sort());
    for (const name of Object.values(SCRIPT_FILES)) expect(readScript(name)).toBe(source(name));
  });

  it('are each installed, header aside, by some node', () => {
    const installed = allRendered()
      .flatMap((rendered) => writeFiles(rendered.parts.document))
      .filter((file) => file.path.startsWith('/usr/local/sbin/'))
      .map((file) => file.content);
    for (const name of scriptFiles()) {
      const text = source(name);
      const body = withoutComments(text.slice(text.indexOf('\n') + 1));
      expect(
        installed.some((content) => content.endsWith(body)),
        name,
      ).toBe(true);
    }
  });

  it('take the first-boot placeholder and the lock key from the rendered header only', () => {
    expect(source(SCRIPT_FILES.boot)).not.toContain(FIRST_BOOT_SECRET_PLACEHOLDER);
    expect(BOOT_SCRIPT.split('\n')).toContain(
      `FIRST_BOOT_PLACEHOLDER=${shellQuote(FIRST_BOOT_SECRET_PLACEHOLDER)}`,
    );
    expect(source(SCRIPT_FILES.lock)).not.toContain(String(DEPLOY_LOCK_KEY));
    expect(LOCK_SCRIPT.split('\n')).toContain(`LOCK_KEY='${DEPLOY_LOCK_KEY}'`);
  });

  it('stop before doing anything when run without their header', () => {
    for (const name of scriptFiles()) {
      const result = spawnSync('bash', [join(SCRIPTS_DIR, name)], { encoding: 'utf8', input: '' });
      expect(result.status, name).not.toBe(0);
      expect(result.stderr, name).toMatch(/parameter null or not set/);
    }
  });
});

describe('the rendered header', () => {
  it('hands a script every value unchanged, whatever quotes or expansions it holds', () => {
    const value = `it's "$HOME" \`id\` $(id) \\ two\nlines '' {"initialized":false}`;
    const script = withHeader('#!/usr/bin/env bash\nprintf %s "$VALUE"\n', { VALUE: value, COUNT: 7 });
    expect(script.split('\n')[0]).toBe('#!/usr/bin/env bash');
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(value);
  });

  it('refuses what is not a shell variable name, and a script without a shebang', () => {
    expect(() => withHeader('#!/usr/bin/env bash\n', { 'A;rm -rf /': 'x' })).toThrow(/variable name/);
    expect(() => withHeader('echo hi\n', { A: 'x' })).toThrow(/shebang/);
  });
});
