/**
 * The boot script's end, run for real with `aws` and the boot steps stubbed: an auto scaling group
 * member completes its launch hook (CONTINUE once GitLab runs, ABANDON when a step fails) with the
 * hook named in boot.env and the group Auto Scaling reports for the instance, and signals
 * CloudFormation either way.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOT_SCRIPT, readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { LAUNCH_HOOK_NAME } from '../../src/plan/contracts.js';

/** The boot steps that touch the machine; the test replaces them so only the ending runs. */
const STEPS = [
  'record_facts',
  'resume_after_reboot',
  'install_tools',
  'fetch_secrets',
  'mount_data_volume',
  'install_gitlab',
  'shared_secrets',
  'fast_ssh_key_lookup',
  'check_running',
];

function runBoot(
  env: Record<string, string>,
  failingStep?: string,
): { status: number | null; trace: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-boot-'));
  try {
    const trace = join(root, 'trace');
    writeFileSync(trace, '');
    const aws = join(root, 'aws');
    // Answers the group lookup as Auto Scaling would, and records every call.
    writeFileSync(
      aws,
      `#!/bin/sh\nprintf '%s\\n' "aws $*" >>"${trace}"\ncase "$2" in describe-auto-scaling-instances) echo compute-RailsNodesGroup-ABC ;; esac\n`,
    );
    chmodSync(aws, 0o755);
    const envFile = join(root, 'boot.env');
    writeFileSync(
      envFile,
      Object.entries({
        GLA_NODE: 'rails',
        GLA_ROLE: 'rails',
        GLA_ENVIRONMENT: 'prod',
        GLA_MIGRATES: 'no',
        GLA_STACK: 'compute',
        GLA_LOGICAL_ID: 'Group',
        ...env,
      })
        .map(([name, value]) => `${name}='${value}'\n`)
        .join(''),
    );
    // The script's functions without its dispatch at the end, then the machine's steps stubbed.
    const script = withHeader(readScript(SCRIPT_FILES.boot), {
      ENV_FILE: envFile,
      SECRETS_DIR: join(root, 'secrets'),
      FACTS_DIR: join(root, 'facts'),
      SELF: '/bin/false',
      LOCKED: '/bin/false',
      FIRST_BOOT_PLACEHOLDER: '{}',
    }).replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n');
    const stubs = STEPS.map((step) =>
      step === failingStep ? `${step}() { false; }` : `${step}() { :; }`,
    ).join('\n');
    const run = spawnSync(
      'bash',
      [
        '-c',
        `${script}\n${stubs}\nREGION=eu-west-1\nINSTANCE_ID=i-0123\nrecord_facts() { :; }\ngitlab-ctl() { :; }\nboot`,
      ],
      { env: { PATH: `${root}:/usr/bin:/bin` }, encoding: 'utf8' },
    );
    return { status: run.status, trace: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('boot script and the launch hook', () => {
  it('is installed with the rendered header', () => {
    expect(BOOT_SCRIPT).toContain('complete-lifecycle-action');
  });

  it('completes the launch hook with CONTINUE once GitLab runs, then signals success', () => {
    const run = runBoot({ GLA_LAUNCH_HOOK: LAUNCH_HOOK_NAME });
    expect(run.status).toBe(0);
    expect(run.trace).toEqual([
      'aws autoscaling describe-auto-scaling-instances --region eu-west-1 --instance-ids i-0123 --query AutoScalingInstances[0].AutoScalingGroupName --output text',
      `aws autoscaling complete-lifecycle-action --region eu-west-1 --auto-scaling-group-name compute-RailsNodesGroup-ABC --lifecycle-hook-name ${LAUNCH_HOOK_NAME} --instance-id i-0123 --lifecycle-action-result CONTINUE`,
      'aws cloudformation signal-resource --region eu-west-1 --stack-name compute --logical-resource-id Group --unique-id i-0123 --status SUCCESS',
    ]);
  });

  it('abandons the launch when a boot step fails, and signals failure', () => {
    const run = runBoot({ GLA_LAUNCH_HOOK: LAUNCH_HOOK_NAME }, 'install_gitlab');
    expect(run.status).toBe(1);
    expect(run.trace.filter((line) => line.includes('complete-lifecycle-action'))).toEqual([
      expect.stringMatching(
        /--lifecycle-hook-name gitlab-aws-boot --instance-id i-0123 --lifecycle-action-result ABANDON$/,
      ),
    ]);
    expect(run.trace.at(-1)).toMatch(/signal-resource .* --status FAILURE$/);
  });

  it('leaves fixed nodes, which have no hook, to the boot signal alone', () => {
    const run = runBoot({ GLA_LAUNCH_HOOK: '' });
    expect(run.status).toBe(0);
    expect(run.trace).toEqual([
      expect.stringMatching(/^aws cloudformation signal-resource .* --status SUCCESS$/),
    ]);
  });
});
