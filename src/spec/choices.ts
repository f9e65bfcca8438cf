/**
 * The choices a spec offers for its architecture. They live with the spec (the leftmost layer)
 * because the spec's schema needs them; the catalog re-exports them for its own types.
 */

/** Reference architecture sizes GitLab publishes, by supported user count. */
export const REFERENCE_SIZES = ['1k', '2k', '3k', '5k', '10k', '25k', '50k'] as const;
export type ReferenceSize = (typeof REFERENCE_SIZES)[number];

/** Sizes a spec may ask for: the published ones plus `poc`, the AWS install guide's scenario. */
export const SPEC_SIZES = ['poc', ...REFERENCE_SIZES] as const;
export type SpecSize = (typeof SPEC_SIZES)[number];

export const ARCHITECTURE_TYPES = ['linux-package', 'cloud-native-hybrid'] as const;
export type ArchitectureType = (typeof ARCHITECTURE_TYPES)[number];

export const CPU_FAMILIES = ['x86', 'graviton'] as const;
export type CpuFamily = (typeof CPU_FAMILIES)[number];
