/**
 * The flags every spec-reading command shares (-c, --size, --type, --cpu, --azs) and the one way
 * they become a Plan.
 */
import type { ParseArgsConfig } from 'node:util';
import { type Plan, resolvePlan } from '../plan/index.js';
import { loadSpec, SpecError } from '../spec/index.js';
import type { CliInvocation } from './command.js';

export const SPEC_OPTIONS = {
  config: { type: 'string', short: 'c' },
  size: { type: 'string' },
  type: { type: 'string' },
  cpu: { type: 'string' },
  azs: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const SPEC_USAGE =
  '  -c, --config FILE   spec file (default: gitlab-aws.yaml, else the embedded 3k default)\n' +
  '      --size SIZE     override architecture.size (poc, 1k, 2k, 3k, 5k, 10k, 25k, 50k)\n' +
  '      --type TYPE     override architecture.type (linux-package, cloud-native-hybrid)\n' +
  '      --cpu CPU       override architecture.cpu (x86, graviton)\n' +
  '      --azs N         override availabilityZones (2 or 3)';

/** Loads the spec named by the flags (with their overrides) and resolves its Plan. Throws SpecError. */
export function planFromArgs(invocation: CliInvocation): Plan {
  const { values, io } = invocation;
  const azs = values.azs as string | undefined;
  let availabilityZones: number | undefined;
  if (azs !== undefined) {
    availabilityZones = Number(azs);
    if (!/^\d+$/.test(azs)) {
      throw new SpecError('--azs', [
        { path: 'availabilityZones', message: `"${azs}" is not a number; use 2 or 3` },
      ]);
    }
  }
  const loaded = loadSpec({
    cwd: io.cwd,
    ...(values.config !== undefined ? { path: values.config as string } : {}),
    overrides: {
      ...(values.size !== undefined ? { size: values.size as string } : {}),
      ...(values.type !== undefined ? { type: values.type as string } : {}),
      ...(values.cpu !== undefined ? { cpu: values.cpu as string } : {}),
      ...(availabilityZones !== undefined ? { availabilityZones } : {}),
    },
  });
  // The real date, so the plan can say whether EKS's Kubernetes version still has standard support.
  return resolvePlan(loaded.spec, { origin: loaded.origin, today: new Date().toISOString().slice(0, 10) });
}
