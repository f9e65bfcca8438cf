import { CHART_DEFAULT_STORAGE, chartGitalyStorages, runsChart } from '../../chart.js';
import type { PlanRule } from '../rule.js';

/**
 * GitLab's chart refuses to render unless exactly one Gitaly storage is named `default` and every
 * storage name is unique (`_checkConfig_gitaly.tpl`, integratop/gitlab-org-charts-mirror
 * 3403350c8b8ef65a71b3676ebafafea435b54c41). Caught here, before a deploy gets to Helm.
 */
export const chartGitalyStorage: PlanRule = {
  id: 'GLA-CHART-GITALY-STORAGE',
  level: 'error',
  category: 'support',
  description: "GitLab's chart needs exactly one Gitaly storage named default, and unique names",
  evaluate: ({ plan }) => {
    if (!runsChart(plan)) return [];
    const names = chartGitalyStorages(plan).map((storage) => storage.name);
    const defaults = names.filter((name) => name === CHART_DEFAULT_STORAGE).length;
    const unique = new Set(names).size === names.length;
    if (defaults === 1 && unique) return [];
    return [
      {
        field: 'gitaly.mode',
        message: `The chart's Gitaly storages would be [${names.join(', ')}]; GitLab's chart needs exactly one named ${CHART_DEFAULT_STORAGE} and no name twice. Use gitaly.mode: cluster (Praefect's virtual storage ${CHART_DEFAULT_STORAGE}) or a single Gitaly node.`,
      },
    ];
  },
};
