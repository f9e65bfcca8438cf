/**
 * The runner manager's config.toml parses as TOML and uses only keys GitLab Runner documents, with
 * the Plan's values; both user data documents pass `cloud-init schema`; the boot script passes
 * shellcheck and, run for real with the package tools stubbed, waits for its token within its bound.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CLOUDWATCH_AGENT, CLOUDWATCH_AGENT_JOURNALD_KEYS } from '../../src/catalog/cloudwatch-agent.js';
import { RUNNER_CONFIG_KEYS } from '../../src/catalog/gitlab-runner.js';
import { renderAllConfigs } from '../../src/config/index.js';
import {
  RUNNER_BOOT_SCRIPT_PATH,
  RUNNER_CONFIG_PATH,
  RUNNER_LOG_AGENT_CONFIG_PATH,
  renderRunnerFleetUserData,
  renderRunnerManagerConfig,
  renderRunnerManagerUserData,
  runnerLogAgentConfig,
  runnerManagerBootScript,
} from '../../src/config/runner-manager.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { endpointsFor, requireTool, sh } from './support.js';

const BUCKET = 'gl-gitlab-test-runner-cache-123456789012-us-west-2';

let plan: Plan;
/** config.toml parsed, in each test: a mutant that breaks it fails the test, not the whole file. */
const parsedConfig = () =>
  parseToml(renderRunnerManagerConfig(plan, { cacheBucketName: BUCKET })) as Record<string, unknown>;
beforeAll(() => {
  plan = planFor({
    runners: { enabled: true, maxInstances: 6, concurrentPerInstance: 2, idleCount: 1, idleMinutes: 15 },
  });
});

/** Every key of a parsed config.toml with the section it is in, `global` for the top level. */
function keysBySection(value: Record<string, unknown>, section = 'global'): [string, string][] {
  return Object.entries(value).flatMap(([key, child]): [string, string][] => {
    const nested = section === 'global' ? key : `${section}.${key}`;
    if (Array.isArray(child) && child.every((item) => typeof item === 'object' && item !== null)) {
      return child.flatMap((item) => keysBySection(item as Record<string, unknown>, nested));
    }
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      return keysBySection(child as Record<string, unknown>, nested);
    }
    return [[section, key]];
  });
}

describe('config.toml', () => {
  it('uses only keys GitLab Runner documents, each in its own section', () => {
    const keys = keysBySection(parsedConfig());
    expect(keys.length).toBeGreaterThan(20);
    for (const [section, key] of keys) {
      expect(RUNNER_CONFIG_KEYS[section]?.keys, `${section}.${key}`).toContain(key);
    }
  });

  it("carries the Plan's fleet, and the token only as a variable the service expands", () => {
    const toml = parsedConfig();
    const runner = (toml.runners as ReturnType<typeof JSON.parse>[])[0];
    expect(toml.concurrent).toBe(12);
    expect(runner.executor).toBe('docker-autoscaler');
    expect(runner.url).toBe('https://gitlab.example.com');
    expect(runner.token).toBe('${RUNNER_TOKEN}');
    expect(runner.autoscaler.plugin).toBe('aws:1');
    expect(runner.autoscaler.capacity_per_instance).toBe(2);
    expect(runner.autoscaler.max_instances).toBe(6);
    expect(runner.autoscaler.plugin_config).toEqual({
      name: 'gitlab-test-runner-fleet',
      region: 'us-west-2',
    });
    expect(runner.autoscaler.connector_config.username).toBe('ubuntu');
    expect(runner.autoscaler.policy).toEqual([{ idle_count: 1, idle_time: '15m0s' }]);
    expect(runner.cache.s3).toMatchObject({
      AuthenticationType: 'iam',
      BucketName: BUCKET,
      BucketLocation: 'us-west-2',
    });
    expect(JSON.stringify(toml)).not.toMatch(/glrt-|AccessKey|SecretKey/);
  });

  it('sets the runner defaults gitlab-aws chooses: JSON logs, an unprivileged Ubuntu job image, an encrypted shared cache', () => {
    const toml = parsedConfig();
    const runner = (toml.runners as ReturnType<typeof JSON.parse>[])[0];
    expect(toml).toMatchObject({ check_interval: 3, log_format: 'json', shutdown_timeout: 30 });
    expect(runner).toMatchObject({ name: plan.runners!.description, limit: plan.runners!.concurrent });
    expect(runner.docker).toEqual({
      image: 'ubuntu:24.04',
      privileged: false,
      disable_cache: false,
      volumes: ['/cache'],
    });
    expect(runner.cache).toMatchObject({ Type: 's3', Shared: true });
    expect(runner.cache.s3.ServerSideEncryption).toBe('S3');
    expect(runner.autoscaler).toMatchObject({
      max_use_count: plan.runners!.maxUseCount,
      instance_ready_command: 'cloud-init status --wait',
    });
    expect(runner.autoscaler.connector_config.use_external_addr).toBe(false);
  });

  it('is laid out as GitLab Runner writes it: global keys, then each table indented by its depth', () => {
    const text = renderRunnerManagerConfig(plan, { cacheBucketName: BUCKET });
    expect(text.split('\n')[0]).toBe('# gitlab-aws: gitlab-test runner manager (GitLab Runner 19.3.0)');
    expect(text).toMatch(/^concurrent = 12\n/m);
    expect(text).toMatch(/\n\n\[\[runners\]\]\n {2}name = /);
    expect(text).toMatch(/\n\n {2}\[runners\.cache\]\n {4}Type = "s3"\n/);
    expect(text).toMatch(/\n\n {2}\[\[runners\.autoscaler\.policy\]\]\n {4}idle_count = 1\n/);
    expect(text).toMatch(/ {4}volumes = \["\/cache"\]\n/);
    expect(text).toMatch(/ {4}Shared = true\n/);
  });

  it('is refused for a Plan without a fleet, as is everything else of the runner', () => {
    const without = planFor();
    const message = 'the Plan has no runner fleet (spec runners.enabled)';
    expect(() => renderRunnerManagerConfig(without, { cacheBucketName: BUCKET })).toThrow(message);
    expect(() => runnerManagerBootScript(without)).toThrow(message);
    expect(() => renderRunnerFleetUserData(without)).toThrow(message);
    expect(() => runnerLogAgentConfig(without)).toThrow(message);
  });

  it('is written by synth next to the other configs, with the fleet user data', () => {
    const paths = renderAllConfigs(plan, endpointsFor).map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'config/runner-manager/config.toml',
        'config/runner-manager/user-data.yaml',
        'config/runner-fleet/user-data.yaml',
      ]),
    );
    expect(renderAllConfigs(planFor(), endpointsFor).some((file) => file.path.includes('runner'))).toBe(
      false,
    );
  });
});

