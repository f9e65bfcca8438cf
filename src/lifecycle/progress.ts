/**
 * Live progress of CloudFormation stack operations.
 *
 * On a terminal: one line per stack (bar, resources done/total, the latest event), redrawn in
 * place, with failures printed above the block so they stay on screen. Elsewhere (CI, pipes,
 * `--ci`): one plain line per CloudFormation event, which is what a build log wants.
 */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import type { Style } from './style.js';

/** Receives stack operation events (from the toolkit's stack monitor, or a recorded stream). */
export interface StackProgressSink {
  /** A stack operation starts; `resourcesTotal` is how many resources it touches, when known. */
  stackStarted(start: {
    readonly deployment: string;
    readonly stackName: string;
    readonly resourcesTotal?: number;
  }): void;
  /** One CloudFormation stack event of that operation. */
  stackActivity(activity: { readonly deployment: string; readonly event: StackEvent }): void;
  /** The operation ended (completed, failed or rolled back). */
  stackFinished(finish: { readonly deployment: string; readonly stackName: string }): void;
}

export interface StackProgressRendererProps {
  /** Writes text (no newline added). */
  readonly write: (text: string) => void;
  /** Redraw one line per stack in place (a terminal), or print one line per event. */
  readonly live: boolean;
  readonly style: Style;
  /** Width of the bar in characters. */
  readonly barWidth?: number;
}

interface StackState {
  readonly stackName: string;
  readonly total?: number;
  /** Resources whose latest event is a terminal success. */
  readonly done: Set<string>;
  latest?: StackEvent;
  finished: boolean;
}

/** Statuses after which a resource needs nothing more in this operation. */
const RESOURCE_DONE = /(_COMPLETE|DELETE_SKIPPED)$/;
const FAILED = /_FAILED$/;

function isStackItself(event: StackEvent, stackName: string): boolean {
  return event.ResourceType === 'AWS::CloudFormation::Stack' && event.LogicalResourceId === stackName;
}

export class StackProgressRenderer implements StackProgressSink {
  private readonly stacks = new Map<string, StackState>();
  private readonly deployments = new Map<string, string>();
  /** Lines of the live block currently on screen. */
  private drawnLines = 0;

  constructor(private readonly props: StackProgressRendererProps) {}

  stackStarted(start: { deployment: string; stackName: string; resourcesTotal?: number }): void {
    this.deployments.set(start.deployment, start.stackName);
    const state: StackState = { stackName: start.stackName, done: new Set(), finished: false };
    this.stacks.set(
      start.stackName,
      start.resourcesTotal === undefined ? state : { ...state, total: start.resourcesTotal },
    );
    if (this.props.live) this.redraw();
    else
      this.props.write(
        `${start.stackName}: started${start.resourcesTotal ? ` (${start.resourcesTotal} resources)` : ''}\n`,
      );
  }

  stackActivity(activity: { deployment: string; event: StackEvent }): void {
    const stackName = this.deployments.get(activity.deployment) ?? activity.event.StackName ?? '';
    const state = this.stacks.get(stackName) ?? this.addUnannounced(stackName, activity.deployment);
    const { event } = activity;
    state.latest = event;
    if (!isStackItself(event, stackName) && event.LogicalResourceId) {
      if (RESOURCE_DONE.test(event.ResourceStatus ?? '')) state.done.add(event.LogicalResourceId);
      else state.done.delete(event.LogicalResourceId);
    }
    const failed = FAILED.test(event.ResourceStatus ?? '');
    if (!this.props.live) {
      const line = `${stackName} ${this.counter(state)} ${this.describe(event)}`;
      this.props.write(`${failed ? this.props.style.red(line) : line}\n`);
      return;
    }
    if (failed) this.printAbove(this.props.style.red(`${stackName}: ${this.describe(event)}`));
    this.redraw();
  }

  stackFinished(finish: { deployment: string; stackName: string }): void {
    const state = this.stacks.get(finish.stackName);
    if (state) state.finished = true;
    if (this.props.live) this.redraw();
    else this.props.write(`${finish.stackName}: ${state?.latest?.ResourceStatus ?? 'finished'}\n`);
  }

  private addUnannounced(stackName: string, deployment: string): StackState {
    this.deployments.set(deployment, stackName);
    const state: StackState = { stackName, done: new Set(), finished: false };
    this.stacks.set(stackName, state);
    return state;
  }

  private counter(state: StackState): string {
    const total = state.total === undefined ? '?' : String(state.total);
    return `[${String(state.done.size).padStart(total.length)}/${total}]`;
  }

  private describe(event: StackEvent): string {
    const reason = event.ResourceStatusReason ? ` (${event.ResourceStatusReason.trim()})` : '';
    return `${event.ResourceStatus ?? ''} ${event.ResourceType ?? ''} ${event.LogicalResourceId ?? ''}${reason}`;
  }

  private stackLine(state: StackState): string {
    const width = this.props.barWidth ?? 20;
    const ratio = state.total ? Math.min(1, state.done.size / state.total) : 0;
    const filled = Math.round(ratio * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const latest = state.latest;
    const activity = !latest
      ? 'waiting'
      : isStackItself(latest, state.stackName)
        ? (latest.ResourceStatus ?? '')
        : `${latest.ResourceStatus ?? ''} ${latest.ResourceType ?? ''} ${latest.LogicalResourceId ?? ''}`;
    const line = `${state.stackName.padEnd(this.nameWidth())} ${bar} ${this.counter(state)} ${activity}`;
    const status = latest && isStackItself(latest, state.stackName) ? (latest.ResourceStatus ?? '') : '';
    if (/ROLLBACK|FAILED/.test(status)) return this.props.style.red(line);
    if (state.finished && /_COMPLETE$/.test(status)) return this.props.style.green(line);
    return line;
  }

  private nameWidth(): number {
    return Math.max(...[...this.stacks.keys()].map((name) => name.length));
  }

  /** Clears the live block, prints a permanent line, and lets the next redraw put the block back below it. */
  private printAbove(line: string): void {
    this.props.write(`${this.clearBlock()}${line}\n`);
    this.drawnLines = 0;
  }

  private clearBlock(): string {
    return this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\x1b[0J` : '';
  }

  private redraw(): void {
    const lines = [...this.stacks.values()].map((state) => `${this.stackLine(state)}\n`);
    this.props.write(this.clearBlock() + lines.join(''));
    this.drawnLines = lines.length;
  }
}
