/**
 * Fakes for the seams an upgrade drives, able to fail the way AWS does: commands that fail, time out
 * or come back with their output cut short, backup jobs that fail, progress kept in memory.
 */
import type { BackupJobWaiter } from '../../src/lifecycle/backup-jobs.js';
import type { RemoteCommand, RemoteCommandResult, RemoteRunner } from '../../src/lifecycle/fleet.js';
import type { StandbyControl } from '../../src/lifecycle/standby.js';
import type { UpgradeProgressRecord, UpgradeProgressStore } from '../../src/lifecycle/upgrade-progress.js';

/** What a scripted command does: answer with output, or fail as SSM reports it. */
export type ScriptedAnswer =
  | { readonly output: string }
  | { readonly status: 'Failed' | 'TimedOut' | 'Cancelled'; readonly output?: string };

/**
 * A runner that answers each command by the first rule whose `when` matches its comment; a rule
 * with `times` answers that many calls, then gives way to the next. Unmatched commands succeed.
 */
export class ScriptedRunner implements RemoteRunner {
  readonly calls: RemoteCommand[] = [];
  private readonly rules: { when: RegExp; answer: ScriptedAnswer; times: number }[] = [];

  answer(when: RegExp, answer: ScriptedAnswer, times = Number.POSITIVE_INFINITY): this {
    this.rules.push({ when, answer, times });
    return this;
  }

  async run(request: RemoteCommand): Promise<RemoteCommandResult> {
    this.calls.push(request);
    const rule = this.rules.find((candidate) => candidate.times > 0 && candidate.when.test(request.comment));
    if (!rule) return { commandId: `cmd-${this.calls.length}`, output: '' };
    rule.times -= 1;
    if ('status' in rule.answer) {
      throw new Error(
        `"${request.comment}" on ${request.instanceId}: ${rule.answer.status}; last output:\n${rule.answer.output ?? ''}`,
      );
    }
    return { commandId: `cmd-${this.calls.length}`, output: rule.answer.output };
  }
}

export class MemoryProgressStore implements UpgradeProgressStore {
  record: UpgradeProgressRecord | undefined;
  readonly saved: number[] = [];

  async load() {
    return this.record;
  }

  async save(record: UpgradeProgressRecord) {
    this.record = record;
    this.saved.push(record.completed);
  }

  async clear() {
    this.record = undefined;
  }
}

/** Records Standby entries and exits in `events`. */
export function recordingStandby(events: string[]): StandbyControl {
  return {
    enter: async (groupName, instanceId) => {
      events.push(`standby ${groupName} ${instanceId}`);
      return {
        exit: async () => {
          events.push(`in service ${groupName} ${instanceId}`);
        },
      };
    },
  };
}

/** Backup jobs that complete, or fail with `failure`. */
export function backupJobs(events: string[], failure?: string): BackupJobWaiter {
  return {
    waitForJobs: async (jobIds, timeoutSeconds) => {
      events.push(`wait ${jobIds.join(',')} ${timeoutSeconds}`);
      if (failure) throw new Error(failure);
    },
  };
}

/** The background-migration script's last line. */
export const migrationCounts = (unfinished: number, failed = 0) =>
  `batched_background_migrations unfinished=${unfinished} failed=${failed}\n`;