describe('log agent configuration', () => {
  it("ships each unit of the Plan's journal into the Plan's group, a stream per instance and unit, with documented keys only", () => {
    const { logs } = plan.runners!.manager;
    const entries = runnerLogAgentConfig(plan).logs.logs_collected.journald.collect_list;
    expect(Object.keys(runnerLogAgentConfig(plan))).toEqual(['logs']);
    expect(Object.keys(runnerLogAgentConfig(plan).logs.logs_collected)).toEqual(['journald']);
    expect(entries.map((entry) => entry.units)).toEqual(logs.units.map((unit) => [unit]));
    expect(logs.units).toContain('gitlab-runner');
    for (const entry of entries) {
      expect(entry.log_group_name).toBe(logs.logGroupName);
      for (const key of Object.keys(entry)) expect(CLOUDWATCH_AGENT_JOURNALD_KEYS, key).toContain(key);
    }
    expect(entries.map((entry) => entry.log_stream_name)).toEqual(
      logs.units.map((unit) => `{instance_id}/${unit}`),
    );
    // Another environment, another group.
    const other = planFor({ name: 'other', runners: { enabled: true } });
    expect(runnerLogAgentConfig(other).logs.logs_collected.journald.collect_list[0]!.log_group_name).toBe(
      other.runners!.manager.logs.logGroupName,
    );
    expect(other.runners!.manager.logs.logGroupName).not.toBe(logs.logGroupName);
  });
});

