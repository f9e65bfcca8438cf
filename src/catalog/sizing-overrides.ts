/**
 * The spec fields that replace a reference architecture's machine size for a role. This is the one
 * list of them: the Plan applies them, its checks compare them with the documented sizes, and the
 * cost comparison removes them to price the documented layout.
 */
import type { RoleId } from './types.js';

export const SIZING_OVERRIDE_FIELDS = [
  // The 1k node is the web node too: the Rails field sizes it.
  { section: 'rails', key: 'instanceType', roles: ['rails', 'gitlab'] },
  { section: 'sidekiq', key: 'instanceType', roles: ['sidekiq'] },
  { section: 'gitaly', key: 'instanceType', roles: ['gitaly'] },
  { section: 'database', key: 'instanceClass', roles: ['postgres'] },
  // One node type for every ElastiCache instance; from 10k the page splits Redis in two.
  { section: 'redis', key: 'nodeType', roles: ['redis', 'redis-persistent', 'redis-cache'] },
] as const satisfies readonly {
  /** The spec section, e.g. `database`. */
  readonly section: string;
  /** The optional field of that section that names a machine, e.g. `instanceClass`. */
  readonly key: string;
  /** The catalog roles the field sizes; the first names them in messages. */
  readonly roles: readonly [RoleId, ...RoleId[]];
}[];

export type SizingOverrideField = (typeof SIZING_OVERRIDE_FIELDS)[number];

/**
 * The part of a spec the overrides live in. Written from the list rather than imported from the
 * spec's schema, which the catalog does not load; test/catalog/sizing-overrides.test.ts checks the
 * list against the schema.
 */
export type SizingOverrideSource = {
  readonly [Entry in SizingOverrideField as Entry['section']]: { readonly [Key in Entry['key']]?: string };
};

/** An override the spec sets: its dotted field, the roles it sizes and the chosen type or class. */
export interface SizingOverride {
  readonly field: string;
  readonly roles: readonly [RoleId, ...RoleId[]];
  readonly instanceType: string;
}

/** The dotted spec path of an override field, e.g. `database.instanceClass`. */
export function overrideFieldPath(entry: SizingOverrideField): string {
  return `${entry.section}.${entry.key}`;
}

function overrideValue(spec: SizingOverrideSource, entry: SizingOverrideField): string | undefined {
  return (spec[entry.section] as Readonly<Record<string, string | undefined>>)[entry.key];
}

/** The overrides a spec sets, in list order. */
export function sizingOverrides(spec: SizingOverrideSource): SizingOverride[] {
  return SIZING_OVERRIDE_FIELDS.flatMap((entry) => {
    const instanceType = overrideValue(spec, entry);
    return instanceType ? [{ field: overrideFieldPath(entry), roles: entry.roles, instanceType }] : [];
  });
}

/** The instance type or class the spec sets for a role, if it overrides the reference. */
export function sizingOverrideFor(spec: SizingOverrideSource, role: RoleId): string | undefined {
  const entry = SIZING_OVERRIDE_FIELDS.find((candidate) =>
    (candidate.roles as readonly RoleId[]).includes(role),
  );
  return entry ? overrideValue(spec, entry) || undefined : undefined;
}

/** `spec` with every sizing override removed, so the reference architecture's sizes apply. */
export function withoutSizingOverrides<T extends SizingOverrideSource>(spec: T): T {
  const result: Record<string, unknown> = { ...spec };
  for (const entry of SIZING_OVERRIDE_FIELDS) {
    const { [entry.key]: _removed, ...rest } = result[entry.section] as Record<string, unknown>;
    result[entry.section] = rest;
  }
  return result as T;
}
