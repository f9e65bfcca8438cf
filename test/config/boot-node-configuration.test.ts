/**
 * A fixed node's boot script reads its settings file and gitlab.rb from the SSM parameters its user
 * data names, before any step uses a setting; a group member reads its gitlab.rb the same way. Run for real: the bootstrap settings file from a
 * rendered user data document, `aws` answering `ssm get-parameter` with the rendered parameter
 * values (as the CLI prints a value with `--output text`), and the machine's steps stubbed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_HEADER, readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { bootTargets, renderUserDataParts, type UserDataParts } from '../../src/config/index.js';
import { planFor } from '../fixtures/plans.js';
import { endpointsFor, writeFiles } from './support.js';

/** The steps that touch the machine; `trace` records the ones the test follows. */
const STUBS = `
trace() { printf '%s\\n' "$*" >>"$ROOT/trace"; }
record_facts() { REGION=us-west-2; INSTANCE_ID=i-0123; trace "facts: $GLA_FACTS"; }
install_tools() { trace install_tools; }
resume_after_reboot() { :; }
fetch_secrets() { trace "secrets: $GLA_SECRETS"; }
install_gitlab() { trace "install $GLA_PACKAGE $GLA_VERSION"; }
mount_data_volume() { :; }
data_endpoints() { trace "endpoints before $1: $GLA_ENDPOINTS"; }
shared_secrets() { :; }
wait_for() { :; }
gitlab-ctl() { trace "gitlab-ctl $*"; }
fast_ssh_key_lookup() { :; }
check_running() { :; }
signal() { trace "signal $1"; }
`;

interface Booted {
  readonly status: number | null;
  readonly stderr: string;
  readonly trace: string[];
  readonly env: string;
  readonly gitlabRb?: string;
  readonly awsCalls: string[];
  /** What the step that reads the configuration logged. */
  readonly configurationLog: string;
}

