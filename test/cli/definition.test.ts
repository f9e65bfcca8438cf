/**
 * What the one definition of the command line gives a user, through the installed binary:
 * per-command help, option errors naming the option, old spellings still accepted, the spec's JSON
 * Schema explaining every field, and shell completion asked of a real bash.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../src/cli/commands/schema.js';
import { COMMANDS } from '../../src/cli/definition.js';
import { main } from '../../src/cli/main.js';
import { type CliResult, REPO_ROOT, runBinaryAsync, tempDir } from './run-cli.js';

const dirs = { initAlias: tempDir(), initBoth: tempDir(), init: tempDir(), completion: tempDir() };

const runs = {
  planHelp: () => runBinaryAsync(['plan', '--help']),
  helpPlan: () => runBinaryAsync(['help', 'plan']),
  helpUpgrade: () => runBinaryAsync(['help', 'upgrade']),
  version: () => runBinaryAsync(['--version']),
  topHelp: () => runBinaryAsync(['--help']),
  missingValue: () => runBinaryAsync(['plan', '--size']),
  unknownOption: () => runBinaryAsync(['synth', '--outt', 'x']),
  initAlias: () => runBinaryAsync(['init', '--output', 'old.yaml'], { cwd: dirs.initAlias }),
  initBoth: () => runBinaryAsync(['init', '--output', 'a.yaml', '--out', 'b.yaml'], { cwd: dirs.initBoth }),
  init: () => runBinaryAsync(['init'], { cwd: dirs.init }),
  costEstimate: () => runBinaryAsync(['cost', 'estimate', '--templates', 'missing-dir', '--bogus']),
  completionBash: () => runBinaryAsync(['completion', 'bash']),
  completionZsh: () => runBinaryAsync(['completion', 'zsh']),
  completionFish: () => runBinaryAsync(['completion', 'fish']),
} as const;

const results = {} as Record<keyof typeof runs, CliResult>;

beforeAll(async () => {
  const names = Object.keys(runs) as (keyof typeof runs)[];
  for (let index = 0; index < names.length; index += 2) {
    const batch = names.slice(index, index + 2);
    const done = await Promise.all(batch.map((name) => runs[name]()));
    batch.forEach((name, at) => {
      results[name] = done[at]!;
    });
  }
}, 120_000);

describe('help from the one definition', () => {
  it('plan --help and help plan print the same: summary, usage and every option', () => {
    expect(results.planHelp.code).toBe(0);
    expect(results.helpPlan).toEqual(results.planHelp);
    const lines = results.planHelp.stdout.split('\n');
    expect(lines[0]).toBe(COMMANDS.plan!.summary);
    expect(results.planHelp.stdout).toContain('Usage: gitlab-aws plan [options]');
    expect(results.planHelp.stdout).toMatch(/^ {2}-c, --config <file> +spec file/m);
    expect(results.planHelp.stdout).toMatch(
      /^ {2}--size <size> +override architecture\.size \(poc, 1k, 2k, 3k/m,
    );
  });

  it('--version prints the package version, and the top-level help lists it', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(results.version).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(results.topHelp.stdout).toMatch(/^ {2}-v, --version +print the version$/m);
  });

  it('a command with two forms shows both usage lines', () => {
    expect(results.helpUpgrade.code).toBe(0);
    expect(results.helpUpgrade.stdout).toContain(
      'Usage: gitlab-aws upgrade --to VERSION [options]\n       gitlab-aws upgrade --image [options]\n',
    );
  });

  it('a missing value and an unknown option are exit 2, naming the option and where to look', () => {
    expect(results.missingValue).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: option '--size <size>' argument missing\n(see gitlab-aws plan --help)\n",
    });
    expect(results.unknownOption).toMatchObject({ code: 2, stdout: '' });
    expect(results.unknownOption.stderr).toMatch(/^error: unknown option '--outt'\n\(Did you mean --out\?\)/);
  });
});

describe('old spellings', () => {
  it('init --output still writes where it says, hidden from help', () => {
    expect(results.initAlias.code).toBe(0);
    expect(readFileSync(join(dirs.initAlias, 'old.yaml'), 'utf8')).toMatch(/^name: /m);
    expect(results.init.stdout).not.toContain('--output');
    expect(results.planHelp.stdout).not.toContain('--output');
  });

  it('init --output with --out is refused, nothing written', () => {
    expect(results.initBoth).toMatchObject({ code: 2, stdout: '' });
    expect(results.initBoth.stderr).toBe('error: --output is the old name of --out: give one of them\n');
    expect(readdirSync(dirs.initBoth)).toEqual([]);
  });

  it('cost estimate runs estimate, saying once that it was renamed', () => {
    const { stderr } = results.costEstimate;
    expect(stderr.match(/is now `gitlab-aws estimate`/g)).toHaveLength(1);
    // It parsed with estimate's options: the unknown one is named under estimate's help.
    expect(results.costEstimate.code).toBe(2);
    expect(stderr).toContain("unknown option '--bogus'\n(see gitlab-aws estimate --help)");
  });

  it('help cost estimate shows the help of estimate, as cost estimate --help does', async () => {
    const run = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await main(argv, {
        out: (chunk) => (out += chunk),
        err: (chunk) => (err += chunk),
        cwd: '.',
        env: {},
        isTTY: false,
      });
      return { code, out, err };
    };
    const viaHelp = await run(['help', 'cost', 'estimate']);
    const viaFlag = await run(['cost', 'estimate', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toContain('Usage: gitlab-aws estimate');
    expect(viaHelp.out).toBe(viaFlag.out);
    expect(viaHelp.err).toContain('is now `gitlab-aws estimate`');
  });
});

describe('the JSON Schema init writes beside the spec', () => {
  it('is written where the spec template points editors, and is the schema command output', () => {
    expect(results.init.code).toBe(0);
    const spec = readFileSync(join(dirs.init, 'gitlab-aws.yaml'), 'utf8');
    const pointer = /\$schema=\.\/(\S+)/.exec(spec)?.[1];
    expect(pointer).toBeDefined();
    expect(JSON.parse(readFileSync(join(dirs.init, pointer!), 'utf8'))).toEqual(specJsonSchema());
    expect(results.init.stdout).toContain(pointer);
  });

  it('describes every field, so that editors explain each one', () => {
    const undescribed: string[] = [];
    let fields = 0;
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, unknown>)) {
        fields += 1;
        if (!(property as { description?: string }).description) undescribed.push(`${path}${name}`);
        walk(property, `${path}${name}.`);
      }
      for (const key of ['items', 'additionalProperties']) walk(schema[key], `${path}[].`);
      for (const key of ['anyOf', 'oneOf', 'allOf'])
        for (const branch of (schema[key] ?? []) as unknown[]) walk(branch, path);
    };
    walk(specJsonSchema(), '');
    expect(fields).toBeGreaterThan(80);
    expect(undescribed).toEqual([]);
  });
});

/** What bash completes for the words typed so far (the last one is being completed). */
function bashCompletes(script: string, words: readonly string[]): string[] {
  const file = join(dirs.completion, 'gitlab-aws.bash');
  if (!existsSync(file)) writeFileSync(file, script);
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const result = spawnSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _gitlab_aws; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      file,
    ],
    { encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it('completes command names, options, option values and arguments in bash', () => {
    const script = results.completionBash.stdout;
    expect(results.completionBash.code).toBe(0);
    expect(bashCompletes(script, ['gitlab-aws', 'pl'])).toEqual(['plan']);
    expect(bashCompletes(script, ['gitlab-aws', 'plan', '--si'])).toEqual(['--size']);
    expect(bashCompletes(script, ['gitlab-aws', 'plan', '--size', '1'])).toEqual(['1k', '10k']);
    expect(bashCompletes(script, ['gitlab-aws', 'init', '--o'])).toEqual(['--out']);
    expect(bashCompletes(script, ['gitlab-aws', 'backup', 'l'])).toEqual(['list']);
    expect(bashCompletes(script, ['gitlab-aws', 'help', 'dep'])).toEqual(['deploy']);
    // A file name is the shell's to complete: the script offers nothing after -c.
    expect(bashCompletes(script, ['gitlab-aws', 'plan', '-c', ''])).toEqual([]);
    expect(bashCompletes(script, ['gitlab-aws', 'upgrade', '--no-'])).toEqual(['--no-backup']);
  });

  it('names every command and each option in zsh, and refuses a shell it does not know', () => {
    const script = results.completionZsh.stdout;
    expect(script.split('\n')[0]).toBe('#compdef gitlab-aws');
    for (const name of Object.keys(COMMANDS))
      expect(script).toMatch(new RegExp(`^ {4}${name}\\) _arguments`, 'm'));
    expect(script).toContain(`--size'[override architecture.size]:size:(poc 1k 2k 3k 5k 10k 25k 50k)'`);
    expect(results.completionFish).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: no completion for "fish": use bash or zsh\n',
    });
  });
});

describe('the README and the definition agree', () => {
  it('every flag the README shows with a command is one that command accepts', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const unknown: string[] = [];
    let checked = 0;
    for (const match of readme.matchAll(/gitlab-aws ([a-z]+)((?: +[^\s`|#;&)]+)*)/g)) {
      const definition = COMMANDS[match[1]!];
      if (!definition) continue;
      const accepted = new Set([
        '--help',
        '-h',
        ...definition.options.flatMap((option) => option.flags.match(/-{1,2}[a-z][a-z0-9-]*/g) ?? []),
      ]);
      for (const flag of match[2]!.match(/(?<=\s)-{1,2}[a-z][a-z0-9-]*/g) ?? []) {
        checked += 1;
        if (!accepted.has(flag)) unknown.push(`gitlab-aws ${match[1]} ${flag}`);
      }
    }
    expect(checked).toBeGreaterThan(15);
    expect(unknown).toEqual([]);
  });
});
