/**
 * Routine changes to a spec must deploy as updates: no stateful resource replaced or removed, and
 * no export taken away from a stack that still imports it. Each case synthesizes a baseline and the
 * changed spec, diffs every stack's template the way `gitlab-aws diff` does, and replays
 * CloudFormation's order: a producer stack is updated before its consumers, so while it updates the
 * consumers still run the baseline template and still import what the baseline exported.
 */
import { createHash } from 'node:crypto';
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
import { OBJECT_STORAGE_PURPOSES } from '../../src/plan/types.js';
import { allPlans, planFor, type SpecOverrides } from '../fixtures/plans.js';
import { structureOf } from './structures.js';
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

/**
 * One baseline per structure a size x type x AZ count can have, not every combination: each
 * baseline costs a synthesis per change (about 3 s each), and sizes of one structure differ only
 * in counts and instance types, which no routine change below depends on. The structures:
 * - poc: one Rails group, one Gitaly node, no monitoring node;
 * - 1k: the combined `gitlab` group (Rails and Sidekiq on one node) and one Gitaly node;
 * - 2k: separate Rails and Sidekiq groups and the monitoring node, one Gitaly node;
 * - 3k (as 5k): the same with Gitaly Cluster, Praefect and its internal load balancer;
 * - 10k (as 25k, 50k): the same plus database read replicas and two Redis replication groups;
 * - Cloud Native Hybrid of 2k, 3k and 10k: Rails and Sidekiq on EKS, Gitaly (and Praefect) on EC2.
 * `structureOf` says what counts as a structure, and a test below checks that every supported
 * combination has the structure of some baseline.
 * The AZ counts alternate so that both subnet layouts (2 and 3 AZs) are covered by a Gitaly
 * Cluster and by a single Gitaly node. poc is published for 3 AZs only.
 */
const BASELINES: readonly Baseline[] = [
  { name: 'poc, 3 AZs', spec: { architecture: { size: 'poc' }, availabilityZones: 3 } },
  { name: '1k, 2 AZs', spec: { architecture: { size: '1k' }, availabilityZones: 2 } },
  { name: '2k linux-package, 3 AZs', spec: { architecture: { size: '2k' }, availabilityZones: 3 } },
  { name: '3k linux-package, 2 AZs', spec: { architecture: { size: '3k' }, availabilityZones: 2 } },
  { name: '10k linux-package, 3 AZs', spec: { architecture: { size: '10k' }, availabilityZones: 3 } },
  {
    name: '2k cloud-native-hybrid, 2 AZs',
    spec: { architecture: { size: '2k', type: 'cloud-native-hybrid' }, availabilityZones: 2 },
  },
  {
    name: '3k cloud-native-hybrid, 3 AZs',
    spec: { architecture: { size: '3k', type: 'cloud-native-hybrid' }, availabilityZones: 3 },
  },
  {
    name: '10k cloud-native-hybrid, 2 AZs',
    spec: { architecture: { size: '10k', type: 'cloud-native-hybrid' }, availabilityZones: 2 },
  },
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

// Cases where the change does not apply to the baseline (below 3k there is one Gitaly and no Gitaly count).
const SKIP = new Set([
  'poc, 3 AZs/Gitaly count up',
  '1k, 2 AZs/Gitaly count up',
  '2k linux-package, 3 AZs/Gitaly count up',
  '2k cloud-native-hybrid, 2 AZs/Gitaly count up',
]);

describe('the routine-change baselines', () => {
  it('have the structure of every supported size x type x AZ count, and both AZ counts of each type', () => {
    const covered = new Set(BASELINES.map((baseline) => structureOf(planFor(baseline.spec))));
    const uncovered = allPlans()
      .map(({ combination, plan }) => ({ combination, structure: structureOf(plan) }))
      .filter(({ structure }) => !covered.has(structure))
      .map(
        ({ combination, structure }) =>
          `${combination.size} ${combination.type} ${combination.availabilityZones} AZs: ${structure}`,
      );
    expect(uncovered).toEqual([]);
    const azCounts = BASELINES.map((baseline) => {
      const plan = planFor(baseline.spec);
      return `${plan.spec.architecture.type} ${plan.spec.availabilityZones}`;
    });
    for (const type of ['linux-package', 'cloud-native-hybrid'])
      for (const zones of [2, 3]) expect(azCounts).toContain(`${type} ${zones}`);
  });

  it('skip only changes of baselines that exist', () => {
    const known = new Set(
      BASELINES.flatMap(({ name }) => Object.keys(CHANGES).map((change) => `${name}/${change}`)),
    );
    expect([...SKIP].filter((key) => !known.has(key))).toEqual([]);
  });
});

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

  // CloudFormation stops and starts an instance whose user data changes, and cloud-init does not run
  // it again: such a change only interrupts the node. These two changes reach fixed nodes through
  // their configuration parameters instead.
  it.each(cases.filter(([change]) => change === 'a new GitLab version' || change === 'Gitaly count up'))(
    '%s leaves every fixed instance as it was; only a new Gitaly node appears',
    (change, overrides) => {
      const before = templatesOf(spec);
      const after = templatesOf(merged(spec, overrides(spec)));
      const instances = (templates: Record<StackKind, CfnTemplate>) =>
        Object.fromEntries(
          STACK_ORDER.flatMap((kind) =>
            Object.entries(templates[kind].Resources)
              .filter(([, resource]) => resource.Type === 'AWS::EC2::Instance')
              .map(([logicalId, resource]) => [`${kind}/${logicalId}`, resource] as const),
          ),
        );
      const old = instances(before);
      const now = instances(after);
      expect(Object.keys(old).length).toBeGreaterThan(0);
      for (const [id, resource] of Object.entries(old)) {
        expect(now[id], `${id} is gone`).toBeDefined();
        expect(now[id]!.Properties!['UserData'], `${id} user data`).toEqual(resource.Properties!['UserData']);
        expect(now[id], id).toEqual(resource);
      }
      const added = Object.entries(now).filter(([id]) => !old[id]);
      const addedRoles = added.map(
        ([, resource]) =>
          ((resource.Properties!['Tags'] ?? []) as { Key: string; Value: string }[]).find(
            (tag) => tag.Key === ROLE_TAG,
          )?.Value,
      );
      expect(addedRoles).toEqual(change === 'Gitaly count up' ? ['gitaly'] : []);
    },
  );

  it('and the reverse of each change too', () => {
    const before = templatesOf(spec);
    const found = cases.flatMap(([change, overrides]) =>
      problems(templatesOf(merged(spec, overrides(spec))), before).map((problem) => `${change}: ${problem}`),
    );
    expect(found).toEqual([]);
  });
});

