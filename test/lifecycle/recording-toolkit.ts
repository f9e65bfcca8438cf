/** A CdkToolkit that records what it is asked; its answers come from the test. */
import type { TemplateDiffView } from '../../src/lifecycle/stateful-changes.js';
import type {
  AssemblyStack,
  AwsEnvironment,
  CdkToolkit,
  DeployedStackOutputs,
  DeployRequest,
  DestroyRequest,
} from '../../src/lifecycle/toolkit.js';

export type ToolkitCall =
  | { readonly action: 'list' }
  | { readonly action: 'diff'; readonly stackNames: readonly string[] }
  | { readonly action: 'deploy'; readonly request: DeployRequest }
  | { readonly action: 'destroy'; readonly request: DestroyRequest }
  | { readonly action: 'bootstrap'; readonly environment: AwsEnvironment };

/** The five stacks of an environment with the dependencies their cross-stack references create. */
export function environmentStacks(env: string): AssemblyStack[] {
  const name = (kind: string) => `${env}-${kind}`;
  return [
    { id: name('network'), name: name('network'), dependsOn: [] },
    { id: name('data'), name: name('data'), dependsOn: [name('network')] },
    // The external load balancer logs to the network stack's access-log bucket: edge needs no data.
    { id: name('edge'), name: name('edge'), dependsOn: [name('network')] },
    // Compute names data's keys, secrets and endpoint parameters without importing them: it needs the edge only.
    { id: name('compute'), name: name('compute'), dependsOn: [name('network'), name('edge')] },
    // Alarms on compute and data resources are those stacks' own, and AWS Backup picks the data by
    // tag: ops waits for the edge (the load balancer its alarms watch) only.
    { id: name('ops'), name: name('ops'), dependsOn: [name('edge')] },
  ];
}

export class RecordingToolkit implements CdkToolkit {
  readonly calls: ToolkitCall[] = [];

  constructor(
    private readonly stacks: AssemblyStack[],
    private readonly answers: {
      readonly diffs?: Record<string, TemplateDiffView>;
      readonly outputs?: Record<string, Record<string, string>>;
      /** Runs while a deploy request is "in CloudFormation" (e.g. to press Ctrl-C). */
      readonly duringDeploy?: (request: DeployRequest) => void;
      readonly failDeployOf?: string;
      /** A stack whose deletion fails (DELETE_FAILED). */
      readonly failDestroyOf?: string;
    } = {},
  ) {}

  async listStacks() {
    this.calls.push({ action: 'list' });
    return this.stacks;
  }

  async diff(stackNames: readonly string[]) {
    this.calls.push({ action: 'diff', stackNames });
    return this.answers.diffs ?? {};
  }

  async deploy(request: DeployRequest): Promise<DeployedStackOutputs[]> {
    this.calls.push({ action: 'deploy', request });
    this.answers.duringDeploy?.(request);
    if (request.stackNames.includes(this.answers.failDeployOf ?? '')) {
      throw new Error(`${this.answers.failDeployOf} failed: UPDATE_ROLLBACK_COMPLETE`);
    }
    return request.stackNames.map((stackName) => ({
      stackName,
      outputs: this.answers.outputs?.[stackName] ?? {},
    }));
  }

  async destroy(request: DestroyRequest) {
    this.calls.push({ action: 'destroy', request });
    if (request.stackNames.includes(this.answers.failDestroyOf ?? '')) {
      throw new Error(`${this.answers.failDestroyOf} failed: DELETE_FAILED`);
    }
  }

  async bootstrap(environment: AwsEnvironment) {
    this.calls.push({ action: 'bootstrap', environment });
  }

  requests<A extends ToolkitCall['action']>(action: A) {
    return this.calls.filter((call): call is Extract<ToolkitCall, { action: A }> => call.action === action);
  }
}
