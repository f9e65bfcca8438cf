// destroy --include-data at its seams: a scripted data-store fake that can fail, and the recording toolkit.

import { beforeEach, describe, expect, it } from 'vitest';
import type {
  DatabaseInstance,
  DataStores,
  DataVolume,
  DeleteOutcome,
  StackResource,
} from '../../src/lifecycle/data-stores.js';
import {
  confirmRetainedDeletion,
  type DestroyReport,
  destroyWithData,
  finalSnapshotName,
  planDestroy,
  renderDestroyPlan,
  renderDestroyReport,
} from '../../src/lifecycle/destroy.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { environmentStacks, RecordingToolkit } from './recording-toolkit.js';

const NOW = new Date('2025-04-18T02:03:04Z');
const STAMP = '20250418-020304';

/** An error as the SDK throws it: a name and a message. */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/** What the environment holds in AWS, as the fake answers it. */
interface Account {
  readonly stacks: Record<string, StackResource[]>;
  readonly databases: DatabaseInstance[];
  readonly volumes: DataVolume[];
}

/**
 * Records every call in order ("method arg"); `failures` makes the named call throw, once per
 * entry, and `absent` makes a delete find nothing.
 */
class ScriptedDataStores implements DataStores {
  readonly calls: string[] = [];
  readonly failures = new Map<string, Error[]>();
  readonly absent = new Set<string>();

  constructor(private readonly account: Account) {}

  failOn(call: string, ...errors: Error[]): this {
    this.failures.set(call, [...(this.failures.get(call) ?? []), ...errors]);
    return this;
  }

  private record(call: string): void {
    this.calls.push(call);
    const queued = this.failures.get(call);
    const error = queued?.shift();
    if (error) throw error;
  }

  private outcome(call: string): DeleteOutcome {
    this.record(call);
    return this.absent.has(call) ? 'absent' : 'deleted';
  }

  /** Calls that change something in AWS (everything but reading). */
  changes(): string[] {
    return this.calls.filter((call) => !/^(stackResources|describe)/.test(call));
  }

  async stackResources(stackName: string) {
    this.record(`stackResources ${stackName}`);
    return this.account.stacks[stackName];
  }
  async describeDatabases(ids: readonly string[]) {
    this.record(`describeDatabases ${ids.join(',')}`);
    return this.account.databases.filter((instance) => ids.includes(instance.id));
  }
  async describeVolumes(ids: readonly string[]) {
    this.record(`describeVolumes ${ids.join(',')}`);
    return this.account.volumes.filter((volume) => ids.includes(volume.id));
  }
  async snapshotDatabase(instanceId: string, snapshotId: string) {
    this.record(`snapshotDatabase ${instanceId} ${snapshotId}`);
  }
  async snapshotVolume(volumeId: string, name: string) {
    this.record(`snapshotVolume ${volumeId} ${name}`);
    return `snap-${volumeId}`;
  }
  async setDeletionProtection(instanceId: string, enabled: boolean) {
    this.record(`setDeletionProtection ${instanceId} ${enabled}`);
  }
  async deleteDatabase(instanceId: string) {
    return this.outcome(`deleteDatabase ${instanceId}`);
  }
  async emptyBucket(name: string) {
    this.record(`emptyBucket ${name}`);
    return 3;
  }
  async deleteBucket(name: string) {
    return this.outcome(`deleteBucket ${name}`);
  }
  async deleteSecret(name: string) {
    return this.outcome(`deleteSecret ${name}`);
  }
  async deleteVolume(volumeId: string) {
    return this.outcome(`deleteVolume ${volumeId}`);
  }
  async deleteLogGroup(name: string) {
    return this.outcome(`deleteLogGroup ${name}`);
  }
}

