/**
 * First-deploy time from synthesized CloudFormation templates (plain JSON, one per stack): the
 * dependency graph of their resources (Ref, Fn::GetAtt, Fn::Sub, DependsOn, and across stacks
 * Fn::ImportValue of another stack's export or a declared stack dependency), a typical create
 * duration per resource type, and the critical path through it.
 *
 * Given the Plan's boot order (src/plan/boot-order.ts), a machine that boots GitLab's script signals
 * at the latest of its own start plus its boot and, for each artifact its boot waits for, the time
 * that artifact exists plus the boot left after the wait: whether CloudFormation or the boot script
 * keeps a wait, it is counted, so removing a dependency never hides one.
 *
 * Stacks deploy as CDK deploys them: a stack starts when every stack it depends on has finished.
 * The same graph is also timed as if each resource waited only for the resources it references,
 * which shows where the stack layout serializes work that could run in parallel.
 *
 * Reads JSON only: no CDK import, so it runs on the output of any `cdk synth`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import {
  type BootArtifact,
  type BootOrderPlan,
  type BootSubjectRef,
  type BootWait,
  type BootWalk,
  refText,
  walkBoot,
} from '../plan/boot-order.js';
import { GROUP_TAG, NODE_BOOT, NODE_TAG, WEB_TARGET_GROUPS_PARAMETER } from '../plan/contracts.js';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: unknown;
  readonly DependsOn?: string | readonly string[];
  readonly CreationPolicy?: {
    readonly ResourceSignal?: { readonly Timeout?: string; readonly Count?: number };
  };
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<
    Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>
  >;
}

export interface StackTemplate {
  readonly name: string;
  readonly template: CfnTemplate;
  /** Stacks this one waits for (CDK's manifest records one per cross-stack reference). */
  readonly dependsOn?: readonly string[];
}

export interface DurationRule {
  readonly minutes: number;
  /** Where the figure comes from. */
  readonly basis: string;
}

/**
 * Typical create durations. None is a measurement of this project (it has deployed nothing yet to
 * measure): each basis says it is an estimate, the usual time seen in CloudFormation stack events,
 * or, for boots, the Plan's modelled boot. Types not listed take DEFAULT_MINUTES.
 */
export const CREATE_MINUTES: Readonly<Record<string, DurationRule>> = {
  'AWS::RDS::DBInstance': {
    minutes: 20,
    basis:
      'estimate, typical 15-20 min for a Multi-AZ DB instance (creation, then the standby and a first backup)',
  },
  'AWS::ElastiCache::ReplicationGroup': {
    minutes: 12,
    basis: 'estimate, typical 10-15 min with replicas and Multi-AZ',
  },
  'AWS::EKS::Cluster': { minutes: 10, basis: 'estimate, typical 10 min for the control plane' },
  'Custom::AWSCDK-EKS-Cluster': { minutes: 10, basis: 'estimate, typical 10 min for the control plane' },
  'AWS::EKS::Nodegroup': { minutes: 5, basis: 'estimate, typical 5 min for a managed node group' },
  'AWS::CertificateManager::Certificate': {
    minutes: 5,
    basis: 'estimate, typical 5 min with DNS validation in Route 53',
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    minutes: 3,
    basis: 'estimate, typical 3 min to become active',
  },
  'AWS::EC2::NatGateway': { minutes: 2, basis: 'estimate, typical 1-2 min to become available' },
  'AWS::EC2::Instance': { minutes: 1.5, basis: 'estimate, typical 1-2 min to running (no signal)' },
  'AWS::AutoScaling::AutoScalingGroup': {
    minutes: 2,
    basis: 'estimate, typical 2 min without a creation policy',
  },
  'AWS::IAM::InstanceProfile': {
    minutes: 2,
    basis: 'estimate, CloudFormation waits about 2 min for instance profiles to propagate',
  },
  'AWS::EC2::VPCEndpoint': {
    minutes: 1.5,
    basis: 'estimate, typical 1-2 min for an interface endpoint (its network interfaces)',
  },
  'AWS::Route53::RecordSet': { minutes: 1, basis: 'estimate, typical 1 min until the change is INSYNC' },
  'AWS::Route53::HostedZone': { minutes: 1, basis: 'estimate, typical 1 min' },
  'AWS::ServiceDiscovery::PrivateDnsNamespace': {
    minutes: 1.5,
    basis: 'estimate, a private hosted zone (1 min) that an asynchronous Cloud Map operation creates',
  },
  'AWS::EC2::VPCGatewayAttachment': { minutes: 0.5, basis: 'estimate, typical under 1 min' },
  'AWS::CloudFormation::Stack': { minutes: 1, basis: 'estimate, nested stack overhead without its template' },
};

