/**
 * The boot script on a real first boot: apt locked by unattended-upgrades, downloads that fail
 * now and then, a reboot halfway, a step that fails. The script's own functions run under bash;
 * only what touches the machine or the network (apt-get, curl, gpg, aws, systemctl, sleep) is
 * replaced by shell functions that record their calls in a trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readScript, SCRIPT_FILES, withHeader } from '../../src/config/boot-script.js';
import { GITLAB_REPO_KEY_FINGERPRINT } from '../../src/config/user-data.js';
import { tempDir } from './support.js';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly trace: string[];
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function newRoot(): string {
  const root = tempDir('boot-robust');
  roots.push(root);
  return root;
}

const BASE_ENV: Record<string, string> = {
  GLA_NODE: 'gitaly-1',
  GLA_ROLE: 'gitaly',
  GLA_ENVIRONMENT: 'prod',
  GLA_STACK: 'compute',
  GLA_LOGICAL_ID: 'Gitaly1Boot',
  GLA_LAUNCH_HOOK: '',
  GLA_MIGRATES: 'no',
  GLA_PACKAGE: 'gitlab-ee',
  GLA_EDITION: 'ee',
  GLA_VERSION: '19.3.0',
  GLA_VERSION_PARAMETER: '/gitlab-aws/prod/gitlab-version',
  GLA_REPO_KEY_FINGERPRINT: GITLAB_REPO_KEY_FINGERPRINT,
  GLA_DATA_MOUNT: '',
};

/**
 * Runs `body` after the boot script's functions (without its final dispatch) in `root`, which
 * holds boot.env, the state directory and the trace; a second run in the same root sees what the
 * first left. `record` appends to the trace; the machine's commands are stubs unless `body`
 * redefines them.
 */
function run(root: string, body: string, env: Record<string, string> = {}, self = '/bin/false'): Run {
  writeFileSync(
    join(root, 'boot.env'),
    Object.entries({ ...BASE_ENV, ...env })
      .map(([name, value]) => `${name}='${value}'\n`)
      .join(''),
  );
  const script = withHeader(readScript(SCRIPT_FILES.boot), {
    ENV_FILE: join(root, 'boot.env'),
    SECRETS_DIR: join(root, 'secrets'),
    FACTS_DIR: join(root, 'facts'),
    SELF: self,
    LOCKED: '/bin/false',
    FIRST_BOOT_PLACEHOLDER: '{}',
  })
    .replace(/\ncase "\$\{1:-boot\}" in[\s\S]*$/, '\n')
    // The machine's paths, moved below the test's root.
    .replaceAll('/etc/apt/', `${root}/apt/`)
    .replaceAll('/etc/os-release', `${root}/os-release`)
    .replaceAll('/var/lib/cloud/scripts/per-boot/', `${root}/per-boot/`);
  const harness = `
ROOT=${JSON.stringify(root)}
record() { printf '%s\\n' "$*" >>"$ROOT/trace"; }
SYSTEMD_UNIT_DIR=$ROOT/systemd
mkdir -p "$ROOT/apt/sources.list.d"
FSTAB=$ROOT/fstab
sleep() { record "sleep $1"; }
mkdir -p "$ROOT/per-boot" "$STATE_DIR"
systemctl() { record "systemctl $*"; }
snap() { record "snap $*"; }
aws() { record "aws $*"; }
gitlab-ctl() { record "gitlab-ctl $*"; }
apt-get() { record "apt-get $*"; }
curl() { record "curl $*"; return 7; }
${body}
`;
  const result = spawnSync('bash', ['-c', `${script}\n${harness}`], { encoding: 'utf8' });
  const tracePath = join(root, 'trace');
  const trace = existsSync(tracePath) ? readFileSync(tracePath, 'utf8').split('\n').filter(Boolean) : [];
  writeFileSync(tracePath, '');
  return { status: result.status, stdout: `${result.stdout}${result.stderr}`, trace };
}

/** What apt-get says while unattended-upgrades updates the package lists. */
const LOCK_ERROR = 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)';

