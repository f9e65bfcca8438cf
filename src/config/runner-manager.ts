/**
 * Plan -> the runner manager's config.toml and user data, and the job instances' user data. Pure.
 *
 * config.toml holds no secret: its `token` is `${RUNNER_TOKEN}`, which GitLab Runner expands from
 * its environment (advanced-configuration.md, "Use environment variables for sensitive values",
 * gitlabhq/gitlab-runner 9cbf0074ddb0e2f79d79f44406cafebf09117b64), and the boot script writes that
 * environment from Secrets Manager into a root-only file once the token exists. Every key written is
 * one GitLab Runner documents (src/catalog/gitlab-runner.ts keeps them, with their source).
 */
import { stringify } from 'yaml';
import { GITLAB_RUNNER, RUNNER_INSTANCE_USER } from '../catalog/gitlab-runner.js';
import type { Plan, RunnerFleetPlan } from '../plan/types.js';
import { withHeader } from './boot-script.js';
import { GITLAB_REPO_KEY_FINGERPRINT } from './user-data.js';

/** What only exists once AWS has made it: the cache bucket's name with the account in it. */
export interface RunnerRuntime {
  readonly cacheBucketName: string;
}

/** Where the manager keeps what it renders and reads. */
export const RUNNER_CONFIG_PATH = '/etc/gitlab-runner/config.toml';
export const RUNNER_TOKEN_ENV_PATH = '/etc/gitlab-runner/token.env';
export const RUNNER_BOOT_SCRIPT_PATH = '/usr/local/sbin/gitlab-aws-runner-boot';
/** Where `gitlab-runner fleeting install` puts the plugin and the service finds it (FLEETING_PLUGIN_PATH, fleeting.md). */
export const FLEETING_PLUGIN_PATH = '/var/lib/gitlab-runner/fleeting-plugins';
/** The image a job runs in when its .gitlab-ci.yml names none. */
export const DEFAULT_JOB_IMAGE = 'ubuntu:24.04';

type TomlValue = string | number | boolean | readonly string[];

/** One TOML value: strings as basic strings (JSON's escapes are TOML's), arrays of strings. */
function tomlValue(value: TomlValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
}

/** `key = value` lines under an optional table header, indented to show nesting. */
function tomlTable(header: string, entries: Readonly<Record<string, TomlValue>>, indent: string): string {
  const keyIndent = header ? `${indent}  ` : indent;
  const lines = Object.entries(entries).map(([key, value]) => `${keyIndent}${key} = ${tomlValue(value)}`);
  return `${header ? `${indent}${header}\n` : ''}${lines.join('\n')}\n`;
}

function runnersOf(plan: Plan): RunnerFleetPlan {
  if (!plan.runners) throw new Error('the Plan has no runner fleet (spec runners.enabled)');
  return plan.runners;
}

/** The sections of config.toml, as section -> key -> value, in the order they are written. */
export function runnerConfigSections(
  plan: Plan,
  runtime: RunnerRuntime,
): readonly {
  readonly section: string;
  readonly header: string;
  readonly entries: Record<string, TomlValue>;
}[] {
  const runners = runnersOf(plan);
  return [
    {
      section: 'global',
      header: '',
      entries: {
        concurrent: runners.concurrent,
        check_interval: 3,
        log_format: 'json',
        shutdown_timeout: 30,
      },
    },
    {
      section: 'runners',
      header: '[[runners]]',
      entries: {
        name: runners.description,
        url: plan.gitlab.externalUrl,
        token: '${RUNNER_TOKEN}',
        executor: 'docker-autoscaler',
        limit: runners.concurrent,
      },
    },
    {
      section: 'runners.cache',
      header: '[runners.cache]',
      entries: { Type: 's3', Shared: true },
    },
    {
      // No keys: the instance role's credentials (the AWS SDK's default chain), never a key in the file.
      section: 'runners.cache.s3',
      header: '[runners.cache.s3]',
      entries: {
        AuthenticationType: 'iam',
        BucketName: runtime.cacheBucketName,
        BucketLocation: plan.region,
        ServerSideEncryption: 'S3',
      },
    },
    {
      section: 'runners.docker',
      header: '[runners.docker]',
      entries: { image: DEFAULT_JOB_IMAGE, privileged: false, disable_cache: false, volumes: ['/cache'] },
    },
    {
      section: 'runners.autoscaler',
      header: '[runners.autoscaler]',
      entries: {
        plugin: runners.runner.fleetingPlugin,
        capacity_per_instance: runners.capacityPerInstance,
        max_use_count: runners.maxUseCount,
        max_instances: runners.fleet.maxCapacity,
        // Docker is installed by the instance's cloud-init: wait for it before the first job.
        instance_ready_command: 'cloud-init status --wait',
      },
    },
    {
      section: 'runners.autoscaler.plugin_config',
      header: '[runners.autoscaler.plugin_config]',
      entries: { name: runners.fleet.autoScalingGroupName, region: plan.region },
    },
    {
      // The private address: the instances are in private subnets, reached from the manager's.
      section: 'runners.autoscaler.connector_config',
      header: '[runners.autoscaler.connector_config]',
      entries: { username: RUNNER_INSTANCE_USER, use_external_addr: false },
    },
    {
      section: 'runners.autoscaler.policy',
      header: '[[runners.autoscaler.policy]]',
      entries: { idle_count: runners.idleCount, idle_time: `${runners.idleMinutes}m0s` },
    },
  ];
}

