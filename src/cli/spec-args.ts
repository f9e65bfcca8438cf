/**
 * The one way the flags every spec-reading command shares (-c, --size, --rps, --type, --cpu, --azs;
 * defined in definition.ts) become a Plan.
 */
import { type Plan, resolvePlan } from '../plan/index.js';
import { DEFAULT_SPEC_FILES, loadSpec, SpecError } from '../spec/index.js';
import type { CliInvocation } from './command.js';
import { UserError } from './errors.js';

export interface PlanFromArgsOptions {
  /**
   * The command changes AWS (deploy, destroy, upgrade, restore, backup create): without a spec file
   * it refuses to act on the embedded default unless --use-embedded-default says so.
   */
  readonly changesAws?: boolean;
  /** Whether to say on standard error which spec is used (plan's report says it itself). */
  readonly announce?: boolean;
}

/**
 * Loads the spec named by the flags (with their overrides) and resolves its Plan, saying on standard
 * error which spec it is. Throws SpecError.
 */
export function planFromArgs(invocation: CliInvocation, options: PlanFromArgsOptions = {}): Plan {
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
      ...(values.rps !== undefined ? { rps: values.rps as string } : {}),
      ...(values.type !== undefined ? { type: values.type as string } : {}),
      ...(values.cpu !== undefined ? { cpu: values.cpu as string } : {}),
      ...(availabilityZones !== undefined ? { availabilityZones } : {}),
    },
  });
  if (
    loaded.origin.kind === 'embedded-default' &&
    options.changesAws &&
    values['use-embedded-default'] !== true
  ) {
    throw new UserError(
      `no spec file (${DEFAULT_SPEC_FILES.join(' or ')}) in ${io.cwd}, and this command changes AWS: write one with \`gitlab-aws init\`, name it with -c FILE, or pass --use-embedded-default to act on the embedded default`,
      2,
    );
  }
  if (options.announce ?? true) {
    io.err(
      loaded.origin.kind === 'file'
        ? `Spec: ${loaded.origin.path}\n`
        : `Spec: the embedded default (no ${DEFAULT_SPEC_FILES.join(' or ')} in ${io.cwd})\n`,
    );
  }
  // The real date, so the plan can say whether EKS's Kubernetes version still has standard support.
  return resolvePlan(loaded.spec, { origin: loaded.origin, today: new Date().toISOString().slice(0, 10) });
}
