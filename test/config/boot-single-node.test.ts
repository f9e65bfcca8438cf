/**
 * The boot script's single-node (1k) path, run for real with `aws` stubbed: the node installs the
 * gitlab-secrets.json and host keys an earlier instance stored, or stores the ones its first
 * reconfigure generated (under the fixed first-boot version, and closes each secret), and registers itself with the load balancer's
 * target groups once GitLab runs. Nodes of other plans do none of it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_HEADER, readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { FIRST_BOOT_SECRET_VERSION } from '../../src/plan/contracts.js';

/** Runs `commands` after the script's functions, `aws` answering get-secret-value with `stored`. */
function run(
  env: Record<string, string>,
  stored: string,
  commands: string,
  parameter = '',
): { status: number | null; trace: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-single-'));
  try {
    const trace = join(root, 'trace');
    writeFileSync(trace, '');
    const aws = join(root, 'aws');
    writeFileSync(
      aws,
      `#!/bin/sh\nprintf '%s\\n' "aws $*" >>"${trace}"\ncase "$2" in get-secret-value) printf '%s' '${stored}' ;; get-parameter) printf '%s' '${parameter}' ;; esac\n`,
    );
    chmodSync(aws, 0o755);
    const envFile = join(root, 'boot.env');
    writeFileSync(
      envFile,
      Object.entries({
        GLA_NODE: 'gitlab-1',
        GLA_ROLE: 'gitlab',
        GLA_ENVIRONMENT: 'prod',
        GLA_MIGRATES: 'no',
        GLA_SECRETS_JSON_NAME: 'prod/gitlab-secrets-json',
        GLA_HOST_KEYS_NAME: 'prod/ssh-host-keys',
        GLA_TAG_FIRST_BOOT: 'gitlab-aws:first-boot-pending',
        ...env,
      })
        .map(([name, value]) => `${name}='${value}'\n`)
        .join(''),
    );
    const script = withHeader(readScript(SCRIPT_FILES.boot), {
      ENV_FILE: envFile,
      SECRETS_DIR: join(root, 'secrets'),
      FACTS_DIR: join(root, 'facts'),
      SELF: '/bin/false',
      LOCKED: '/bin/false',
      FIRST_BOOT_PLACEHOLDER: '{}',
      FIRST_BOOT_VERSION: FIRST_BOOT_SECRET_VERSION,
      ...ARTIFACT_HEADER,
    }).replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n');
    // The file-touching installers record themselves instead; tar stands in for /etc/ssh.
    const stubs = [
      `install_secrets_json() { printf 'install_secrets_json\\n' >>"${trace}"; }`,
      `install_host_keys() { printf 'install_host_keys\\n' >>"${trace}"; }`,
      'tar() { printf keys; }',
    ].join('\n');
    const result = spawnSync(
      'bash',
      [
        '-c',
        `${script}\n${stubs}\nREGION=eu-west-1\nINSTANCE_ID=i-0123\nmkdir -p "$STATE_DIR" "$SECRETS_DIR"\n${commands}`,
      ],
      {
        env: { PATH: `${root}:/usr/bin:/bin` },
        encoding: 'utf8',
      },
    );
    return { status: result.status, trace: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const SINGLE = { GLA_SINGLE_NODE: 'yes' };

describe('boot script on the 1k node', () => {
  it('installs the secrets a predecessor stored, and stores nothing again', () => {
    const { status, trace } = run(SINGLE, '{"stored":true}', 'shared_secrets && first_boot_secrets');
    expect(status).toBe(0);
    expect(trace.filter((line) => !line.includes('get-secret-value'))).toEqual([
      'install_secrets_json',
      'install_host_keys',
    ]);
  });

  it('waits for no other node on its first boot, then stores and closes what its reconfigure generated', () => {
    const { status, trace } = run(SINGLE, '{}', 'shared_secrets && first_boot_secrets');
    expect(status).toBe(0);
    expect(trace.filter((line) => !line.includes('get-secret-value'))).toEqual([
      `aws secretsmanager put-secret-value --region eu-west-1 --secret-id prod/gitlab-secrets-json --client-request-token ${FIRST_BOOT_SECRET_VERSION} --secret-string file:///etc/gitlab/gitlab-secrets.json`,
      'aws secretsmanager untag-resource --region eu-west-1 --secret-id prod/gitlab-secrets-json --tag-keys gitlab-aws:first-boot-pending',
      expect.stringMatching(
        new RegExp(
          `^aws secretsmanager put-secret-value --region eu-west-1 --secret-id prod/ssh-host-keys --client-request-token ${FIRST_BOOT_SECRET_VERSION} --secret-string file://\\S+$`,
        ),
      ),
      'aws secretsmanager untag-resource --region eu-west-1 --secret-id prod/ssh-host-keys --tag-keys gitlab-aws:first-boot-pending',
    ]);
  });

  it('registers itself with each target group the edge stack lists in its parameter', () => {
    const { status, trace } = run(
      { ...SINGLE, GLA_TARGET_GROUPS_PARAMETER: '/prod/web-target-groups' },
      '{}',
      'register_targets',
      'arn:tg/http,arn:tg/ssh',
    );
    expect(status).toBe(0);
    expect(trace).toEqual([
      'aws ssm get-parameter --region eu-west-1 --name /prod/web-target-groups --query Parameter.Value --output text',
      'aws ssm get-parameter --region eu-west-1 --name /prod/web-target-groups --query Parameter.Value --output text',
      'aws elbv2 register-targets --region eu-west-1 --target-group-arn arn:tg/http --targets Id=i-0123',
      'aws elbv2 register-targets --region eu-west-1 --target-group-arn arn:tg/ssh --targets Id=i-0123',
    ]);
  });

  it('leaves other nodes to the first migrating node: no storing, no registering', () => {
    const { status, trace } = run(
      { GLA_SINGLE_NODE: 'no', GLA_TARGET_GROUPS_PARAMETER: '' },
      '{}',
      '! generates_secrets && first_boot_secrets && register_targets',
    );
    expect(status).toBe(0);
    expect(trace).toEqual([]);
  });
});
