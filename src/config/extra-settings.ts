/**
 * The user's own gitlab.rb settings (the Plan's `extraSettings`), written after the generated ones
 * under a heading, so that a reader of the file sees where they start. Values are JSON turned into
 * Ruby (hashes with string keys, as GitLab's gitlab.rb examples write them); a `{ secret, key? }`
 * reference becomes a read of the root-only file the boot script writes from Secrets Manager, so
 * the secret is never part of the text.
 */
import type { RoleId } from '../catalog/types.js';
import type { ExternalSecretPlan, Plan } from '../plan/types.js';
import { isSecretReference } from '../spec/extra-settings.js';
import { type GitlabRb, RubyHash, type RubyValue, secret } from './ruby.js';

/** A JSON value as a gitlab.rb value; references are read from their secret's file. */
export function rubyValueOf(value: unknown, secrets: readonly ExternalSecretPlan[]): RubyValue {
  if (isSecretReference(value)) {
    const found = secrets.find((entry) => entry.secret === value.secret && entry.key === value.key);
    if (!found) throw new Error(`the Plan has no external secret ${value.secret}`);
    return secret(found.id);
  }
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => rubyValueOf(item, secrets));
  if (typeof value === 'object') {
    return new RubyHash(
      Object.entries(value).map(([key, item]) => [key, rubyValueOf(item, secrets)] as const),
    );
  }
  throw new Error(`not a JSON value: ${String(value)}`);
}

/** Appends the extra settings for a role's nodes; nothing when the Plan has none for it. */
export function extraSettingsFor(rb: GitlabRb, plan: Plan, role: RoleId): GitlabRb {
  const settings = (plan.extraSettings ?? []).filter((setting) => setting.roles.includes(role));
  if (settings.length === 0) return rb;
  rb.comment('Your own settings (spec gitlab.extraSettings)');
  for (const setting of settings) {
    const value = rubyValueOf(setting.value, plan.externalSecrets ?? []);
    if (setting.keys.length === 0) rb.call(setting.name, value);
    else rb.set(setting.name, setting.keys, value);
  }
  return rb;
}
