/**
 * Stack order from the app's own stack dependencies (CDK records one for every cross-stack
 * reference), grouped into waves: every stack of a wave only needs stacks of earlier waves. Destroy
 * walks the waves backwards; deploy does not wait for whole waves but starts each stack once the
 * stacks it depends on are deployed (deployAsDependenciesAllow, src/lifecycle/deploy.ts).
 *
 * For an environment: network; then data and edge (the load balancer logs to the network stack's
 * access-log bucket, so edge does not wait for the data stack's databases); then compute (it
 * references edge's target groups; of data it names keys, secrets and endpoint parameters only,
 * which its nodes wait for at boot, so it starts as soon as edge is deployed) and ops (its alarms
 * name the edge's load balancer only, those on compute and data resources being those stacks' own,
 * and its backup selection picks the data by tag, so it too starts as soon as edge is deployed).
 */
import type { AssemblyStack } from './toolkit.js';

/** Stacks grouped by dependency depth; order inside a wave follows `stacks`. */
export function deploymentWaves(stacks: readonly AssemblyStack[]): string[][] {
  const names = new Set(stacks.map((stack) => stack.name));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw new Error(`stack dependency cycle through ${name}`);
    visiting.add(name);
    const stack = stacks.find((candidate) => candidate.name === name)!;
    const inApp = stack.dependsOn.filter((dependency) => names.has(dependency));
    const value = inApp.length === 0 ? 0 : 1 + Math.max(...inApp.map(depthOf));
    visiting.delete(name);
    depth.set(name, value);
    return value;
  };
  const waves: string[][] = [];
  for (const stack of stacks) {
    const level = depthOf(stack.name);
    while (waves.length <= level) waves.push([]);
    waves[level]!.push(stack.name);
  }
  return waves.filter((wave) => wave.length > 0);
}

/** Waves for deleting `selected`: dependents before what they depend on. */
export function destroyWaves(stacks: readonly AssemblyStack[], selected: readonly string[]): string[][] {
  return deploymentWaves(stacks)
    .reverse()
    .map((wave) => wave.filter((name) => selected.includes(name)))
    .filter((wave) => wave.length > 0);
}
