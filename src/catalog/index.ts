/**
 * The reference-architecture catalog: GitLab's published architectures, the AWS install guide's poc scenario,
 * GitLab's guidance on AWS services and the sizes of the instance types involved. Plain data only, no AWS SDK
 * or CDK imports, so it loads fast anywhere.
 */

import { POC_ARCHITECTURE } from './poc.js';
import { REFERENCE_ARCHITECTURES } from './reference-architectures.js';
import type {
  ArchitectureType,
  CatalogRole,
  ReferenceArchitecture,
  ReferenceSize,
  RoleId,
  SpecSize,
} from './types.js';
import { ARCHITECTURE_TYPES, SPEC_SIZES } from './types.js';

export * from './aws-guidance.js';
export * from './instance-types.js';
export * from './poc.js';
export * from './ports.js';
export * from './reference-architectures.js';
export * from './rps-sizing.js';
export * from './sizing-overrides.js';
export * from './types.js';

/** Why a size and type combination has no architecture, for the combinations GitLab does not publish. */
function missingCombinationReason(size: SpecSize, type: ArchitectureType): string {
  if (size === 'poc') {
    return 'the AWS install guide scenario (poc) is a Linux package deployment only';
  }
  if (size === '1k' && type === 'cloud-native-hybrid') {
    return 'GitLab publishes Cloud Native Hybrid from 2k upwards; the 1k page points to the 2k (non-HA) and 3k (HA) hybrids';
  }
  return 'the catalog has no entry for it';
}

/** The poc scenario for `poc`; the published architecture otherwise. Throws for a combination GitLab does not publish. */
export function referenceArchitecture(size: 'poc', type: ArchitectureType): ReferenceArchitecture<'poc'>;
export function referenceArchitecture(size: ReferenceSize, type: ArchitectureType): ReferenceArchitecture;
export function referenceArchitecture(
  size: SpecSize,
  type: ArchitectureType,
): ReferenceArchitecture<SpecSize>;
export function referenceArchitecture(
  size: SpecSize,
  type: ArchitectureType,
): ReferenceArchitecture<SpecSize> {
  if (!(SPEC_SIZES as readonly string[]).includes(size)) {
    throw new Error(`Unknown reference architecture size '${size}' (known: ${SPEC_SIZES.join(', ')})`);
  }
  if (!(ARCHITECTURE_TYPES as readonly string[]).includes(type)) {
    throw new Error(`Unknown architecture type '${type}' (known: ${ARCHITECTURE_TYPES.join(', ')})`);
  }
  const found: ReferenceArchitecture<SpecSize> | undefined =
    size === 'poc' && POC_ARCHITECTURE.type === type
      ? POC_ARCHITECTURE
      : REFERENCE_ARCHITECTURES.find((arch) => arch.size === size && arch.type === type);
  if (found === undefined) {
    throw new Error(
      `No ${type} reference architecture for size ${size}: ${missingCombinationReason(size, type)}`,
    );
  }
  return found;
}

/** The row for a role in an architecture, or undefined when the architecture has no such role. */
export function catalogRole(arch: ReferenceArchitecture<SpecSize>, role: RoleId): CatalogRole | undefined {
  return arch.roles.find((candidate) => candidate.role === role);
}

/** The row for a role in an architecture; throws when the architecture has no such role. */
export function requireCatalogRole(arch: ReferenceArchitecture<SpecSize>, role: RoleId): CatalogRole {
  const found = catalogRole(arch, role);
  if (found === undefined) {
    throw new Error(`The ${arch.size} ${arch.type} architecture has no '${role}' role`);
  }
  return found;
}