/** The account a deployed Plan makes: one primary, its replicas, a volume per Gitaly node, log groups. */
function accountOf(plan: Plan): Account {
  const name = plan.spec.name;
  const replicas = plan.statefulResources.filter(
    (resource) => resource.kind === 'rds' && resource.onStackDelete === 'retain',
  );
  const databases: DatabaseInstance[] = [
    { id: 'db-primary', deletionProtection: true, tags: {} },
    ...replicas.map((_, index) => ({
      id: `db-replica-${index + 1}`,
      replicaOf: 'db-primary',
      deletionProtection: true,
      tags: {},
    })),
  ];
  const volumes = plan.statefulResources
    .filter((resource) => resource.kind === 'volume')
    .map((resource) => ({
      id: `vol-${resource.id.slice('volume-'.length)}`,
      nodeId: resource.id.slice('volume-'.length),
      tags: {},
    }));
  return {
    databases,
    volumes,
    stacks: {
      [`${name}-network`]: [{ type: 'AWS::Logs::LogGroup', physicalId: `${name}-network-FlowLogs1` }],
      [`${name}-data`]: [
        ...databases.map((instance) => ({ type: 'AWS::RDS::DBInstance', physicalId: instance.id })),
        ...volumes.map((volume) => ({ type: 'AWS::EC2::Volume', physicalId: volume.id })),
        { type: 'AWS::S3::Bucket', physicalId: 'not-read-from-here' },
      ],
      [`${name}-edge`]: [],
      [`${name}-compute`]: [{ type: 'AWS::Logs::LogGroup', physicalId: `/gitlab-aws/${name}/nginx-abc123` }],
      [`${name}-ops`]: [],
    },
  };
}

function bucketsOf(plan: Plan): string[] {
  return plan.statefulResources.flatMap((resource) =>
    resource.kind === 'bucket' && resource.physicalName ? [resource.physicalName] : [],
  );
}

function secretsOf(plan: Plan): string[] {
  return plan.statefulResources.flatMap((resource) =>
    resource.kind === 'secret' && resource.onStackDelete === 'retain' ? [resource.physicalName!] : [],
  );
}

