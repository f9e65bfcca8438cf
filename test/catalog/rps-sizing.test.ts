import { describe, expect, it } from 'vitest';
import { REFERENCE_ARCHITECTURES } from '../../src/catalog/index.js';
import { RPS_KINDS, sizeForRps, targetRps, uncoveredRps } from '../../src/catalog/rps-sizing.js';
import type { ArchitectureType, TargetLoad } from '../../src/catalog/types.js';

const published = (type: ArchitectureType) =>
  REFERENCE_ARCHITECTURES.filter((arch) => arch.type === type && arch.targetLoad);

const peakOf = (load: TargetLoad) => ({ api: load.apiRps, web: load.webRps, git: load.gitPullRps });

describe('sizing by peak requests per second', () => {
  it('compares git with the Git (Pull) target, api and web with theirs', () => {
    const load: TargetLoad = { apiRps: 1, webRps: 2, gitPullRps: 3, gitPushRps: 4 };
    expect(RPS_KINDS.map((kind) => targetRps(load, kind))).toEqual([1, 2, 3]);
    expect(uncoveredRps(load, { api: 1, web: 3, git: 3.5 })).toEqual(['web', 'git']);
  });

  it.each(['linux-package', 'cloud-native-hybrid'] as const)(
    "a %s peak exactly at a size's targets is that size; one request more of any kind is the next",
    (type) => {
      const sizes = published(type);
      sizes.forEach((architecture, index) => {
        const peak = peakOf(architecture.targetLoad!);
        const exact = sizeForRps(peak, type);
        expect(exact).toMatchObject({ covered: true, architecture: { size: architecture.size } });
        if (index === 0) expect(exact).not.toHaveProperty('smaller');
        else expect(exact).toMatchObject({ smaller: { architecture: { size: sizes[index - 1]!.size } } });
        for (const kind of RPS_KINDS) {
          const above = sizeForRps({ ...peak, [kind]: peak[kind] + 1 }, type);
          const next = sizes[index + 1];
          if (next) {
            expect(above).toMatchObject({ covered: true, architecture: { size: next.size } });
            if (above.covered)
              expect(above.smaller).toMatchObject({
                architecture: { size: architecture.size },
                uncovered: [kind],
              });
          } else {
            expect(above).toEqual({ covered: false, largest: architecture, uncovered: [kind] });
          }
        }
      });
    },
  );

  it('starts Cloud Native Hybrid at 2k, the smallest GitLab publishes it for', () => {
    expect(sizeForRps({ api: 0, web: 0, git: 0 }, 'cloud-native-hybrid')).toMatchObject({
      architecture: { size: '2k' },
    });
    expect(sizeForRps({ api: 0, web: 0, git: 0 }, 'linux-package')).toMatchObject({
      architecture: { size: '1k' },
    });
  });

  it('holds the targets GitLab publishes for 3k (60 API, 6 Web, 6 Git pull)', () => {
    const threeK = published('linux-package').find((arch) => arch.size === '3k')!;
    expect(threeK.targetLoad).toEqual({ apiRps: 60, webRps: 6, gitPullRps: 6, gitPushRps: 1 });
  });
});
