/**
 * The chart's review copies `synth` writes next to the cloud assembly: the values it deploys, the
 * manifests applied before it and the Helm releases installed, with each AWS value naming where the
 * deployed one comes from.
 */
import { stringify } from 'yaml';
import { EXTERNAL_SECRETS_CHART } from '../../catalog/gitlab-chart.js';
import { runsChart } from '../../plan/chart.js';
import { stackName } from '../../plan/stacks.js';
import type { Plan } from '../../plan/types.js';
import { secretManifests } from './external-secrets.js';
import { reviewChartEndpoints } from './review.js';
import { reviewTargetGroupArns, targetGroupBindingManifests } from './target-group-bindings.js';
import { gitlabChartRelease, renderGitLabValues } from './values.js';

/** Where the review copies go, relative to the output directory. */
export const CHART_FILES_DIR = 'config/helm';

export function renderChartFiles(plan: Plan): { path: string; content: string }[] {
  if (!runsChart(plan)) return [];
  const endpoints = reviewChartEndpoints(plan);
  const releases = [EXTERNAL_SECRETS_CHART, gitlabChartRelease(plan)].map(({ source, ...release }) => ({
    ...release,
    source: `${source.repository} ${source.path} @ ${source.commit}`,
  }));
  return [
    {
      path: `${CHART_FILES_DIR}/gitlab-values.yaml`,
      content: stringify(renderGitLabValues(plan, endpoints)),
    },
    {
      path: `${CHART_FILES_DIR}/gitlab-secrets.yaml`,
      content: secretManifests(plan, endpoints)
        .map((manifest) => stringify(manifest))
        .join('---\n'),
    },
    {
      path: `${CHART_FILES_DIR}/target-group-bindings.yaml`,
      content: targetGroupBindingManifests(plan, reviewTargetGroupArns(plan, stackName(plan, 'edge')))
        .map((manifest) => stringify(manifest))
        .join('---\n'),
    },
    // The operator runs with its chart's defaults: no values of its own.
    { path: `${CHART_FILES_DIR}/releases.yaml`, content: stringify({ releases }) },
  ];
}
