import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { command } from '../../src/cli/commands/synth.js';
import { UserError } from '../../src/cli/errors.js';
import { STACK_KINDS } from '../../src/plan/stacks.js';

const directory = mkdtempSync(join(tmpdir(), 'gitlab-aws-synth-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function io(): CliIo & { text: () => string } {
  let text = '';
  return {
    out: (chunk) => {
      text += chunk;
    },
    err: (chunk) => {
      text += chunk;
    },
    cwd: directory,
    env: {},
    isTTY: false,
    text: () => text,
  };
}

describe('gitlab-aws synth', () => {
  it('writes the cloud assembly and prints the resource count of every stack', async () => {
    const out = io();
    const code = await command.run({
      values: { size: '2k', azs: '2', out: 'assembly' },
      positionals: [],
      io: out,
    });
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(directory, 'assembly', 'manifest.json'), 'utf8'));
    for (const kind of STACK_KINDS) {
      const [id, artifact] = Object.entries(
        manifest.artifacts as Record<
          string,
          { type: string; properties?: { templateFile: string; stackName?: string } }
        >,
      ).find(
        ([, candidate]) =>
          candidate.type === 'aws:cloudformation:stack' &&
          candidate.properties?.stackName?.endsWith(`-${kind}`),
      )!;
      const template = JSON.parse(
        readFileSync(join(directory, 'assembly', artifact.properties!.templateFile), 'utf8'),
      );
      const count = Object.keys(template.Resources).length;
      expect(out.text(), id).toMatch(new RegExp(`${artifact.properties!.stackName}\\s+${count} resources`));
    }
    expect(out.text()).toMatch(/total\s+\d+ resources/);
    // The estimate is computed from the templates just written: the slowest resource on a first deploy is RDS.
    expect(out.text()).toMatch(/^first deploy, estimated: \d+ min; critical path: .*DatabaseInstance/m);
    // The rendered GitLab configs for review, one folder per boot target, with no secret in them.
    const railsRb = readFileSync(join(directory, 'assembly', 'config', 'rails', 'gitlab.rb'), 'utf8');
    expect(railsRb).toContain("external_url 'https://");
    expect(existsSync(join(directory, 'assembly', 'config', 'rails', 'user-data.yaml'))).toBe(true);
    expect(out.text()).toMatch(/GitLab configs written to .*config \(\d+ files/);
  });

  it('refuses a spec whose Plan has errors, writing nothing', async () => {
    const spec = join(directory, 'aurora.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      spec,
      'name: aurora-test\nregion: us-east-1\ndomain:\n  name: gitlab.example.com\ndatabase:\n  engine: aurora-postgresql\n',
    );
    await expect(
      command.run({ values: { config: spec, out: 'refused' }, positionals: [], io: io() }),
    ).rejects.toBeInstanceOf(UserError);
    expect(existsSync(join(directory, 'refused'))).toBe(false);
  });
});
