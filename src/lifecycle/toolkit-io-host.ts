/**
 * Where the CDK toolkit library's messages go.
 *
 * The toolkit reports stack monitoring through coded messages (CDK_TOOLKIT_I5501/I5502/I5503 for
 * start, activity and end of one stack operation); those feed the progress display. Errors and
 * warnings are printed; the rest (synthesis timings, asset publishing chatter) only with
 * `--verbose`, because the lifecycle commands print their own summary.
 *
 * The toolkit also asks questions. Two the CLI has already put to the user in its own terms (the
 * change set of a deploy, after the stateful-change gate; the stacks of a destroy, after the typed
 * environment name), so they take their default answer. Any other one, above all "continue the
 * rollback of a stack stuck in UPDATE_ROLLBACK_FAILED, then deploy again", is the user's to answer:
 * asked at a terminal, answered yes with `--yes`, and otherwise refused with what to run.
 */
import type {
  IIoHost,
  IoMessage,
  IoRequest,
  StackActivity,
  StackMonitoringControlEvent,
} from '@aws-cdk/toolkit-lib';
import { UserError } from '../errors.js';
import type { StackProgressSink } from './progress.js';

export interface LifecycleIoHostProps {
  /** Receives stack operation progress. */
  readonly progress: StackProgressSink;
  /** Writes a line to standard error. */
  readonly err: (text: string) => void;
  /** Also print the toolkit's informational messages. */
  readonly verbose?: boolean;
  /** Asks the user at a terminal and returns the line typed; absent without a terminal. */
  readonly prompt?: (question: string) => Promise<string>;
  /** `--yes`: answer the toolkit's yes/no questions yes without asking. */
  readonly assumeYes?: boolean;
}

/** Questions the CLI has asked in its own terms before it calls the toolkit. */
const ANSWERED_BY_THE_CLI: ReadonlySet<string> = new Set([
  // Deploy the change set: the stateful-change gate (`--allow-replace`) ran before.
  'CDK_TOOLKIT_I5060',
  // Destroy the stacks: the environment name was typed (or given with --confirm) before.
  'CDK_TOOLKIT_I7010',
]);

/** The toolkit's question about a stack paused in a failed state, whose rollback it would continue. */
export const ROLLBACK_QUESTION = 'CDK_TOOLKIT_I5050';

/** Placeholder for the stack names, which the toolkit's question does not carry; see `forStacks`. */
const STACKS = '<stack>';

/** A toolkit question nobody could answer: no terminal, no `--yes`, or the user said no. */
export class ToolkitQuestionRefused extends UserError {
  constructor(
    /** The toolkit's message code of the question. */
    readonly code: string,
    readonly question: string,
    readonly reason: 'no terminal' | 'declined',
  ) {
    super(refusalMessage(code, question, reason, STACKS));
    this.name = 'ToolkitQuestionRefused';
  }

  /** The same refusal naming the stacks the toolkit was deploying when it asked. */
  forStacks(stackNames: readonly string[]): UserError {
    return new UserError(refusalMessage(this.code, this.question, this.reason, stackNames.join(' ')));
  }
}

function refusalMessage(code: string, question: string, reason: 'no terminal' | 'declined', stacks: string) {
  const asked = question.trim().split('\n').at(-1) ?? question;
  const why =
    reason === 'declined'
      ? 'you answered no, so nothing was changed'
      : 'there is no terminal to answer at and --yes was not given, so nothing was changed';
  if (code === ROLLBACK_QUESTION) {
    return [
      `deploy stopped: the CDK toolkit asks "${asked}?" about ${stacks}, and ${why}.`,
      'The stack is paused in a failed state (a rollback that failed, or a failure kept for inspection).',
      'See why in its CloudFormation events, fix the cause (a resource changed or deleted by hand, a',
      'missing permission), then either:',
      '  rerun the deploy at a terminal and answer yes, or with --yes: the toolkit continues the',
      '  rollback, then deploys again;',
      `  or continue the rollback yourself: aws cloudformation continue-update-rollback --stack-name ${stacks}`,
      '  (--resources-to-skip LOGICAL_ID for a resource that cannot roll back), then deploy again.',
    ].join('\n');
  }
  return `stopped: the CDK toolkit asks "${asked}" (${code}), and ${why}. Rerun at a terminal to answer it, or with --yes.`;
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

  async requestResponse<T>(request: IoRequest<unknown, T>): Promise<T> {
    if (request.code && ANSWERED_BY_THE_CLI.has(request.code)) return request.defaultResponse;
    const yesOrNo = typeof request.defaultResponse === 'boolean';
    const code = request.code ?? 'no code';
    if (yesOrNo && this.props.assumeYes) {
      this.props.err(`${request.message.trim()}\nyes (--yes)\n`);
      return true as T;
    }
    if (!this.props.prompt) throw new ToolkitQuestionRefused(code, request.message, 'no terminal');
    const answer = (await this.props.prompt(`${request.message.trim()} ${yesOrNo ? '[y/N] ' : ''}`)).trim();
    if (!yesOrNo) return answer as T;
    if (/^y(es)?$/i.test(answer)) return true as T;
    throw new ToolkitQuestionRefused(code, request.message, 'declined');
  }
}
