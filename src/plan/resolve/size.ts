/**
 * Which reference architecture a spec asks for: `architecture.size` as given, or the smallest
 * published size whose target load covers `architecture.rps`, else 3k (where GitLab's pages start
 * recommending high availability). Both given must agree; the Plan keeps the reasoning for `plan`.
 */
import { RPS_KINDS, type RpsKind, sizeForRps, targetRps } from '../../catalog/rps-sizing.js';
import type { SpecSize, TargetLoad } from '../../catalog/types.js';
import { SpecError } from '../../spec/errors.js';
import type { Spec } from '../../spec/schema.js';
import type { RpsSizing } from '../types.js';

/** The size when the spec gives neither a size nor a load. */
export const DEFAULT_SIZE: SpecSize = '3k';

const LABELS: Readonly<Record<RpsKind, string>> = { api: 'API', web: 'Web', git: 'Git' };

/** `API 80 > 60, Web 5` style: each peak, and the target it is above. */
export function describeLoad(rps: RpsSizing['rps'], load: TargetLoad, uncovered: readonly RpsKind[]): string {
  return uncovered.map((kind) => `${LABELS[kind]} ${rps[kind]} > ${targetRps(load, kind)}`).join(', ');
}

/**
 * The size and, when it came from `architecture.rps`, how. Throws SpecError (naming the fields)
 * for a load above the largest architecture or a size that disagrees with the load.
 */
export function decideSize(spec: Spec, source: string): { size: SpecSize; rpsSizing?: RpsSizing } {
  const { size, rps, type } = spec.architecture;
  if (rps === undefined) return { size: size ?? DEFAULT_SIZE };
  const found = sizeForRps(rps, type);
  if (!found.covered) {
    throw new SpecError(source, [
      {
        path: 'architecture.rps',
        message: `is more than the largest ${type} reference architecture is tested at (${found.largest.size}: ${describeLoad(rps, found.largest.targetLoad!, found.uncovered)}); plan ${found.largest.size} with architecture.size and scale it out, with GitLab's guidance on scaling beyond the reference architectures`,
      },
    ]);
  }
  const fromRps = found.architecture.size;
  if (size !== undefined && size !== fromRps) {
    throw new SpecError(source, [
      {
        path: 'architecture.size',
        message: `is ${size}, but architecture.rps (${RPS_KINDS.map((kind) => `${kind} ${rps[kind]}`).join(', ')}) sizes ${fromRps}: give one of architecture.size and architecture.rps, or make them agree`,
      },
    ]);
  }
  return {
    size: fromRps,
    rpsSizing: {
      rps,
      ...(found.smaller
        ? {
            smaller: {
              size: found.smaller.architecture.size,
              targetLoad: found.smaller.architecture.targetLoad!,
              uncovered: found.smaller.uncovered,
            },
          }
        : {}),
    },
  };
}
