/**
 * GitLab's Helm chart values for a Cloud Native Hybrid Plan, one concern per file (hosts, database,
 * Redis, Gitaly, object storage, service accounts, sizing), merged here. Pure: endpoints are strings,
 * CloudFormation tokens when infra renders them, placeholders naming their source in `synth`'s
 * review copy. No value is secret: passwords and tokens are named Kubernetes Secrets.
 */
import { chartVersionFor, GITLAB_CHART, type HelmChartRelease } from '../../catalog/gitlab-chart.js';
import type { Plan } from '../../plan/types.js';
import { databaseValues } from './database.js';
import { gitalyValues } from './gitaly.js';
import { hostsValues } from './hosts.js';
import { CHART_SECRETS } from './names.js';
import { objectStorageValues } from './object-storage.js';
import { redisValues } from './redis.js';
import { serviceAccountValues } from './service-accounts.js';
import { sizingValues } from './sizing.js';
import { toolboxBackupValues } from './toolbox-backups.js';
import type { ChartEndpoints, Values } from './types.js';

/** The chart release of the Plan's GitLab version (chart X.Y.Z is GitLab (X+9).Y.Z). */
export function gitlabChartRelease(plan: Pick<Plan, 'gitlab'>): HelmChartRelease {
  const version = chartVersionFor(plan.gitlab.version);
  if (!version) throw new Error(`no GitLab chart maps to GitLab ${plan.gitlab.version}`);
  return { ...GITLAB_CHART, version };
}

/** Deep-merges plain objects; later values win, arrays are replaced. */
export function mergeValues(...parts: Values[]): Values {
  const result: Values = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const existing = result[key];
      result[key] = isObject(value) && isObject(existing) ? mergeValues(existing, value) : value;
    }
  }
  return result;
}

function isObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The chart's values for the Plan. */
export function renderGitLabValues(plan: Plan, endpoints: ChartEndpoints): Values {
  return mergeValues(
    {
      global: {
        edition: plan.gitlab.edition,
        gitlabVersion: plan.gitlab.version,
        initialRootPassword: { secret: CHART_SECRETS.rootPassword.name, key: CHART_SECRETS.rootPassword.key },
      },
      // Components the chart bundles that this environment runs elsewhere or not at all.
      prometheus: { install: false },
      'gitlab-runner': { install: false },
    },
    hostsValues(plan),
    databaseValues(plan, endpoints),
    redisValues(plan, endpoints),
    gitalyValues(plan),
    objectStorageValues(plan, endpoints),
    serviceAccountValues(endpoints),
    sizingValues(plan),
    toolboxBackupValues(plan),
  );
}