/** Resources not in the table (IAM roles, security groups, subnets, alarms...) take seconds to a minute. */
export const DEFAULT_MINUTES: DurationRule = { minutes: 0.5, basis: 'estimate, typical under 1 min' };

/** ISO 8601 durations such as PT15M or PT1H30M, in minutes. */
export function isoMinutes(duration: string): number | undefined {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration);
  if (!match || duration === 'PT') return undefined;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) + Number(match[3] ?? 0) / 60;
}

/**
 * A node that signals CloudFormation does so when its boot script is done: the Plan's modelled boot
 * (NODE_BOOT, src/plan/contracts.ts). The creation policy's timeout is only the bound.
 */
export const TYPICAL_BOOT_MINUTES = NODE_BOOT.typicalSeconds / 60;

/** Create duration of one resource; one with a creation policy takes a typical boot, at most its timeout. */
export function createMinutes(resource: CfnResource): { minutes: number; basis: string } {
  const timeout = resource.CreationPolicy?.ResourceSignal?.Timeout;
  const bound = timeout ? isoMinutes(timeout) : undefined;
  if (bound !== undefined)
    return {
      minutes: Math.min(bound, TYPICAL_BOOT_MINUTES),
      basis: `the Plan's modelled boot (NODE_BOOT, an estimate: package install and first reconfigure, 10-15 min); creation policy timeout ${timeout} bounds it`,
    };
  const props = (resource.Properties ?? {}) as Record<string, unknown>;
  // A gateway endpoint is entries in route tables, no network interface to provision.
  if (resource.Type === 'AWS::EC2::VPCEndpoint' && props.VpcEndpointType === 'Gateway')
    return {
      minutes: 0.5,
      basis: 'estimate, a gateway endpoint adds route table entries: typically under 1 min',
    };
  if (resource.Type === 'AWS::RDS::DBInstance') {
    if (props.SourceDBInstanceIdentifier)
      return { minutes: 15, basis: 'estimate, typical 10-15 min for a read replica' };
    if (props.MultiAZ !== true)
      return { minutes: 10, basis: 'estimate, typical 10 min for a Single-AZ DB instance' };
  }
  return CREATE_MINUTES[resource.Type] ?? DEFAULT_MINUTES;
}

const PSEUDO = /^AWS::/;

/** Logical ids a value references in its own template, and export names it imports. */
export function references(value: unknown): { local: Set<string>; imports: Set<string> } {
  const local = new Set<string>();
  const imports = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, inner] of Object.entries(node)) {
      if (key === 'Ref' && typeof inner === 'string') {
        if (!PSEUDO.test(inner)) local.add(inner);
      } else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner)
          ? inner[0]
          : typeof inner === 'string'
            ? inner.split('.')[0]
            : undefined;
        if (typeof target === 'string') local.add(target);
        else walk(inner);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(inner) ? inner : [inner, {}];
        const own = new Set(Object.keys((variables ?? {}) as object));
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
            const name = match[1]!.split('.')[0]!;
            if (!PSEUDO.test(name) && !own.has(name)) local.add(name);
          }
        }
        walk(variables);
      } else if (key === 'Fn::ImportValue') {
        if (typeof inner === 'string') imports.add(inner);
        else walk(inner);
      } else {
        walk(inner);
      }
    }
  };
  walk(value);
  return { local, imports };
}

export interface TimedResource {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  /** Its own duration, without waiting. */
  readonly minutes: number;
  readonly basis: string;
  readonly start: number;
  /** Start plus its own duration, or later when its boot waits for another machine or service. */
  readonly finish: number;
  /** The artifact of the boot order whose wait made it finish later than its own duration allows. */
  readonly heldBy?: string;
}

export interface EstimateOptions {
  /**
   * The Plan's boot order: the machines it names (found by their node and group tags) boot its
   * steps and wait for what it says, on top of CloudFormation's dependencies.
   */
  readonly bootOrder?: BootOrderPlan;
}

