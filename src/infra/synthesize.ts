/**
 * Synthesizes an environment's cloud assembly into a directory and reports what each stack holds:
 * the work behind `gitlab-aws synth`, usable without the CLI.
 */
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { STACK_KINDS, type StackKind } from '../plan/stacks.js';
import type { Plan } from '../plan/types.js';
import { type CreateAppOptions, createApp, environmentOf } from './app.js';

export interface SynthesizedStack {
  readonly kind: StackKind;
  readonly stackName: string;
  /** Template file name inside the assembly directory. */
  readonly templateFile: string;
  /** Number of CloudFormation resources. */
  readonly resourceCount: number;
}

export interface SynthesisResult {
  /** The assembly directory. */
  readonly directory: string;
  readonly assembly: CloudAssembly;
  /** One entry per stack, in deploy order. */
  readonly stacks: readonly SynthesizedStack[];
}

export function synthesizeToDirectory(
  plan: Plan,
  outdir: string,
  options: Omit<CreateAppOptions, 'outdir'> = {},
): SynthesisResult {
  const app = createApp(plan, { ...options, outdir });
  const environment = environmentOf(app);
  const assembly = app.synth();
  const stacks = STACK_KINDS.map((kind) => {
    const artifact = assembly.getStackByName(environment.stacks[kind].stackName);
    return {
      kind,
      stackName: artifact.stackName,
      templateFile: artifact.templateFile,
      resourceCount: Object.keys((artifact.template as { Resources?: object }).Resources ?? {}).length,
    };
  });
  return { directory: assembly.directory, assembly, stacks };
}
