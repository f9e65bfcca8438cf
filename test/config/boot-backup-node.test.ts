/**
 * The backup node's boot, run for real with AWS, systemd and mount commands replaced by shell
 * functions that record their calls: it finds the staging volume attached to its own instance (no
 * predecessor to stop), formats and mounts it before reconfiguring, and signals success only once a
 * TCP connection to the repositories' service (a real listener here) goes through.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_SCRIPT } from '../../src/config/index.js';

interface Run {
  readonly status: number | null;
  readonly trace: string[];
}

/** Boots a backup node whose repositories' service listens on `port` (or nothing does). */
function bootBackupNode(gitalyAddress: string): Run {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-backup-node-'));
  try {
    const trace = join(root, 'trace');
    writeFileSync(trace, '');
    writeFileSync(join(root, 'fstab'), '');
    const env = join(root, 'boot.env');
    writeFileSync(
      env,
      [
        'GLA_NODE=backup-1',
        'GLA_ROLE=backup',
        'GLA_ENVIRONMENT=gl-test',
        `GLA_DATA_MOUNT=${root}/backups`,
        'GLA_DATA_DEVICE=/dev/sdf',
        'GLA_DATA_VOLUME_ID=',
        'GLA_DATA_VOLUME_ATTACHED=yes',
        `GLA_GITALY_ADDRESS=${gitalyAddress}`,
        'GLA_MIGRATES=no',
        'GLA_WEB=no',
      ].join('\n'),
    );
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
record_facts() { REGION=us-west-2; INSTANCE_ID=i-new; }
install_tools() { :; }
resume_after_reboot() { :; }
fetch_secrets() { :; }
shared_secrets() { :; }
fast_ssh_key_lookup() { :; }
install_gitlab() { record install_gitlab; }
# One try; the NVMe device never appears here (the script falls back to the device name).
wait_for() { shift; "$@" || [ "$1" = test ]; }
signal() { record "signal $1"; }
gitlab-ctl() { record "gitlab-ctl $*"; }
systemctl() { :; }
mountpoint() { [ "$MOUNTED" = yes ]; }
mount() { record "mount $*"; MOUNTED=yes; }
mkfs.ext4() { record "mkfs.ext4 $*"; }
blkid() { case "$*" in *TYPE*) echo "" ;; *) echo uuid-9 ;; esac; }
aws() {
  case "$*" in
    *VolumeId*attachment.instance-id,Values=i-new*attachment.device,Values=/dev/sdf*) echo vol-9 ;;
    *Attachments*) echo i-new ;;
    *) record "aws $*" ;;
  esac
}
boot
`;
    const result = spawnSync('bash', ['-c', harness], { encoding: 'utf8' });
    return {
      status: result.status,
      trace: readFileSync(trace, 'utf8')
        .replaceAll(root, '')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/ --region us-west-2/, '')),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('backup node boot', () => {
  let listener: Server;
  let port: number;
  let closedPort: number;
  beforeAll(async () => {
    // The kernel completes a connection to a listening socket on its own, while spawnSync blocks.
    listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  it('mounts the staging volume attached to its own instance, then reconfigures and signals', () => {
    const run = bootBackupNode(`127.0.0.1:${port}`);
    expect(run.status).toBe(0);
    expect(run.trace.filter((line) => /stop-instances|attach-volume|detach-volume/.test(line))).toEqual([]);
    const at = (prefix: string) => run.trace.findIndex((line) => line.startsWith(prefix));
    expect(at('mkfs.ext4')).toBeGreaterThan(at('install_gitlab'));
    expect(run.trace).toContain('mount /backups');
    expect(at('mount /backups')).toBeLessThan(at('gitlab-ctl reconfigure'));
    expect(run.trace.at(-1)).toBe('signal SUCCESS');
  });

  it('fails its boot when the repositories cannot be reached', () => {
    const run = bootBackupNode(`127.0.0.1:${closedPort}`);
    expect(run.status).not.toBe(0);
    expect(run.trace.at(-1)).toBe('signal FAILURE');
  });
});
