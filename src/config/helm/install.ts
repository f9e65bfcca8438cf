/**
 * How the chart gets installed: a CodeBuild build inside the VPC runs `install-gitlab-chart.sh`
 * (Helm against the private API endpoint) and signals a CloudFormation wait condition when done.
 * No step of it has a 15-minute limit: the build may run as long as `HELM_TIMEOUT`, the wait
 * condition waits longer still. This module renders the build's specification and settings.
 */
import { readFileSync } from 'node:fs';
import { EXTERNAL_SECRETS_CHART, HELM } from '../../catalog/gitlab-chart.js';
import type { Plan } from '../../plan/types.js';
import { gitlabChartRelease } from './values.js';

/** How long Helm waits for GitLab's pods: the first install migrates an empty database. */
export const HELM_TIMEOUT_MINUTES = 60;
/** The build's own limit, above Helm's waits (operator, manifests, GitLab) added up. */
export const INSTALL_BUILD_TIMEOUT_MINUTES = HELM_TIMEOUT_MINUTES + 30;
/** How long CloudFormation waits for the build's signal, above the build's own limit and its queueing. */
export const INSTALL_WAIT_SECONDS = (INSTALL_BUILD_TIMEOUT_MINUTES + 30) * 60;

/** The install script, found next to this module (src under tests, dist when built). */
export function installScript(): string {
  return readFileSync(new URL('./scripts/install-gitlab-chart.sh', import.meta.url), 'utf8');
}

/** The build's environment that does not depend on AWS: chart releases, Helm, timeouts. */
export function installSettings(plan: Pick<Plan, 'gitlab'>): Record<string, string> {
  const gitlab = gitlabChartRelease(plan);
  return {
    HELM_VERSION: HELM.version,
    HELM_SHA256: HELM.linuxAmd64Sha256,
    ESO_REPOSITORY: EXTERNAL_SECRETS_CHART.repository,
    ESO_CHART: EXTERNAL_SECRETS_CHART.chart,
    ESO_VERSION: EXTERNAL_SECRETS_CHART.version,
    ESO_NAMESPACE: EXTERNAL_SECRETS_CHART.namespace,
    GITLAB_REPOSITORY: gitlab.repository,
    GITLAB_CHART: gitlab.chart,
    GITLAB_VERSION: gitlab.version,
    GITLAB_NAMESPACE: gitlab.namespace,
    GITLAB_RELEASE: gitlab.release,
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
    `cat >/tmp/install-gitlab-chart.sh <<'${SCRIPT_END}'`,
    script.trimEnd(),
    SCRIPT_END,
    'bash /tmp/install-gitlab-chart.sh',
  ].join('\n');
  return { version: '0.2', env: { shell: 'bash' }, phases: { build: { commands: [command] } } };
}