export interface SerializedWait {
  readonly resource: TimedResource;
  /** Minutes it waits for stacks it does not reference. */
  readonly minutesLost: number;
  /** The resource of another stack it waits for, which it does not reference (`stack/logicalId`). */
  readonly waitsFor: string;
}

export interface DeployEstimate {
  /** Stack by stack, as deployed. */
  readonly minutes: number;
  readonly criticalPath: readonly TimedResource[];
  readonly slowest: TimedResource;
  /** critical path / slowest single resource. */
  readonly ratio: number;
  /** If every resource waited only for what it references. */
  readonly minutesIfResourceLevel: number;
  /** Resources that start later than their own references allow, longest wait first. */
  readonly serialized: readonly SerializedWait[];
  /** Every resource as deployed stack by stack, by `stack/logicalId`. */
  readonly resources: ReadonlyMap<string, TimedResource>;
}

interface Node {
  readonly stack: string;
  readonly logicalId: string;
  readonly resource: CfnResource;
  /** Keys of resources it references or depends on (same stack or through imports). */
  readonly needs: readonly string[];
}

const key = (stack: string, logicalId: string) => `${stack}/${logicalId}`;

function buildGraph(stacks: readonly StackTemplate[]): {
  nodes: Map<string, Node>;
  stackDeps: Map<string, Set<string>>;
} {
  // Export name -> the resources the exporting output references.
  const exports = new Map<string, { stack: string; targets: string[] }>();
  for (const stack of stacks) {
    for (const output of Object.values(stack.template.Outputs ?? {})) {
      const name = output.Export?.Name;
      if (typeof name !== 'string') continue;
      const resources = stack.template.Resources ?? {};
      const targets = [...references(output.Value).local].filter((id) => Object.hasOwn(resources, id));
      exports.set(name, { stack: stack.name, targets: targets.map((id) => key(stack.name, id)) });
    }
  }
  const nodes = new Map<string, Node>();
  const stackDeps = new Map<string, Set<string>>();
  for (const stack of stacks) {
    const deps = new Set(stack.dependsOn ?? []);
    const resources = stack.template.Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      const { local, imports } = references(resource.Properties);
      const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
      const needs = [...local, ...dependsOn]
        .filter((id) => id !== logicalId && Object.hasOwn(resources, id))
        .map((id) => key(stack.name, id));
      for (const name of imports) {
        const exported = exports.get(name);
        if (!exported)
          throw new Error(`${stack.name}/${logicalId} imports '${name}', which no stack exports`);
        deps.add(exported.stack);
        needs.push(...exported.targets);
      }
      nodes.set(key(stack.name, logicalId), {
        stack: stack.name,
        logicalId,
        resource,
        needs: [...new Set(needs)],
      });
    }
    stackDeps.set(stack.name, deps);
  }
  return { nodes, stackDeps };
}

function tagValue(resource: CfnResource, tag: string): string | undefined {
  const tags = (resource.Properties as { Tags?: unknown } | undefined)?.Tags;
  if (!Array.isArray(tags)) return undefined;
  const found = tags.find((entry) => (entry as { Key?: unknown }).Key === tag) as
    | { Value?: unknown }
    | undefined;
  return typeof found?.Value === 'string' ? found.Value : undefined;
}

/** Where the boot order's subjects and producers are in the templates. */
interface BootLocations {
  readonly order: BootOrderPlan;
  /** Resource key -> the subject that boots on it. */
  readonly subjectAt: ReadonlyMap<string, BootSubjectRef>;
  /** Subject (`refText`) -> its resource key. */
  readonly resourceOf: ReadonlyMap<string, string>;
  /** Resource keys that may be the producer of a service or volume artifact. */
  readonly producersOf: (artifact: BootArtifact) => readonly string[];
}

/**
 * Finds the subjects by tag (a fixed node's instance by its node tag, a group by its group tag) and
 * the producers of artifacts: a data service's by the parameter the boot script polls for it, the
 * others by type or tag.
 */
