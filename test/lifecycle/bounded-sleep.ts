/**
 * A sleep for bounded waits that returns at once and records each pause. Past `limit` pauses it
 * throws: a wait that would never end fails its test at once instead of hanging until the test
 * runner's timeout.
 */
import type { Sleep } from '../../src/lifecycle/fleet.js';

export function boundedSleep(limit = 1000): { readonly sleep: Sleep; readonly pauses: number[] } {
  const pauses: number[] = [];
  const sleep: Sleep = async (milliseconds) => {
    if (pauses.length >= limit) throw new Error(`slept ${limit} times: this wait never ends`);
    pauses.push(milliseconds);
  };
  return { sleep, pauses };
}
