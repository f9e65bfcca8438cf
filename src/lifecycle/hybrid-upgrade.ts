/**
 * `gitlab-aws upgrade --to <version>` for Cloud Native Hybrid: the Gitaly and Praefect VMs in
 * GitLab's order, as for a Linux package environment, then GitLab's chart at the release of the
 * target version.
 *
 * GitLab does not support zero-downtime upgrades for Cloud Native Hybrid: the chart's upgrade
 * documentation offers them only through the GitLab Operator (doc/installation/upgrade.md,
 * integratop/gitlab-org-charts-mirror 538ad96a73c8ac3cf996204955002cb3ea7eaf61). `upgrade` says so
 * before it starts and keeps the window short: everything that can go first (the background
 * migration check, the backup, the Gitaly and Praefect VMs, which serve the old Rails too) does,
 * and the chart's own step is one `helm upgrade --wait`, whose migrations job runs before the new
 * pods serve. The required upgrade stops and one minor release at a time apply as for the VMs
 * (UPGRADE_PATH_RULES): the chart's migrations are GitLab's.
 *
 * Steps, each recorded when done so a failed run resumes (src/lifecycle/upgrade.ts runs them):
 * 1. no batched background migration unfinished, counted in the toolbox;
 * 2. the backup (the toolbox's archive with its Rails secrets, and the AWS Backup jobs awaited);
 * 3. Gitaly nodes one at a time, Praefect, the Gitaly Cluster checked;
 * 4. the version parameter, so a replaced Gitaly or Praefect VM installs the new version;
 * 5. `helm upgrade` to the chart release of the target version (chart X.Y.Z is GitLab (X+9).Y.Z);
 * 6. the background migrations the new version queued, waited for.
 */
import { chartVersionFor } from '../catalog/gitlab-chart.js';
import { OPERATION_TIMEOUT_MINUTES } from '../config/helm/install.js';
import { UserError } from '../errors.js';
import { gitlabVersionParameterName } from '../plan/contracts.js';
import type { Plan } from '../plan/types.js';
import { formatDuration } from './polling.js';
import {
  backgroundMigrationsStep,
  formatVersion,
  gitalyUpgradeSteps,
  parseVersion,
  UPGRADE_BOUNDS,
  type UpgradeOptions,
  type UpgradeStep,
  upgradePathProblems,
} from './upgrade.js';

/** What `upgrade` tells the user before a Cloud Native Hybrid upgrade starts, and `--dry-run` prints. */
export const HYBRID_DOWNTIME =
  "GitLab is briefly unavailable during the chart's step: GitLab does not support zero-downtime upgrades for Cloud Native Hybrid (only through the GitLab Operator, which this environment does not run). Everything else is done before that step to keep it short.";

export function planHybridUpgrade(plan: Plan, options: UpgradeOptions): UpgradeStep[] {
  const problems = upgradePathProblems(options.from, options.to);
  if (problems.length > 0)
    throw new UserError(`upgrade refused:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const to = formatVersion(parseVersion(options.to));
  const chartVersion = chartVersionFor(to);
  if (!chartVersion) throw new UserError(`upgrade refused: no GitLab chart release maps to GitLab ${to}`);
  const cluster = { cluster: true } as const;
  return [
    backgroundMigrationsStep('refuse', cluster),
    ...(options.backup
      ? [
          {
            kind: 'backup' as const,
            title:
              'Back up GitLab with the toolbox (its Rails secrets beside), the database and the Gitaly volumes',
            timeoutSeconds: UPGRADE_BOUNDS.backupJobsSeconds,
          },
        ]
      : []),
    ...gitalyUpgradeSteps(plan, to),
    {
      kind: 'set-version',
      title: `Make a replaced Gitaly or Praefect node install GitLab ${to}`,
      parameterName: gitlabVersionParameterName(plan),
      version: to,
    },
    {
      kind: 'chart',
      title: `Upgrade GitLab's chart to ${chartVersion} (GitLab ${to}): its migrations, then every pod replaced (GitLab is briefly down)`,
      operation: { kind: 'upgrade', gitlabVersion: to },
      details: [
        `runs helm upgrade --wait in the chart's build: the migrations job first, then webservice, Sidekiq and the rest replaced (at most ${formatDuration(OPERATION_TIMEOUT_MINUTES.upgrade * 60)})`,
        "saves the cluster's Rails secrets to Secrets Manager again once it is done",
      ],
    },
    backgroundMigrationsStep('wait', cluster),
  ];
}