function locateBoot(order: BootOrderPlan, nodes: Map<string, Node>): BootLocations {
  const subjectAt = new Map<string, BootSubjectRef>();
  const resourceOf = new Map<string, string>();
  for (const [id, node] of nodes) {
    const { Type: type } = node.resource;
    const tag =
      type === 'AWS::EC2::Instance'
        ? { kind: 'node' as const, id: tagValue(node.resource, NODE_TAG) }
        : type === 'AWS::AutoScaling::AutoScalingGroup'
          ? { kind: 'group' as const, id: tagValue(node.resource, GROUP_TAG) }
          : undefined;
    if (!tag?.id) continue;
    const subject = order.subjects.find((entry) => entry.ref.kind === tag.kind && entry.ref.id === tag.id);
    if (!subject) continue;
    subjectAt.set(id, subject.ref);
    resourceOf.set(refText(subject.ref), id);
  }
  const keysWhere = (test: (node: Node) => boolean) =>
    [...nodes].filter(([, node]) => test(node)).map(([id]) => id);
  const producersOf = (artifact: BootArtifact): string[] => {
    switch (artifact.kind) {
      case 'database-ready':
      case 'redis-ready':
        // The parameter the boot script polls, which the data stack writes once the service answers
        // (and, for a database, once its stable name resolves).
        return keysWhere(
          (node) =>
            node.resource.Type === 'AWS::SSM::Parameter' &&
            artifact.parameter !== undefined &&
            (node.resource.Properties as Record<string, unknown> | undefined)?.Name === artifact.parameter,
        );
      case 'secrets':
        return keysWhere((node) => node.resource.Type === 'AWS::SecretsManager::Secret');
      case 'target-groups':
        // The parameter listing them, which the edge stack writes once they exist.
        return keysWhere(
          (node) =>
            node.resource.Type === 'AWS::SSM::Parameter' &&
            String((node.resource.Properties as Record<string, unknown> | undefined)?.Name).endsWith(
              `/${WEB_TARGET_GROUPS_PARAMETER}`,
            ),
        );
      case 'gitaly-volume':
        return keysWhere(
          (node) =>
            node.resource.Type === 'AWS::EC2::Volume' &&
            tagValue(node.resource, NODE_TAG) === artifact.producer?.id,
        );
      default:
        return [];
    }
  };
  return { order, subjectAt, resourceOf, producersOf };
}

