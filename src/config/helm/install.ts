/**
 * How the chart gets installed: a CodeBuild build inside the VPC runs `gitlab-chart-build.sh`
 * (Helm against the private API endpoint) and signals a CloudFormation wait condition when done.
 * No step of it has a 15-minute limit: the build may run as long as `HELM_TIMEOUT`, the wait
 * condition waits longer still. The same build, started by `gitlab-aws` with another OPERATION,
 * backs up, restores and upgrades GitLab (the chart's toolbox and Helm need the cluster's private
 * endpoint too). This module renders the build's specification and settings.
 */
import { readFileSync } from 'node:fs';
import { chartVersionFor, EXTERNAL_SECRETS_CHART, HELM, KUBECTL } from '../../catalog/gitlab-chart.js';
import { DATA_SERVICE_CREATION } from '../../plan/contracts.js';
import type { Plan } from '../../plan/types.js';
import { backupsBucketName } from '../backup.js';
import { backupUtilityArgs } from './toolbox-backups.js';
import { gitlabChartRelease } from './values.js';

/** How long Helm waits for GitLab's pods: the first install migrates an empty database. */
export const HELM_TIMEOUT_MINUTES = 60;
/**
 * The build's own limit, above its waits added up: the data services' endpoints (a first install
 * may start before RDS is up, DATA_SERVICE_CREATION) and Helm's (operator, manifests, GitLab).
 */
export const INSTALL_BUILD_TIMEOUT_MINUTES =
  DATA_SERVICE_CREATION.boundSeconds / 60 + HELM_TIMEOUT_MINUTES + 30;
/** How long CloudFormation waits for the build's signal, above the build's own limit and its queueing. */
export const INSTALL_WAIT_SECONDS = (INSTALL_BUILD_TIMEOUT_MINUTES + 30) * 60;

/** The install script, found next to this module (src under tests, dist when built). */
export function installScript(): string {
  return readFileSync(new URL(`./scripts/${BUILD_SCRIPT}`, import.meta.url), 'utf8');
}

const BUILD_SCRIPT = 'gitlab-chart-build.sh';

/** The Kubernetes Secret the chart keeps Rails' secrets.yml in (`<release>-rails-secret`, its default name). */
export function railsSecretName(plan: Pick<Plan, 'gitlab'>): string {
  return `${gitlabChartRelease(plan).release}-rails-secret`;
}

// Where a hybrid backup's archive and Rails secrets are kept is the Plan's (`scheduledBackup.archives`).
export { RAILS_SECRETS_SUFFIX } from '../../plan/scheduled-backup.js';

/** The build's environment that does not depend on AWS: chart releases, Helm, timeouts. */
export function installSettings(plan: Pick<Plan, 'gitlab'>): Record<string, string> {
  const gitlab = gitlabChartRelease(plan);
  return {
    HELM_VERSION: HELM.version,
    HELM_SHA256: HELM.linuxAmd64Sha256,
    KUBECTL_VERSION: KUBECTL.version,
    KUBECTL_SHA256: KUBECTL.linuxAmd64Sha256,
    ESO_REPOSITORY: EXTERNAL_SECRETS_CHART.repository,
    ESO_CHART: EXTERNAL_SECRETS_CHART.chart,
    ESO_VERSION: EXTERNAL_SECRETS_CHART.version,
    ESO_NAMESPACE: EXTERNAL_SECRETS_CHART.namespace,
    GITLAB_REPOSITORY: gitlab.repository,
    GITLAB_CHART: gitlab.chart,
    GITLAB_VERSION: gitlab.version,
    GITLAB_NAMESPACE: gitlab.namespace,
    GITLAB_RELEASE: gitlab.release,
    RAILS_SECRET: railsSecretName(plan),
    HELM_TIMEOUT: `${HELM_TIMEOUT_MINUTES}m`,
  };
}

/** Ends the here-document that carries the script into the build; never a line of the script. */
const SCRIPT_END = 'GITLAB_AWS_INSTALL_SCRIPT';

/**
 * CodeBuild's build specification: one command that writes the script to a file and runs it with
 * bash, so that the script's own `set -e` and exit trap apply to it alone.
 */
export function installBuildSpec(): Record<string, unknown> {
  const script = installScript();
  if (script.split('\n').includes(SCRIPT_END)) throw new Error(`the install script has a line ${SCRIPT_END}`);
  const command = [
    `cat >/tmp/${BUILD_SCRIPT} <<'${SCRIPT_END}'`,
    script.trimEnd(),
    SCRIPT_END,
    `bash /tmp/${BUILD_SCRIPT}`,
  ].join('\n');
  return { version: '0.2', env: { shell: 'bash' }, phases: { build: { commands: [command] } } };
}

/** What `gitlab-aws` asks the chart's build to do besides installing. */
export type ChartOperation =
  | { readonly kind: 'backup'; readonly backupId: string; readonly account: string }
  | { readonly kind: 'restore'; readonly backupId: string; readonly account: string }
  | { readonly kind: 'upgrade'; readonly gitlabVersion: string }
  | { readonly kind: 'background-migrations' };

/** How long the build may run each operation: a backup or restore of a large database takes hours. */
export const OPERATION_TIMEOUT_MINUTES: Readonly<Record<ChartOperation['kind'], number>> = {
  backup: 8 * 60,
  restore: 8 * 60,
  upgrade: INSTALL_BUILD_TIMEOUT_MINUTES,
  'background-migrations': 15,
};

/** The environment a build of an operation is started with, on top of the project's own. */
export function operationEnvironment(plan: Plan, operation: ChartOperation): Record<string, string> {
  switch (operation.kind) {
    case 'backup':
    case 'restore': {
      const { archives } = plan.scheduledBackup;
      // backup-utility writes and restores `<id>_gitlab_backup.tar` at the bucket's root, and the
      // script keeps the Rails secrets beside it: a Plan that puts archives elsewhere would lose them.
      if (archives.prefix !== '') {
        throw new Error(
          `the chart's backup-utility keeps archives at the bucket's root, not under ${archives.prefix}`,
        );
      }
      return {
        OPERATION: operation.kind,
        BACKUP_ID: operation.backupId,
        BACKUP_BUCKET: backupsBucketName(plan, operation.account),
        BACKUP_UTILITY_ARGS: backupUtilityArgs(plan).join(' '),
        RAILS_SECRETS_SUFFIX: archives.secretsSuffix,
      };
    }
    case 'upgrade': {
      const chartVersion = chartVersionFor(operation.gitlabVersion);
      if (!chartVersion) throw new Error(`no GitLab chart maps to GitLab ${operation.gitlabVersion}`);
      return {
        OPERATION: 'upgrade',
        TARGET_CHART_VERSION: chartVersion,
        TARGET_GITLAB_VERSION: operation.gitlabVersion,
      };
    }
    case 'background-migrations':
      return { OPERATION: 'background-migrations' };
  }
}