/** apt-get that fails as apt does while $ROOT/apt-lock exists (unattended-upgrades holding it). */
const LOCKED_APT = `
apt-get() {
  record "apt-get $*"
  if [ -e "$ROOT/apt-lock" ]; then echo "${LOCK_ERROR}" >&2; echo "E: Unable to lock directory /var/lib/apt/lists/" >&2; return 100; fi
  echo "Reading package lists... Done"
}`;

describe('apt and the package manager lock', () => {
  it('waits, with growing pauses, while another process holds the lock, then runs', () => {
    const root = newRoot();
    const result = run(
      root,
      `${LOCKED_APT}
touch "$ROOT/apt-lock"
# unattended-upgrades finishes during the second pause.
sleep() { record "sleep $1"; WAITS=$((\${WAITS:-0} + 1)); if [ "$WAITS" -eq 2 ]; then rm "$ROOT/apt-lock"; fi; }
retry 5 apt_get update -q`,
    );
    expect(result.status).toBe(0);
    // DPkg::Lock::Timeout has apt wait for dpkg's own lock; the lists lock is waited for here.
    expect(result.trace).toEqual([
      'apt-get -o DPkg::Lock::Timeout=900 update -q',
      'sleep 5',
      'apt-get -o DPkg::Lock::Timeout=900 update -q',
      'sleep 10',
      'apt-get -o DPkg::Lock::Timeout=900 update -q',
    ]);
    expect(result.stdout).toContain(LOCK_ERROR);
    expect(result.stdout).toMatch(/apt_get failed \(4 left\)/);
  });

  it('gives up when the lock stays held', () => {
    const root = newRoot();
    const result = run(root, `${LOCKED_APT}\ntouch "$ROOT/apt-lock"\nretry 5 apt_get update -q`);
    expect(result.status).not.toBe(0);
    expect(result.trace.filter((line) => line.startsWith('apt-get'))).toHaveLength(5);
    expect(result.trace.filter((line) => line.startsWith('sleep'))).toEqual([
      'sleep 5',
      'sleep 10',
      'sleep 20',
      'sleep 40',
    ]);
  });
});

/** The AWS CLI answering the version parameter as SSM does: its value, or ParameterNotFound (exit 254). */
const VERSION_PARAMETER = (value: string | undefined) => `
aws() {
  record "aws $*"
  [ "$1 $2" = "ssm get-parameter" ] || return 0
  ${
    value === undefined
      ? 'echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2; return 254'
      : `echo '${value}'`
  }
}`;

