/**
 * The spec fields that replace a reference architecture's machine size for a role. This is the one
 * list of them: the Plan applies them, its checks compare them with the documented sizes, and the
 * cost comparison removes them to price the documented layout.
 */
import type { Spec } from '../spec/schema.js';
import type { RoleId } from './types.js';

/** Spec sections that are objects, and their optional string fields. */
type OverridableField = {
  [S in keyof Spec]: Spec[S] extends Record<string, unknown>
    ? {
        readonly section: S;
        readonly key: {
          [K in keyof Spec[S]]-?: undefined extends Spec[S][K]
            ? NonNullable<Spec[S][K]> extends string
              ? K
              : never
            : never;
        }[keyof Spec[S]];
        /** The catalog roles the field sizes; the first names them in messages. */
        readonly roles: readonly [RoleId, ...RoleId[]];
      }
    : never;
}[keyof Spec];

export const SIZING_OVERRIDE_FIELDS = [
  { section: 'rails', key: 'instanceType', roles: ['rails'] },
  { section: 'sidekiq', key: 'instanceType', roles: ['sidekiq'] },
  { section: 'gitaly', key: 'instanceType', roles: ['gitaly'] },
  { section: 'database', key: 'instanceClass', roles: ['postgres'] },
  // One node type for every ElastiCache instance; from 10k the page splits Redis in two.
  { section: 'redis', key: 'nodeType', roles: ['redis', 'redis-persistent', 'redis-cache'] },
] as const satisfies readonly OverridableField[];

export type SizingOverrideField = (typeof SIZING_OVERRIDE_FIELDS)[number];

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

function overrideValue(spec: Spec, entry: SizingOverrideField): string | undefined {
  return (spec[entry.section] as Readonly<Record<string, string | undefined>>)[entry.key];
}

/** The overrides a spec sets, in list order. */
export function sizingOverrides(spec: Spec): SizingOverride[] {
  return SIZING_OVERRIDE_FIELDS.flatMap((entry) => {
    const instanceType = overrideValue(spec, entry);
    return instanceType ? [{ field: overrideFieldPath(entry), roles: entry.roles, instanceType }] : [];
  });
}

/** The instance type or class the spec sets for a role, if it overrides the reference. */
export function sizingOverrideFor(spec: Spec, role: RoleId): string | undefined {
  const entry = SIZING_OVERRIDE_FIELDS.find((candidate) =>
    (candidate.roles as readonly RoleId[]).includes(role),
  );
  return entry ? overrideValue(spec, entry) || undefined : undefined;
}

/** `spec` with every sizing override removed, so the reference architecture's sizes apply. */
export function withoutSizingOverrides(spec: Spec): Spec {
  const result: Record<string, unknown> = { ...spec };
  for (const entry of SIZING_OVERRIDE_FIELDS) {
    const { [entry.key]: _removed, ...rest } = result[entry.section] as Record<string, unknown>;
    result[entry.section] = rest;
  }
  return result as Spec;
}