/** Start and finish of every resource; `stackLevel` makes each stack wait for the stacks it depends on. */
function schedule(
  stacks: readonly StackTemplate[],
  nodes: Map<string, Node>,
  stackDeps: Map<string, Set<string>>,
  stackLevel: boolean,
  boot?: BootLocations,
): {
  timed: Map<string, TimedResource>;
  previous: Map<string, string | undefined>;
  startedAfter: Map<string, string | undefined>;
} {
  const timed = new Map<string, TimedResource>();
  const previous = new Map<string, string | undefined>();
  // What made each resource start when it did (the critical path's `previous` is what made it finish).
  const startedAfter = new Map<string, string | undefined>();
  const walks = new Map<string, BootWalk>();
  const seconds = (minutes: number) => minutes * 60;
  const stackFinish = new Map<string, { at: number; last?: string }>();
  const visiting = new Set<string>();
  const finishOfStack = (name: string): { at: number; last?: string } => {
    const known = stackFinish.get(name);
    if (known) return known;
    let latest: { at: number; last?: string } = { at: 0 };
    for (const [id, node] of nodes) {
      if (node.stack !== name) continue;
      const finish = visit(id).finish;
      if (finish > latest.at) latest = { at: finish, last: id };
    }
    stackFinish.set(name, latest);
    return latest;
  };
  const visit = (id: string): TimedResource => {
    const done = timed.get(id);
    if (done) return done;
    if (visiting.has(id)) throw new Error(`dependency cycle through ${id}`);
    visiting.add(id);
    const node = nodes.get(id)!;
    let start = 0;
    let before: string | undefined;
    if (stackLevel) {
      for (const dependency of stackDeps.get(node.stack) ?? []) {
        if (!stacks.some((stack) => stack.name === dependency)) continue;
        const finished = finishOfStack(dependency);
        if (finished.at > start) [start, before] = [finished.at, finished.last];
      }
    }
    for (const need of node.needs) {
      const finish = visit(need).finish;
      if (finish > start) [start, before] = [finish, need];
    }
    startedAfter.set(id, before);
    let { minutes, basis } = createMinutes(node.resource);
    let finish = start + minutes;
    let heldBy: string | undefined;
    const subject = boot?.subjectAt.get(id);
    if (boot && subject) {
      // Which resource an artifact comes from, and when it exists (minutes).
      const source = (artifact: BootArtifact, wait: BootWait): { at: number; key?: string } => {
        const producer = artifact.producer;
        if (producer?.kind === 'node' || producer?.kind === 'group') {
          const key = boot.resourceOf.get(refText(producer));
          if (!key) return { at: 0 };
          visit(key);
          const walk = walks.get(key)!;
          const at = wait.enforcedBy === 'cloudformation' ? walk.finish : walk.produced.get(artifact.id);
          return { at: (at ?? Number.POSITIVE_INFINITY) / 60, key };
        }
        const keys = producer ? boot.producersOf(artifact) : [];
        // Nothing produces it, or no template writes the parameter the boot script polls for: the
        // waiter fails once CloudFormation's creation timeout is over.
        if (!producer || (artifact.parameter !== undefined && keys.length === 0))
          return { at: Number.POSITIVE_INFINITY };
        let latest: { at: number; key?: string } = { at: 0 };
        for (const key of keys) {
          const at = visit(key).finish;
          if (at > latest.at) latest = { at, key };
        }
        return latest;
      };
      const walk = walkBoot(boot.order, subject, seconds(start), (artifact, wait) =>
        seconds(source(artifact, wait).at),
      );
      const timeout = isoMinutes(node.resource.CreationPolicy?.ResourceSignal?.Timeout ?? '');
      walks.set(id, walk);
      minutes = walk.ownSeconds / 60;
      finish = Math.min(walk.finish / 60, timeout === undefined ? Number.POSITIVE_INFINITY : start + timeout);
      basis = `the Plan's boot steps (src/plan/boot-order.ts, estimates), waiting for ${
        walk.waits.map((entry) => entry.wait.artifact).join(', ') || 'nothing'
      }`;
      if (walk.heldBy) {
        heldBy = walk.heldBy.wait.artifact;
        const held = source(artifactOfWalk(boot.order, walk.heldBy.wait.artifact), walk.heldBy.wait).key;
        if (held) before = held;
      }
    }
    const result = {
      stack: node.stack,
      logicalId: node.logicalId,
      type: node.resource.Type,
      minutes,
      basis,
      start,
      finish,
      ...(heldBy ? { heldBy } : {}),
    };
    visiting.delete(id);
    timed.set(id, result);
    previous.set(id, before);
    return result;
  };
  for (const id of nodes.keys()) visit(id);
  return { timed, previous, startedAfter };
}

/** Every resource a resource needs, directly or through what it references. */
function needsClosure(
  id: string,
  nodes: Map<string, Node>,
  memo = new Map<string, Set<string>>(),
): Set<string> {
  const known = memo.get(id);
  if (known) return known;
  const result = new Set<string>();
  memo.set(id, result);
  for (const need of nodes.get(id)!.needs) {
    result.add(need);
    for (const further of needsClosure(need, nodes, memo)) result.add(further);
  }
  return result;
}

/**
 * Whether CloudFormation creates `waiter` only after `producer` (keys `stack/logicalId`): through
 * references, DependsOn, imports or the stack order.
 */
export function createdAfter(stacks: readonly StackTemplate[], waiter: string, producer: string): boolean {
  const { nodes, stackDeps } = buildGraph(stacks);
  const target = nodes.get(producer);
  if (!nodes.has(waiter) || !target) throw new Error(`no resource ${nodes.has(waiter) ? producer : waiter}`);
  const stacksBefore = (name: string, seen = new Set<string>()): Set<string> => {
    for (const dependency of stackDeps.get(name) ?? []) {
      if (seen.has(dependency)) continue;
      seen.add(dependency);
      stacksBefore(dependency, seen);
    }
    return seen;
  };
  const waiterStacks = stacksBefore(nodes.get(waiter)!.stack);
  return needsClosure(waiter, nodes).has(producer) || waiterStacks.has(target.stack);
}

function artifactOfWalk(order: BootOrderPlan, id: string): BootArtifact {
  return order.artifacts.find((artifact) => artifact.id === id)!;
}

