import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { runCli } from './run-cli.js';

describe('the command registry', () => {
  it.each(Object.keys(COMMANDS))('%s loads, and its module agrees on its name and usage', async (name) => {
    const { command } = await COMMANDS[name]!.load();
    expect(command.name).toBe(name);
    expect(command.usage.startsWith(`gitlab-aws ${name}`)).toBe(true);
  });

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
});
