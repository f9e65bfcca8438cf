import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTRA_SETTINGS_OVERRIDES } from '../fixtures/extra-settings.js';
import { planFor } from '../fixtures/plans.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/plan-format.md'), 'utf8');

/** Every key that appears anywhere in the given objects. */
function keysOf(values: readonly unknown[]): Set<string> {
  const keys = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        keys.add(key);
        visit(inner);
      }
    }
  };
  values.forEach(visit);
  return keys;
}

describe('docs/plan-format.md', () => {
  it('documents every field a plan can contain (outside the echoed spec)', () => {
    const plans = [
      planFor({
        architecture: { size: '50k' },
        gitaly: { volumeType: 'io1', iops: 9000 },
        access: { admin: 'bastion' },
      }),
      planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } }),
      planFor({ architecture: { size: '1k' } }),
      planFor({ ...EXTRA_SETTINGS_OVERRIDES, architecture: { size: '3k' }, runners: { enabled: true } }),
      planFor({ runners: { enabled: true, authenticationToken: { secret: 'ci/runner' } } }),
    ];
    // An extra setting's value is the user's JSON, echoed like the spec; an add-on release's values
    // are its chart's own.
    const keys = keysOf(
      plans.map(({ spec: _spec, extraSettings, ...rest }) => ({
        ...rest,
        services: rest.services.map((service) =>
          service.kind === 'eks'
            ? {
                ...service,
                addOnReleases: service.addOnReleases.map((release) => ({ ...release, values: 0 })),
              }
            : service,
        ),
        ...(extraSettings
          ? {
              extraSettings: extraSettings.map(({ value: _value, ...setting }) => ({ ...setting, value: 0 })),
            }
          : {}),
      })),
    );
    const undocumented = [...keys].filter((key) => !doc.includes(`\`${key}\``));
    expect(undocumented).toEqual([]);
  });
});
