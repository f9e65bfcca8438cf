/**
 * Waiting for the AWS Backup jobs of the pre-upgrade backup, against AWS Backup answering as it
 * does: jobs that take their time, jobs that end without a recovery point.
 */
import { BackupClient, type BackupJobState, DescribeBackupJobCommand } from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsBackupJobWaiter } from '../../src/lifecycle/backup-jobs.js';
import { boundedSleep } from './bounded-sleep.js';

describe('the pre-upgrade AWS Backup jobs', () => {
  const backup = mockClient(BackupClient);
  beforeEach(() => backup.reset());

  const waiter = (lines: string[]) =>
    new AwsBackupJobWaiter({
      backup: new BackupClient({}),
      log: (line) => lines.push(line),
      sleep: boundedSleep().sleep,
    });
  const job = (id: string, State: BackupJobState, PercentDone = '0.0') => ({
    BackupJobId: id,
    ResourceArn: `arn:aws:ec2:eu-west-1:123456789012:volume/vol-${id}`,
    State,
    PercentDone,
    StatusMessage: State === 'FAILED' ? 'snapshot quota exceeded' : undefined,
  });

  it('waits until every job completed, showing progress', async () => {
    backup
      .on(DescribeBackupJobCommand, { BackupJobId: 'a' })
      .resolvesOnce(job('a', 'RUNNING', '40.0'))
      .resolves(job('a', 'COMPLETED', '100.0'));
    backup.on(DescribeBackupJobCommand, { BackupJobId: 'b' }).resolves(job('b', 'COMPLETED', '100.0'));
    const lines: string[] = [];
    await waiter(lines).waitForJobs(['a', 'b'], 3600);
    expect(lines).toEqual(['  waiting for AWS Backup: volume/vol-a RUNNING 40.0%']);
  });

  it('stops on a failed, aborted or expired job, and after its bound', async () => {
    for (const state of ['FAILED', 'ABORTED', 'EXPIRED'] as const) {
      backup.on(DescribeBackupJobCommand).resolves(job('a', state));
      await expect(waiter([]).waitForJobs(['a'], 3600)).rejects.toThrow(
        new RegExp(`job a of arn:aws:ec2:.*vol-a is ${state}.*nothing was upgraded`),
      );
    }
    backup.on(DescribeBackupJobCommand).resolves(job('a', 'RUNNING', '10.0'));
    await expect(waiter([]).waitForJobs(['a'], 60)).rejects.toThrow(
      'the pre-upgrade AWS Backup jobs: still volume/vol-a RUNNING 10.0% after 1 min',
    );
  });

  it('stops on a PARTIAL job too, and says when AWS gave no reason', async () => {
    backup.on(DescribeBackupJobCommand).resolves(job('a', 'PARTIAL'));
    await expect(waiter([]).waitForJobs(['a'], 3600)).rejects.toThrow(
      'AWS Backup job a of arn:aws:ec2:eu-west-1:123456789012:volume/vol-a is PARTIAL (no message): there is no recovery point to go back to, so nothing was upgraded',
    );
  });

  it('asks about each job by its id, every 30 s by default, and shows every job still running', async () => {
    backup
      .on(DescribeBackupJobCommand, { BackupJobId: 'db' })
      .resolves({ BackupJobId: 'db', ResourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:gl-db' });
    backup.on(DescribeBackupJobCommand, { BackupJobId: 'vol' }).resolves(job('vol', 'RUNNING', '55.5'));
    const lines: string[] = [];
    const { sleep, pauses } = boundedSleep();
    const patient = new AwsBackupJobWaiter({
      backup: new BackupClient({}),
      log: (line) => lines.push(line),
      sleep,
    });
    await expect(patient.waitForJobs(['db', 'vol'], 60)).rejects.toThrow(
      'the pre-upgrade AWS Backup jobs: still gl-db CREATED 0.0%, volume/vol-vol RUNNING 55.5% after 1 min',
    );
    expect(pauses).toEqual([30_000, 30_000]);
    expect(lines).toEqual(['  waiting for AWS Backup: gl-db CREATED 0.0%, volume/vol-vol RUNNING 55.5%']);
    expect(backup.commandCalls(DescribeBackupJobCommand).map((call) => call.args[0].input)).toEqual(
      [1, 2, 3].flatMap(() => [{ BackupJobId: 'db' }, { BackupJobId: 'vol' }]),
    );
  });
});
