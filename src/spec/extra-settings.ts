/**
 * The user's own gitlab.rb settings (`gitlab.extraSettings`): the shape of the section and the
 * rules that need nothing but the spec. Whether a setting exists in GitLab 19.3 is checked against
 * the settings reference when the Plan is resolved (src/plan/resolve/extra-settings.ts), since the
 * reference is catalog data.
 *
 * Three rules keep the toolkit's promises:
 * - a setting gitlab-aws writes itself (the database, Redis, object storage...) is refused, naming the
 *   spec field that sets it: a second assignment would silently undo the generated one;
 * - a password, token or secret written as text is refused: it would land in the user data and the
 *   synthesized files. Such values are references, `{ secret: <name or ARN>, key: <JSON key> }`,
 *   which the node reads from Secrets Manager at boot;
 * - a reference must name a secret of the spec's region (the boot script reads it there).
 */
import { z } from 'zod';

/** Who gets a section's settings: every node that runs GitLab, or the nodes of one role. */
export const EXTRA_SETTINGS_TARGETS = [
  'all',
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'monitoring',
] as const;
export type ExtraSettingsTarget = (typeof EXTRA_SETTINGS_TARGETS)[number];

/** A value read from Secrets Manager at boot: the whole secret string, or one key of its JSON. */
export interface SecretReference {
  readonly secret: string;
  readonly key?: string;
}

/** Secrets Manager secret names: 1-512 of these characters (Secrets Manager API Reference, CreateSecret, Name). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** JSON keys the boot script can pass as one word. */
const SECRET_KEY = /^[A-Za-z0-9_.@/+=-]{1,256}$/;

