/**
 * Waiting for the AWS Backup jobs a backup started. A recovery point exists only once its job is
 * COMPLETED; an upgrade that starts before then has no snapshot of the database and Gitaly volumes
 * to go back to. ABORTED, FAILED, EXPIRED and PARTIAL jobs left no usable recovery point.
 */
import { type BackupClient, DescribeBackupJobCommand } from '@aws-sdk/client-backup';
import type { Sleep } from './fleet.js';
import { pollUntil } from './polling.js';

/** Waits until every job completed; throws when one fails or the bound passes. */
export interface BackupJobWaiter {
  waitForJobs(jobIds: readonly string[], timeoutSeconds: number): Promise<void>;
}

/** Job states after which nothing changes any more, and the one that left a recovery point. */
const FINAL_JOB_STATES = new Set(['COMPLETED', 'ABORTED', 'FAILED', 'EXPIRED', 'PARTIAL']);

export class AwsBackupJobWaiter implements BackupJobWaiter {
  constructor(
    private readonly props: {
      readonly backup: BackupClient;
      readonly log: (line: string) => void;
      readonly sleep?: Sleep;
      readonly pollMs?: number;
    },
  ) {}

  async waitForJobs(jobIds: readonly string[], timeoutSeconds: number): Promise<void> {
    const look = async () => {
      const jobs = await Promise.all(
        jobIds.map((id) => this.props.backup.send(new DescribeBackupJobCommand({ BackupJobId: id }))),
      );
      const failed = jobs.find((job) => FINAL_JOB_STATES.has(job.State ?? '') && job.State !== 'COMPLETED');
      if (failed) {
        throw new Error(
          `AWS Backup job ${failed.BackupJobId} of ${failed.ResourceArn} is ${failed.State}` +
            ` (${failed.StatusMessage ?? 'no message'}): there is no recovery point to go back to, so nothing was upgraded`,
        );
      }
      const running = jobs.filter((job) => job.State !== 'COMPLETED');
      if (running.length === 0) return { done: true as const, value: undefined };
      return {
        done: false as const,
        status: running
          .map(
            (job) =>
              `${job.ResourceArn?.split(':').pop()} ${job.State ?? 'CREATED'} ${job.PercentDone ?? '0.0'}%`,
          )
          .join(', '),
      };
    };
    await pollUntil('the pre-upgrade AWS Backup jobs', look, {
      sleep: this.props.sleep,
      pollMs: this.props.pollMs ?? 30_000,
      timeoutSeconds,
      progress: (status) => this.props.log(`  waiting for AWS Backup: ${status}`),
    });
  }
}
