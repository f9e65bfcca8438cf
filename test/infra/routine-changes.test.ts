/**
 * Routine changes to a spec must deploy as updates: no stateful resource replaced or removed, and
 * no export taken away from a stack that still imports it. Each case synthesizes a baseline and the
 * changed spec, diffs every stack's template the way `gitlab-aws diff` does, and replays
 * CloudFormation's order: a producer stack is updated before its consumers, so while it updates the
 * consumers still run the baseline template and still import what the baseline exported.
 */
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import {
  findExportChanges,
  findStatefulChanges,
  STATEFUL_RESOURCE_RULES,
  type StatefulResourceRule,
} from '../../src/lifecycle/stateful-changes.js';
import { ROLE_TAG } from '../../src/plan/contracts.js';
import { STACK_ORDER, type StackKind } from '../../src/plan/stacks.js';
import { planFor, type SpecOverrides } from '../fixtures/plans.js';
import { type CfnTemplate, synthesize } from './synth.js';

/** Fixed nodes whose replacement is an outage or a data risk: Gitaly holds repositories, Praefect its cluster state. */
const STATEFUL_NODE_ROLES = new Set(['gitaly', 'praefect']);

/** The diff rules, with every Gitaly and Praefect instance counted as stateful (a routine change must not roll them). */
const RULES: readonly StatefulResourceRule[] = [
  ...STATEFUL_RESOURCE_RULES.filter((rule) => rule.resourceType !== 'AWS::EC2::Instance'),
  {
    resourceType: 'AWS::EC2::Instance',
    holds: 'a Gitaly or Praefect node',
    holdsData: (_logicalId, resource) => {
      const tags = (resource.Properties?.['Tags'] ?? []) as { Key?: string; Value?: string }[];
      return tags.some((tag) => tag.Key === ROLE_TAG && STATEFUL_NODE_ROLES.has(String(tag.Value)));
    },
  },
  // The Plan's other stateful kinds (statefulResources): keys, log groups, the backup vault.
  { resourceType: 'AWS::KMS::Key', holds: 'a KMS key' },
  { resourceType: 'AWS::Logs::LogGroup', holds: 'a log group' },
  { resourceType: 'AWS::Backup::BackupVault', holds: 'the backup vault' },
];

interface Baseline {
  readonly name: string;
  readonly spec: SpecOverrides;
}

const BASELINES: readonly Baseline[] = [
  { name: '1k', spec: { architecture: { size: '1k' } } },
  { name: '3k linux-package', spec: { architecture: { size: '3k' } } },
  { name: '10k linux-package', spec: { architecture: { size: '10k' } } },
];

/** The routine changes, each as overrides on top of a baseline. */
const CHANGES: Readonly<Record<string, (baseline: SpecOverrides) => SpecOverrides>> = {
  'monitoring off': () => ({ monitoring: { prometheus: false } }),
  'ssm to bastion': () => ({ access: { admin: 'bastion' } }),
  'Rails max size': () => ({ rails: { maxNodes: 40 } }),
  'Gitaly count up': () => ({ gitaly: { nodes: 4 } }),
  'an instance type': () => ({ sidekiq: { instanceType: 'm6i.2xlarge' } }),
  // On 1k this replaces the one instance; its data volume must stay.
  'the Rails (1k: the node) instance type': () => ({ rails: { instanceType: 'c6i.2xlarge' } }),
  'a new GitLab version': () => ({ gitlab: { version: '19.4.0' } }),
};

function merged(base: SpecOverrides, change: SpecOverrides): SpecOverrides {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    result[key] = { ...((base as Record<string, object>)[key] ?? {}), ...(value as object) };
  }
  return result as SpecOverrides;
}

function templatesOf(spec: SpecOverrides): Record<StackKind, CfnTemplate> {
  return synthesize(planFor(spec)).json as Record<StackKind, CfnTemplate>;
}

/** Stateful replacements and removals, and exports removed or changed while imported, from `before` to `after`. */
function problems(before: Record<StackKind, CfnTemplate>, after: Record<StackKind, CfnTemplate>): string[] {
  const diffs = Object.fromEntries(
    STACK_ORDER.map((kind) => [kind, fullDiff(before[kind] as never, after[kind] as never)]),
  );
  // A node the changed spec no longer has goes on purpose (its volume is retained, an orphan).
  const removedOnPurpose = (change: { stackName: string; logicalId: string; action: string }) =>
    change.action === 'delete' && !after[change.stackName as StackKind].Resources[change.logicalId];
  const stateful = findStatefulChanges(diffs, RULES)
    .filter((change) => !removedOnPurpose(change))
    .map((change) => `${change.stackName} ${change.logicalId} (${change.resourceType}): ${change.action}`);
  const exports = findExportChanges(diffs).map(
    (change) => `${change.stackName} export ${change.exportName}: ${change.action} while in use`,
  );
  return [...stateful, ...exports];
}

// Cases where the change does not apply to the baseline (1k has one Gitaly and no Gitaly count).
const SKIP = new Set(['1k/Gitaly count up']);

describe.each(BASELINES)('routine changes to $name', ({ name, spec }) => {
  const cases = Object.entries(CHANGES).filter(([change]) => !SKIP.has(`${name}/${change}`));
  it.each(cases)('%s replaces no stateful resource and removes no export in use', (_change, overrides) => {
    const before = templatesOf(spec);
    const after = templatesOf(merged(spec, overrides(spec)));
    expect(problems(before, after)).toEqual([]);
  });

  it('boots every instance from the image the environment pinned, not a public moving alias', () => {
    // A template diff cannot see this one: the template is the same, but CloudFormation resolves a
    // public "current" parameter to a new image id after each Ubuntu release, and replaces.
    const images = Object.values(templatesOf(spec)).flatMap((template) =>
      Object.values(template.Parameters ?? {}).filter((parameter) =>
        parameter.Type.includes('AWS::EC2::Image::Id'),
      ),
    );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.Default).toMatch(/^\/gitlab-test\/ubuntu-image\//);
  });

  it('and the reverse of each change too', () => {
    const before = templatesOf(spec);
    const found = cases.flatMap(([change, overrides]) =>
      problems(templatesOf(merged(spec, overrides(spec))), before).map((problem) => `${change}: ${problem}`),
    );
    expect(found).toEqual([]);
  });
});