/** The runner manager's config.toml. */
export function renderRunnerManagerConfig(plan: Plan, runtime: RunnerRuntime): string {
  const header = `# gitlab-aws: ${plan.spec.name} runner manager (GitLab Runner ${runnersOf(plan).runner.version})\n`;
  return (
    header +
    runnerConfigSections(plan, runtime)
      .map(({ section, header: tableHeader, entries }) =>
        tomlTable(tableHeader, entries, section === 'global' || section === 'runners' ? '' : '  '),
      )
      .join('\n')
  );
}

/**
 * The manager's boot: install GitLab Runner and the fleeting plugin, then wait (bounded) for the
 * authentication token `deploy` stores once GitLab answers, and start the runner with it. Out of
 * time, the instance marks itself unhealthy, and its group replaces it with one that waits anew.
 */
const MANAGER_BOOT = `#!/usr/bin/env bash
set -Eeuo pipefail
for name in REGION FLEET_GROUP PACKAGE VERSION TOKEN_SECRET TOKEN_ENV CONFIG PLUGIN_PATH WAIT_SECONDS POLL_SECONDS REPO_KEY_FINGERPRINT; do
  [ -n "\${!name:-}" ] || { echo "gitlab-aws-runner-boot: $name is not set" >&2; exit 1; }
done
log() { printf '%s gitlab-aws-runner-boot: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 "$@"; }
retry() {
  local n=$1 delay=5
  shift
  until "$@"; do
    n=$((n - 1))
    log "$1 failed ($n left)"
    [ "$n" -gt 0 ] || return 1
    sleep "$delay"
    delay=$((delay * 2))
  done
}
imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
install_runner() {
  if ! command -v aws >/dev/null; then retry 5 snap install aws-cli --classic; fi
  retry 5 apt_get update -q
  retry 5 apt_get install -y -q curl gnupg ca-certificates
  local keyring=/etc/apt/keyrings/gitlab-runner-keyring.asc codename
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  install -d -m 0755 /etc/apt/keyrings
  retry 5 curl -fsS --output "$keyring" https://packages.gitlab.com/gpgkey/gpg.key
  chmod 0644 "$keyring"
  if ! gpg --show-keys --with-colons "$keyring" | grep -q "^fpr:::::::::$REPO_KEY_FINGERPRINT:"; then
    log "the downloaded repository key is not GitLab's ($REPO_KEY_FINGERPRINT)"
    return 1
  fi
  printf 'deb [signed-by=%s] https://packages.gitlab.com/runner/%s/ubuntu/ %s main\\n' "$keyring" "$PACKAGE" "$codename" >/etc/apt/sources.list.d/gitlab-runner.list
  retry 5 apt_get update -q
  # A pinned version needs its helper images pinned alike (install/linux-repository.md).
  retry 3 apt_get install -y -q "$PACKAGE=$VERSION-1" "$PACKAGE-helper-images=$VERSION-1"
  install -d -m 0700 "$PLUGIN_PATH"
  FLEETING_PLUGIN_PATH=$PLUGIN_PATH retry 5 gitlab-runner fleeting install --config "$CONFIG"
}
wait_for_token() {
  local deadline value
  deadline=$(($(date +%s) + WAIT_SECONDS))
  until value=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$TOKEN_SECRET" --query SecretString --output text 2>/dev/null) && [ "\${value#glrt-}" != "$value" ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "no runner authentication token in $TOKEN_SECRET after $WAIT_SECONDS s; handing this instance back"
      aws autoscaling set-instance-health --region "$REGION" --instance-id "$(imds instance-id)" --health-status Unhealthy || true
      return 1
    fi
    log "waiting for the runner authentication token in $TOKEN_SECRET"
    sleep "$POLL_SECONDS"
  done
  umask 077
  printf 'RUNNER_TOKEN=%s\\n' "$value" >"$TOKEN_ENV.new"
  mv "$TOKEN_ENV.new" "$TOKEN_ENV"
}
# The fleeting plugin needs AZRebalance off (docker_autoscaler.md); CloudFormation cannot keep a
# process suspended, so every boot suspends it again.
suspend_rebalance() {
  retry 5 aws autoscaling suspend-processes --region "$REGION" --auto-scaling-group-name "$FLEET_GROUP" --scaling-processes AZRebalance
}
start_runner() {
  install -d -m 0755 /etc/systemd/system/gitlab-runner.service.d
  printf '[Service]\\nEnvironmentFile=%s\\nEnvironment=FLEETING_PLUGIN_PATH=%s\\n' "$TOKEN_ENV" "$PLUGIN_PATH" >/etc/systemd/system/gitlab-runner.service.d/gitlab-aws.conf
  systemctl daemon-reload
  systemctl enable gitlab-runner
  systemctl restart gitlab-runner
  log "GitLab Runner $VERSION started"
}
install_runner
suspend_rebalance
wait_for_token
start_runner
`;

