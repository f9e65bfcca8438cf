import { CHART_BUCKET_PURPOSES, chartBuckets, runsChart } from '../../chart.js';
import type { PlanRule } from '../rule.js';

/**
 * With consolidated object storage GitLab's chart refuses to render when an object type has no
 * bucket (`_checkConfig_object_storage.tpl`, integratop/gitlab-org-charts-mirror
 * 3403350c8b8ef65a71b3676ebafafea435b54c41); the registry and backups need theirs too.
 */
export const chartObjectStorage: PlanRule = {
  id: 'GLA-CHART-OBJECT-STORAGE',
  level: 'error',
  category: 'support',
  description: "GitLab's chart needs a bucket for every object type, the registry and backups",
  evaluate: ({ plan }) => {
    if (!runsChart(plan)) return [];
    const buckets = chartBuckets(plan);
    const missing = CHART_BUCKET_PURPOSES.filter((purpose) => !buckets[purpose]);
    return missing.length === 0
      ? []
      : [
          {
            field: 'objectStorage.bucketPrefix',
            message: `The Plan has no S3 bucket for ${missing.join(', ')}, which GitLab's chart needs with consolidated object storage. Set objectStorage.bucketPrefix so that every bucket is planned, and check the Plan's object-storage service.`,
          },
        ];
  },
};