describe('installing the package', () => {
  /** curl that fails `failures` times, then writes a key file where --output says. */
  const flakyCurl = (failures: number) => `
curl() {
  record "curl $*"
  CALLS=$((\${CALLS:-0} + 1))
  if [ "$CALLS" -le ${failures} ]; then echo "curl: (6) Could not resolve host: packages.gitlab.com" >&2; return 6; fi
  local out=""
  while [ $# -gt 0 ]; do if [ "$1" = --output ]; then out=$2; fi; shift; done
  echo "-----BEGIN PGP PUBLIC KEY BLOCK-----" >"$out"
  # unattended-upgrades starts meanwhile and holds apt's lock until the next sleep.
  touch "$ROOT/apt-lock"
}
gpg() { printf 'pub:-:4096:1:3F01618A51312F3F:1586131200:::-:::scESC::::::23::0:\\nfpr:::::::::%s:\\n' "$GLA_REPO_KEY_FINGERPRINT"; }
dpkg-query() { return 1; }
printf 'ID=ubuntu\\nVERSION_CODENAME=noble\\n' >"$ROOT/os-release"
${LOCKED_APT}
${VERSION_PARAMETER('19.3.0')}
`;

  it('retries a failed download with growing waits, and adds the repository in its 19.3 form', () => {
    const root = newRoot();
    const result = run(
      root,
      `${flakyCurl(2)}
sleep() { record "sleep $1"; rm -f "$ROOT/apt-lock"; }
install_gitlab`,
    );
    expect(result.status).toBe(0);
    const curls = result.trace.filter((line) => line.startsWith('curl'));
    expect(curls).toHaveLength(3);
    for (const line of curls) expect(line).toMatch(/ https:\/\/packages\.gitlab\.com\/gpgkey\/gpg\.key$/);
    // Growing pauses between the downloads, then a new series while apt is locked.
    expect(result.trace.filter((line) => line.startsWith('sleep'))).toEqual([
      'sleep 5',
      'sleep 10',
      'sleep 5',
    ]);
    const keyring = join(root, 'apt/keyrings/gitlab-keyring.asc');
    expect(readFileSync(join(root, 'apt/sources.list.d/gitlab_gitlab-ee.list'), 'utf8')).toBe(
      `deb [signed-by=${keyring}] https://packages.gitlab.com/gitlab/gitlab-ee/ubuntu/noble noble main\n`,
    );
    expect(result.trace.at(-1)).toBe(
      'apt-get -o DPkg::Lock::Timeout=900 install -y -q gitlab-ee=19.3.0-ee.0',
    );
  });

  it("accepts GitLab's key when gpg prints more after its fingerprint than a pipe holds", () => {
    const root = newRoot();
    // The fingerprint first, then far more than a pipe's buffer: a grep that stopped at the match
    // would end gpg with SIGPIPE, which pipefail reports as a refused key.
    const result = run(
      root,
      `${flakyCurl(0)}
gpg() {
  printf 'fpr:::::::::%s:\\n' "$GLA_REPO_KEY_FINGERPRINT"
  i=0; while [ "$i" -lt 20000 ]; do printf 'uid:-::::1586131200::0::GitLab B.V. (package repository signing key) <packages@gitlab.com>::::::::::0:\\n'; i=$((i + 1)); done
}
sleep() { rm -f "$ROOT/apt-lock"; }
install_gitlab`,
    );
    expect(result.status).toBe(0);
    expect(result.trace.at(-1)).toBe(
      'apt-get -o DPkg::Lock::Timeout=900 install -y -q gitlab-ee=19.3.0-ee.0',
    );
  });

  it('installs the version the parameter holds, which upgrade moved past the one rendered into the node', () => {
    const root = newRoot();
    const result = run(
      root,
      `${flakyCurl(0)}\n${VERSION_PARAMETER('19.4.1')}\nsleep() { rm -f "$ROOT/apt-lock"; }\ninstall_gitlab`,
    );
    expect(result.status).toBe(0);
    expect(result.trace).toContain(
      'aws ssm get-parameter --region  --name /gitlab-aws/prod/gitlab-version --query Parameter.Value --output text',
    );
    expect(result.trace.at(-1)).toBe(
      'apt-get -o DPkg::Lock::Timeout=900 install -y -q gitlab-ee=19.4.1-ee.0',
    );
    expect(result.stdout).toContain(
      'installing 19.4.1 from /gitlab-aws/prod/gitlab-version (the spec says 19.3.0)',
    );
  });

  it.each([
    [
      'missing',
      undefined,
      'cannot read the GitLab version from SSM parameter /gitlab-aws/prod/gitlab-version',
    ],
    [
      'not a version',
      'None',
      'SSM parameter /gitlab-aws/prod/gitlab-version holds "None", not a GitLab version',
    ],
  ])(
    'stops, naming the parameter, when it is %s, instead of installing the rendered version',
    (_case, value, message) => {
      const root = newRoot();
      const result = run(root, `${flakyCurl(0)}\n${VERSION_PARAMETER(value)}\ninstall_gitlab`);
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain(message);
      expect(result.trace.some((line) => line.startsWith('apt-get') && line.includes(' install '))).toBe(
        false,
      );
    },
  );

  it('stops before the migrations lock when the version cannot be read', () => {
    const root = newRoot();
    const result = run(
      root,
      `${VERSION_PARAMETER(undefined)}\nas_master() { record as_master; }\nrun_migrations`,
    );
    expect(result.status).not.toBe(0);
    expect(result.trace).not.toContain('as_master');
    expect(result.stdout).toContain('cannot read the GitLab version from SSM parameter');
  });

  it('gives up after five failed downloads', () => {
    const root = newRoot();
    const result = run(root, `${flakyCurl(99)}\ninstall_gitlab`);
    expect(result.status).not.toBe(0);
    expect(result.trace.filter((line) => line.startsWith('curl'))).toHaveLength(5);
    expect(result.trace.filter((line) => line.startsWith('sleep'))).toEqual([
      'sleep 5',
      'sleep 10',
      'sleep 20',
      'sleep 40',
    ]);
    expect(result.trace.some((line) => line.startsWith('apt-get'))).toBe(false);
    expect(result.stdout).toMatch(/curl failed \(0 left\)/);
  });
});

