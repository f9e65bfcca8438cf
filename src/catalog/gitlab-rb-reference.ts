/**
 * The gitlab.rb settings GitLab's Linux package 19.3 accepts, and the rules a gitlab.rb is checked
 * by: the generated ones (in the config tests, over what Ruby records when it evaluates each file)
 * and the user's own settings (`gitlab.extraSettings`, when the Plan is resolved). The data is in
 * `gitlab-rb-reference/` next to this file, extracted from the GitHub mirror `gitlabhq/omnibus-gitlab`
 * at 440b1f835eb205885d22933ac074cc11c1148609 (its README says from which files); this is its one copy.
 *
 * Rules:
 * - An assigned setting must be listed in gitlab-rb-settings.tsv, be an `accepted` alias, or be a
 *   nested path the reference lists (e.g. `nginx['status']['options']['allow']`).
 * - Deprecated and removed settings (gitlab-rb-aliases.tsv) are errors, as are the two master-only
 *   `managed_settings` keys absent from 19.3.
 * - A key nested in a hash value must be listed in gitlab-rb-nested.tsv when the reference lists
 *   any nested key of that setting; hash-valued settings with no listed keys accept any key,
 *   except those listed in the extra nested rules below.
 */
/** Where the reference data lives (copied next to the built module by the build). */
export const GITLAB_RB_REFERENCE_URL = new URL('./gitlab-rb-reference/', import.meta.url);

/** The reference's files, by what each holds (their README explains them). */
export const GITLAB_RB_REFERENCE_FILES = {
  settings: 'gitlab-rb-settings.tsv',
  aliases: 'gitlab-rb-aliases.tsv',
  nested: 'gitlab-rb-nested.tsv',
} as const;

/** The text of each reference file; the catalog reads no files itself. */
export type SettingsReferenceTexts = Readonly<Record<keyof typeof GITLAB_RB_REFERENCE_FILES, string>>;

export interface RecordedSetting {
  /** The assigned setting (left-hand side). */
  readonly setting: string;
  /** The setting itself, or a key path inside its value. */
  readonly path: string;
  readonly value: unknown;
}

