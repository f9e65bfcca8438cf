/** The order deploy and destroy take an environment's stacks in: waves of independent stacks. */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/infra/app.js';
import { deploymentWaves } from '../../src/lifecycle/stack-waves.js';
import { planFor } from '../fixtures/plans.js';
import { environmentStacks } from './recording-toolkit.js';

const plan = planFor();
const env = plan.spec.name;

describe('deploymentWaves', () => {
  it('puts independent stacks in one wave after what they depend on', () => {
    const stacks = [
      { id: 'n', name: 'n', dependsOn: [] },
      { id: 'd', name: 'd', dependsOn: ['n'] },
      { id: 'e', name: 'e', dependsOn: ['n'] },
      { id: 'c', name: 'c', dependsOn: ['d', 'e'] },
    ];
    expect(deploymentWaves(stacks)).toEqual([['n'], ['d', 'e'], ['c']]);
  });

  it("orders an environment's stacks network, data and edge together, compute and ops together", () => {
    expect(deploymentWaves(environmentStacks('e'))).toEqual([
      ['e-network'],
      ['e-data', 'e-edge'],
      ['e-compute', 'e-ops'],
    ]);
  });

  it('follows the dependencies CDK records in the real app (which the recording toolkit mirrors)', () => {
    const assembly = createApp(plan, { renderUserData: null }).synth();
    const names = new Set(assembly.stacks.map((stack) => stack.id));
    const real = assembly.stacks.map((stack) => ({
      id: stack.id,
      name: stack.stackName,
      dependsOn: stack.dependencies
        .filter((dependency) => names.has(dependency.id))
        .map((dependency) => assembly.getStackArtifact(dependency.id).stackName),
    }));
    expect(deploymentWaves(real)).toEqual(deploymentWaves(environmentStacks(env)));
    const dependencies = (stacks: readonly { name: string; dependsOn: readonly string[] }[]) =>
      Object.fromEntries(stacks.map((stack) => [stack.name, [...stack.dependsOn].sort()]));
    expect(dependencies(real)).toEqual(dependencies(environmentStacks(env)));
  });

  it('refuses a dependency cycle', () => {
    const stacks = [
      { id: 'a', name: 'a', dependsOn: ['b'] },
      { id: 'b', name: 'b', dependsOn: ['a'] },
    ];
    expect(() => deploymentWaves(stacks)).toThrow(/cycle/);
  });
});
