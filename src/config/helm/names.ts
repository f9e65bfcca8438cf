/**
 * Names the chart's values, the Kubernetes manifests and the IAM roles agree on: the namespace,
 * the service accounts GitLab's pods run as (each trusted by its own IAM role through IRSA) and the
 * Kubernetes Secrets the External Secrets Operator fills from Secrets Manager.
 */
import { GITLAB_CHART } from '../../catalog/gitlab-chart.js';

/** Namespace of GitLab's release, its service accounts and its secrets. */
export const GITLAB_NAMESPACE = GITLAB_CHART.namespace;

/**
 * Service accounts that call AWS, each with its own IAM role: webservice, Sidekiq and toolbox use
 * the object storage buckets, the registry its bucket, and `secrets` is the account the External
 * Secrets Operator reads Secrets Manager as.
 */
export const CHART_SERVICE_ACCOUNTS = {
  webservice: 'gitlab-webservice',
  sidekiq: 'gitlab-sidekiq',
  toolbox: 'gitlab-toolbox',
  registry: 'gitlab-registry',
  secrets: 'gitlab-secrets-reader',
} as const;
export type ChartServiceAccount = keyof typeof CHART_SERVICE_ACCOUNTS;

/** Kubernetes Secrets the chart reads, and the key of each that holds the value. */
export const CHART_SECRETS = {
  databasePassword: { name: 'gitlab-postgresql-password', key: 'password' },
  redisPassword: { name: 'gitlab-redis-auth', key: 'password' },
  gitalyToken: { name: 'gitlab-gitaly-token', key: 'token' },
  shellSecret: { name: 'gitlab-shell-secret', key: 'secret' },
  rootPassword: { name: 'gitlab-initial-root-password', key: 'password' },
  /** Not secret (no keys, IRSA): the provider and region of the object storage connection. */
  objectStorage: { name: 'gitlab-object-storage', key: 'connection' },
  registryStorage: { name: 'gitlab-registry-storage', key: 'config' },
  backupStorage: { name: 'gitlab-backup-storage', key: 'config' },
} as const;

/** The annotation EKS reads to give a service account's pods an IAM role (IRSA). */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