/** Every boot step replaced by one that records its name; `failing` prints lines and fails. */
const STEPS = [
  'record_facts',
  'resume_after_reboot',
  'install_tools',
  'fetch_secrets',
  'install_gitlab',
  'mount_data_volume',
  'shared_secrets',
  'fast_ssh_key_lookup',
  'check_running',
];
/** The steps every run goes through, done before or not. */
const ALWAYS = ['record_facts', 'resume_after_reboot', 'fetch_secrets', 'mount_data_volume', 'check_running'];

function stubbedBoot(failing?: { step: string; lines: string[] }): string {
  const stubs = STEPS.map((step) =>
    step === failing?.step
      ? `${step}() { record ${step}; ${failing.lines.map((line) => `echo '${line}'`).join('; ')}; return 100; }`
      : `${step}() { record ${step}; }`,
  );
  return `${stubs.join('\n')}
record_facts() { record record_facts; REGION=eu-west-1; INSTANCE_ID=i-0123; }
aws() { record "aws $*"; }
boot`;
}

describe('a boot resumed after a reboot', () => {
  it('skips the steps the interrupted run completed and runs the rest', () => {
    const root = newRoot();
    // The instance loses power while shared_secrets runs.
    const cut = run(
      root,
      stubbedBoot().replace(
        /^shared_secrets\(\) .*$/m,
        // A function, so that $$ reaches the shell as it is (in a replacement string it means $).
        () => 'shared_secrets() { record shared_secrets; kill -9 $$; }',
      ),
    );
    expect(cut.status).toBeNull();
    expect(cut.trace.filter((line) => STEPS.includes(line))).toEqual(
      STEPS.slice(0, STEPS.indexOf('shared_secrets') + 1),
    );
    const resumed = run(root, stubbedBoot());
    expect(resumed.status).toBe(0);
    expect(resumed.trace.filter((line) => STEPS.includes(line))).toEqual([
      ...ALWAYS.slice(0, 4),
      'shared_secrets',
      'fast_ssh_key_lookup',
      'check_running',
    ]);
    expect(resumed.trace).toContain('gitlab-ctl reconfigure');
    expect(resumed.trace.at(-1)).toMatch(/signal-resource .* --unique-id i-0123 --status SUCCESS$/);
  });

  it('runs again from the step that failed', () => {
    const root = newRoot();
    const failed = run(root, stubbedBoot({ step: 'install_gitlab', lines: ['E: network down'] }));
    expect(failed.status).toBe(1);
    const again = run(root, stubbedBoot());
    expect(again.status).toBe(0);
    expect(again.trace.filter((line) => STEPS.includes(line))).toEqual([
      'record_facts',
      'resume_after_reboot',
      'fetch_secrets',
      'install_gitlab',
      'mount_data_volume',
      'shared_secrets',
      'fast_ssh_key_lookup',
      'check_running',
    ]);
  });

  it('stops at once on the boots after the one that completed', () => {
    const root = newRoot();
    expect(run(root, stubbedBoot()).status).toBe(0);
    const later = run(root, stubbedBoot());
    expect(later.status).toBe(0);
    expect(later.trace).toEqual([]);
  });

  it('is linked into the scripts cloud-init runs at every boot', () => {
    const root = newRoot();
    const self = join(root, 'gitlab-aws-boot');
    writeFileSync(self, `#!/bin/sh\ntouch ${JSON.stringify(join(root, 'ran'))}\n`, { mode: 0o755 });
    const result = run(root, stubbedBoot().replace(/^resume_after_reboot\(\) .*$/m, ''), {}, self);
    expect(result.status).toBe(0);
    const perBoot = join(root, 'per-boot');
    expect(realpathSync(join(perBoot, 'gitlab-aws-boot'))).toBe(realpathSync(self));
    // cloud-init's own runparts, as its scripts_per_boot module calls it on the directory.
    const cloudInit = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sys\nfrom cloudinit import subp\nsubp.runparts(sys.argv[1])', perBoot],
      {
        encoding: 'utf8',
      },
    );
    if (cloudInit.status === 0 || process.env.CI) {
      expect(cloudInit.stderr).toBe('');
      expect(existsSync(join(root, 'ran'))).toBe(true);
    }
  });
});