function tsv(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/** `[]` for array elements; string keys with single quotes; symbols as `[:key]`. */
const normalise = (path: string) => path.replaceAll('"', "'");

/**
 * Nested keys the reference cannot list because the package passes the value through unchanged.
 * - prometheus['scrape_configs']: each element is copied into prometheus.yml as is
 *   (files/gitlab-cookbooks/monitoring/libraries/prometheus.rb, parse_scrape_configs); the template
 *   shows only `static_configs`. gitlab-aws uses EC2 service discovery, so these Prometheus keys are
 *   allowed, and only these.
 * - Object storage connections: the consolidated `connection` is `{}` in the template; its keys are
 *   Fog's S3 connection options, the same the template lists for `backup_upload_connection`.
 */
const PROMETHEUS_SCRAPE_KEYS = [
  "['metrics_path']",
  "['ec2_sd_configs']",
  "['ec2_sd_configs'][]['region']",
  "['ec2_sd_configs'][]['port']",
  "['ec2_sd_configs'][]['filters']",
  "['ec2_sd_configs'][]['filters'][]['name']",
  "['ec2_sd_configs'][]['filters'][]['values']",
  "['relabel_configs']",
  "['relabel_configs'][]['source_labels']",
  "['relabel_configs'][]['target_label']",
];

/**
 * gitlab_rails['omniauth_providers']: the template shows one provider's keys only. GitLab's OpenID
 * Connect page (skratsch-solutions/gitlabhq f76fbdcd8b8bddc2022d324a7b38fdf63b6be15c,
 * doc/administration/auth/oidc.md) adds `label` and `icon` to a provider, and everything under
 * `args` is handed to the provider's OmniAuth strategy, whose options vary by provider.
 */
const OMNIAUTH_PROVIDER_KEYS = ["[]['label']", "[]['icon']"];
/** Paths below which any key is accepted: values passed through to another program's options. */
const PASS_THROUGH = ["gitlab_rails['omniauth_providers'][]['args']["];

export class SettingsReference {
  readonly settings = new Map<string, string>();
  readonly accepted = new Set<string>();
  readonly rejected = new Map<string, string>();
  readonly nested = new Set<string>();
  readonly nestedParents = new Set<string>();
  private readonly extraNested = new Map<string, Set<string>>();

  constructor(texts: SettingsReferenceTexts) {
    for (const [setting, , value] of tsv(texts.settings)) {
      this.settings.set(normalise(setting!), value ?? '');
    }
    for (const [setting, , status, instead] of tsv(texts.aliases)) {
      if (status === 'accepted') this.accepted.add(normalise(setting!));
      else this.rejected.set(normalise(setting!), `${status}, use ${instead}`);
    }
    for (const [path, parent] of tsv(texts.nested)) {
      this.nested.add(normalise(path!));
      this.nestedParents.add(normalise(parent!));
    }
    // 19.4-only keys (README: "Compared with the 19.3.0 release").
    for (const masterOnly of [
      "gitlab_rails['managed_settings']['installation']['managed_by']",
      "gitlab_rails['managed_settings']['settings']",
    ]) {
      this.settings.delete(masterOnly);
      this.rejected.set(masterOnly, 'only on master (19.4), not in 19.3');
    }
    this.extraNested.set(
      "prometheus['scrape_configs']",
      new Set(PROMETHEUS_SCRAPE_KEYS.map((key) => `prometheus['scrape_configs'][]${key}`)),
    );
    const omniauth = "gitlab_rails['omniauth_providers']";
    this.extraNested.set(
      omniauth,
      new Set([
        ...[...this.nested].filter((path) => path.startsWith(`${omniauth}[`)),
        ...OMNIAUTH_PROVIDER_KEYS.map((key) => `${omniauth}${key}`),
      ]),
    );
    const fogKeys = [...this.nested]
      .filter((path) => path.startsWith("gitlab_rails['backup_upload_connection']["))
      .map((path) => path.slice("gitlab_rails['backup_upload_connection']".length));
    this.extraNested.set(
      "gitlab_rails['object_store']['connection']",
      new Set(fogKeys.map((key) => `gitlab_rails['object_store']['connection']${key}`)),
    );
  }

  private isListedSetting(path: string): boolean {
    return this.settings.has(path) || this.accepted.has(path);
  }

  /** Problems with one file's recorded settings; empty when every path is known. */
  check(recorded: readonly RecordedSetting[]): string[] {
    const problems: string[] = [];
    for (const { setting, path } of recorded) {
      const rejected = this.rejected.get(path);
      if (rejected) {
        problems.push(`${path}: ${rejected}`);
        continue;
      }
      if (path === setting) {
        if (!this.isListedSetting(path) && !this.nested.has(path))
          problems.push(`${path}: not a gitlab.rb setting`);
        continue;
      }
      if (PASS_THROUGH.some((prefix) => path.startsWith(prefix))) continue;
      const extra = this.extraNested.get(setting);
      if (extra) {
        if (!extra.has(path) && !this.nested.has(path))
          problems.push(`${path}: not a known key of ${setting}`);
        continue;
      }
      // The setting whose value this key is in, or the deepest listed parent above it.
      const listsChildren =
        this.nestedParents.has(setting) || [...this.nested].some((known) => known.startsWith(`${setting}[`));
      if (listsChildren) {
        if (!this.nested.has(path)) problems.push(`${path}: not a known key of ${setting}`);
        continue;
      }
      const shown = this.settings.get(setting);
      // A hash the template shows by example (db_load_balancing's `{ 'hosts' => [...] }`): its keys.
      const exampleKeys = [...(shown ?? '').matchAll(/'([a-z_]+)'\s*=>/g)].map(
        (match) => `${setting}['${match[1]}']`,
      );
      if (exampleKeys.includes(path)) continue;
      const hashValued = shown === '' || shown === '{}' || shown === undefined;
      if (!hashValued) problems.push(`${path}: ${setting} takes ${shown}, not a hash`);
    }
    return problems;
  }
}
