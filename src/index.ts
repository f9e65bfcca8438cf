/**
 * gitlab-aws as a library: the spec, the Plan and the CDK construct, for teams that embed a
 * GitLab environment in their own CDK app:
 *
 *   const app = new App();
 *   new GitLabEnvironment(app, 'GitLab', { spec: parseSpec({ name: 'gitlab-prod', region: 'us-west-2', domain: { name: 'gitlab.example.com' } }) });
 */
export { type ArchitectureType, type ReferenceArchitecture, referenceArchitecture } from './catalog/index.js';
export { UserError } from './errors.js';
export { type CreateAppOptions, createApp, environmentOf } from './infra/app.js';
export { GitLabEnvironment, type GitLabEnvironmentProps } from './infra/environment.js';
export { type SynthesisResult, synthesizeToDirectory } from './infra/synthesize.js';
export { type CheckResult, hasErrors, PLAN_RULES, type Plan, resolvePlan } from './plan/index.js';
export { DATA_STACK_KINDS, STACK_CONTENTS, type StackKind, stackName } from './plan/stacks.js';
export { loadSpec, parseSpec, parseSpecYaml, type Spec, SpecError, type SpecInput } from './spec/index.js';
