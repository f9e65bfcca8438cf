/**
 * Where the CDK toolkit library's messages go.
 *
 * The toolkit reports stack monitoring through coded messages (CDK_TOOLKIT_I5501/I5502/I5503 for
 * start, activity and end of one stack operation); those feed the progress display. Errors and
 * warnings are printed; the rest (synthesis timings, asset publishing chatter) only with
 * `--verbose`, because the lifecycle commands print their own summary.
 */
import type {
  IIoHost,
  IoMessage,
  IoRequest,
  StackActivity,
  StackMonitoringControlEvent,
} from '@aws-cdk/toolkit-lib';
import type { StackProgressSink } from './progress.js';

export interface LifecycleIoHostProps {
  /** Receives stack operation progress. */
  readonly progress: StackProgressSink;
  /** Writes a line to standard error. */
  readonly err: (text: string) => void;
  /** Also print the toolkit's informational messages. */
  readonly verbose?: boolean;
}

type MessageHandler = (message: IoMessage<unknown>, props: LifecycleIoHostProps) => void;

/** Handlers of the message codes the lifecycle commands act on. */
const CODE_HANDLERS: Readonly<Record<string, MessageHandler>> = {
  CDK_TOOLKIT_I5501: (message, { progress }) => {
    const data = message.data as StackMonitoringControlEvent;
    progress.stackStarted({
      deployment: data.deployment,
      stackName: data.stackName,
      resourcesTotal: data.resourcesTotal,
    });
  },
  CDK_TOOLKIT_I5502: (message, { progress }) => {
    const data = message.data as StackActivity;
    progress.stackActivity({ deployment: data.deployment, event: data.event });
  },
  CDK_TOOLKIT_I5503: (message, { progress }) => {
    const data = message.data as StackMonitoringControlEvent;
    progress.stackFinished({ deployment: data.deployment, stackName: data.stackName });
  },
};

/** Levels printed when no code handler claims a message. */
const PRINTED_LEVELS: ReadonlySet<string> = new Set(['error', 'warn']);

export class LifecycleIoHost implements IIoHost {
  constructor(private readonly props: LifecycleIoHostProps) {}

  async notify(message: IoMessage<unknown>): Promise<void> {
    const handler = message.code ? CODE_HANDLERS[message.code] : undefined;
    if (handler) {
      handler(message, this.props);
      return;
    }
    if (PRINTED_LEVELS.has(message.level) || (this.props.verbose && message.level !== 'trace')) {
      this.props.err(`${message.message}\n`);
    }
  }

  /**
   * The CLI confirms destructive operations itself (typed environment name, --allow-replace)
   * before asking the toolkit, so the toolkit's own questions take their default answers.
   */
  async requestResponse<T>(request: IoRequest<unknown, T>): Promise<T> {
    return request.defaultResponse;
  }
}
