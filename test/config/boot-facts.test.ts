/**
 * The facts the boot script writes for gitlab.rb, read from the instance metadata service for real
 * (record_facts), with `curl` answering as IMDSv2 does: only with the session token it handed out.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';

/** A curl that serves IMDSv2 paths to requests carrying the token, and fails any other request. */
const FAKE_CURL = `#!/bin/sh
token=""
for arg; do case "$arg" in 'X-aws-ec2-metadata-token: '*) token=\${arg#*: } ;; esac; last=$arg; done
case "$last" in
  */latest/api/token) printf 'token-1'; exit 0 ;;
esac
[ "$token" = token-1 ] || exit 22
case "$last" in
  */latest/meta-data/placement/region) printf 'eu-central-1' ;;
  */latest/meta-data/instance-id) printf 'i-0123' ;;
  */latest/meta-data/local-ipv4) printf '10.0.1.5' ;;
  */latest/dynamic/instance-identity/document)
    printf '{\\n  "accountId" : "210987654321",\\n  "region" : "eu-central-1",\\n  "instanceId" : "i-0123"\\n}' ;;
  *) exit 22 ;;
esac
`;

function recordFacts(): { status: number | null; stderr: string; fact: (name: string) => string } {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-facts-'));
  const facts = join(root, 'facts');
  writeFileSync(join(root, 'curl'), FAKE_CURL);
  chmodSync(join(root, 'curl'), 0o755);
  const envFile = join(root, 'boot.env');
  writeFileSync(
    envFile,
    "GLA_NODE='gitaly-1'\nGLA_FACTS='praefect-host'\nGLA_FACT_PRAEFECT_HOST='praefect.example'\n",
  );
  const script = withHeader(readScript(SCRIPT_FILES.boot), {
    ENV_FILE: envFile,
    SECRETS_DIR: join(root, 'secrets'),
    FACTS_DIR: facts,
    SELF: '/bin/false',
    LOCKED: '/bin/false',
    FIRST_BOOT_PLACEHOLDER: '{}',
  }).replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n');
  const run = spawnSync(
    'bash',
    ['-c', `${script}\nrecord_facts\necho "$REGION $INSTANCE_ID" >"${root}/ids"`],
    {
      env: { PATH: `${root}:/usr/bin:/bin` },
      encoding: 'utf8',
    },
  );
  const read = (name: string) => readFileSync(join(facts, name), 'utf8');
  const values = new Map<string, string>();
  for (const name of ['account-id', 'private-ipv4', 'praefect-host']) {
    try {
      values.set(name, read(name));
    } catch {
      // missing: the test says which
    }
  }
  values.set(
    'ids',
    (() => {
      try {
        return readFileSync(join(root, 'ids'), 'utf8').trim();
      } catch {
        return '';
      }
    })(),
  );
  rmSync(root, { recursive: true, force: true });
  return { status: run.status, stderr: run.stderr, fact: (name) => values.get(name) ?? '<missing>' };
}

describe('boot facts', () => {
  it("writes the instance's account id from its identity document, beside its address and the endpoints", () => {
    const run = recordFacts();
    expect(run.status, run.stderr).toBe(0);
    expect(run.fact('account-id')).toBe('210987654321');
    expect(run.fact('private-ipv4')).toBe('10.0.1.5');
    expect(run.fact('praefect-host')).toBe('praefect.example');
    expect(run.fact('ids')).toBe('eu-central-1 i-0123');
  });
});
