/** What the chart's values take from AWS once the stacks exist: endpoints, ARNs and the account. */
export interface ChartEndpoints {
  /** RDS endpoint of GitLab's database. */
  readonly databaseHost: string;
  /** Primary endpoint of each ElastiCache replication group, by Plan role. */
  readonly redisHosts: Readonly<Partial<Record<'redis' | 'redis-cache' | 'redis-persistent', string>>>;
  /** The account id, which bucket names carry. */
  readonly accountId: string;
  /** IAM role of each service account that calls AWS. */
  readonly serviceAccountRoles: Readonly<Record<import('./names.js').ChartServiceAccount, string>>;
}

/** Helm values: plain JSON. */
export type Values = { [key: string]: unknown };
