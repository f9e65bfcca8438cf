import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeDirectory, RemoteCommand, RemoteRunner } from '../../src/lifecycle/fleet.js';
import { mailingGroup, sendTestMail } from '../../src/lifecycle/test-mail.js';
import type { Plan } from '../../src/plan/types.js';
import { runCli } from '../cli/run-cli.js';
import { planFor } from '../fixtures/plans.js';

function fakes(instances: string[]) {
  const commands: RemoteCommand[] = [];
  const directory: NodeDirectory = {
    instanceOf: async () => 'i-none',
    groupNameOf: async (id) => id,
    instancesOf: async () => instances,
  };
  const runner: RemoteRunner = {
    run: async (request) => {
      commands.push(request);
      return { commandId: 'c-1', output: 'delivered to the SMTP server' };
    },
  };
  return { directory, runner, commands };
}

describe('check --send-test-mail', () => {
  let plan: Plan;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '3k' } });
  });

  it("has a web node send GitLab's test e-mail over SSM", async () => {
    const { directory, runner, commands } = fakes(['i-web1', 'i-web2']);
    const sent = await sendTestMail({ plan, to: 'ops@example.com', directory, runner });
    expect(sent).toEqual({ instanceId: 'i-web1', output: 'delivered to the SMTP server' });
    expect(commands).toHaveLength(1);
    expect(commands[0]!.instanceId).toBe('i-web1');
    expect(commands[0]!.commands.join('\n')).toContain("TO_ADDRESS='ops@example.com'");
    expect(mailingGroup(plan)).toEqual({ group: 'rails' });
    // The 1k node is no group member: it sends from itself.
    expect(mailingGroup(planFor({ architecture: { size: '1k' } }))).toEqual({ node: 'gitlab-1' });
  });

  it('says so when no web node is in service', async () => {
    const { directory, runner } = fakes([]);
    await expect(sendTestMail({ plan, to: 'ops@example.com', directory, runner })).rejects.toThrow(
      /no in-service node in the rails group/,
    );
  });

  it('hands the address to Notify.test_email through the environment, whatever it holds', async () => {
    const { directory, runner, commands } = fakes(['i-web1']);
    const tricky = 'a$(touch /tmp/x)"@example.com';
    await sendTestMail({ plan, to: tricky, directory, runner });
    const dir = mkdtempSync(join(tmpdir(), 'gla-mail-'));
    // A stand-in gitlab-rails that prints the Ruby it is given and the address it sees.
    writeFileSync(
      join(dir, 'gitlab-rails'),
      '#!/bin/sh\nprintf "%s\\n" "$2"\nprintf "to=%s\\n" "$GLA_TEST_MAIL_TO"\n',
    );
    chmodSync(join(dir, 'gitlab-rails'), 0o755);
    const result = spawnSync('bash', ['-c', commands[0]!.commands.join('\n')], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH}` },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Notify.test_email(ENV.fetch("GLA_TEST_MAIL_TO")');
    expect(result.stdout).toContain(`to=${tricky}\n`);
  });

  it('refuses a bad address or a spec without e-mail, exit 2, before calling AWS', async () => {
    const bad = await runCli(['check', '--send-test-mail', 'not-an-address']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--send-test-mail needs an e-mail address/);
    const cwd = mkdtempSync(join(tmpdir(), 'gla-mail-'));
    writeFileSync(
      join(cwd, 'gitlab-aws.yaml'),
      'name: gitlab-prod\nregion: us-west-2\ndomain: { name: gitlab.example.com }\n',
    );
    const off = await runCli(['check', '--send-test-mail', 'ops@example.com'], { cwd });
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/sends no e-mail through Amazon SES/);
  });
});
