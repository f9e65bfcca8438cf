/**
 * The scripts lifecycle commands run on nodes are shell files of their own
 * (src/lifecycle/scripts/*.sh): shellcheck reads each one as a file, with the shell its shebang or
 * its directive names, and each step's rendered command lines as SSM runs them; the code reads
 * every file in the folder and nothing else; the files hold no Plan's values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutComments } from '../../src/config/user-data.js';
import { backupCreateCommands, planRestore } from '../../src/lifecycle/backup.js';
import { REMOTE_SCRIPT_FILES, readRemoteScript } from '../../src/lifecycle/remote-scripts.js';
import { adminTokenCommands } from '../../src/lifecycle/runner-registration.js';
import { testMailCommands } from '../../src/lifecycle/test-mail.js';
import { planUpgrade, upgradeStepCommands } from '../../src/lifecycle/upgrade.js';
import { requireTool, sh, writeDistinct } from '../config/support.js';
import { planFor } from '../fixtures/plans.js';

const SCRIPTS_DIR = resolve(import.meta.dirname, '../../src/lifecycle/scripts');
const scriptFiles = () =>
  readdirSync(SCRIPTS_DIR)
    .filter((name) => name.endsWith('.sh'))
    .sort();
const source = (name: string) => readFileSync(join(SCRIPTS_DIR, name), 'utf8');

const plan = planFor();
/** Every command list the lifecycle sends, as SSM receives it. */
const rendered = () => [
  ...planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true }).flatMap((step) =>
    upgradeStepCommands(step).map((commands, index) => ({ label: `${step.title} ${index}`, commands })),
  ),
  ...planRestore(plan, 'b1', '123456789012').map((step) => ({ label: step.title, commands: step.commands })),
  { label: 'backup', commands: backupCreateCommands(plan, 'b1', '123456789012') },
  { label: 'test e-mail', commands: testMailCommands('ops@example.com') },
  {
    label: 'runner administrator token',
    commands: adminTokenCommands(planFor({ runners: { enabled: true } })),
  },
];

describe.runIf(requireTool('shellcheck'))('shellcheck on the lifecycle scripts', () => {
  it('passes every src/lifecycle/scripts/*.sh, read with the shell its first line names', () => {
    const files = scriptFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      // A script runs on its own (bash, whatever sh is); a library only inside the scripts using it.
      expect(source(name).split('\n')[0], name).toMatch(/^(#!\/usr\/bin\/env bash|# shellcheck shell=bash)$/);
      if (source(name).startsWith('#!')) expect(source(name), name).toMatch(/^set -euo pipefail$/m);
    }
    const result = sh(`cd ${SCRIPTS_DIR} && shellcheck ${files.join(' ')}`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes every command list as SSM runs it, each starting with the bash shebang', () => {
    const lists = rendered();
    for (const { label, commands } of lists) expect(commands[0], label).toBe('#!/usr/bin/env bash');
    const files = writeDistinct(
      'ssm',
      lists.map(({ label, commands }) => ({ label, content: `${commands.join('\n')}\n` })),
      '.sh',
    );
    const result = sh(`shellcheck ${files.map((file) => file.path).join(' ')}`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('lifecycle script files', () => {
  it('are exactly the ones the code reads: none missing, none left over', () => {
    expect(scriptFiles()).toEqual(Object.values(REMOTE_SCRIPT_FILES).sort());
    for (const name of Object.values(REMOTE_SCRIPT_FILES)) expect(readRemoteScript(name)).toBe(source(name));
  });

  it('are each sent, header aside, by some step', () => {
    const sent = rendered().map(({ commands }) => commands.join('\n'));
    for (const name of scriptFiles()) {
      const text = source(name);
      const body = withoutComments(text.slice(text.indexOf('\n') + 1))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .join('\n');
      expect(
        sent.some((commands) => commands.includes(body)),
        name,
      ).toBe(true);
    }
  });

  it('hold no Plan values in their code: those come from the rendered header', () => {
    for (const name of scriptFiles()) {
      const code = withoutComments(source(name));
      for (const value of [
        plan.gitlab.packageName,
        plan.spec.name,
        '19.4.1',
        's3://',
        '_gitlab_backup.tar',
      ]) {
        expect(code, name).not.toContain(value);
      }
    }
  });
});
