// Command files end to end up to their first AWS call: argument handling and refusals.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliCommand, CliIo } from '../../src/cli/command.js';
import { command as backup } from '../../src/cli/commands/backup.js';
import { command as bootstrap } from '../../src/cli/commands/bootstrap.js';
import { command as check } from '../../src/cli/commands/check.js';
import { command as deploy } from '../../src/cli/commands/deploy.js';
import { command as destroy } from '../../src/cli/commands/destroy.js';
import { command as diff } from '../../src/cli/commands/diff.js';
import { command as restore } from '../../src/cli/commands/restore.js';
import { command as upgrade } from '../../src/cli/commands/upgrade.js';
import { UserError } from '../../src/cli/errors.js';
import { CREDENTIALS_HINT } from '../../src/lifecycle/aws.js';
import { withoutAwsCredentials } from '../fixtures/no-aws-credentials.js';

const COMMANDS: Record<string, CliCommand> = {
  backup,
  bootstrap,
  check,
  deploy,
  destroy,
  diff,
  restore,
  upgrade,
};

const cwd = mkdtempSync(join(tmpdir(), 'gla-cmd-'));
writeFileSync(
  join(cwd, 'gitlab-aws.yaml'),
  'name: gl-prod\nregion: us-west-2\ndomain:\n  name: gitlab.example.com\n  hostedZone: example.com\n',
);

function io(overrides: Partial<CliIo> = {}): CliIo & { output: () => string } {
  let text = '';
  return {
    out: (t) => (text += t),
    err: (t) => (text += t),
    cwd,
    env: {},
    isTTY: false,
    output: () => text,
    ...overrides,
  };
}

async function run(name: string, values: Record<string, unknown>, positionals: string[] = [], cliIo = io()) {
  const command = COMMANDS[name]!;
  return command.run({ values: values as never, positionals, io: cliIo });
}

describe('lifecycle commands', () => {
  withoutAwsCredentials();

  it.each(['bootstrap', 'diff', 'deploy', 'backup'])(
    '%s fails fast without credentials, in one line',
    async (name) => {
      const error = await run(name, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toBe(`${CREDENTIALS_HINT} (none found)`);
    },
  );

  it('destroy lists what it keeps and refuses without a terminal or --confirm, before touching AWS', async () => {
    const cliIo = io();
    const error = await run('destroy', {}, [], cliIo).catch((e: unknown) => e);
    expect((error as UserError).message).toContain('pass --confirm gl-prod');
    expect(cliIo.output()).toContain('Will keep (gl-prod-network, gl-prod-data; still billed):');
    expect(cliIo.output()).toContain('  + S3 bucket gl-gl-prod-artifacts');
  });

  it('destroy --include-data refuses a wrongly typed name', async () => {
    const cliIo = io({ isTTY: true, prompt: async () => 'gl-staging' });
    await expect(run('destroy', { 'include-data': true }, [], cliIo)).rejects.toThrow(
      '"gl-staging" is not the environment name (gl-prod)',
    );
    expect(cliIo.output()).toContain('final snapshot');
  });

  it('destroy --delete-retained is a second confirmation: it needs --include-data and the environment name, checked before anything', async () => {
    const wrongName = io();
    await expect(
      run(
        'destroy',
        { 'include-data': true, 'delete-retained': 'gl-staging', confirm: 'gl-prod' },
        [],
        wrongName,
      ),
    ).rejects.toThrow(
      '--delete-retained "gl-staging" is not the environment name (gl-prod); nothing was deleted',
    );
    // Only which spec it read: the name is checked before anything is shown or asked.
    expect(wrongName.output()).toMatch(/^Spec: \S+gitlab-aws\.yaml\n$/);
    const error = await run('destroy', { 'delete-retained': 'gl-prod', confirm: 'gl-prod' }).catch(
      (e: unknown) => e,
    );
    expect((error as UserError).message).toContain('--delete-retained needs --include-data');
    expect((error as UserError).exitCode).toBe(2);
  });

  it('destroy --include-data --delete-retained previews what goes for good, then still asks for the first confirmation', async () => {
    const cliIo = io();
    await expect(
      run('destroy', { 'include-data': true, 'delete-retained': 'gl-prod' }, [], cliIo),
    ).rejects.toThrow('pass --confirm gl-prod');
    expect(cliIo.output()).toContain('Then deleted for good (--delete-retained gl-prod;');
    expect(cliIo.output()).toContain('  - S3 bucket gl-gl-prod-artifacts');
  });

  it('restore needs a backup id and a confirmation', async () => {
    await expect(run('restore', {})).rejects.toThrow(/which backup/);
    await expect(run('restore', {}, ['1744941600_2025_04_18_19.3.0-ee'])).rejects.toThrow(
      'pass --confirm gl-prod',
    );
  });

  it('upgrade needs --to; backup knows only create and list', async () => {
    await expect(run('upgrade', {})).rejects.toThrow('--to VERSION is required');
    await expect(run('backup', {}, ['delete'])).rejects.toThrow('unknown backup action "delete"');
  });

  it('upgrade --image is an upgrade of its own: not with --to, and --dry-run lists its steps without AWS', async () => {
    const error = await run('upgrade', { image: true, to: '19.4.0' }).catch((e: unknown) => e);
    expect((error as UserError).message).toBe(
      '--image and --to are two upgrades: run them one after the other',
    );
    expect((error as UserError).exitCode).toBe(2);
    const cliIo = io();
    expect(await run('upgrade', { image: true, 'dry-run': true }, [], cliIo)).toBe(0);
    expect(cliIo.output()).toMatch(
      /^Spec: \S+gitlab-aws\.yaml\n1\. Check the Gitaly Cluster on praefect-\d before any node is replaced/,
    );
    expect(cliIo.output()).toContain('. Pin the newest Ubuntu 24.04 image for x86_64\n');
  });

  it('check refuses a non-https URL and reports a closed port as a failure', async () => {
    await expect(run('check', { url: 'http://gitlab.example.com' })).rejects.toThrow('https://');
    const cliIo = io();
    const code = await run(
      'check',
      { url: 'https://localhost', connect: '127.0.0.1', 'https-port': '1', 'ssh-port': '1' },
      [],
      cliIo,
    );
    expect(code).toBe(1);
    expect(cliIo.output()).toMatch(/^PASS {2}DNS/m);
    expect(cliIo.output()).toMatch(/^FAIL {2}Git over SSH +port 1: connection refused/m);
  });
});
