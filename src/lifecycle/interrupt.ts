/**
 * Ctrl-C during a stack operation.
 *
 * Killing the process does not stop CloudFormation, it only stops watching; and cancelling an
 * update half-way leaves a stack rolling back while the next one may already depend on it. So
 * the first Ctrl-C lets the stacks in flight finish (or roll back on their own) and starts no new
 * one; a second Ctrl-C stops watching and says how to find out where CloudFormation got to.
 */

/** The parts of `process` the handler needs; tests pass an EventEmitter. */
export interface SignalSource {
  on(event: 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGINT', listener: () => void): unknown;
}

export interface GracefulInterruptProps {
  readonly signals: SignalSource;
  /** Writes one line to standard error. */
  readonly log: (line: string) => void;
  /** What the operation is doing to CloudFormation, for the messages ("deploy", "destroy"). */
  readonly operation: string;
  /** Leaves at once on the second Ctrl-C (process.exit in the CLI). */
  readonly exit: (code: number) => void;
}

export interface GracefulInterrupt {
  /** Aborted on the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Removes the handler. */
  dispose(): void;
}

export function gracefulInterrupt(props: GracefulInterruptProps): GracefulInterrupt {
  const controller = new AbortController();
  const onSigint = () => {
    if (!controller.signal.aborted) {
      props.log(
        `Interrupt received: letting the stacks in progress finish, starting no new ones. ` +
          `Press Ctrl-C again to stop watching (CloudFormation carries on without us).`,
      );
      controller.abort();
      return;
    }
    props.log(
      `Stopped watching. CloudFormation finishes or rolls back the stacks in progress on its own; ` +
        `run \`gitlab-aws diff\` to see where it got to, then \`gitlab-aws ${props.operation}\` to continue.`,
    );
    props.exit(130);
  };
  props.signals.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => props.signals.off('SIGINT', onSigint) };
}