export function estimateDeploy(
  stacks: readonly StackTemplate[],
  options: EstimateOptions = {},
): DeployEstimate {
  const { nodes, stackDeps } = buildGraph(stacks);
  if (nodes.size === 0) throw new Error('the templates have no resources');
  const boot = options.bootOrder ? locateBoot(options.bootOrder, nodes) : undefined;
  const stackLevel = schedule(stacks, nodes, stackDeps, true, boot);
  const resourceLevel = schedule(stacks, nodes, stackDeps, false, boot);
  const all = [...stackLevel.timed.values()];
  const last = all.reduce((latest, candidate) => (candidate.finish > latest.finish ? candidate : latest));
  const criticalPath: TimedResource[] = [];
  for (let id: string | undefined = key(last.stack, last.logicalId); id; id = stackLevel.previous.get(id)) {
    criticalPath.unshift(stackLevel.timed.get(id)!);
  }
  const slowest = all.reduce((max, candidate) => (candidate.minutes > max.minutes ? candidate : max));
  const minutesIfResourceLevel = Math.max(...[...resourceLevel.timed.values()].map((r) => r.finish));
  const memo = new Map<string, Set<string>>();
  const serialized = [...stackLevel.timed.entries()]
    .flatMap(([id, timed]) => {
      const minutesLost = timed.start - resourceLevel.timed.get(id)!.start;
      // What it started after, not what its boot waited for: a boot wait is no stack-order wait.
      const waitedOn = stackLevel.startedAfter.get(id);
      if (minutesLost < 1 || !waitedOn || nodes.get(waitedOn)!.stack === timed.stack) return [];
      if (needsClosure(id, nodes, memo).has(waitedOn)) return [];
      return [{ resource: timed, minutesLost, waitsFor: waitedOn }];
    })
    .sort((a, b) => b.minutesLost - a.minutesLost || b.resource.minutes - a.resource.minutes);
  return {
    minutes: last.finish,
    criticalPath,
    slowest,
    ratio: last.finish / slowest.minutes,
    minutesIfResourceLevel,
    serialized,
    resources: stackLevel.timed,
  };
}

function minutesText(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** "first deploy, estimated: N min; critical path: A -> B -> C", then the ratio. */
export function renderEstimate(estimate: DeployEstimate): string {
  // Resources that take under a minute clutter the path without changing it much: keep them out of the line.
  const shown = estimate.criticalPath.filter((step) => step.minutes >= 1);
  const path = (shown.length > 0 ? shown : estimate.criticalPath)
    .map(
      (step) =>
        `${step.stack}/${step.logicalId} (${minutesText(step.minutes)}${step.heldBy ? `, waited for ${step.heldBy}` : ''})`,
    )
    .join(' -> ');
  const lines = [
    `first deploy, estimated: ${Math.ceil(estimate.minutes)} min; critical path: ${path}`,
    `  critical path / slowest resource (${estimate.slowest.stack}/${estimate.slowest.logicalId}, ${minutesText(estimate.slowest.minutes)} min): ${estimate.ratio.toFixed(2)}`,
    `  if each resource waited only for what it references: ${Math.ceil(estimate.minutesIfResourceLevel)} min`,
  ];
  const worst = estimate.serialized.filter((wait) => wait.resource.minutes >= 1).slice(0, 5);
  if (worst.length > 0) {
    lines.push(
      '  serialized by the stack order (waits for a resource of another stack it does not reference):',
    );
    for (const wait of worst) {
      lines.push(
        `    ${wait.resource.stack}/${wait.resource.logicalId} (${wait.resource.type}) waits ${minutesText(wait.minutesLost)} min for ${wait.waitsFor}`,
      );
    }
  }
  return lines.join('\n');
}

/** Stacks of a cloud assembly directory (cdk.out): templates and dependencies from its manifest. */
export function readCloudAssembly(dir: string): StackTemplate[] {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new UserError(
      `${dir}: no manifest.json; pass the directory \`cdk synth\` wrote (default cdk.out)`,
      2,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; dependencies?: string[]; properties?: { templateFile?: string; stackName?: string } }
    >;
  };
  const artifacts = Object.entries(manifest.artifacts ?? {}).filter(
    ([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile,
  );
  const nameOf = (id: string) => manifest.artifacts?.[id]?.properties?.stackName ?? id;
  return artifacts.map(([id, artifact]) => ({
    name: nameOf(id),
    template: JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8')),
    dependsOn: (artifact.dependencies ?? [])
      .filter((dep) => artifacts.some(([other]) => other === dep))
      .map(nameOf),
  }));
}
