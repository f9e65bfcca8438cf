import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { GitLabEnvironment, parseSpec, STACK_CONTENTS } from '../src/index.js';

describe('gitlab-aws as a CDK construct library', () => {
  it('embeds an environment in a plain CDK app from a spec alone, with no lookups', () => {
    const app = new App();
    new GitLabEnvironment(app, 'GitLab', {
      spec: parseSpec({
        name: 'embedded',
        region: 'eu-west-1',
        domain: { name: 'git.example.org' },
        architecture: { size: '2k' },
      }),
    });
    const assembly = app.synth();
    const names = assembly.stacks.map((stack) => stack.stackName).sort();
    expect(names).toEqual(
      Object.keys(STACK_CONTENTS)
        .map((kind) => `embedded-${kind}`)
        .sort(),
    );
    for (const stack of assembly.stacks) expect(stack.environment.region).toBe('eu-west-1');
  });
});
