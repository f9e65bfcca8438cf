/** GitLab's Helm chart for Cloud Native Hybrid: values and the manifests applied before it. */
export { chartSecretIds, chartSecretSources, secretManifests } from './external-secrets.js';
export { CHART_FILES_DIR, renderChartFiles } from './files.js';
export { chartHosts } from './hosts.js';
export {
  CHART_SECRETS,
  CHART_SERVICE_ACCOUNTS,
  type ChartServiceAccount,
  GITLAB_NAMESPACE,
} from './names.js';
export { reviewChartEndpoints } from './review.js';
export type { ChartEndpoints, Values } from './types.js';
export { gitlabChartRelease, mergeValues, renderGitLabValues } from './values.js';
