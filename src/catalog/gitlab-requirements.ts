/**
 * What the targeted GitLab release needs from the services under it.
 *
 * PostgreSQL: GitLab raises its minimum PostgreSQL major version by one with every major GitLab
 * release (the PostgreSQL upgrade cadence in GitLab's handbook,
 * handbook.gitlab.com/handbook/engineering/infrastructure-platforms/data-access/database-framework/postgresql-upgrade-cadence:
 * 16 became the minimum in 18.0), so GitLab 19 requires PostgreSQL 17. RDS for PostgreSQL offers 17.
 */

/** Newest GitLab release gitlab-aws targets (released 2026-08-20). */
export const NEWEST_GITLAB_RELEASE = '19.3.0';

/** PostgreSQL major version RDS runs for GitLab 19. */
export const POSTGRES_MAJOR_VERSION = '17';

/**
 * Settings GitLab requires of an external PostgreSQL server ("Required settings for external
 * instances", skratsch-solutions/gitlabhq 6b44ecb6758d227fa7d0035f8b4171e000fad78f,
 * doc/administration/postgresql/tune.md): `statement_timeout` between 15 and 60 seconds, one minute
 * matching Puma's rack timeout; `work_mem` at least 8 MB; `hot_standby_feedback` on every replica
 * that serves database load balancing. In RDS's units: milliseconds and kB.
 */
export const POSTGRES_REQUIRED_SETTINGS = {
  statementTimeoutMs: { min: 15_000, max: 60_000 },
  workMemKb: { min: 8 * 1024 },
} as const;

/**
 * Extensions GitLab requires in its main database (doc/install/requirements.md, "Extensions",
 * skratsch-solutions/gitlabhq 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4): `amcheck` since 18.4,
 * `btree_gist`, `pg_trgm` and `plpgsql`. The same page asks Gitaly Cluster (Praefect) for a PostgreSQL
 * instance of its own, apart from the main database.
 */
export const POSTGRES_REQUIRED_EXTENSIONS = ['plpgsql', 'pg_trgm', 'btree_gist', 'amcheck'] as const;

/**
 * Redis-compatible engine ElastiCache runs: GitLab's reference architecture overview recommends
 * ElastiCache for Valkey 7.2 and advises against Redis OSS 7.1 for new deployments
 * (skratsch-solutions/gitlabhq doc/administration/reference_architectures/_index.md @ b8bf0cc361f2;
 * see aws-guidance ids elasticache-valkey and elasticache-redis-oss-7-1).
 */
export const REDIS_ENGINE = { engine: 'valkey', version: '7.2' } as const;

/**
 * Kubernetes version of the EKS cluster for Cloud Native Hybrid: the newest in EKS's calendar
 * (src/catalog/eks-versions.ts), in standard support until 2027-03-27. 1.33 left standard support
 * on 2026-07-29, after which a cluster costs the extended-support rate.
 */
export const KUBERNETES_VERSION = '1.35';

/**
 * Disk performance GitLab requires of every Gitaly storage, whatever the architecture's size: "Gitaly
 * requires at least 8,000 input/output operations per second (IOPS) for read operations, and 2,000
 * IOPS for write operations" (reference architectures, "Supported disk types",
 * pavankalisetti009/gitlab 76ccf2e7a6dea0af66eef36089731fb59085589f,
 * doc/administration/reference_architectures/index.md; later versions, such as
 * skratsch-solutions/gitlabhq b8bf0cc361f2 doc/administration/reference_architectures/_index.md,
 * point to the same requirement under Gitaly's "Disk requirements").
 */
export const GITALY_DISK_IOPS = { read: 8000, write: 2000 } as const;
