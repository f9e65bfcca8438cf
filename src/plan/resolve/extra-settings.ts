/**
 * The user's own gitlab.rb settings (spec `gitlab.extraSettings`): which nodes get each, which of
 * the user's secrets each role reads, and whether each setting (and each key nested in its value)
 * exists in GitLab 19.3, by the same rules as the generated gitlab.rb files
 * (src/catalog/gitlab-rb-reference.ts). The spec layer has already refused managed settings and
 * credentials written as text (src/spec/extra-settings.ts).
 *
 * Who gets what: `all` goes to every node that runs the Linux package; `rails` to the web nodes
 * (and the 1k node); `sidekiq` to the Sidekiq nodes, and to the web nodes when they run Sidekiq
 * (no Sidekiq nodes); `gitaly`, `praefect`, `monitoring` to theirs. `all` comes first, so a role's
 * own value of the same setting wins.
 */
import { readFileSync } from 'node:fs';
import {
  GITLAB_RB_REFERENCE_FILES,
  GITLAB_RB_REFERENCE_URL,
  type RecordedSetting,
  SettingsReference,
} from '../../catalog/gitlab-rb-reference.js';
import type { RoleId } from '../../catalog/types.js';
import { closest, SpecError, type SpecIssue } from '../../spec/errors.js';
import {
  EXTRA_SETTINGS_TARGETS,
  type ExtraSettingsTarget,
  isSecretReference,
  normalisedSettingPath,
  parseSettingPath,
} from '../../spec/extra-settings.js';
import type { Spec } from '../../spec/schema.js';
import type { ExternalSecretPlan, ExtraSettingPlan } from '../types.js';

let loaded: SettingsReference | undefined;
/** The settings reference, read on first use: only specs with their own settings need it. */
function settingsReference(): SettingsReference {
  loaded ??= new SettingsReference({
    settings: readFileSync(new URL(GITLAB_RB_REFERENCE_FILES.settings, GITLAB_RB_REFERENCE_URL), 'utf8'),
    aliases: readFileSync(new URL(GITLAB_RB_REFERENCE_FILES.aliases, GITLAB_RB_REFERENCE_URL), 'utf8'),
    nested: readFileSync(new URL(GITLAB_RB_REFERENCE_FILES.nested, GITLAB_RB_REFERENCE_URL), 'utf8'),
  });
  return loaded;
}

/** Roles whose nodes install the Linux package and so read a gitlab.rb. */
const GITLAB_RB_ROLES: readonly RoleId[] = ['gitlab', 'rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring'];

/** The roles a target's settings go to, among the roles the Plan has. */
export function targetRoles(target: ExtraSettingsTarget, present: ReadonlySet<RoleId>): RoleId[] {
  const candidates: readonly RoleId[] =
    target === 'all'
      ? GITLAB_RB_ROLES
      : target === 'rails'
        ? ['gitlab', 'rails']
        : target === 'sidekiq'
          ? present.has('sidekiq')
            ? ['gitlab', 'sidekiq']
            : ['gitlab', 'rails']
          : [target];
  return candidates.filter((role) => present.has(role));
}

/** The paths Ruby would record for a setting and its value (see test/config/record-settings.rb). */
export function recordedPaths(path: string, value: unknown): RecordedSetting[] {
  const recorded: RecordedSetting[] = [{ setting: path, path, value }];
  const walk = (at: string, item: unknown): void => {
    if (isSecretReference(item)) return;
    if (Array.isArray(item)) {
      for (const element of item) {
        if (element !== null && typeof element === 'object') walk(`${at}[]`, element);
      }
      return;
    }
    if (item !== null && typeof item === 'object') {
      for (const [key, entry] of Object.entries(item)) {
        const child = `${at}['${key}']`;
        recorded.push({ setting: path, path: child, value: entry });
        walk(child, entry);
      }
    }
  };
  walk(path, value);
  return recorded;
}

/** Every secret reference in a value, in the order written. */
function references(value: unknown): { secret: string; key?: string }[] {
  if (isSecretReference(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(references);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(references);
  return [];
}

/** The Plan's extra settings and the user's secrets they read. Throws SpecError for unknown settings. */
export function planExtraSettings(
  spec: Spec,
  present: ReadonlySet<RoleId>,
  source: string,
): { extraSettings: ExtraSettingPlan[]; externalSecrets: ExternalSecretPlan[] } {
  const sections = spec.gitlab.extraSettings;
  if (!sections) return { extraSettings: [], externalSecrets: [] };
  const reference = settingsReference();
  const issues: SpecIssue[] = [];
  const extraSettings: ExtraSettingPlan[] = [];
  const secrets = new Map<
    string,
    { id: `user-${number}`; secret: string; key?: string; readers: Set<RoleId> }
  >();
  for (const target of EXTRA_SETTINGS_TARGETS) {
    for (const [written, value] of Object.entries(sections[target] ?? {})) {
      const field = `gitlab.extraSettings.${target}`;
      // The spec layer refused malformed paths.
      const { name, keys } = parseSettingPath(written)!;
      const path = normalisedSettingPath(name, keys);
      const problems = reference.check(recordedPaths(path, value));
      if (problems.length > 0) {
        for (const problem of problems)
          issues.push({ path: `${field}.${written}`, message: explain(problem, path) });
        continue;
      }
      const roles = targetRoles(target, present);
      extraSettings.push({ path, name, keys, value, roles, field });
      for (const found of references(value)) {
        const identity = `${found.secret}\n${found.key ?? ''}`;
        const known = secrets.get(identity) ?? {
          id: `user-${secrets.size + 1}` as const,
          secret: found.secret,
          ...(found.key !== undefined ? { key: found.key } : {}),
          readers: new Set<RoleId>(),
        };
        for (const role of roles) known.readers.add(role);
        secrets.set(identity, known);
      }
    }
  }
  if (issues.length > 0) throw new SpecError(source, issues);
  const externalSecrets = [...secrets.values()].map(({ readers, ...secret }) => ({
    ...secret,
    readers: GITLAB_RB_ROLES.filter((role) => readers.has(role)),
  }));
  return { extraSettings, externalSecrets };
}

/** A reference problem (`<path>: <why>`) as a message about the spec field, with a suggestion. */
function explain(problem: string, setting: string): string {
  const at = problem.indexOf(': ');
  const path = problem.slice(0, at);
  const why = problem.slice(at + 2);
  if (why === 'not a gitlab.rb setting') {
    const suggestion = closest(path, [...settingsReference().settings.keys()]);
    return `${path} is not a gitlab.rb setting of GitLab 19.3${suggestion ? `; did you mean ${suggestion}?` : "; check the name in GitLab's gitlab.rb template"}`;
  }
  if (path === setting) return `${path} is ${why}`;
  return `${path}: ${why}`;
}
