/**
 * Plan -> the runner manager's config.toml and user data, and the job instances' user data. Pure.
 *
 * config.toml holds no secret: its `token` is `${RUNNER_TOKEN}`, which GitLab Runner expands from
 * its environment (advanced-configuration.md, "Use environment variables for sensitive values",
 * gitlabhq/gitlab-runner 9cbf0074ddb0e2f79d79f44406cafebf09117b64), and the boot script writes that
 * environment from Secrets Manager into a root-only file once the token exists. Every key written is
 * one GitLab Runner documents (src/catalog/gitlab-runner.ts keeps them, with their source).
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { CLOUDWATCH_AGENT } from '../catalog/cloudwatch-agent.js';
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
/** The CloudWatch agent's configuration, which the boot hands to the agent. */
export const RUNNER_LOG_AGENT_CONFIG_PATH = '/etc/gitlab-aws/runner-log-agent.json';
/** The agent's package architecture names, by the Plan's. */
const AGENT_ARCH = { x86_64: 'amd64', arm64: 'arm64' } as const;
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

/**
 * The CloudWatch agent's configuration on the manager: each unit of the Plan's journal into the
 * Plan's log group, one stream per instance and unit. No retention here: the stack sets it on the
 * group, so the agent needs no right to change it.
 */
export function runnerLogAgentConfig(plan: Plan) {
  const { logs } = runnersOf(plan).manager;
  return {
    logs: {
      logs_collected: {
        journald: {
          collect_list: logs.units.map((unit) => ({
            log_group_name: logs.logGroupName,
            log_stream_name: `{instance_id}/${unit}`,
            units: [unit],
          })),
        },
      },
    },
  };
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
 * The manager's boot: install GitLab Runner, the fleeting plugin and the CloudWatch agent (which
 * ships the runner's journal), then wait (bounded) for the
 * authentication token `deploy` stores once GitLab answers, and start the runner with it. Out of
 * time, the instance marks itself unhealthy, and its group replaces it with one that waits anew.
 */
/** The boot script, a shell file of its own next to this module (src under tests, dist when built). */
const readManagerBoot = () =>
  readFileSync(new URL('./runner/scripts/manager-boot.sh', import.meta.url), 'utf8');

/** The manager's boot script with the Plan's values in its header. */
export function runnerManagerBootScript(plan: Plan): string {
  const runners = runnersOf(plan);
  return withHeader(readManagerBoot(), {
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
    LOG_AGENT_BASE: CLOUDWATCH_AGENT.downloadBase,
    LOG_AGENT_KEY: CLOUDWATCH_AGENT.signingKeyPath,
    LOG_AGENT_KEY_FINGERPRINT: CLOUDWATCH_AGENT.signingKeyFingerprint,
    LOG_AGENT_ARCH: AGENT_ARCH[runners.manager.arch],
    LOG_AGENT_MIN_VERSION: CLOUDWATCH_AGENT.journaldSinceVersion,
    LOG_AGENT_CTL: CLOUDWATCH_AGENT.ctl,
    LOG_AGENT_CONFIG: RUNNER_LOG_AGENT_CONFIG_PATH,
  });
}

/** The manager's cloud-config: config.toml, the log agent's configuration and the boot script, run once. */
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
        path: RUNNER_LOG_AGENT_CONFIG_PATH,
        permissions: '0644',
        owner: 'root:root',
        content: `${JSON.stringify(runnerLogAgentConfig(plan), null, 2)}\n`,
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
