import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longName } from '../../src/cli/definition.js';
import { COMMANDS, commandHelp, parseCommandLine, VERSION } from '../../src/cli/main.js';
import { REPO_ROOT, runCli } from './run-cli.js';

/**
 * Every module `file` loads when it is imported: static imports followed through the source tree
 * (type-only imports are erased, `import()` runs later). Packages are returned by name.
 */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const statements = /(?:^|\n)\s*(?:(?:import|export)(?!\s+type\s)[^'";]*?from\s+|import\s+)'([^']+)'/g;
  for (const match of text.matchAll(statements)) {
    const specifier = match[1]!;
    if (specifier.startsWith('.'))
      staticImports(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), seen);
    else seen.add(specifier);
  }
  return seen;
}

const HEAVY = /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/|@aws-sdk\/)/;

function loadedBy(path: string): string[] {
  return [...staticImports(resolve(REPO_ROOT, path))].map((module) =>
    module.startsWith('/') ? relative(REPO_ROOT, module) : module,
  );
}

describe('the command registry', () => {
  it.each(Object.keys(COMMANDS))('%s loads, and its module agrees on its name', async (name) => {
    const { command } = await COMMANDS[name]!.load();
    expect(command.name).toBe(name);
  });

  it.each(Object.keys(COMMANDS))(
    '%s --help lists every option it accepts, and no hidden old spelling',
    async (name) => {
      const help = await commandHelp(name);
      expect(help).toContain(`Usage: gitlab-aws ${name} `);
      for (const option of COMMANDS[name]!.options) {
        const listed = new RegExp(`^  (-\\w, )?--${longName(option)}\\b`, 'm');
        if (option.aliasOf) expect(help).not.toMatch(listed);
        else expect(help).toMatch(listed);
      }
    },
  );

  it('lists every command in --help', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it('shows a command its own usage with --help, without running it', async () => {
    const result = await runCli(['destroy', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: gitlab-aws destroy');
  });

  it.each(Object.keys(COMMANDS))('%s --help and the top-level help print the one summary', async (name) => {
    const summary = COMMANDS[name]!.summary;
    const own = await runCli([name, '--help']);
    expect(own.stdout.split('\n')[0]).toBe(summary);
    const top = await runCli(['--help']);
    expect(top.stdout.match(new RegExp(`^  ${name} +(.*)$`, 'm'))?.[1]).toBe(summary);
  });

  it('prints a command help for `help <command>`, the same as `<command> --help`', async () => {
    const result = await runCli(['help', 'plan']);
    expect(result).toEqual({ code: 0, stdout: await commandHelp('plan'), stderr: '' });
    expect(result.stdout).toContain('Usage: gitlab-aws plan');
  });

  it('lists --version in the top-level help and prints the version with it', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toMatch(/^ {2}-v, --version +\S/m);
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(VERSION).toBe(JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')).version);
  });

  it('rejects `help` of an unknown command with exit 2 and a suggestion', async () => {
    const result = await runCli(['help', 'pln']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "pln"; did you mean "plan"?');
  });
});

describe('lazy loading', () => {
  it('loads no command module, CDK or AWS SDK for the top-level help', () => {
    const loaded = loadedBy('src/cli/main.ts');
    expect(loaded).toContain('src/cli/main.ts');
    expect(loaded.filter((module) => module.startsWith('src/cli/commands/') || HEAVY.test(module))).toEqual(
      [],
    );
  });

  it('loads no CDK or AWS SDK to run plan', () => {
    const loaded = loadedBy('src/cli/commands/plan.ts');
    expect(loaded).toContain('src/plan/index.ts');
    expect(loaded.filter((module) => HEAVY.test(module))).toEqual([]);
  });
});

describe('what a command receives from the command line', () => {
  it('collects a repeatable option, reads --no-x as no-x, and fills defaults', async () => {
    expect(await parseCommandLine(['deploy', '--allow-replace', 'A', '--allow-replace=B'])).toEqual({
      name: 'deploy',
      values: { 'allow-replace': ['A', 'B'] },
      positionals: [],
    });
    expect((await parseCommandLine(['upgrade', '--no-backup', '--to', '19.4.0']))?.values).toEqual({
      'no-backup': true,
      to: '19.4.0',
    });
    expect((await parseCommandLine(['upgrade', '--to', '19.4.0']))?.values).toEqual({ to: '19.4.0' });
    expect((await parseCommandLine(['init']))?.values).toEqual({ size: '3k', type: 'linux-package' });
  });

  it('stores an old spelling under the option it names, and keeps positionals', async () => {
    expect((await parseCommandLine(['init', '--output', 'old.yaml']))?.values.out).toBe('old.yaml');
    expect(await parseCommandLine(['backup', 'list', '-c', 'x.yaml'])).toEqual({
      name: 'backup',
      values: { config: 'x.yaml' },
      positionals: ['list'],
    });
  });
});
