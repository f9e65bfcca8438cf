/**
 * The Kubernetes side of the secrets: the External Secrets Operator copies the Plan's Secrets
 * Manager secrets into the Kubernetes Secrets the chart reads, as the `gitlab-secrets-reader`
 * service account (IRSA, read access to exactly these secrets). Values never pass through a
 * template, the values file or a log: these manifests name secrets, they never hold them.
 *
 * The chart's Rails secrets and GitLab Shell's secret come from the same `gitlab-secrets.json` the
 * VMs use (Gitaly calls GitLab's internal API with GitLab Shell's secret), so pods and VMs agree and
 * a lost cluster loses no key. Key names: the chart's `secrets.yml` layout
 * (`templates/shared-secrets/_generate_secrets.sh.tpl`, integratop/gitlab-org-charts-mirror
 * 3403350c8b8ef65a71b3676ebafafea435b54c41) and the sections of the package's `gitlab-secrets.json`
 * (`gitlab_shell.secret_token`, `gitlab_rails.*`, written by `SecretsHelper.gather_gitlab_secrets`
 * in gitlabhq/omnibus-gitlab; the active_record_encryption keys were not seen there and are assumed).
 * API: external-secrets.io/v1 (External Secrets Operator 2.0, src/catalog/gitlab-chart.ts).
 */
import type { Plan, SecretId, SecretPlan } from '../../plan/types.js';
import { CHART_SECRETS, CHART_SERVICE_ACCOUNTS, GITLAB_NAMESPACE, IRSA_ROLE_ANNOTATION } from './names.js';
import { objectStorageConnections } from './object-storage.js';
import type { ChartEndpoints, Values } from './types.js';

/** The SecretStore every ExternalSecret reads through. */
export const SECRET_STORE = 'aws-secrets-manager';

/** How often the operator copies a secret again, so a rotated value reaches the pods. */
export const REFRESH_INTERVAL = '1h';

/** Rails keys of `secrets.yml`, each read from `gitlab_rails.<key>` of gitlab-secrets.json. */
export const RAILS_SECRET_KEYS = [
  'secret_key_base',
  'otp_key_base',
  'db_key_base',
  'encrypted_settings_key_base',
  'openid_connect_signing_key',
  'active_record_encryption_primary_key',
  'active_record_encryption_deterministic_key',
  'active_record_encryption_key_derivation_salt',
] as const;
/** Keys holding lists (YAML/JSON arrays as stored), written as they are. */
const LIST_KEYS: ReadonlySet<string> = new Set([
  'active_record_encryption_primary_key',
  'active_record_encryption_deterministic_key',
]);

/** One value copied from Secrets Manager: which Plan secret, and which JSON property of it. */
export interface SecretSource {
  readonly secret: SecretId;
  readonly property?: string;
}

/** The Secrets Manager secrets the chart needs, by Kubernetes Secret: where each key comes from. */
export function chartSecretSources(
  plan: Pick<Plan, 'architecture'>,
): Record<string, Record<string, SecretSource>> {
  const json = 'gitlab-secrets-json' as const;
  return {
    [CHART_SECRETS.databasePassword.name]: {
      [CHART_SECRETS.databasePassword.key]: { secret: 'database-password', property: 'password' },
    },
    [CHART_SECRETS.redisPassword.name]: { [CHART_SECRETS.redisPassword.key]: { secret: 'redis-auth-token' } },
    // Rails presents Praefect's external token to Praefect, or Gitaly's own token to a single Gitaly.
    [CHART_SECRETS.gitalyToken.name]: {
      [CHART_SECRETS.gitalyToken.key]: {
        secret: plan.architecture.gitalyMode === 'cluster' ? 'praefect-external-token' : 'gitaly-token',
      },
    },
    [CHART_SECRETS.rootPassword.name]: { [CHART_SECRETS.rootPassword.key]: { secret: 'root-password' } },
    [CHART_SECRETS.shellSecret.name]: {
      [CHART_SECRETS.shellSecret.key]: { secret: json, property: 'gitlab_shell.secret_token' },
    },
    [CHART_SECRETS.railsSecrets.name]: Object.fromEntries(
      RAILS_SECRET_KEYS.map((key) => [key, { secret: json, property: `gitlab_rails.${key}` }]),
    ),
  };
}

/** The Plan's secret of an id; throws when the Plan has none. */
function secretOf(plan: Pick<Plan, 'secrets'>, id: SecretId): SecretPlan {
  const secret = plan.secrets.find((candidate) => candidate.id === id);
  if (!secret) throw new Error(`the Plan has no ${id} secret for GitLab's chart`);
  return secret;
}

/** The Secrets Manager secrets the chart reads, which the reader's IAM role may read and nothing else. */
export function chartSecretIds(plan: Pick<Plan, 'architecture'>): SecretId[] {
  const ids = Object.values(chartSecretSources(plan)).flatMap((keys) =>
    Object.values(keys).map((source) => source.secret),
  );
  return [...new Set(ids)];
}

/** `secrets.yml` of the chart's Rails secret, as an External Secrets template over the copied keys. */
function railsSecretsTemplate(): string {
  const lines = RAILS_SECRET_KEYS.map((key) =>
    LIST_KEYS.has(key) ? `    ${key}: {{ .${key} }}` : `    ${key}: {{ .${key} | toJson }}`,
  );
  return ['production:', ...lines, ''].join('\n');
}

function metadata(name: string): Values {
  return { name, namespace: GITLAB_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'gitlab-aws' } };
}

/**
 * Every manifest applied before the chart, in its namespace: the reader's service account, the SecretStore, one
 * ExternalSecret per Kubernetes Secret, and the object storage connection documents (no secret in them).
 */
export function secretManifests(
  plan: Pick<Plan, 'architecture' | 'secrets' | 'services' | 'region'>,
  endpoints: Pick<ChartEndpoints, 'serviceAccountRoles' | 'accountId'>,
): Values[] {
  const reader = CHART_SERVICE_ACCOUNTS.secrets;
  const externalSecrets = Object.entries(chartSecretSources(plan)).map(([name, keys]) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: metadata(name),
    spec: {
      refreshInterval: REFRESH_INTERVAL,
      secretStoreRef: { kind: 'SecretStore', name: SECRET_STORE },
      target: {
        name,
        creationPolicy: 'Owner',
        ...(name === CHART_SECRETS.railsSecrets.name
          ? {
              template: {
                engineVersion: 'v2',
                data: { [CHART_SECRETS.railsSecrets.key]: railsSecretsTemplate() },
              },
            }
          : {}),
      },
      data: Object.entries(keys).map(([secretKey, source]) => ({
        secretKey,
        remoteRef: {
          key: secretOf(plan, source.secret).name,
          ...(source.property ? { property: source.property } : {}),
        },
      })),
    },
  }));
  const connections = Object.entries(objectStorageConnections(plan, endpoints)).map(([name, stringData]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(name),
    type: 'Opaque',
    stringData,
  }));
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        ...metadata(reader),
        annotations: { [IRSA_ROLE_ANNOTATION]: endpoints.serviceAccountRoles.secrets },
      },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: metadata(SECRET_STORE),
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: plan.region,
            auth: { jwt: { serviceAccountRef: { name: reader } } },
          },
        },
      },
    },
    ...externalSecrets,
    ...connections,
  ];
}
