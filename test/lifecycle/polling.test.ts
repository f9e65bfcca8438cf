/**
 * Bounded waiting, as every Day-2 wait uses it (backup jobs, Standby, instance refreshes,
 * background migrations): how often it looks, what it prints, when it gives up and what it says.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDuration, type PollAnswer, PollTimeout, pollUntil } from '../../src/lifecycle/polling.js';

/** A thing waited for that answers `statuses` in turn, then `done` with `value` once they run out. */
function scripted(statuses: readonly string[], value = 'ready') {
  const looks: number[] = [];
  const pauses: number[] = [];
  let index = 0;
  return {
    looks,
    pauses,
    look: async (): Promise<PollAnswer<string>> => {
      looks.push(pauses.reduce((sum, pause) => sum + pause, 0));
      const status = statuses[index++];
      return status === undefined ? { done: true, value } : { done: false, status };
    },
    sleep: async (milliseconds: number) => {
      pauses.push(milliseconds);
    },
  };
}

describe('pollUntil', () => {
  afterEach(() => vi.useRealTimers());

  it('hands back the value of the first look that is done, without pausing when it is done at once', async () => {
    const now = scripted([]);
    expect(await pollUntil('the job', now.look, { sleep: now.sleep, pollMs: 5000, timeoutSeconds: 60 })).toBe(
      'ready',
    );
    expect(now.pauses).toEqual([]);
    const later = scripted(['RUNNING', 'RUNNING'], 'recovery point');
    expect(
      await pollUntil('the job', later.look, { sleep: later.sleep, pollMs: 5000, timeoutSeconds: 60 }),
    ).toBe('recovery point');
    // Looked at once, then after each pause of pollMs.
    expect(later.looks).toEqual([0, 5000, 10_000]);
    expect(later.pauses).toEqual([5000, 5000]);
  });

  it('prints a status only when it differs from the one before', async () => {
    const job = scripted(['CREATED', 'RUNNING 10%', 'RUNNING 10%', 'RUNNING 80%', 'RUNNING 80%']);
    const printed: string[] = [];
    await pollUntil('the job', job.look, {
      sleep: job.sleep,
      pollMs: 1000,
      timeoutSeconds: 60,
      progress: (status) => printed.push(status),
    });
    expect(printed).toEqual(['CREATED', 'RUNNING 10%', 'RUNNING 80%']);
  });

  it('gives up once the pauses add up to the bound, naming what it waited for and what it last saw', async () => {
    const stuck = scripted(
      Array.from({ length: 100 }, (_, index) => (index < 2 ? 'draining' : 'draining, draining')),
    );
    const failure = await pollUntil('i-1 deregistered', stuck.look, {
      sleep: stuck.sleep,
      pollMs: 10_000,
      timeoutSeconds: 30,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PollTimeout);
    expect(failure).toMatchObject({
      name: 'PollTimeout',
      message: 'i-1 deregistered: still draining, draining after 30 s',
      lastStatus: 'draining, draining',
    });
    // A look at 0, 10, 20 and 30 s: the last one is at the bound, and nothing sleeps past it.
    expect(stuck.looks).toEqual([0, 10_000, 20_000, 30_000]);
    expect(stuck.pauses).toHaveLength(3);
  });

  it('still looks once with a bound of zero, and gives up without pausing', async () => {
    const job = scripted(['RUNNING']);
    await expect(
      pollUntil('the job', job.look, { sleep: job.sleep, pollMs: 1000, timeoutSeconds: 0 }),
    ).rejects.toThrow('the job: still RUNNING after 0 s');
    expect(job.looks).toEqual([0]);
    expect(job.pauses).toEqual([]);
  });

  it('without a sleep of its own, pauses pollMs on the clock between looks', async () => {
    vi.useFakeTimers();
    const job = scripted(['RUNNING']);
    const done = pollUntil('the job', job.look, { pollMs: 10_000, timeoutSeconds: 60 });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(job.looks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(job.looks).toHaveLength(2);
    expect(await done).toBe('ready');
  });
});

describe('formatDuration', () => {
  it('says seconds under a minute, minutes on the minute, and both otherwise', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(60)).toBe('1 min');
    expect(formatDuration(90)).toBe('1 min 30 s');
    expect(formatDuration(7200)).toBe('120 min');
    expect(formatDuration(119)).toBe('1 min 59 s');
  });
});