describe('user data', () => {
  it('installs config.toml and the boot script on the manager, and Docker on job instances', () => {
    const manager = parseYaml(renderRunnerManagerUserData(plan, { cacheBucketName: BUCKET })) as {
      write_files: { path: string; content: string; permissions: string }[];
      runcmd: string[][];
    };
    expect(manager.write_files.map((file) => [file.path, file.permissions])).toEqual([
      [RUNNER_CONFIG_PATH, '0600'],
      [RUNNER_LOG_AGENT_CONFIG_PATH, '0644'],
      [RUNNER_BOOT_SCRIPT_PATH, '0700'],
    ]);
    expect(JSON.parse(manager.write_files[1]!.content)).toEqual(runnerLogAgentConfig(plan));
    expect(manager.runcmd).toEqual([[RUNNER_BOOT_SCRIPT_PATH]]);
    const fleet = parseYaml(renderRunnerFleetUserData(plan)) as { packages: string[]; runcmd: string[][] };
    expect(manager.write_files.every((file) => (file as { owner?: string }).owner === 'root:root')).toBe(
      true,
    );
    expect(renderRunnerManagerUserData(plan, { cacheBucketName: BUCKET })).toMatch(
      /^#cloud-config\n# gitlab-aws: gitlab-test runner manager\n/,
    );
    expect(fleet.packages).toEqual(['docker.io', 'ec2-instance-connect']);
    expect(fleet.runcmd).toEqual([
      ['usermod', '-aG', 'docker', 'ubuntu'],
      ['systemctl', 'enable', '--now', 'docker'],
    ]);
    expect(renderRunnerFleetUserData(plan)).toMatch(
      /^#cloud-config\n# gitlab-aws: gitlab-test runner job instance\npackage_update: true\n/,
    );
  });

  // (user-data.test.ts shows the same command refusing a broken document.)
  it.runIf(requireTool('cloud-init'))('passes cloud-init schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gla-runner-'));
    writeFileSync(join(dir, 'manager.yaml'), renderRunnerManagerUserData(plan, { cacheBucketName: BUCKET }));
    writeFileSync(join(dir, 'fleet.yaml'), renderRunnerFleetUserData(plan));
    // Both at once: each run of cloud-init costs about a second.
    const result = sh(
      `for f in manager fleet; do cloud-init schema --config-file ${dir}/$f.yaml >/dev/null 2>&1 || echo "invalid: $f" & done; wait`,
    );
    expect(result.stdout).toBe('');
  });
});

