/**
 * GitLab Runner as data: the package the runner manager installs, the fleeting plugin it scales
 * with, the config.toml keys GitLab Runner documents for the docker-autoscaler executor, and the
 * instance types a fleet uses when the spec names none.
 *
 * Sources, read at gitlabhq/gitlab-runner tag v19.3.0 (commit 9cbf0074ddb0e2f79d79f44406cafebf09117b64):
 * - docs/configuration/advanced-configuration.md: every section and key of config.toml used here;
 * - docs/executors/docker_autoscaler.md: the AWS prerequisites (an auto scaling group with no
 *   scaling policy, instance scale-in protection on, `AZRebalance` off) and that each runner
 *   configuration needs an auto scaling group of its own;
 * - docs/fleet_scaling/fleeting.md: `plugin = "aws:<version constraint>"` installed by
 *   `gitlab-runner fleeting install`.
 * The AWS plugin's own settings (`name`, `region` of `plugin_config`) and its recommended IAM
 * policy are from the fleeting plugin-aws README (gitlab.com/gitlab-org/fleeting/plugins/aws,
 * read in a public copy).
 */
import type { CpuFamily } from './types.js';

export interface CatalogCitation {
  readonly repository: string;
  readonly path: string;
  readonly commit: string;
}

const RUNNER_DOCS = (path: string): CatalogCitation => ({
  repository: 'gitlabhq/gitlab-runner',
  path,
  commit: '9cbf0074ddb0e2f79d79f44406cafebf09117b64',
});

/** The GitLab Runner release that goes with GitLab 19.3 (Runner versions follow GitLab's). */
export const GITLAB_RUNNER = {
  version: '19.3.0',
  /** Debian package name in GitLab's runner repository (packages.gitlab.com/runner/gitlab-runner). */
  packageName: 'gitlab-runner',
  /** The fleeting plugin and its version constraint (major 1), as `plugin` in config.toml takes them. */
  fleetingPlugin: 'aws:1',
  source: RUNNER_DOCS('VERSION (tag v19.3.0)'),
} as const;

/**
 * config.toml keys GitLab Runner documents, by section (`global` is the top level), as far as a
 * docker-autoscaler runner with an S3 cache uses them.
 */
export const RUNNER_CONFIG_KEYS: Readonly<
  Record<string, { keys: readonly string[]; source: CatalogCitation }>
> = {
  global: {
    keys: [
      'concurrent',
      'log_level',
      'log_format',
      'check_interval',
      'sentry_dsn',
      'connection_max_age',
      'listen_address',
      'shutdown_timeout',
    ],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-global-section'),
  },
  runners: {
    keys: [
      'name',
      'url',
      'token',
      'limit',
      'executor',
      'shell',
      'builds_dir',
      'cache_dir',
      'environment',
      'request_concurrency',
      'output_limit',
      'clone_url',
      'prepare_timeout',
      'get_sources_timeout',
    ],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-runners-section'),
  },
  'runners.docker': {
    keys: [
      'image',
      'privileged',
      'disable_cache',
      'volumes',
      'pull_policy',
      'shm_size',
      'tls_verify',
      'helper_image_autoset_arch_and_os',
    ],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-runnersdocker-section'),
  },
  'runners.cache': {
    keys: ['Type', 'Path', 'Shared', 'MaxUploadedArchiveSize'],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-runnerscache-section'),
  },
  'runners.cache.s3': {
    keys: [
      'ServerAddress',
      'BucketName',
      'BucketLocation',
      'AuthenticationType',
      'ServerSideEncryption',
      'Insecure',
    ],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-runnerscaches3-section'),
  },
  'runners.autoscaler': {
    keys: [
      'capacity_per_instance',
      'max_use_count',
      'max_instances',
      'plugin',
      'delete_instances_on_shutdown',
      'instance_ready_command',
      'instance_acquire_timeout',
      'update_interval',
      'update_interval_when_expecting',
    ],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-runnersautoscaler-section'),
  },
  // Re-encoded to JSON for the plugin: the AWS plugin reads `name` and `region` (plugin-aws README).
  'runners.autoscaler.plugin_config': {
    keys: ['name', 'region', 'profile', 'config_file', 'credentials_file'],
    source: RUNNER_DOCS(
      'docs/configuration/advanced-configuration.md#the-runnersautoscalerplugin_config-section',
    ),
  },
  'runners.autoscaler.connector_config': {
    keys: [
      'os',
      'arch',
      'protocol',
      'username',
      'use_static_credentials',
      'keepalive',
      'timeout',
      'use_external_addr',
    ],
    source: RUNNER_DOCS(
      'docs/configuration/advanced-configuration.md#the-runnersautoscalerconnector_config-section',
    ),
  },
  'runners.autoscaler.policy': {
    keys: [
      'periods',
      'timezone',
      'idle_count',
      'idle_time',
      'scale_factor',
      'scale_factor_limit',
      'preemptive_mode',
    ],
    source: RUNNER_DOCS('docs/configuration/advanced-configuration.md#the-runnersautoscalerpolicy-sections'),
  },
};

/**
 * Job instance types when the spec names none: four of one size (4 vCPU) from two families and
 * two generations, so that price-capacity-optimized Spot allocation has pools to choose from.
 */
export const DEFAULT_RUNNER_INSTANCE_TYPES: Readonly<Record<CpuFamily, readonly string[]>> = {
  x86: ['c7i.xlarge', 'c6i.xlarge', 'm7i.xlarge', 'm6i.xlarge'],
  graviton: ['c7g.xlarge', 'c6g.xlarge', 'm7g.xlarge', 'm6g.xlarge'],
};

/** The runner manager only schedules jobs and talks to APIs: a small general-purpose instance. */
export const DEFAULT_RUNNER_MANAGER_INSTANCE_TYPE: Readonly<Record<CpuFamily, string>> = {
  x86: 'm6i.large',
  graviton: 'm7g.large',
};

/** The user the fleeting connector logs in as: Ubuntu's default user on the job instances. */
export const RUNNER_INSTANCE_USER = 'ubuntu';