/**
 * Each group's gitlab.rb, by group, as its launch template names it: the parameter, the digest its
 * user data carries, and the value of the parameter of that name in the compute template.
 */
function groupConfigurations(compute: CfnTemplate) {
  const parameters = Object.entries(compute.Resources).filter(
    ([, resource]) => resource.Type === 'AWS::SSM::Parameter',
  );
  const values = new Map(
    parameters.map(([, resource]) => [resource.Properties!['Name'], resource.Properties!['Value']]),
  );
  const logicalIds = new Map(
    parameters.map(([logicalId, resource]) => [resource.Properties!['Name'], logicalId]),
  );
  // What each group waits for: its members read the parameter first thing.
  const groupsWaitFor = Object.values(compute.Resources)
    .filter((resource) => resource.Type === 'AWS::AutoScaling::AutoScalingGroup')
    .flatMap((resource) => [resource.DependsOn ?? []].flat());
  return (
    Object.values(compute.Resources)
      // The groups' launch templates; a fixed instance's own one only requires IMDSv2.
      .filter(
        (resource) =>
          resource.Type === 'AWS::EC2::LaunchTemplate' &&
          (resource.Properties!['LaunchTemplateData'] as Record<string, unknown>)['UserData'] !== undefined,
      )
      .map((resource) => {
        const userData = JSON.stringify(
          (resource.Properties!['LaunchTemplateData'] as Record<string, unknown>)['UserData'],
        );
        const parameter = /GLA_GITLAB_RB_PARAMETER='([^']*)'/.exec(userData)?.[1];
        return {
          parameter,
          digest: /GLA_CONFIGURATION_DIGEST='([^']*)'/.exec(userData)?.[1],
          value: values.get(parameter),
          waitedFor: groupsWaitFor.includes(String(logicalIds.get(parameter))),
          userData,
        };
      })
  );
}

describe.each(BASELINES.filter((baseline) => planFor(baseline.spec).autoScalingGroups.length > 0))(
  'a gitlab.rb change rolls the groups of $name',
  ({ spec }) => {
    it('through the digest of the parameter beside the group, which its launch template names', () => {
      const before = groupConfigurations(templatesOf(spec).compute);
      const after = groupConfigurations(templatesOf(merged(spec, { gitlab: { version: '19.4.0' } })).compute);
      expect(before.length).toBeGreaterThan(0);
      expect(after.map((group) => group.parameter)).toEqual(before.map((group) => group.parameter));
      for (const [index, group] of after.entries()) {
        const old = before[index]!;
        expect(group.parameter).toMatch(/^\/gitlab-test\/node-configuration\/[a-z-]+\/gitlab-rb$/);
        for (const { digest, value } of [old, group]) {
          expect(typeof value, group.parameter).toBe('string');
          expect(digest).toBe(createHash('sha256').update(String(value)).digest('hex'));
        }
        expect(group.waitedFor, group.parameter).toBe(true);
        expect(group.value, group.parameter).not.toBe(old.value);
        expect(group.digest).not.toBe(old.digest);
        expect(group.userData).not.toBe(old.userData);
        // The bytes moved out: the launch template carries no gitlab.rb.
        expect(group.userData).not.toContain('/etc/gitlab/gitlab.rb');
      }
    });
  },
);

describe('bucket names scoped to the account and region, on an environment deployed before them', () => {
  it('shows each rename as a bucket replacement that deploy refuses, never a silent one', () => {
    const templates = templatesOf({});
    // What earlier versions deployed: the same buckets under the global names `<prefix><name>-<purpose>`.
    const renamedIn = (after: CfnTemplate) => {
      const before = structuredClone(after) as CfnTemplate;
      const renamed: string[] = [];
      for (const [logicalId, resource] of Object.entries(before.Resources)) {
        if (resource.Type !== 'AWS::S3::Bucket') continue;
        const name = resource.Properties!['BucketName'] as { 'Fn::Join': [string, unknown[]] };
        const [text] = name['Fn::Join'][1] as [string];
        (resource.Properties as Record<string, unknown>)['BucketName'] = text.replace(/-$/, '');
        renamed.push(logicalId);
      }
      return { before, renamed };
    };
    const data = renamedIn(templates.data);
    // The access-log bucket is the network stack's.
    const network = renamedIn(templates.network);
    expect(data.renamed.length).toBe(OBJECT_STORAGE_PURPOSES.length);
    expect(network.renamed.length).toBe(1);
    const changes = findStatefulChanges({
      data: fullDiff(data.before as never, templates.data as never),
      network: fullDiff(network.before as never, templates.network as never),
    });
    expect(changes.map((change) => [change.logicalId, change.action]).sort()).toEqual(
      [...data.renamed, ...network.renamed].map((logicalId) => [logicalId, 'replace']).sort(),
    );
  });
});