/** `name`, or `name['key']...` with single- or double-quoted keys, as gitlab.rb writes them. */
const SETTING_PATH = /^([a-z_][a-z0-9_]*)((?:\[(?:'[^'"\\[\]]+'|"[^'"\\[\]]+")\])*)$/;

/** Hash keys whose text value is a credential (password, client_secret, api_token, private_key...). */
const CREDENTIAL_KEY = /(^|_)(password|passwd|secret|token|private_key|api_key|access_key)$/i;

/** A gitlab.rb setting path split into its top-level name and keys; undefined when malformed. */
export function parseSettingPath(path: string): { name: string; keys: string[] } | undefined {
  const match = SETTING_PATH.exec(path);
  if (!match) return undefined;
  const keys = [...match[2]!.matchAll(/\[['"]([^'"]+)['"]\]/g)].map((key) => key[1]!);
  return { name: match[1]!, keys };
}

/** The path as the settings reference writes it: single quotes. */
export function normalisedSettingPath(name: string, keys: readonly string[]): string {
  return `${name}${keys.map((key) => `['${key}']`).join('')}`;
}

/** Whether a value is a reference to a secret (an object of `secret` and, optionally, `key`). */
export function isSecretReference(value: unknown): value is SecretReference {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.includes('secret') && keys.every((key) => key === 'secret' || key === 'key');
}

/**
 * Settings gitlab-aws writes itself, each with the spec field that decides it. A path is managed
 * when it starts with one of these (`gitlab_rails['db_` covers db_host, db_password...).
 */
export const MANAGED_SETTINGS: readonly { readonly prefix: string; readonly field: string }[] = [
  { prefix: 'external_url', field: 'domain.name' },
  { prefix: 'roles', field: 'architecture.size (each node runs the roles of its reference architecture)' },
  { prefix: "gitlab_rails['db_", field: 'database (Amazon RDS)' },
  { prefix: 'postgresql[', field: 'database (Amazon RDS)' },
  {
    prefix: "gitlab_rails['auto_migrate']",
    field: 'none: gitlab-aws migrates one node at a time under a lock',
  },
  { prefix: "gitlab_rails['redis_", field: 'redis (Amazon ElastiCache)' },
  { prefix: 'redis[', field: 'redis (Amazon ElastiCache)' },
  { prefix: "gitlab_rails['object_store']", field: 'objectStorage.bucketPrefix' },
  { prefix: "gitlab_rails['backup_upload_", field: 'objectStorage.bucketPrefix' },
  { prefix: "gitlab_rails['repositories_storages']", field: 'gitaly.mode' },
  { prefix: "gitaly['configuration']['storage']", field: 'gitaly.mode' },
  { prefix: "gitaly['configuration']['auth']", field: 'gitaly.mode' },
  { prefix: "praefect['configuration']['virtual_storage']", field: 'gitaly.praefectNodes' },
  { prefix: "praefect['configuration']['database']", field: 'gitaly.mode' },
  { prefix: "praefect['configuration']['auth']", field: 'gitaly.mode' },
  {
    prefix: "gitlab_rails['nginx']['listen_",
    field: 'domain.certificateArn (TLS ends at the load balancer)',
  },
  { prefix: "gitlab_rails['nginx']['proxy_protocol']", field: 'edge.proxyProtocol' },
  { prefix: 'letsencrypt[', field: 'domain.certificateArn (TLS ends at the load balancer)' },
];

/** SMTP settings, written by gitlab-aws when `email` is on (Amazon SES). */
export const EMAIL_MANAGED_SETTINGS: readonly { readonly prefix: string; readonly field: string }[] = [
  {
    prefix: "gitlab_rails['smtp_",
    field: 'email (Amazon SES; set email.enabled: false to use your own SMTP)',
  },
  { prefix: "gitlab_rails['gitlab_email_from']", field: 'email.from' },
];

/** The spec field that sets a managed setting, or undefined when the setting is the user's. */
export function managedBy(path: string, emailEnabled: boolean): string | undefined {
  const rules = emailEnabled ? [...MANAGED_SETTINGS, ...EMAIL_MANAGED_SETTINGS] : MANAGED_SETTINGS;
  // A service's `enable` switch: whether a node runs it follows from its role.
  if (/^[a-z_]+\['enable'\]$/.test(path)) return 'architecture (each node runs the services of its role)';
  return rules.find((rule) => path.startsWith(rule.prefix) || rule.prefix.startsWith(`${path}[`))?.field;
}

/** One problem with a setting, at a path below the setting's key. */
export interface SettingProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Problems of one setting's value: credentials written as text, and malformed references. */
export function valueProblems(
  settingKeys: readonly string[],
  value: unknown,
  region: string,
): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const visit = (item: unknown, path: (string | number)[], keyName: string | undefined): void => {
    if (isSecretReference(item)) {
      const problem = referenceProblem(item, region);
      if (problem) problems.push({ path, message: problem });
      return;
    }
    if (typeof item === 'string') {
      if (keyName !== undefined && CREDENTIAL_KEY.test(keyName) && item.length > 0) {
        problems.push({
          path,
          message: `looks like a credential written as text (${keyName}); store it in AWS Secrets Manager and write { secret: "<secret name or ARN>", key: "<JSON key, if the secret is JSON>" } instead`,
        });
      }
      return;
    }
    if (Array.isArray(item)) {
      for (const [index, element] of item.entries()) visit(element, [...path, index], keyName);
      return;
    }
    if (item !== null && typeof item === 'object') {
      for (const [key, entry] of Object.entries(item)) visit(entry, [...path, key], key);
    }
  };
  visit(value, [], settingKeys.at(-1));
  return problems;
}

function referenceProblem(reference: SecretReference, region: string): string | undefined {
  const { secret, key } = reference as { secret: unknown; key?: unknown };
  if (typeof secret !== 'string' || !(SECRET_NAME.test(secret) || SECRET_ARN.test(secret))) {
    return `secret must be a Secrets Manager secret name (letters, digits and /_+=.@-) or a secret ARN, such as { secret: "gitlab/ldap", key: "password" }`;
  }
  const arnRegion = SECRET_ARN.exec(secret)?.[1];
  if (arnRegion !== undefined && arnRegion !== region) {
    return `names a secret in ${arnRegion}, but region is ${region}: nodes read secrets of their own region; replicate the secret to ${region} and name that one`;
  }
  if (key !== undefined && (typeof key !== 'string' || !SECRET_KEY.test(key))) {
    return "key must be the name of a key of the secret's JSON (letters, digits and _.@/+=-), or left out to use the whole secret string";
  }
  return undefined;
}

const settingsMap = z.record(z.string(), z.json());

/** The `gitlab.extraSettings` section: per target, gitlab.rb setting paths to JSON values. */
export const extraSettingsSchema = z.strictObject(
  Object.fromEntries(
    EXTRA_SETTINGS_TARGETS.map((target) => [
      target,
      settingsMap
        .optional()
        .describe(
          target === 'all'
            ? "gitlab.rb settings for every node that runs GitLab, e.g. gitlab_rails['time_zone']: Europe/Berlin"
            : `gitlab.rb settings for the ${target} nodes`,
        ),
    ]),
  ) as Record<ExtraSettingsTarget, z.ZodOptional<typeof settingsMap>>,
);

export type ExtraSettings = z.output<typeof extraSettingsSchema>;

/**
 * Every spec-only problem of the section, with the path below `gitlab.extraSettings`: malformed
 * setting paths, managed settings, credentials as text, bad references.
 */
export function extraSettingsProblems(
  settings: ExtraSettings,
  options: { readonly region: string; readonly emailEnabled: boolean },
): SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const target of EXTRA_SETTINGS_TARGETS) {
    for (const [path, value] of Object.entries(settings[target] ?? {})) {
      const at = (below: readonly (string | number)[] = []) => [target, path, ...below];
      const parsed = parseSettingPath(path);
      if (!parsed) {
        problems.push({
          path: at(),
          message: `is not a gitlab.rb setting path; write it as gitlab.rb does, e.g. gitlab_rails['time_zone'] (quote the whole key in YAML)`,
        });
        continue;
      }
      const normalised = normalisedSettingPath(parsed.name, parsed.keys);
      const field = managedBy(normalised, options.emailEnabled);
      if (field !== undefined) {
        problems.push({
          path: at(),
          message: `is written by gitlab-aws itself, from ${field}; set that instead of overriding it here`,
        });
        continue;
      }
      for (const problem of valueProblems(parsed.keys, value, options.region)) {
        problems.push({ path: at(problem.path), message: problem.message });
      }
    }
  }
  return problems;
}