/** The reason the console's failure line gives. */
const reasonOf = (result: Run) => /FAILED at line \d+: (.*)$/m.exec(result.stdout)?.[1];

describe('a failing step', () => {
  it('signals CloudFormation with the step and the last line it logged', () => {
    const root = newRoot();
    const lastLine = 'E: Version 19.3.0-ee.0 for gitlab-ee was not found';
    const result = run(
      root,
      stubbedBoot({ step: 'install_gitlab', lines: ['Reading package lists...', lastLine, ''] }),
    );
    expect(result.status).toBe(1);
    const signal = result.trace.find((line) => line.includes('signal-resource'));
    const id = /--unique-id (.*) --status FAILURE$/.exec(signal ?? '')?.[1];
    expect(id).toBe(`i-0123 install_gitlab: ${lastLine}`.slice(0, 64));
    expect(reasonOf(result)).toBe(`install_gitlab: ${lastLine}`);
    expect(result.stdout).toContain(`FAILED at line`);
    expect(existsSync(join(root, 'boot-state/boot.done'))).toBe(false);
  });

  it('gives a message the step logged without its time stamp', () => {
    const root = newRoot();
    const result = run(
      root,
      stubbedBoot().replace(
        /^install_gitlab\(\) .*$/m,
        () => `install_gitlab() { log "the downloaded repository key is not GitLab's"; return 1; }`,
      ),
    );
    expect(result.status).toBe(1);
    expect(reasonOf(result)).toBe("install_gitlab: the downloaded repository key is not GitLab's");
  });

  it('names the failing command when the step logged nothing', () => {
    const root = newRoot();
    const result = run(
      root,
      stubbedBoot().replace(/^shared_secrets\(\) .*$/m, 'shared_secrets() { false; }'),
    );
    expect(result.status).toBe(1);
    expect(reasonOf(result)).toMatch(/^shared_secrets: line \d+: false$/);
  });

  it('never sends a secret: its value is replaced in the reason', () => {
    const root = newRoot();
    mkdirSync(join(root, 'secrets'));
    const value = 'S3cr3t-T0ken-9f2c';
    writeFileSync(join(root, 'secrets/redis-auth-token'), value);
    const result = run(
      root,
      stubbedBoot({ step: 'shared_secrets', lines: [`ERROR: password ${value} rejected`] }),
    );
    expect(result.status).toBe(1);
    expect(result.trace.join('\n')).not.toContain(value);
    expect(result.stdout).not.toContain(value);
    expect(reasonOf(result)).toBe('shared_secrets: ERROR: password (secret) rejected');
  });
});

/** `praefect sql-migrate-status` as a table: a row per migration, its last column whether it is applied. */
const migrationStatus = (...applied: string[]) =>
  [
    '+----------------------------------+---------+',
    '|            MIGRATION             | APPLIED |',
    '+----------------------------------+---------+',
    ...applied.map((state, index) => `| 2020010${index}000000_migration_${index} | ${state.padEnd(7)} |`),
    '+----------------------------------+---------+',
  ].join('\n');