describe('manager boot script', () => {
  it("carries the Plan's values in its header, and files where the user data and the service look", () => {
    const script = runnerManagerBootScript(plan);
    const runners = plan.runners!;
    for (const [name, value] of [
      ['REGION', plan.region],
      ['FLEET_GROUP', runners.fleet.autoScalingGroupName],
      ['PACKAGE', 'gitlab-runner'],
      ['VERSION', runners.runner.version],
      ['TOKEN_SECRET', runners.tokenSecretName],
      ['TOKEN_ENV', '/etc/gitlab-runner/token.env'],
      ['CONFIG', RUNNER_CONFIG_PATH],
      ['PLUGIN_PATH', '/var/lib/gitlab-runner/fleeting-plugins'],
      ['WAIT_SECONDS', String(runners.manager.tokenWaitSeconds)],
      ['POLL_SECONDS', '30'],
      ['LOG_AGENT_CONFIG', RUNNER_LOG_AGENT_CONFIG_PATH],
      ['LOG_AGENT_MIN_VERSION', CLOUDWATCH_AGENT.journaldSinceVersion],
    ]) {
      expect(script).toMatch(new RegExp(`^${name}='${value}'$`, 'm'));
    }
    expect(RUNNER_CONFIG_PATH.startsWith('/etc/gitlab-runner/')).toBe(true);
    expect(RUNNER_BOOT_SCRIPT_PATH).toBe('/usr/local/sbin/gitlab-aws-runner-boot');
  });

  it.runIf(requireTool('shellcheck'))('passes shellcheck', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gla-runner-'));
    writeFileSync(join(dir, 'boot.sh'), runnerManagerBootScript(plan));
    const result = sh(`shellcheck ${dir}/boot.sh`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  /** Runs the script with every outside command stubbed; the fake `aws` answers the token from a file. */
  function runBoot(
    token: string | undefined,
    waitSeconds: number,
    agent: { version: string; signed: boolean } = { version: '1.300071.0b1345-1', signed: true },
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'gla-runner-boot-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls');
    const stub = (name: string, body = '') => {
      writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >>${calls}\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    for (const name of [
      'apt-get',
      'snap',
      'curl',
      'install',
      'chmod',
      'gitlab-runner',
      'systemctl',
      'sleep',
      'dpkg',
      'amazon-cloudwatch-agent-ctl',
    ])
      stub(name, name === 'curl' ? 'echo i-0abc' : '');
    stub('dpkg-query', `echo '${agent.version}'`);
    stub('dpkg', `[ "$1" != --compare-versions ] || exec /usr/bin/dpkg "$@"`);
    stub(
      'gpg',
      `case "$*" in *--verify*) exit ${agent.signed ? 0 : 1};; esac\necho "fpr:::::::::$REPO_KEY_FINGERPRINT:"\necho "fpr:::::::::$LOG_AGENT_KEY_FINGERPRINT:"`,
    );
    stub(
      'aws',
      `case "$1" in secretsmanager) ${token === undefined ? 'exit 255' : `echo '${token}'`};; esac`,
    );
    const script = runnerManagerBootScript(plan)
      .replace(/^WAIT_SECONDS=.*$/m, `WAIT_SECONDS='${waitSeconds}'`)
      .replace(/^POLL_SECONDS=.*$/m, "POLL_SECONDS='0'")
      .replace(/^LOG_AGENT_CTL=.*$/m, "LOG_AGENT_CTL='amazon-cloudwatch-agent-ctl'")
      .replace(/^TOKEN_ENV=.*$/m, `TOKEN_ENV='${dir}/token.env'`)
      .replaceAll('/etc/apt/sources.list.d/gitlab-runner.list', `${dir}/runner.list`)
      .replaceAll('/etc/systemd/system/gitlab-runner.service.d/gitlab-aws.conf', `${dir}/dropin.conf`);
    writeFileSync(join(dir, 'boot.sh'), script);
    const result = sh(
      `PATH=${bin}:/usr/bin:/bin REPO_KEY_FINGERPRINT= LOG_AGENT_KEY_FINGERPRINT= bash ${dir}/boot.sh; echo "exit=$?"`,
    );
    const read = (file: string) => {
      try {
        return readFileSync(join(dir, file), 'utf8');
      } catch {
        return '';
      }
    };
    return { output: result.stdout + result.stderr, calls: read('calls'), tokenEnv: read('token.env'), dir };
  }

  it('installs the pinned runner and its helper images, then starts it with the token from Secrets Manager', () => {
    const run = runBoot('glrt-secretvalue', 60);
    expect(run.output).toContain('exit=0');
    expect(run.calls).toContain(
      'apt-get -o DPkg::Lock::Timeout=900 install -y -q gitlab-runner=19.3.0-1 gitlab-runner-helper-images=19.3.0-1',
    );
    expect(run.calls).toMatch(/gitlab-runner fleeting install --config \/etc\/gitlab-runner\/config.toml/);
    expect(run.calls).toContain(
      'aws autoscaling suspend-processes --region us-west-2 --auto-scaling-group-name gitlab-test-runner-fleet --scaling-processes AZRebalance',
    );
    expect(run.calls).toContain('systemctl restart gitlab-runner');
    expect(run.tokenEnv).toBe('RUNNER_TOKEN=glrt-secretvalue\n');
    expect(run.output).not.toContain('glrt-secretvalue');
  });

  it('installs the CloudWatch agent of its architecture, verified, and starts it with the log configuration', () => {
    const run = runBoot('glrt-secretvalue', 60);
    expect(run.output).toContain('exit=0');
    const base = `${CLOUDWATCH_AGENT.downloadBase}/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb`;
    expect(run.calls).toMatch(new RegExp(`curl -fsS --output \\S+/agent.deb ${base}\n`));
    expect(run.calls).toMatch(
      /gpg --batch --no-default-keyring --keyring \S+ --verify \S+agent.deb.sig \S+agent.deb/,
    );
    expect(run.calls).toMatch(/dpkg -i -E \S+\/agent.deb/);
    expect(run.calls).toContain(
      `amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${RUNNER_LOG_AGENT_CONFIG_PATH}`,
    );
    const graviton = runnerManagerBootScript(
      planFor({ architecture: { cpu: 'graviton' }, runners: { enabled: true } }),
    );
    expect(graviton).toMatch(/^LOG_AGENT_ARCH='arm64'$/m);
  });

  it('runs GitLab Runner without the agent when the agent is unsigned or too old to read the journal', () => {
    for (const agent of [
      { version: '1.300071.0b1345-1', signed: false },
      { version: '1.300064.0b1000-1', signed: true },
    ]) {
      const run = runBoot('glrt-secretvalue', 60, agent);
      expect(run.output).toContain('exit=0');
      expect(run.output).toContain(
        "the CloudWatch agent is not running: the runner's logs stay in this instance's journal",
      );
      expect(run.calls).not.toContain('amazon-cloudwatch-agent-ctl');
      expect(run.calls).toContain('systemctl restart gitlab-runner');
    }
  });

  it('gives up after its bound without a glrt- token, marking itself unhealthy, and starts nothing', () => {
    for (const token of [undefined, 'not-a-runner-token']) {
      const run = runBoot(token, 0);
      expect(run.output).toContain('exit=1');
      expect(run.output).toContain(
        'no runner authentication token in gitlab-test/runner-authentication-token',
      );
      expect(run.calls).toMatch(/aws autoscaling set-instance-health .*--health-status Unhealthy/);
      expect(run.calls).not.toContain('systemctl restart');
      expect(run.tokenEnv).toBe('');
    }
  });
});