function boot(
  parts: UserDataParts,
  missing?: string,
  stored: Readonly<Record<string, string>> = parts.nodeConfiguration ?? {},
): Booted {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-node-config-'));
  try {
    const parameters = join(root, 'parameters');
    mkdirSync(parameters);
    for (const [name, value] of Object.entries(stored)) {
      if (name !== missing) writeFileSync(join(parameters, encodeURIComponent(name)), value);
    }
    // get-parameter --name N --query Parameter.Value --output text: the value and a newline.
    writeFileSync(
      join(root, 'aws'),
      `#!/bin/bash
printf '%s\\n' "$*" >>"${root}/aws-calls"
[ "$1 $2" = "ssm get-parameter" ] || exit 0
while [ $# -gt 0 ]; do [ "$1" = --name ] && name=$2; shift; done
file="${parameters}/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$name")"
[ -f "$file" ] || { echo "ParameterNotFound: $name" >&2; exit 254; }
cat "$file"; echo
`,
    );
    chmodSync(join(root, 'aws'), 0o755);
    const envFile = join(root, 'boot.env');
    const bootstrap = writeFiles(parts.document).find((file) => file.path === '/etc/gitlab-aws/boot.env')!;
    writeFileSync(envFile, bootstrap.content);
    const script = withHeader(readScript(SCRIPT_FILES.boot), {
      ENV_FILE: envFile,
      SECRETS_DIR: join(root, 'secrets'),
      FACTS_DIR: join(root, 'facts'),
      SELF: '/bin/false',
      LOCKED: '/bin/false',
      FIRST_BOOT_PLACEHOLDER: '{}',
      ...ARTIFACT_HEADER,
    }).replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n');
    const run = spawnSync(
      'bash',
      ['-c', `${script}\nROOT='${root}'\nGITLAB_RB='${root}/gitlab.rb'\n${STUBS}\nboot`],
      {
        env: { PATH: `${root}:/usr/bin:/bin` },
        encoding: 'utf8',
      },
    );
    const read = (name: string) => {
      try {
        return readFileSync(join(root, name), 'utf8');
      } catch {
        return undefined;
      }
    };
    const gitlabRb = read('gitlab.rb');
    return {
      status: run.status,
      stderr: run.stderr,
      trace: (read('trace') ?? '').split('\n').filter(Boolean),
      env: read('boot.env') ?? '',
      ...(gitlabRb !== undefined ? { gitlabRb } : {}),
      awsCalls: (read('aws-calls') ?? '').split('\n').filter(Boolean),
      configurationLog: read('boot-state/fetch_node_configuration.log') ?? '',
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const plan = planFor({ architecture: { size: '3k' } });
const rendered = (nodeId: string) => {
  const target = bootTargets(plan).find((entry) => entry.kind === 'node' && entry.node.id === nodeId)!;
  return renderUserDataParts(plan, target, endpointsFor(target));
};

describe('a fixed node reads its configuration from parameters', () => {
  it('installs the settings file and gitlab.rb before any step uses them, then records the facts and waits for the endpoints they list', () => {
    const parts = rendered('praefect-1');
    const run = boot(parts);
    expect(run.status, run.stderr).toBe(0);
    expect(run.env).toBe(parts.env);
    expect(run.gitlabRb).toBe(parts.gitlabRb);
    const facts = /^GLA_FACTS='(.*)'$/m.exec(parts.env)![1]!;
    const endpoints = /^GLA_ENDPOINTS='(.*)'$/m.exec(parts.env)![1]!;
    // Praefect's database, which its reconfigure migrates, before the reconfigure.
    expect(endpoints).toContain('/gitlab-test/data-endpoints/praefect-database|-|-|configure');
    expect(run.trace).toEqual([
      'facts: ',
      'install_tools',
      `facts: ${facts}`,
      expect.stringMatching(/^secrets: praefect-/),
      `install ${plan.gitlab.packageName} ${plan.gitlab.version}`,
      `endpoints before configure: ${endpoints}`,
      'gitlab-ctl reconfigure',
      `endpoints before start: ${endpoints}`,
      'signal SUCCESS',
    ]);
    expect(run.awsCalls.filter((call) => call.startsWith('ssm get-parameter'))).toEqual(
      Object.keys(parts.nodeConfiguration!).map(
        (name) => `ssm get-parameter --region us-west-2 --name ${name} --query Parameter.Value --output text`,
      ),
    );
  });

  it('boots a bastion, which has no gitlab.rb, from its settings parameter alone', () => {
    const bastionPlan = planFor({ architecture: { size: '3k' }, access: { admin: 'bastion' } });
    const target = bootTargets(bastionPlan).find(
      (entry) => entry.kind === 'node' && entry.node.role === 'bastion',
    )!;
    const parts = renderUserDataParts(bastionPlan, target, endpointsFor(target));
    const run = boot(parts);
    expect(run.status, run.stderr).toBe(0);
    expect(run.env).toBe(parts.env);
    expect(run.gitlabRb).toBeUndefined();
    expect(run.trace.at(-1)).toBe('signal SUCCESS');
  });

  it('fails the boot, and signals so, when a parameter cannot be read', () => {
    const parts = rendered('gitaly-2');
    const gitlabRb = Object.keys(parts.nodeConfiguration!).find((name) => name.endsWith('/gitlab-rb'))!;
    const run = boot(parts, gitlabRb);
    expect(run.status).not.toBe(0);
    expect(run.gitlabRb).toBeUndefined();
    expect(run.trace.at(-1)).toBe('signal FAILURE');
    expect(run.trace.some((line) => line.startsWith('install '))).toBe(false);
  });
});

describe('a group member reads its gitlab.rb from its parameter', () => {
  const group = () => {
    const target = bootTargets(plan).find((entry) => entry.kind === 'group' && entry.group.id === 'sidekiq')!;
    return renderUserDataParts(plan, target, endpointsFor(target));
  };

  it('installs gitlab.rb before reconfigure, keeping the settings its user data carries', () => {
    const parts = group();
    const run = boot(parts);
    expect(run.status, run.stderr).toBe(0);
    expect(run.gitlabRb).toBe(parts.gitlabRb);
    expect(run.env).toBe(parts.env);
    expect(run.awsCalls.filter((call) => call.startsWith('ssm get-parameter'))).toEqual(
      Object.keys(parts.nodeConfiguration!).map(
        (name) => `ssm get-parameter --region us-west-2 --name ${name} --query Parameter.Value --output text`,
      ),
    );
    expect(run.trace.indexOf('gitlab-ctl reconfigure')).toBeGreaterThan(0);
    expect(run.trace.at(-1)).toBe('signal SUCCESS');
    expect(run.configurationLog).toContain('gitlab.rb read from');
    expect(run.configurationLog).not.toContain('newer than this launch template');
  });

  it('boots with a gitlab.rb newer than its launch template, and says so', () => {
    const parts = group();
    const [name] = Object.keys(parts.nodeConfiguration!);
    // What a later deploy stored: another gitlab.rb than the one this launch template's digest names.
    const newerRb = gzipSync(`${parts.gitlabRb}# changed\n`).toString('base64');
    const run = boot(parts, undefined, { [name!]: newerRb });
    expect(run.status, run.stderr).toBe(0);
    expect(run.configurationLog).toContain('newer than this launch template');
    expect(run.gitlabRb).toBe(`${parts.gitlabRb}# changed\n`);
    expect(run.trace.at(-1)).toBe('signal SUCCESS');
  });

  it('fails the boot, and signals so, when its gitlab.rb parameter cannot be read', () => {
    const parts = group();
    const run = boot(parts, Object.keys(parts.nodeConfiguration!)[0]);
    expect(run.status).not.toBe(0);
    expect(run.gitlabRb).toBeUndefined();
    expect(run.trace.at(-1)).toBe('signal FAILURE');
    expect(run.trace.some((line) => line.startsWith('install '))).toBe(false);
  });
});
