/**
 * The CDK toolkit as the lifecycle commands use it: a small interface (what we ask of it) and its
 * implementation on @aws-cdk/toolkit-lib. Tests substitute a recording implementation and assert
 * the requests: which stacks, in which order, how many at once, under which change-set name.
 */
import {
  BootstrapEnvironments,
  DiffMethod,
  type ICloudAssemblySource,
  StackSelectionStrategy,
  type Toolkit,
} from '@aws-cdk/toolkit-lib';
import type { TemplateDiffView } from './stateful-changes.js';
import { ToolkitQuestionRefused } from './toolkit-io-host.js';

/** A stack of the synthesized app, with the stacks it needs deployed first. */
export interface AssemblyStack {
  /** Construct id inside the app (what toolkit stack selection matches). */
  readonly id: string;
  /** CloudFormation stack name. */
  readonly name: string;
  /** Names of the stacks this one depends on. */
  readonly dependsOn: readonly string[];
}

export interface DeployRequest {
  /** CloudFormation stack names, deployed together. */
  readonly stackNames: readonly string[];
  /** How many of them may deploy at the same time. */
  readonly concurrency: number;
  /** Name of the change set each stack is updated through, so it can be found in the console. */
  readonly changeSetName: string;
}

export interface DestroyRequest {
  /** CloudFormation stack names to delete. */
  readonly stackNames: readonly string[];
  /** How many may be deleted at the same time (dependencies permitting). */
  readonly concurrency: number;
}

/** Outputs of one deployed stack. */
export interface DeployedStackOutputs {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** An AWS account and region. */
export interface AwsEnvironment {
  readonly account: string;
  readonly region: string;
}

/** What the lifecycle commands ask of the CDK toolkit. */
export interface CdkToolkit {
  /** Stacks of the synthesized app with their dependencies (synthesis only, no AWS call). */
  listStacks(): Promise<AssemblyStack[]>;
  /** CloudFormation diff (through a change set) of the named stacks, keyed by stack name. */
  diff(stackNames: readonly string[]): Promise<Record<string, TemplateDiffView>>;
  /** Deploys the named stacks through change sets, rolling back a stack that fails. */
  deploy(request: DeployRequest): Promise<DeployedStackOutputs[]>;
  /** Deletes the named stacks. */
  destroy(request: DestroyRequest): Promise<void>;
  /** Deploys the CDKToolkit bootstrap stack into an environment. */
  bootstrap(environment: AwsEnvironment): Promise<void>;
}

export interface ToolkitLibCdkToolkitProps {
  /** The toolkit-lib Toolkit (its IoHost receives progress). */
  readonly toolkit: Toolkit;
  /** The cloud assembly of the environment's app. */
  readonly source: ICloudAssemblySource;
}

/**
 * `list` reports a stack by its display name, which is `<construct path> (<stack name>)` when the
 * two differ; stack selection matches the construct path alone.
 */
function hierarchicalIdOf(stack: { readonly id: string; readonly name: string }): string {
  const suffix = ` (${stack.name})`;
  return stack.id.endsWith(suffix) ? stack.id.slice(0, -suffix.length) : stack.id;
}

/** A refused toolkit question somewhere in an error's chain of causes. */
function refusalIn(error: unknown): ToolkitQuestionRefused | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ToolkitQuestionRefused) return cause;
  }
  return undefined;
}

/** CdkToolkit on @aws-cdk/toolkit-lib. */
export class ToolkitLibCdkToolkit implements CdkToolkit {
  private stacksCache?: Promise<AssemblyStack[]>;

  constructor(private readonly props: ToolkitLibCdkToolkitProps) {}

  listStacks(): Promise<AssemblyStack[]> {
    this.stacksCache ??= this.props.toolkit
      .list(this.props.source, { stacks: { strategy: StackSelectionStrategy.ALL_STACKS } })
      .then((details) => {
        const nameOfId = new Map(details.map((stack) => [stack.id, stack.name]));
        return details.map((stack) => ({
          id: hierarchicalIdOf(stack),
          name: stack.name,
          dependsOn: stack.dependencies.map((dependency) => nameOfId.get(dependency.id) ?? dependency.id),
        }));
      });
    return this.stacksCache;
  }

  async diff(stackNames: readonly string[]): Promise<Record<string, TemplateDiffView>> {
    const diffs = await this.props.toolkit.diff(this.props.source, {
      stacks: await this.select(stackNames),
      method: DiffMethod.ChangeSet({ fallbackToTemplate: true }),
    });
    // The toolkit keys diffs by stack name; keep only the requested ones, in the requested order.
    return Object.fromEntries(stackNames.filter((name) => diffs[name]).map((name) => [name, diffs[name]!]));
  }

  async deploy(request: DeployRequest): Promise<DeployedStackOutputs[]> {
    const stacks = await this.select(request.stackNames);
    try {
      const result = await this.props.toolkit.deploy(this.props.source, {
        stacks,
        concurrency: request.concurrency,
        deploymentMethod: { method: 'change-set', changeSetName: request.changeSetName },
        rollback: true,
      });
      return result.stacks.map((stack) => ({ stackName: stack.stackName, outputs: stack.outputs }));
    } catch (error) {
      // The toolkit wraps what its IoHost throws (as the cause of "<stack> failed: ..."); the
      // question it asked names no stack, the request does.
      const refused = refusalIn(error);
      throw refused ? refused.forStacks(request.stackNames) : error;
    }
  }

  async destroy(request: DestroyRequest): Promise<void> {
    await this.props.toolkit.destroy(this.props.source, {
      stacks: await this.select(request.stackNames),
      concurrency: request.concurrency,
    });
  }

  async bootstrap(environment: AwsEnvironment): Promise<void> {
    await this.props.toolkit.bootstrap(
      BootstrapEnvironments.fromList([`aws://${environment.account}/${environment.region}`]),
    );
  }

  /** Selects stacks by exact construct id; a name missing from the app is an error, not a silent no-op. */
  private async select(stackNames: readonly string[]) {
    const stacks = await this.listStacks();
    const patterns = stackNames.map((name) => {
      const stack = stacks.find((candidate) => candidate.name === name);
      if (!stack) throw new Error(`stack ${name} is not in the synthesized app`);
      return stack.id;
    });
    return { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH, patterns };
  }
}