describe('destroy --include-data', () => {
  let plan: Plan;
  let replicaPlan: Plan;
  let env: string;
  let lines: string[];
  const log = (line: string) => lines.push(line);

  beforeEach(() => {
    plan = planFor();
    replicaPlan = planFor({ architecture: { size: '10k' } });
    env = plan.spec.name;
    lines = [];
  });

  async function run(
    target: Plan,
    stores: ScriptedDataStores,
    toolkit: RecordingToolkit,
    deleteRetained: boolean,
  ): Promise<DestroyReport> {
    return destroyWithData({
      plan: target,
      toolkit,
      destroy: planDestroy(target, { includeData: true, deleteRetained }),
      stores,
      now: NOW,
      log,
    });
  }

  it('snapshots first, then lifts deletion protection and deletes the replicas, then the stacks, and keeps what they retain', async () => {
    const name = replicaPlan.spec.name;
    const stores = new ScriptedDataStores(accountOf(replicaPlan));
    const toolkit = new RecordingToolkit(environmentStacks(name));
    const report = await run(replicaPlan, stores, toolkit, false);
    expect(report.completed).toBe(true);
    const volumes = accountOf(replicaPlan).volumes;
    expect(volumes.length).toBeGreaterThan(0);
    expect(stores.changes()).toEqual([
      `snapshotDatabase db-primary ${name}-final-${STAMP}`,
      ...volumes.map((volume) => `snapshotVolume ${volume.id} ${name}-final-${STAMP}-${volume.nodeId}`),
      'setDeletionProtection db-primary false',
      'setDeletionProtection db-replica-1 false',
      'setDeletionProtection db-replica-2 false',
      'deleteDatabase db-replica-1',
      'deleteDatabase db-replica-2',
    ]);
    expect(report.deletedStacks).toEqual([
      `${name}-compute`,
      `${name}-ops`,
      `${name}-data`,
      `${name}-edge`,
      `${name}-network`,
    ]);
    const rendered = renderDestroyReport(report);
    expect(rendered).toContain(`  done    final snapshot ${name}-final-${STAMP} of RDS instance db-primary`);
    expect(rendered.at(-1)).toBe(`Deleted stacks: ${report.deletedStacks.join(', ')}.`);
  });

  it('makes no data call without the second confirmation: buckets, secrets, volumes and log groups stay', async () => {
    const stores = new ScriptedDataStores(accountOf(plan));
    await run(plan, stores, new RecordingToolkit(environmentStacks(env)), false);
    expect(stores.changes().filter((call) => /^(empty|delete)/.test(call))).toEqual([]);
  });

  it('deletes what the stacks retain after them on the second confirmation, buckets emptied first and the access-log bucket last', async () => {
    const stores = new ScriptedDataStores(accountOf(plan));
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const report = await run(plan, stores, toolkit, true);
    expect(report.completed).toBe(true);
    const buckets = bucketsOf(plan);
    const accessLogs = plan.statefulResources.find((resource) => resource.id === 'bucket-access-logs')!
      .physicalName!;
    const ordered = [...buckets.filter((bucket) => bucket !== accessLogs), accessLogs];
    const afterStacks = stores
      .changes()
      .slice(stores.changes().indexOf('setDeletionProtection db-primary false') + 1);
    expect(afterStacks).toEqual([
      ...ordered.flatMap((bucket) => [`emptyBucket ${bucket}`, `deleteBucket ${bucket}`]),
      ...secretsOf(plan).map((secret) => `deleteSecret ${secret}`),
      ...accountOf(plan).volumes.map((volume) => `deleteVolume ${volume.id}`),
      `deleteLogGroup ${env}-network-FlowLogs1`,
      `deleteLogGroup /gitlab-aws/${env}/nginx-abc123`,
    ]);
    // The stacks were all deleted before the first bucket was touched.
    expect(toolkit.requests('destroy')).toHaveLength(3);
  });

  it('deletes the access-log bucket last whatever the order of the Plan, since the other buckets log to it', async () => {
    const reordered = { ...plan, statefulResources: [...plan.statefulResources].reverse() };
    const stores = new ScriptedDataStores(accountOf(plan));
    await run(reordered, stores, new RecordingToolkit(environmentStacks(env)), true);
    const deletedBuckets = stores.calls.filter((call) => call.startsWith('deleteBucket '));
    const accessLogs = plan.statefulResources.find((resource) => resource.id === 'bucket-access-logs')!;
    expect(deletedBuckets).toHaveLength(bucketsOf(plan).length);
    expect(deletedBuckets.at(-1)).toBe(`deleteBucket ${accessLogs.physicalName}`);
  });

  it('touches nothing retained when interrupted between stacks', async () => {
    const stores = new ScriptedDataStores(accountOf(plan));
    const interrupt = new AbortController();
    const report = await destroyWithData({
      plan,
      toolkit: new RecordingToolkit(environmentStacks(env)),
      destroy: planDestroy(plan, { includeData: true, deleteRetained: true }),
      stores,
      now: NOW,
      signal: interrupt.signal,
      log: (line) => {
        if (line === `Deleting ${env}-compute, ${env}-ops`) interrupt.abort();
      },
    });
    expect(report.deletedStacks).toEqual([`${env}-compute`, `${env}-ops`]);
    expect(report.completed).toBe(false);
    expect(report.stoppedBecause).toBe(
      'interrupted: the remaining stacks and the retained resources were not touched',
    );
    expect(stores.changes().filter((call) => /^(empty|delete)/.test(call))).toEqual([]);
  });

  it('deletes nothing when interrupted while the snapshots are taken', async () => {
    const stores = new ScriptedDataStores(accountOf(replicaPlan));
    const interrupt = new AbortController();
    stores.snapshotDatabase = async (instanceId, snapshotId) => {
      stores.calls.push(`snapshotDatabase ${instanceId} ${snapshotId}`);
      interrupt.abort();
    };
    const toolkit = new RecordingToolkit(environmentStacks(replicaPlan.spec.name));
    const report = await destroyWithData({
      plan: replicaPlan,
      toolkit,
      destroy: planDestroy(replicaPlan, { includeData: true }),
      stores,
      now: NOW,
      signal: interrupt.signal,
      log,
    });
    expect(report.stoppedBecause).toBe('interrupted: nothing was deleted; the snapshots taken are kept');
    expect(stores.changes().filter((call) => !call.startsWith('snapshot'))).toEqual([]);
    expect(toolkit.requests('destroy')).toEqual([]);
  });

  it('deletes no further replica and no stack when interrupted between replicas', async () => {
    const stores = new ScriptedDataStores(accountOf(replicaPlan));
    const interrupt = new AbortController();
    stores.deleteDatabase = async (instanceId) => {
      stores.calls.push(`deleteDatabase ${instanceId}`);
      interrupt.abort();
      return 'deleted';
    };
    const toolkit = new RecordingToolkit(environmentStacks(replicaPlan.spec.name));
    const report = await destroyWithData({
      plan: replicaPlan,
      toolkit,
      destroy: planDestroy(replicaPlan, { includeData: true }),
      stores,
      now: NOW,
      signal: interrupt.signal,
      log,
    });
    expect(stores.calls.filter((call) => call.startsWith('deleteDatabase'))).toEqual([
      'deleteDatabase db-replica-1',
    ]);
    expect(toolkit.requests('destroy')).toEqual([]);
    expect(report.stoppedBecause).toBe(
      'interrupted: no stack was deleted; read replicas deleted: db-replica-1; deletion protection is off on db-primary, db-replica-1, db-replica-2',
    );
  });

  it('stops before anything is deleted when a snapshot fails, and says the completed snapshots are kept', async () => {
    const stores = new ScriptedDataStores(accountOf(plan)).failOn(
      'snapshotVolume vol-gitaly-2 gitlab-test-final-20250418-020304-gitaly-2',
      awsError('SnapshotCreationPerVolumeRateExceeded', 'rate exceeded'),
    );
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const report = await run(plan, stores, toolkit, true);
    expect(report.completed).toBe(false);
    expect(toolkit.requests('destroy')).toEqual([]);
    expect(stores.changes().filter((call) => !call.startsWith('snapshot'))).toEqual([]);
    const rendered = renderDestroyReport(report);
    expect(rendered).toContain(
      `  FAILED  final snapshot ${env}-final-${STAMP}-gitaly-2 of Gitaly volume vol-gitaly-2: rate exceeded`,
    );
    expect(rendered).toContain(
      `  done    final snapshot ${env}-final-${STAMP}-gitaly-1 of Gitaly volume vol-gitaly-1`,
    );
    expect(rendered).toContain('Deleted stacks: none.');
    expect(rendered.at(-1)).toMatch(
      /^Stopped: a final snapshot failed: nothing was deleted and deletion protection is unchanged/,
    );
  });

  it('stops before the stacks when deletion protection cannot be lifted, naming where it is already off', async () => {
    const stores = new ScriptedDataStores(accountOf(replicaPlan)).failOn(
      'setDeletionProtection db-replica-1 false',
      awsError('AccessDenied', 'not authorized to perform: rds:ModifyDBInstance'),
    );
    const toolkit = new RecordingToolkit(environmentStacks(replicaPlan.spec.name));
    const report = await run(replicaPlan, stores, toolkit, true);
    expect(report.completed).toBe(false);
    expect(toolkit.requests('destroy')).toEqual([]);
    expect(stores.changes().filter((call) => call.startsWith('delete') || call.startsWith('empty'))).toEqual(
      [],
    );
    expect(report.stoppedBecause).toContain('nothing was deleted; it is off on db-primary (');
    expect(renderDestroyReport(report)).toContain(
      '  FAILED  deletion protection lifted on RDS instance db-replica-1: not authorized to perform: rds:ModifyDBInstance',
    );
  });

  it('says it is on everywhere when the first lift is denied', async () => {
    const stores = new ScriptedDataStores(accountOf(plan)).failOn(
      'setDeletionProtection db-primary false',
      awsError('AccessDenied'),
    );
    const report = await run(plan, stores, new RecordingToolkit(environmentStacks(env)), false);
    expect(report.stoppedBecause).toBe(
      'deletion protection could not be lifted: nothing was deleted; it is on everywhere',
    );
  });

  it('stops before the stacks when a read replica cannot be deleted', async () => {
    const stores = new ScriptedDataStores(accountOf(replicaPlan)).failOn(
      'deleteDatabase db-replica-2',
      awsError('InvalidDBInstanceState'),
    );
    const toolkit = new RecordingToolkit(environmentStacks(replicaPlan.spec.name));
    const report = await run(replicaPlan, stores, toolkit, false);
    expect(toolkit.requests('destroy')).toEqual([]);
    expect(report.stoppedBecause).toMatch(
      /^a read replica could not be deleted: no stack was deleted; deletion protection is off on db-primary, db-replica-1, db-replica-2$/,
    );
  });

  it('empties a bucket again when it is not empty at deletion, and reports a bucket that stays non-empty while going on with the rest', async () => {
    const [first, second] = bucketsOf(plan);
    const stores = new ScriptedDataStores(accountOf(plan))
      .failOn(
        `deleteBucket ${first}`,
        awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty'),
      )
      .failOn(
        `deleteBucket ${second}`,
        ...[1, 2, 3].map(() => awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty')),
      );
    const report = await run(plan, stores, new RecordingToolkit(environmentStacks(env)), true);
    expect(stores.calls.filter((call) => call === `emptyBucket ${first}`)).toHaveLength(2);
    expect(stores.calls.filter((call) => call === `emptyBucket ${second}`)).toHaveLength(3);
    expect(report.completed).toBe(false);
    const rendered = renderDestroyReport(report);
    expect(rendered).toContain(`  done    S3 bucket ${first} emptied (every object version) and deleted`);
    expect(rendered).toContain(
      `  FAILED  S3 bucket ${second} emptied (every object version) and deleted: The bucket you tried to delete is not empty`,
    );
    // The rest still went.
    for (const secret of secretsOf(plan)) expect(stores.calls).toContain(`deleteSecret ${secret}`);
    expect(report.stoppedBecause).toBe(
      'some retained resources could not be deleted (see FAILED above): they are still there',
    );
  });

  it('does not retry a bucket that fails for another reason', async () => {
    const [first] = bucketsOf(plan);
    const stores = new ScriptedDataStores(accountOf(plan)).failOn(
      `deleteBucket ${first}`,
      awsError('AccessDenied'),
    );
    await run(plan, stores, new RecordingToolkit(environmentStacks(env)), true);
    expect(stores.calls.filter((call) => call === `emptyBucket ${first}`)).toHaveLength(1);
  });

  it('reports a resource already gone as absent, not as a failure', async () => {
    const stores = new ScriptedDataStores(accountOf(plan));
    const [secret] = secretsOf(plan);
    stores.absent.add(`deleteSecret ${secret}`);
    const report = await run(plan, stores, new RecordingToolkit(environmentStacks(env)), true);
    expect(report.completed).toBe(true);
    expect(renderDestroyReport(report)).toContain(`  absent  secret ${secret} deleted`);
  });

  it('leaves the retained resources alone when a stack fails to delete, and says how far it got', async () => {
    const stores = new ScriptedDataStores(accountOf(plan));
    const toolkit = new RecordingToolkit(environmentStacks(env), { failDestroyOf: `${env}-data` });
    const report = await run(plan, stores, toolkit, true);
    expect(report.completed).toBe(false);
    // Edge was deleted in the same wave as data, whose failure leaves the wave's outcome unknown.
    expect(report.deletedStacks).toEqual([`${env}-compute`, `${env}-ops`]);
    expect(stores.changes().filter((call) => /^(empty|delete)/.test(call))).toEqual([]);
    expect(report.stoppedBecause).toMatch(/^a stack could not be deleted/);
  });

  it('skips the snapshots when the data stack is already gone', async () => {
    const account = accountOf(plan);
    delete account.stacks[`${env}-data`];
    const stores = new ScriptedDataStores(account);
    const report = await run(plan, stores, new RecordingToolkit(environmentStacks(env)), false);
    expect(report.completed).toBe(true);
    expect(stores.changes()).toEqual([]);
  });
});

describe('the destroy preview with --include-data', () => {
  let plan: Plan;
  beforeEach(() => {
    plan = planFor({ architecture: { size: '10k' } });
  });

  it('lists the snapshots, the lifted protection and the deleted replicas before the stacks, from the Plan', () => {
    const destroy = planDestroy(plan, { includeData: true });
    const rds = plan.statefulResources.filter((resource) => resource.kind === 'rds');
    const volumes = plan.statefulResources.filter((resource) => resource.kind === 'volume');
    const rendered = renderDestroyPlan(plan, destroy);
    expect(rendered[0]).toBe('First, before any stack is deleted:');
    // GitLab's database and, with a Gitaly Cluster, Praefect's: every primary; replicas have no snapshot.
    const primaries = rds.filter((resource) => resource.onStackDelete !== 'retain');
    expect(primaries.length).toBeGreaterThan(1);
    for (const resource of [...primaries, ...volumes]) {
      expect(rendered).toContain(
        `  * final snapshot ${plan.spec.name}-final-<time> of ${resource.description}, waited for and kept`,
      );
    }
    for (const resource of rds) {
      expect(rendered).toContain(`  * deletion protection lifted on ${resource.description}`);
    }
    expect(
      rendered.filter((line) => line.endsWith(`would keep ${plan.spec.name}-data from being deleted)`)),
    ).toHaveLength(rds.length - primaries.length);
    expect(rendered.join('\n')).toContain(`adding --delete-retained ${plan.spec.name}`);
    expect(renderDestroyPlan(plan, planDestroy(plan, { includeData: false }))[0]).toMatch(/^Will delete \(/);
  });

  it('moves buckets, secrets, volumes and log groups to "deleted for good" on the second confirmation; keys and the vault stay', () => {
    const destroy = planDestroy(plan, { includeData: true, deleteRetained: true });
    const rendered = renderDestroyPlan(plan, destroy);
    const kinds = new Set(destroy.deletedAfterStacks.map((resource) => resource.kind));
    expect([...kinds].sort()).toEqual(['bucket', 'log-group', 'secret', 'volume']);
    for (const resource of destroy.deletedAfterStacks)
      expect(rendered).toContain(`  - ${resource.description}`);
    expect(destroy.kept.every((line) => /^(KMS key|AWS Backup vault)/.test(line))).toBe(true);
    expect(destroy.kept.length).toBeGreaterThan(0);
    // Nothing left behind to block a redeploy: the named buckets and secrets go.
    expect(destroy.blockRedeploy).toEqual([]);
    expect(rendered.join('\n')).not.toContain('adding --delete-retained');
    // Without --include-data there is nothing retained to delete.
    expect(planDestroy(plan, { includeData: false, deleteRetained: true }).deletedAfterStacks).toEqual([]);
  });
});

describe('confirmRetainedDeletion', () => {
  it('is off without the flag, and on only with the environment name and --include-data', () => {
    expect(confirmRetainedDeletion({ environment: 'gl-prod', includeData: true })).toBe(false);
    expect(confirmRetainedDeletion({ environment: 'gl-prod', includeData: true, typed: 'gl-prod' })).toBe(
      true,
    );
    expect(() =>
      confirmRetainedDeletion({ environment: 'gl-prod', includeData: true, typed: 'gl-pro' }),
    ).toThrow('--delete-retained "gl-pro" is not the environment name (gl-prod); nothing was deleted');
    expect(() =>
      confirmRetainedDeletion({ environment: 'gl-prod', includeData: false, typed: 'gl-prod' }),
    ).toThrow('--delete-retained needs --include-data');
  });
});

describe('finalSnapshotName', () => {
  it('names a snapshot after the environment and the time, with single hyphens as RDS requires', () => {
    expect(finalSnapshotName('gl-prod', NOW)).toBe(`gl-prod-final-${STAMP}`);
    expect(finalSnapshotName('gl--prod-', NOW, 'gitaly-1')).toBe(`gl-prod-final-${STAMP}-gitaly-1`);
  });
});
