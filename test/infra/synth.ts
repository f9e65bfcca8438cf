/**
 * Synthesizes an environment once and hands tests the template of each stack. Synthesis is the
 * slow part, so `synthesize` remembers every app it built: the tests of a file (and of every file
 * run in the same worker) that ask for the same Plan and options share one synthesis. Tests only
 * read what they are given; a test that changes an app builds its own with `createApp`.
 */

import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type CreateAppOptions, createApp, environmentOf } from '../../src/infra/app.js';
import type { GitLabEnvironment } from '../../src/infra/environment.js';
import { STACK_KINDS, type StackKind } from '../../src/plan/stacks.js';
import type { Plan } from '../../src/plan/types.js';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string[];
  readonly UpdatePolicy?: Record<string, unknown>;
  readonly CreationPolicy?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
  readonly Parameters?: Record<string, { Type: string; Default?: string }>;
}

export interface Synthesized {
  readonly app: App;
  readonly environment: GitLabEnvironment;
  readonly plan: Plan;
  /** Assertion templates by stack kind. */
  readonly templates: Readonly<Record<StackKind, Template>>;
  /** Raw templates by stack kind. */
  readonly json: Readonly<Record<StackKind, CfnTemplate>>;
}

const synthesized = new Map<string, Synthesized>();

/**
 * The environment of a Plan, synthesized. Apps are remembered by Plan and options, except apps
 * with a renderer of the test's own (a function has no key), which are built every time.
 */
export function synthesize(plan: Plan, options: CreateAppOptions = {}): Synthesized {
  if (typeof options.renderUserData === 'function') return synthesizeApp(plan, options);
  const key = JSON.stringify([plan, options]);
  let found = synthesized.get(key);
  if (!found) {
    found = synthesizeApp(plan, options);
    synthesized.set(key, found);
  }
  return found;
}

function synthesizeApp(plan: Plan, options: CreateAppOptions): Synthesized {
  const app = createApp(plan, options);
  const built = { app, environment: environmentOf(app) };
  const assembly = app.synth();
  const json = Object.fromEntries(
    STACK_KINDS.map((kind) => [
      kind,
      assembly.getStackByName(built.environment.stacks[kind].stackName).template,
    ]),
  ) as Record<StackKind, CfnTemplate>;
  const templates = Object.fromEntries(
    STACK_KINDS.map((kind) => [kind, Template.fromJSON(json[kind] as unknown as Record<string, unknown>)]),
  ) as Record<StackKind, Template>;
  return { ...built, plan, templates, json };
}

/** Resources of a type in a raw template, by logical id. */
export function resourcesOf(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The value of a tag in a resource's Tags list. */
export function tagOf(resource: CfnResource, key: string): string | undefined {
  const tags = (resource.Properties?.Tags ?? []) as { Key: string; Value: string }[];
  return tags.find((tag) => tag.Key === key)?.Value;
}

/**
 * Follows a cross-stack reference: an `Fn::ImportValue` of CDK's export names, or an
 * `Fn::GetStackOutput` of another stack's output (a weak reference), resolves to the logical id of
 * the resource the producing stack outputs.
 */
export function importedLogicalId(synth: Synthesized, value: unknown): string | undefined {
  const importName = (value as { 'Fn::ImportValue'?: string })['Fn::ImportValue'];
  const stackOutput = (value as { 'Fn::GetStackOutput'?: { StackName?: string; OutputName?: string } })[
    'Fn::GetStackOutput'
  ];
  if (typeof importName !== 'string' && !stackOutput) return undefined;
  for (const kind of STACK_KINDS) {
    const stackName = synth.environment.stacks[kind].stackName;
    for (const [outputName, output] of Object.entries(synth.json[kind].Outputs ?? {})) {
      const matches = stackOutput
        ? stackOutput.StackName === stackName && stackOutput.OutputName === outputName
        : output.Export?.Name === importName;
      if (matches) {
        const ref = output.Value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        return ref.Ref ?? ref['Fn::GetAtt']?.[0];
      }
    }
  }
  return undefined;
}

/** Logical id a `Ref`, `Fn::GetAtt` or cross-stack import points at. */
export function referencedLogicalId(synth: Synthesized, value: unknown): string | undefined {
  const direct = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return direct.Ref ?? direct['Fn::GetAtt']?.[0] ?? importedLogicalId(synth, value);
}

/** Template JSON navigated freely by assertions (a shape check failing is itself a test failure). */
export type Json = ReturnType<typeof JSON.parse>;

/** The account templates are resolved into by `resolvedIn`. */
export const TEST_ACCOUNT = '111111111111';

/**
 * A template value made of text and pseudo parameters (`Fn::Join`, `Fn::Sub`, `Ref` of
 * AWS::AccountId, AWS::Partition, AWS::Region) as CloudFormation resolves it in an account and
 * region; anything else stays as it is.
 */
export function resolvedIn(value: unknown, account = TEST_ACCOUNT, region = 'us-west-2'): unknown {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::Region': region,
  };
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const ref = object['Ref'];
  if (typeof ref === 'string' && ref in pseudo) return pseudo[ref];
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) {
    const parts = join[1].map((part) => resolvedIn(part, account, region));
    return parts.every((part) => typeof part === 'string') ? parts.join(join[0]) : value;
  }
  const sub = object['Fn::Sub'];
  if (typeof sub === 'string')
    return sub.replace(/\$\{([^}]+)\}/g, (whole, name: string) => pseudo[name] ?? whole);
  return value;
}

/**
 * A template's identity policies: inline ones and the managed policies CDK moves statements to when
 * a role's inline policy would pass IAM's size limit. Both attach to roles through `Roles`.
 */
export function identityPoliciesOf(template: CfnTemplate): [string, CfnResource][] {
  return [...resourcesOf(template, 'AWS::IAM::Policy'), ...resourcesOf(template, 'AWS::IAM::ManagedPolicy')];
}