describe("a Praefect node waiting for the deploy node's schema", () => {
  // The status the stub prints on each call, in turn (the last one for every later call).
  const praefect = (...answers: (string | 'unreachable')[]) => `
PRAEFECT=praefect_stub
# Time passes as the script sleeps, so its bound ends.
sleep() { record "sleep $1"; SECONDS=$((SECONDS + $1)); }
ARTIFACT_PRAEFECT_DATABASE=praefect-database
praefect_database_ready() { record praefect_database_ready; }
praefect_stub() {
  record "praefect $*"
  local answers=(${answers.map((answer) => `'${answer}'`).join(' ')})
  # Counted in a file: the script calls it in a command substitution, a subshell.
  local calls
  calls=$(cat "$ROOT/praefect-calls" 2>/dev/null || echo 0)
  echo $((calls + 1)) >"$ROOT/praefect-calls"
  local index=$((calls < \${#answers[@]} ? calls : \${#answers[@]} - 1))
  [ "\${answers[$index]}" != unreachable ] || return 1
  printf '%s\\n' "\${answers[$index]}"
}`;
  const ready = (...answers: string[]) =>
    run(
      newRoot(),
      `${praefect(...answers)}\nif praefect_schema_ready; then echo READY; else echo PENDING; fi`,
    );

  it('takes the schema as ready only when every migration is applied', () => {
    expect(ready(migrationStatus('yes', 'yes')).stdout.trim()).toBe('READY');
    expect(ready(migrationStatus('yes', 'no')).stdout.trim()).toBe('PENDING');
    expect(ready(migrationStatus('yes', 'unknown migration')).stdout.trim()).toBe('PENDING');
    expect(ready(migrationStatus()).stdout.trim()).toBe('PENDING');
    expect(ready('unreachable').stdout.trim()).toBe('PENDING');
    expect(ready(migrationStatus('yes')).trace).toEqual([
      'praefect -config /var/opt/gitlab/praefect/config.toml sql-migrate-status',
    ]);
  });

  it('polls until the deploy node has migrated, within the boot order bound, then restarts Praefect', () => {
    const steps = STEPS;
    const result = run(
      newRoot(),
      `${praefect('unreachable', migrationStatus('no', 'no'), migrationStatus('yes', 'yes'))}
ARTIFACT_PRAEFECT_SCHEMA=praefect-schema
ARTIFACT_WAIT_SECONDS=600
${steps.map((step) => `${step}() { record ${step}; }`).join('\n')}
record_facts() { record record_facts; REGION=eu-west-1; INSTANCE_ID=i-0123; }
boot`,
      { GLA_ROLE: 'praefect', GLA_NODE: 'praefect-2', GLA_PRAEFECT_SCHEMA_WAIT: 'yes' },
    );
    expect(result.status).toBe(0);
    const after = result.trace.slice(result.trace.indexOf('gitlab-ctl reconfigure'));
    expect(after.slice(0, 7)).toEqual([
      'gitlab-ctl reconfigure',
      'praefect -config /var/opt/gitlab/praefect/config.toml sql-migrate-status',
      'sleep 15',
      'praefect -config /var/opt/gitlab/praefect/config.toml sql-migrate-status',
      'sleep 15',
      'praefect -config /var/opt/gitlab/praefect/config.toml sql-migrate-status',
      'gitlab-ctl restart praefect',
    ]);
  });

  it('fails its boot when the schema never comes, and the deploy node never waits', () => {
    const stubs = STEPS.map((step) => `${step}() { record ${step}; }`).join('\n');
    const body = `${praefect(migrationStatus('no'))}
ARTIFACT_PRAEFECT_SCHEMA=praefect-schema
ARTIFACT_WAIT_SECONDS=30
${stubs}
record_facts() { record record_facts; REGION=eu-west-1; INSTANCE_ID=i-0123; }
boot`;
    const waiting = run(newRoot(), body, { GLA_ROLE: 'praefect', GLA_PRAEFECT_SCHEMA_WAIT: 'yes' });
    expect(waiting.status).toBe(1);
    expect(waiting.stdout).toContain('gave up waiting for: praefect_schema_ready');
    expect(waiting.trace).not.toContain('gitlab-ctl restart praefect');
    const deployNode = run(newRoot(), body, { GLA_ROLE: 'praefect', GLA_PRAEFECT_SCHEMA_WAIT: 'no' });
    expect(deployNode.status).toBe(0);
    expect(deployNode.trace.filter((line) => line.startsWith('praefect '))).toEqual([]);
  });
});
