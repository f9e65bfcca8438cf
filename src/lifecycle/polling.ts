/**
 * Bounded waiting for something AWS does in its own time (a backup job, a deregistration, an
 * instance refresh, Sidekiq working through background migrations): poll, report progress when it
 * changes, and give up after a time bound with an error saying what was last seen.
 *
 * Time is counted as the sum of the pauses between polls, so a test that passes a sleep which
 * returns at once still sees the bound reached after the same number of polls as AWS would need.
 */
import type { Sleep } from './fleet.js';

const realSleep: Sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export interface PollOptions {
  /** Waits between polls; tests pass one that returns at once. */
  readonly sleep?: Sleep;
  /** Pause between polls, in milliseconds. */
  readonly pollMs: number;
  /** The most to wait, in seconds. */
  readonly timeoutSeconds: number;
  /** Called with each status that differs from the one before. */
  readonly progress?: (status: string) => void;
}

/** One look at the thing waited for: done (with a value), or not yet (with what it is doing). */
export type PollAnswer<T> =
  | { readonly done: true; readonly value: T }
  | { readonly done: false; readonly status: string };

/** Raised when the bound passes; `lastStatus` is what the thing was doing then. */
export class PollTimeout extends Error {
  constructor(
    message: string,
    readonly lastStatus: string,
  ) {
    super(message);
    this.name = 'PollTimeout';
  }
}

/** Looks first, then pauses and looks again until done or the bound passes. */
export async function pollUntil<T>(
  what: string,
  look: () => Promise<PollAnswer<T>>,
  options: PollOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  let waitedMs = 0;
  let last = '';
  for (;;) {
    const answer = await look();
    if (answer.done) return answer.value;
    if (answer.status !== last) options.progress?.(answer.status);
    last = answer.status;
    if (waitedMs >= options.timeoutSeconds * 1000) {
      throw new PollTimeout(
        `${what}: still ${answer.status} after ${formatDuration(options.timeoutSeconds)}`,
        answer.status,
      );
    }
    await sleep(options.pollMs);
    waitedMs += options.pollMs;
  }
}

/** 90 -> "1 min 30 s", 7200 -> "120 min". */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