/** The manager's boot script with the Plan's values in its header. */
export function runnerManagerBootScript(plan: Plan): string {
  const runners = runnersOf(plan);
  return withHeader(MANAGER_BOOT, {
    REGION: plan.region,
    FLEET_GROUP: runners.fleet.autoScalingGroupName,
    PACKAGE: GITLAB_RUNNER.packageName,
    VERSION: runners.runner.version,
    TOKEN_SECRET: runners.tokenSecretName,
    TOKEN_ENV: RUNNER_TOKEN_ENV_PATH,
    CONFIG: RUNNER_CONFIG_PATH,
    PLUGIN_PATH: FLEETING_PLUGIN_PATH,
    WAIT_SECONDS: runners.manager.tokenWaitSeconds,
    POLL_SECONDS: 30,
    REPO_KEY_FINGERPRINT: GITLAB_REPO_KEY_FINGERPRINT,
  });
}

/** The manager's cloud-config: config.toml and the boot script, run once. */
export function renderRunnerManagerUserData(plan: Plan, runtime: RunnerRuntime): string {
  const config = {
    write_files: [
      {
        path: RUNNER_CONFIG_PATH,
        permissions: '0600',
        owner: 'root:root',
        content: renderRunnerManagerConfig(plan, runtime),
      },
      {
        path: RUNNER_BOOT_SCRIPT_PATH,
        permissions: '0700',
        owner: 'root:root',
        content: runnerManagerBootScript(plan),
      },
    ],
    runcmd: [[RUNNER_BOOT_SCRIPT_PATH]],
  };
  return `#cloud-config\n# gitlab-aws: ${plan.spec.name} runner manager\n${stringify(config, { lineWidth: 0 })}`;
}

/**
 * A job instance's cloud-config: Docker Engine from Ubuntu's archive, with the login user the
 * connector uses in the docker group (docker_autoscaler.md's AMI prerequisite). The runner manager
 * connects over SSH with a key it sends through EC2 Instance Connect, so the instance runs
 * ec2-instance-connect (in Ubuntu's cloud images).
 */
export function renderRunnerFleetUserData(plan: Plan): string {
  runnersOf(plan);
  const config = {
    package_update: true,
    packages: ['docker.io', 'ec2-instance-connect'],
    runcmd: [
      ['usermod', '-aG', 'docker', RUNNER_INSTANCE_USER],
      ['systemctl', 'enable', '--now', 'docker'],
    ],
  };
  return `#cloud-config\n# gitlab-aws: ${plan.spec.name} runner job instance\n${stringify(config, { lineWidth: 0 })}`;
}
