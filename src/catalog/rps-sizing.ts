/**
 * Sizing by load, the way GitLab's reference architecture pages now name their sizes: each page
 * gives the peak requests per second it is tested at ("Target Load": API, Web, Git (Pull), Git
 * (Push)), and the smallest architecture whose targets cover a measured peak is the one to start
 * from (skratsch-solutions/gitlabhq at 06bbc8dc33553c380709d5395df4750a78017677,
 * doc/administration/reference_architectures/<size>_users.md, "Target Load" and "Testing
 * methodology"; the figures are each architecture's `targetLoad` in reference-architectures.ts).
 *
 * A spec's `git` figure is compared with the Git (Pull) target: clones, fetches and pulls are the
 * Git load the pages size for; their Git (Push) targets are a fifth or less of it.
 */
import { REFERENCE_ARCHITECTURES } from './reference-architectures.js';
import type { ArchitectureType, ReferenceArchitecture, TargetLoad } from './types.js';

/** Peak requests per second, as a spec gives them. */
export interface PeakRps {
  readonly api: number;
  readonly web: number;
  readonly git: number;
}

export const RPS_KINDS = ['api', 'web', 'git'] as const;
export type RpsKind = (typeof RPS_KINDS)[number];

/** The published target of a reference architecture for one kind of request. */
export function targetRps(load: TargetLoad, kind: RpsKind): number {
  return kind === 'api' ? load.apiRps : kind === 'web' ? load.webRps : load.gitPullRps;
}

/** The kinds of request whose peak is above an architecture's target load. */
export function uncoveredRps(load: TargetLoad, rps: PeakRps): RpsKind[] {
  return RPS_KINDS.filter((kind) => rps[kind] > targetRps(load, kind));
}

export type RpsSizingResult =
  | {
      readonly covered: true;
      /** The smallest published architecture of the type whose target load covers the peak. */
      readonly architecture: ReferenceArchitecture;
      /** The next smaller one and what it does not cover; absent when the smallest covers it all. */
      readonly smaller?: {
        readonly architecture: ReferenceArchitecture;
        readonly uncovered: readonly RpsKind[];
      };
    }
  | {
      readonly covered: false;
      /** The largest published architecture of the type, and what even it does not cover. */
      readonly largest: ReferenceArchitecture;
      readonly uncovered: readonly RpsKind[];
    };

/** The smallest published architecture of `type` whose target load covers `rps`. */
export function sizeForRps(rps: PeakRps, type: ArchitectureType): RpsSizingResult {
  // REFERENCE_ARCHITECTURES lists sizes from the smallest up.
  const candidates = REFERENCE_ARCHITECTURES.filter((arch) => arch.type === type && arch.targetLoad);
  let smaller: ReferenceArchitecture | undefined;
  for (const architecture of candidates) {
    const uncovered = uncoveredRps(architecture.targetLoad!, rps);
    if (uncovered.length === 0) {
      return {
        covered: true,
        architecture,
        ...(smaller
          ? { smaller: { architecture: smaller, uncovered: uncoveredRps(smaller.targetLoad!, rps) } }
          : {}),
      };
    }
    smaller = architecture;
  }
  const largest = candidates.at(-1)!;
  return { covered: false, largest, uncovered: uncoveredRps(largest.targetLoad!, rps) };
}
