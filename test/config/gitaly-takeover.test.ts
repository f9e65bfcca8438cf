/**
 * A replaced Gitaly node takes the data volume over from its predecessor. The boot script runs here
 * for real, its steps and AWS, systemd and mount commands replaced by shell functions that record
 * their calls: the predecessor is stopped only once the package is installed, a boot that fails
 * afterwards hands the volume back and starts the predecessor, and GitLab's services are tied to
 * the mount so that Gitaly never starts on an empty directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOT_SCRIPT } from '../../src/config/index.js';

interface Run {
  readonly status: number | null;
  readonly trace: string[];
  readonly dropIn?: string;
  readonly fstab: string;
}

/** Boots a Gitaly node whose volume `vol-1` is attached to `i-old`; `failAt` makes that step fail. */
function bootGitaly(failAt?: 'install' | 'reconfigure'): Run {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-takeover-'));
  try {
    const trace = join(root, 'trace');
    writeFileSync(trace, '');
    writeFileSync(join(root, 'fstab'), '');
    const env = join(root, 'boot.env');
    writeFileSync(
      env,
      [
        'GLA_NODE=gitaly-1',
        'GLA_ROLE=gitaly',
        'GLA_ENVIRONMENT=gl-test',
        `GLA_DATA_MOUNT=${root}/git-data`,
        'GLA_DATA_DEVICE=/dev/sdf',
        'GLA_DATA_VOLUME_ID=vol-1',
        'GLA_MIGRATES=no',
      ].join('\n'),
    );
    // The script's functions without its final dispatch, then the stubs over them.
    const functions = BOOT_SCRIPT.slice(0, BOOT_SCRIPT.indexOf('case "${1:-boot}" in')).replace(
      /^ENV_FILE=.*$/m,
      `ENV_FILE='${env}'`,
    );
    const harness = `
${functions}
FSTAB=${root}/fstab
SYSTEMD_UNIT_DIR=${root}/systemd
record() { printf '%s\\n' "$*" >>${trace}; }
MOUNTED=no
HOLDER=i-old
record_facts() { REGION=us-west-2; INSTANCE_ID=i-new; }
install_tools() { :; }
resume_after_reboot() { :; }
fetch_secrets() { :; }
shared_secrets() { :; }
fast_ssh_key_lookup() { :; }
check_running() { :; }
wait_for() { shift; "$@" || true; }
signal() { record "signal $1"; }
install_gitlab() { record install_gitlab; [ "${failAt ?? ''}" != install ]; }
gitlab-ctl() { record "gitlab-ctl $*"; [ "$1 ${failAt ?? ''}" != "reconfigure reconfigure" ]; }
systemctl() { record "systemctl $*"; }
mountpoint() { [ "$MOUNTED" = yes ]; }
mount() { record "mount $*"; MOUNTED=yes; }
umount() { record "umount $*"; MOUNTED=no; }
blkid() { case "$*" in *TYPE*) echo ext4 ;; *) echo uuid-1 ;; esac; }
aws() {
  case "$*" in
    *Attachments*) echo "$HOLDER" ;;
    *State*) echo available ;;
    *wait*) ;;
    *) record "aws $*" ;;
  esac
}
boot
`;
    const result = spawnSync('bash', ['-c', harness], { encoding: 'utf8' });
    const dropIn = join(root, 'systemd/gitlab-runsvdir.service.d/gitlab-aws-data-volume.conf');
    let dropInText: string | undefined;
    try {
      dropInText = readFileSync(dropIn, 'utf8').replaceAll(root, '');
    } catch {
      dropInText = undefined;
    }
    mkdirSync(join(root, 'git-data'), { recursive: true });
    return {
      status: result.status,
      trace: readFileSync(trace, 'utf8')
        .replaceAll(root, '')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/ --region us-west-2/, '')),
      ...(dropInText === undefined ? {} : { dropIn: dropInText }),
      fstab: readFileSync(join(root, 'fstab'), 'utf8').replaceAll(root, ''),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const index = (run: Run, prefix: string) => run.trace.findIndex((line) => line.startsWith(prefix));

describe('Gitaly volume takeover', () => {
  it('installs the package before it stops the predecessor, then mounts and configures', () => {
    const run = bootGitaly();
    expect(run.status).toBe(0);
    expect(index(run, 'install_gitlab')).toBeGreaterThanOrEqual(0);
    expect(index(run, 'install_gitlab')).toBeLessThan(index(run, 'aws ec2 stop-instances'));
    expect(index(run, 'aws ec2 stop-instances --instance-ids i-old')).toBeLessThan(
      index(run, 'aws ec2 attach-volume --volume-id vol-1 --instance-id i-new'),
    );
    expect(index(run, 'mount /git-data')).toBeLessThan(index(run, 'gitlab-ctl reconfigure'));
    expect(run.trace.at(-1)).toBe('signal SUCCESS');
  });

  it('ties GitLab services to the mount, and keeps nofail so the node still boots without it', () => {
    const run = bootGitaly();
    expect(run.dropIn).toBe('[Unit]\nRequiresMountsFor=/git-data\n');
    expect(index(run, 'systemctl daemon-reload')).toBeLessThan(index(run, 'gitlab-ctl reconfigure'));
    expect(run.fstab).toBe('UUID=uuid-1 /git-data ext4 defaults,nofail,noatime 0 2\n');
  });

  it('leaves the predecessor running when the install fails', () => {
    const run = bootGitaly('install');
    expect(run.status).not.toBe(0);
    expect(run.trace.some((line) => line.includes('stop-instances'))).toBe(false);
    expect(run.trace.at(-1)).toBe('signal FAILURE');
  });

  it('hands the volume back and starts the predecessor when the boot fails after the takeover', () => {
    const run = bootGitaly('reconfigure');
    expect(run.status).not.toBe(0);
    const back = [
      'umount /git-data',
      'aws ec2 detach-volume --volume-id vol-1 --instance-id i-new',
      'aws ec2 attach-volume --volume-id vol-1 --instance-id i-old --device /dev/sdf',
      'aws ec2 start-instances --instance-ids i-old',
      'signal FAILURE',
    ];
    const positions = back.map((line) => run.trace.indexOf(line));
    expect(
      positions.every((position) => position >= 0),
      run.trace.join('\n'),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
