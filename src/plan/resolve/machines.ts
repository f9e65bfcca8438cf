/** Which machine a role runs on: the override or the catalog's type, its CPU architecture and size. */
import { INSTANCE_TYPES } from '../../catalog/instance-types.js';
import { sizingOverrideFor } from '../../catalog/sizing-overrides.js';
import type { CatalogRole } from '../../catalog/types.js';
import type { Spec } from '../../spec/schema.js';
import type { Arch } from '../types.js';

/** The spec's override, else the arm64 type when the spec asks for Graviton and GitLab supports the role on arm64. */
export function chooseInstanceType(spec: Spec, role: CatalogRole): string {
  const override = sizingOverrideFor(spec, role.role);
  if (override) return override;
  if (spec.architecture.cpu === 'graviton' && role.gravitonInstanceType) return role.gravitonInstanceType;
  if (!role.awsInstanceType) throw new Error(`catalog role ${role.role} has no AWS instance type`);
  return role.awsInstanceType;
}

/** Managed service class of the role: the override, else the catalog's class for the CPU family. */
export function serviceClass(spec: Spec, role: CatalogRole): string {
  const override = sizingOverrideFor(spec, role.role);
  if (override) return override;
  const chosen =
    spec.architecture.cpu === 'graviton'
      ? (role.gravitonServiceClass ?? role.serviceClass)
      : role.serviceClass;
  if (!chosen) throw new Error(`catalog role ${role.role} has no managed service class`);
  return chosen;
}

/** CPU architecture of an instance type, from the table or, for types it lacks, AWS's naming (c7g, m6gd, t4g...). */
export function archOf(instanceType: string): Arch {
  const known = INSTANCE_TYPES[instanceType];
  if (known) return known.arch;
  const family = instanceType.replace(/^(db|cache)\./, '').split('.')[0] ?? '';
  return /^[a-z]+\d+g/.test(family) ? 'arm64' : 'x86_64';
}

/** vCPU and memory of an instance type, from the table, else as the catalog documents the role. */
export function sizeOf(
  instanceType: string,
  role: CatalogRole | undefined,
): { vcpu: number; memoryGiB: number } {
  const known = INSTANCE_TYPES[instanceType];
  if (known) return { vcpu: known.vcpu, memoryGiB: known.memoryGiB };
  return { vcpu: role?.vcpu ?? 0, memoryGiB: role?.memoryGB ?? 0 };
}
