/**
 * The Plan decides alarms, where service members run and what deleting a stack keeps; infra, cost,
 * the diagram and `destroy` only read those decisions. These tests read each decision back out of
 * the synthesized templates of every size x type x AZ count and hold it against the Plan and the
 * readers: billed alarms = built alarms, Plan members = template AZs = diagram, Plan deletion
 * behaviour = template policies = destroy preview.
 */
import { describe, expect, it } from 'vitest';
import { billOfMaterials } from '../../src/cost/bom.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { planDestroy } from '../../src/lifecycle/destroy.js';
import { awsBackupTag, GROUP_TAG, NODE_TAG, nameInAccount, ROLE_TAG } from '../../src/plan/contracts.js';
import { nodesWithDataVolume } from '../../src/plan/query.js';
import { alarmStack, STACK_KINDS, type StackKind } from '../../src/plan/stacks.js';
import type {
  AlarmPlan,
  ElastiCacheService,
  Plan,
  RdsService,
  S3Service,
  StatefulResourcePlan,
} from '../../src/plan/types.js';
import { planToDot } from '../../src/report/diagram.js';
import { boxZones as zonesInDiagram } from '../fixtures/diagram.js';
import { allPlans, planFor } from '../fixtures/plans.js';
import {
  type CfnResource,
  type Json,
  referencedLogicalId,
  resolvedIn,
  type Synthesized,
  synthesize,
  TEST_ACCOUNT,
  tagOf,
} from './synth.js';

const combinations = allPlans().map(({ combination, plan }) => ({
  name: `${combination.size} ${combination.type} ${combination.availabilityZones} AZs`,
  plan,
}));

interface Located {
  readonly kind: StackKind;
  readonly id: string;
  readonly resource: CfnResource;
}

/** Every resource of every stack, with its stack. */
function resources(synth: Synthesized, type?: string): Located[] {
  return STACK_KINDS.flatMap((kind) =>
    Object.entries(synth.json[kind].Resources)
      .filter(([, resource]) => type === undefined || resource.Type === type)
      .map(([id, resource]) => ({ kind, id, resource })),
  );
}

/** The resource a Ref, GetAtt or cross-stack import points at. */
function target(synth: Synthesized, value: unknown): Located | undefined {
  const id = referencedLogicalId(synth, value);
  if (!id) return undefined;
  return resources(synth).find((located) => located.id === id);
}

/** Every resource a value refers to, anywhere inside it (joins, splits, selects). */
function targetsIn(synth: Synthesized, value: unknown): Located[] {
  if (value === null || typeof value !== 'object') return [];
  const direct = target(synth, value);
  if (direct) return [direct];
  return Object.values(value as object).flatMap((inner) => targetsIn(synth, inner));
}

// ---------------------------------------------------------------------------------------------
// Alarms: each template alarm read back as the Plan entry it implements.

const COMPARISONS: Record<string, AlarmPlan['comparison']> = {
  GreaterThanThreshold: 'greater-than',
  GreaterThanOrEqualToThreshold: 'greater-than-or-equal',
  LessThanThreshold: 'less-than',
  LessThanOrEqualToThreshold: 'less-than-or-equal',
};

/** The Plan's RDS service an instance belongs to: GitLab's or Praefect's, as its role tag says. */
function databaseServiceOf(plan: Plan, located: Located): RdsService {
  const role = tagOf(located.resource, ROLE_TAG);
  const service = plan.services.find(
    (candidate): candidate is RdsService => candidate.kind === 'rds' && candidate.role === role,
  );
  expect(service, `${located.id} tagged ${role}`).toBeDefined();
  return service!;
}

/** The Plan member id of an RDS instance: the primary, or read replica n of the construct's ReadReplica<n>. */
function databaseMemberOf(plan: Plan, located: Located): string {
  const rds = databaseServiceOf(plan, located);
  if (!located.resource.Properties!.SourceDBInstanceIdentifier)
    return rds.members.find((member) => member.role === 'primary')!.id;
  const index = Number(/ReadReplica(\d+)/.exec(located.id)![1]) - 1;
  return rds.members.filter((member) => member.role === 'read-replica')[index]!.id;
}

/** The Plan service id of a load balancer or target group: the edge's is external, the compute stack's internal. */
function loadBalancerServiceOf(plan: Plan, located: Located): string {
  const scheme = located.kind === 'edge' ? 'internet-facing' : 'internal';
  return plan.services.find((service) => service.kind === 'nlb' && service.scheme === scheme)!.id;
}

/**
 * The stacks whose resources an alarm built in `stack` may name: its own, and for the ops stack the
 * edge's (imported), the one stack ops waits for. A dimension naming a data or compute resource
 * from ops would make ops wait for that stack again.
 */
function nameableFrom(stack: StackKind): readonly StackKind[] {
  return stack === 'ops' ? ['ops', 'edge'] : [stack];
}

/** The Plan subject (and target port) a template dimension value of an alarm in `stack` names. */
function dimensionOf(
  synth: Synthesized,
  stack: StackKind,
  name: string,
  value: unknown,
): { subject: string; targetPort?: number; applicationTargetGroup?: string } {
  const { plan } = synth;
  if (name === 'CacheClusterId') {
    const groups = resources(synth, 'AWS::ElastiCache::ReplicationGroup').filter(({ kind }) =>
      nameableFrom(stack).includes(kind),
    );
    const group = groups.find(({ resource }) =>
      String(value).startsWith(`${resource.Properties!.ReplicationGroupId}-`),
    )!;
    expect(group, `${name} ${value} of an alarm in ${stack}`).toBeDefined();
    const role = String(group.resource.Properties!.ReplicationGroupDescription).split(' ').pop();
    const service = plan.services.find(
      (candidate): candidate is ElastiCacheService =>
        candidate.kind === 'elasticache' && candidate.role === role,
    )!;
    return { subject: service.members[Number(String(value).split('-').pop()) - 1]!.id };
  }
  const referenced = targetsIn(synth, value);
  expect(referenced.length, `${name} ${JSON.stringify(value)}`).toBeGreaterThan(0);
  // A Ref or GetAtt names a resource of the alarm's own stack (another stack may use the same id).
  const located = referenced.find(({ kind }) => kind === stack) ?? referenced[0]!;
  expect(nameableFrom(stack), `${name} ${JSON.stringify(value)} of an alarm in ${stack}`).toContain(
    located.kind,
  );
  switch (name) {
    case 'AutoScalingGroupName':
      return { subject: tagOf(located.resource, GROUP_TAG)! };
    case 'InstanceId':
      return { subject: tagOf(located.resource, NODE_TAG)! };
    case 'DBInstanceIdentifier':
      return { subject: databaseMemberOf(plan, located) };
    case 'TargetGroup': {
      // An ALB's target group (Cloud Native Hybrid) is named after the route its rule serves: the
      // rule's host and path are the Plan route's.
      const rule = resources(synth, 'AWS::ElasticLoadBalancingV2::ListenerRule').find(({ resource }) =>
        (resource.Properties!.Actions as Json[]).some(
          (action) => target(synth, action.TargetGroupArn)?.id === located.id,
        ),
      );
      if (rule) {
        const conditions = rule.resource.Properties!.Conditions as Json[];
        const host = conditions.find((condition) => condition.Field === 'host-header')!.HostHeaderConfig
          .Values[0];
        const path = conditions.find((condition) => condition.Field === 'path-pattern')?.PathPatternConfig
          .Values[0];
        const route = plan.services
          .flatMap((service) =>
            service.kind === 'nlb' ? (service.applicationLoadBalancer?.routes ?? []) : [],
          )
          .find(
            (candidate) =>
              candidate.host === host &&
              (candidate.pathPrefix ? `${candidate.pathPrefix}*` : undefined) === path,
          );
        expect(route, `${located.id} ${host} ${path}`).toBeDefined();
        return { subject: loadBalancerServiceOf(plan, located), applicationTargetGroup: route!.targetGroup };
      }
      return {
        subject: loadBalancerServiceOf(plan, located),
        targetPort: located.resource.Properties!.Port as number,
      };
    }
    case 'LoadBalancer': {
      // Named through a listener of the load balancer, or the load balancer itself.
      const balancer =
        located.resource.Type === 'AWS::ElasticLoadBalancingV2::Listener'
          ? target(synth, located.resource.Properties!.LoadBalancerArn)!
          : located;
      expect(balancer.resource.Type).toBe('AWS::ElasticLoadBalancingV2::LoadBalancer');
      return { subject: loadBalancerServiceOf(plan, balancer) };
    }
    default:
      throw new Error(`unexpected dimension ${name}`);
  }
}

/** What an alarm does, from its actions: a scaling policy's direction, EC2 recovery, or the topic. */
function actionOf(synth: Synthesized, alarm: CfnResource): AlarmPlan['action'] {
  const actions = (alarm.Properties!.AlarmActions ?? []) as unknown[];
  expect(actions, JSON.stringify(alarm.Properties)).toHaveLength(1);
  const action = actions[0];
  if (JSON.stringify(action).includes(':ec2:recover')) return 'recover-instance';
  const located = target(synth, action) ?? topicNamedIn(synth, action);
  expect(located, JSON.stringify(action)).toBeDefined();
  if (located!.resource.Type === 'AWS::SNS::Topic') return 'notify';
  expect(located!.resource.Type).toBe('AWS::AutoScaling::ScalingPolicy');
  const steps = located!.resource.Properties!.StepAdjustments as { ScalingAdjustment: number }[];
  return steps[0]!.ScalingAdjustment > 0 ? 'scale-out' : 'scale-in';
}

/**
 * The topic an ARN built from its name points at (`arn:<partition>:sns:<region>:<account>:<name>`),
 * as the compute stack names the ops stack's topic: the last part of the joined ARN is its
 * TopicName, and the ARN is in the stack's own region and account.
 */
function topicNamedIn(synth: Synthesized, arn: unknown): Located | undefined {
  const parts = (arn as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
  if (!parts) return undefined;
  const text = parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
  const match = new RegExp(
    `^arn:\\{"Ref":"AWS::Partition"\\}:sns:${synth.plan.region}:\\{"Ref":"AWS::AccountId"\\}:([\\w-]+)$`,
  ).exec(text);
  if (!match) return undefined;
  return resources(synth, 'AWS::SNS::Topic').find(
    ({ resource }) => resource.Properties!.TopicName === match[1],
  );
}

/** A template alarm of `stack` in the Plan's terms: every field the Plan decides. */
function builtAlarm(synth: Synthesized, stack: StackKind, alarm: CfnResource): Json {
  const properties = alarm.Properties as Json;
  let metric: Json;
  if (properties.Metrics) {
    const stats = (properties.Metrics as Json[]).filter((entry) => entry.MetricStat);
    const [expression] = (properties.Metrics as Json[]).filter((entry) => entry.Expression);
    const nameOf = new Map(stats.map((entry) => [entry.Id, entry.MetricStat.Metric.MetricName]));
    const planExpression = String(expression.Expression).replace(
      /\b[a-z][A-Za-z0-9_]*\b/g,
      (id) => nameOf.get(id) ?? id,
    );
    // The Plan names the metric the alarm is about; the others are the expression's inputs.
    const named = stats.map((entry) => entry.MetricStat);
    expect(new Set(named.map((stat) => `${stat.Metric.Namespace} ${stat.Stat} ${stat.Period}`)).size).toBe(1);
    // Every metric of the expression has the same dimensions: those of the Plan's metric.
    const dimensions = named.map((stat) =>
      JSON.stringify(
        ((stat.Metric.Dimensions ?? []) as Json[])
          .map((dimension) => ({
            name: dimension.Name,
            ...dimensionOf(synth, stack, dimension.Name, dimension.Value),
          }))
          .sort((a: Json, b: Json) => a.name.localeCompare(b.name)),
      ),
    );
    expect(new Set(dimensions).size).toBe(1);
    metric = {
      namespace: named[0].Metric.Namespace,
      names: named.map((stat) => stat.Metric.MetricName).sort(),
      statistic: named[0].Stat,
      periodSeconds: named[0].Period,
      dimensions: JSON.parse(dimensions[0]!),
      expression: planExpression,
    };
  } else {
    metric = {
      namespace: properties.Namespace,
      names: [properties.MetricName],
      statistic: properties.Statistic,
      periodSeconds: properties.Period,
      dimensions: ((properties.Dimensions ?? []) as Json[])
        .map((dimension) => ({
          name: dimension.Name,
          ...dimensionOf(synth, stack, dimension.Name, dimension.Value),
        }))
        .sort((a: Json, b: Json) => a.name.localeCompare(b.name)),
    };
  }
  return {
    metric,
    comparison: COMPARISONS[properties.ComparisonOperator],
    threshold: properties.Threshold,
    evaluationPeriods: properties.EvaluationPeriods,
    datapointsToAlarm: properties.DatapointsToAlarm,
    treatMissingData: TREAT_MISSING_DATA[properties.TreatMissingData ?? 'missing'],
    action: actionOf(synth, alarm),
  };
}

/** A Plan alarm entry in the same terms. */
function plannedAlarm(alarm: AlarmPlan): Json {
  const names = alarm.metric.expression
    ? [...new Set(alarm.metric.expression.match(/\b[A-Z][A-Za-z0-9_]*\b/g))]
        .filter((name) => name !== 'IF')
        .sort()
    : [alarm.metric.name];
  return {
    metric: {
      namespace: alarm.metric.namespace,
      names,
      statistic: alarm.metric.statistic,
      periodSeconds: alarm.metric.periodSeconds,
      dimensions: [...alarm.metric.dimensions]
        .map((dimension) => ({ ...dimension }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      ...(alarm.metric.expression ? { expression: alarm.metric.expression } : {}),
    },
    comparison: alarm.comparison,
    threshold: alarm.threshold,
    evaluationPeriods: alarm.evaluationPeriods,
    datapointsToAlarm: alarm.datapointsToAlarm,
    treatMissingData: alarm.treatMissingData,
    action: alarm.action,
  };
}

const TREAT_MISSING_DATA: Record<string, AlarmPlan['treatMissingData']> = {
  missing: 'missing',
  notBreaching: 'not-breaching',
};

const sorted = (entries: Json[]) => entries.map((entry) => JSON.stringify(entry)).sort();

// ---------------------------------------------------------------------------------------------
// Deletion: each stateful template resource read back as the Plan id it implements.

const BEHAVIOUR: Record<string, StatefulResourcePlan['onStackDelete']> = {
  Retain: 'retain',
  Snapshot: 'snapshot',
  Delete: 'delete',
};

/** The Plan's stateful-resource id of a template resource, or undefined for a resource holding no data. */
function statefulIdOf(synth: Synthesized, located: Located): string | undefined {
  const { plan } = synth;
  const { resource } = located;
  const properties = (resource.Properties ?? {}) as Json;
  switch (resource.Type) {
    case 'AWS::Logs::LogGroup':
      if (located.kind === 'network') return 'log-group-flow-logs';
      // Named anew with each stack creation (a Fn::Join of the name and the stack id's tail).
      return JSON.stringify(properties.LogGroupName ?? '').includes(`/gitlab-aws/${plan.spec.name}/nginx`)
        ? 'log-group-nginx'
        : undefined;
    case 'AWS::KMS::Key': {
      const alias = resources(synth, 'AWS::KMS::Alias').find(
        (candidate) => target(synth, candidate.resource.Properties!.TargetKeyId)?.id === located.id,
      );
      if (alias) return `kms-key-${String(alias.resource.Properties!.AliasName).split('/').pop()}`;
      const user = resources(synth).find(({ resource: other }) =>
        targetsIn(synth, [other.Properties?.EncryptionKeyArn, other.Properties?.KmsMasterKeyId]).some(
          (key) => key.id === located.id,
        ),
      );
      if (user?.resource.Type === 'AWS::Backup::BackupVault') return 'kms-key-backup-vault';
      if (user?.resource.Type === 'AWS::SNS::Topic') return 'kms-key-alarm-topic';
      return undefined;
    }
    case 'AWS::RDS::DBInstance':
      return properties.SourceDBInstanceIdentifier
        ? `rds-${databaseMemberOf(plan, located)}`
        : `rds-${databaseServiceOf(plan, located).id}`;
    case 'AWS::ElastiCache::ReplicationGroup': {
      const role = String(properties.ReplicationGroupDescription).split(' ').pop();
      return `elasticache-${plan.services.find((service) => service.kind === 'elasticache' && service.role === role)!.id}`;
    }
    case 'AWS::S3::Bucket': {
      const s3 = plan.services.find((service): service is S3Service => service.kind === 's3')!;
      const name = resolvedIn(properties.BucketName);
      if (name === nameInAccount(s3.accessLogBucketName, TEST_ACCOUNT)) return 'bucket-access-logs';
      const bucket = s3.buckets.find(
        (candidate) => nameInAccount(candidate.bucketName, TEST_ACCOUNT) === name,
      );
      return bucket ? `bucket-${bucket.purpose}` : undefined;
    }
    case 'AWS::EC2::Volume':
      return `volume-${tagOf(resource, NODE_TAG)}`;
    case 'AWS::SecretsManager::Secret': {
      const secret = [...plan.secrets, ...(plan.email ? [plan.email.credentialsSecret] : [])].find(
        (candidate) => candidate.name === properties.Name,
      );
      return secret ? `secret-${secret.id}` : undefined;
    }
    case 'AWS::Backup::BackupVault':
      return 'backup-vault';
    default:
      return undefined;
  }
}

/** Stateful template resources by Plan id, with the behaviour their policies give them. */
function builtStateful(synth: Synthesized): Map<string, { kind: StackKind; behaviour: string }[]> {
  const byId = new Map<string, { kind: StackKind; behaviour: string }[]>();
  for (const located of resources(synth)) {
    const { DeletionPolicy = 'Delete', UpdateReplacePolicy = 'Delete' } = located.resource;
    const id = statefulIdOf(synth, located);
    if (located.resource.Type === 'AWS::RDS::DBSubnetGroup' && DeletionPolicy !== 'Delete') {
      // A retained DB instance keeps the subnet group it runs in, and nothing else does.
      const users = resources(synth, 'AWS::RDS::DBInstance').filter(
        ({ resource }) => target(synth, resource.Properties!.DBSubnetGroupName)?.id === located.id,
      );
      expect(
        users.map(({ resource }) => resource.DeletionPolicy ?? 'Delete'),
        located.id,
      ).toContain(DeletionPolicy);
      continue;
    }
    if (DeletionPolicy !== 'Delete' || UpdateReplacePolicy !== 'Delete') {
      expect(
        id,
        `${located.kind} ${located.id} (${located.resource.Type}) is kept by its stack`,
      ).toBeDefined();
      expect(UpdateReplacePolicy, located.id).toBe(DeletionPolicy);
    }
    if (id)
      byId.set(id, [...(byId.get(id) ?? []), { kind: located.kind, behaviour: BEHAVIOUR[DeletionPolicy]! }]);
  }
  return byId;
}

describe.each(combinations)('the Plan and what reads it agree: $name', ({ plan }) => {
  const synth = () => synthesize(plan);

  it('builds every Plan alarm once, in the stack the Plan says, no other alarm, and bills what it builds', () => {
    const built = resources(synth(), 'AWS::CloudWatch::Alarm');
    expect(
      sorted(built.map(({ kind, resource }) => ({ ...builtAlarm(synth(), kind, resource), stack: kind }))),
    ).toEqual(
      sorted(plan.alarms.map((alarm) => ({ ...plannedAlarm(alarm), stack: alarmStack(plan, alarm) }))),
    );
    const bill = billOfMaterials(plan, loadPriceTable());
    expect(bill.lines.find((line) => line.item.startsWith('CloudWatch alarms'))?.quantity).toBe(built.length);
  });

  // The ops stack's backup selection picks by tag what it once listed: GitLab's and Praefect's RDS
  // primaries (never a read replica) and the data volumes of the Gitaly nodes and of the 1k node.
  // Whatever carries the tag in the account is backed up, so no other resource of any stack may.
  it('tags for AWS Backup exactly the RDS primaries and data volumes, which the backup selection picks by that tag alone', () => {
    const { key, value } = awsBackupTag(plan);
    // Anywhere in a resource but the selection itself: a list of tags, a map of them, a launch
    // template's tag specifications.
    const tagged = resources(synth()).filter(
      ({ resource }) =>
        resource.Type !== 'AWS::Backup::BackupSelection' && JSON.stringify(resource).includes(`"${key}"`),
    );
    const subjectOf = (located: Located) =>
      located.resource.Type === 'AWS::RDS::DBInstance'
        ? databaseMemberOf(plan, located)
        : tagOf(located.resource, NODE_TAG);
    expect(
      sorted(
        tagged.map((located) => ({
          stack: located.kind,
          type: located.resource.Type,
          subject: subjectOf(located),
          value: tagOf(located.resource, key),
        })),
      ),
    ).toEqual(
      sorted([
        ...plan.services.flatMap((service) =>
          service.kind === 'rds'
            ? service.members
                .filter((member) => member.role === 'primary')
                .map((member) => ({ stack: 'data', type: 'AWS::RDS::DBInstance', subject: member.id, value }))
            : [],
        ),
        ...nodesWithDataVolume(plan).map((node) => ({
          stack: 'data',
          type: 'AWS::EC2::Volume',
          subject: node.id,
          value,
        })),
      ]),
    );
    expect(tagged.length).toBeGreaterThan(0);
    const selections = resources(synth(), 'AWS::Backup::BackupSelection');
    expect(selections.map(({ kind }) => kind)).toEqual(['ops']);
    const selection = selections[0]!.resource.Properties!.BackupSelection as Json;
    expect(Object.keys(selection).sort()).toEqual(['IamRoleArn', 'ListOfTags', 'SelectionName']);
    expect(selection.ListOfTags).toEqual([
      { ConditionKey: key, ConditionType: 'STRINGEQUALS', ConditionValue: value },
    ]);
  });

  it('runs every RDS and ElastiCache member in the AZ the Plan gives it, as the diagram draws it', () => {
    const data = synth().json.data;
    const drawn = zonesInDiagram(planToDot(plan));
    const databases = plan.services.filter((service): service is RdsService => service.kind === 'rds');
    // GitLab's instance, and Praefect's own with a Gitaly Cluster.
    expect(databases.map((service) => service.role)).toEqual(
      plan.deployNodes.singleNode
        ? [] // the 1k node's PostgreSQL is bundled
        : plan.architecture.gitalyMode === 'cluster'
          ? ['postgres', 'praefect-postgres']
          : ['postgres'],
    );
    const rdsMembers = databases.flatMap((service) => service.members);
    const instances = resources(synth(), 'AWS::RDS::DBInstance');
    for (const located of instances) {
      const member = rdsMembers.find((candidate) => candidate.id === databaseMemberOf(plan, located))!;
      expect(located.resource.Properties!.AvailabilityZone, member.id).toBe(member.availabilityZone);
    }
    expect(instances).toHaveLength(rdsMembers.filter((member) => member.role !== 'standby').length);
    for (const rds of databases) {
      const own = instances.filter((located) => databaseServiceOf(plan, located) === rds);
      const primary = own.find(({ resource }) => !resource.Properties!.SourceDBInstanceIdentifier)!;
      expect(primary.resource.Properties!.MultiAZ, rds.id).toBe(
        rds.members.some((member) => member.role === 'standby'),
      );
      expect(primary.resource.Properties!.DBInstanceClass, rds.id).toBe(rds.instanceClass);
      expect(primary.resource.Properties!.DBName, rds.id).toBe(rds.databases[0]!.name);
    }
    const caches = plan.services.filter(
      (service): service is ElastiCacheService => service.kind === 'elasticache',
    );
    const groups = Object.values(data.Resources).filter(
      (resource) => resource.Type === 'AWS::ElastiCache::ReplicationGroup',
    );
    expect(groups).toHaveLength(caches.length);
    for (const cache of caches) {
      const group = groups.find((candidate) =>
        String(candidate.Properties!.ReplicationGroupDescription).endsWith(` ${cache.role}`),
      )!;
      expect(group.Properties!.NumCacheClusters).toBe(cache.members.length);
      expect(group.Properties!.PreferredCacheClusterAZs, cache.id).toEqual(
        cache.members.map((member) => member.availabilityZone),
      );
    }
    for (const member of [...rdsMembers, ...caches.flatMap((cache) => cache.members)]) {
      const box = `${rdsMembers.includes(member) ? 'rds' : 'cache'}_${member.id}`.replace(
        /[^A-Za-z0-9_]/g,
        '_',
      );
      if (member.role === 'standby') expect(drawn.has(box), box).toBe(false);
      else expect(drawn.get(box), box).toBe(member.availabilityZone?.replace(/[^A-Za-z0-9_]/g, '_') ?? null);
    }
  });

  it('bills each RDS instance the templates build, at its class, Multi-AZ, replicas and storage', () => {
    const bill = billOfMaterials(plan, loadPriceTable());
    const instances = resources(synth(), 'AWS::RDS::DBInstance');
    const rdsLines = bill.lines.filter((line) => line.item.startsWith('RDS '));
    const expected: string[] = [];
    for (const located of instances.filter(
      ({ resource }) => !resource.Properties!.SourceDBInstanceIdentifier,
    )) {
      const properties = located.resource.Properties!;
      const rds = databaseServiceOf(plan, located);
      const replicas = instances.filter(
        (other) =>
          other.resource.Properties!.SourceDBInstanceIdentifier && databaseServiceOf(plan, other) === rds,
      );
      expected.push(
        `${rds.role} | RDS ${properties.DBInstanceClass} ${properties.MultiAZ ? 'Multi-AZ (primary + standby)' : 'Single-AZ'} | 1`,
      );
      if (replicas.length > 0) {
        const classes = new Set(replicas.map(({ resource }) => resource.Properties!.DBInstanceClass));
        expect(classes.size).toBe(1);
        expect(replicas.map(({ resource }) => resource.Properties!.DBParameterGroupName)).not.toContainEqual(
          properties.DBParameterGroupName,
        );
        expected.push(`${rds.role} | RDS ${[...classes][0]} read replica | ${replicas.length}`);
      }
      const copies = (properties.MultiAZ ? 2 : 1) + replicas.length;
      const storage = rdsLines.find((line) => line.group === rds.role && line.item.includes(' storage ('));
      expect(storage?.item, rds.id).toContain(`RDS ${String(properties.StorageType)} storage`);
      expect(storage?.quantity, rds.id).toBe(Number(properties.AllocatedStorage) * copies);
    }
    expect(
      rdsLines
        .filter((line) => line.unit === 'instance')
        .map((line) => `${line.group} | ${line.item} | ${line.quantity}`)
        .sort(),
    ).toEqual(expected.sort());
  });

  it('keeps exactly the resources the Plan keeps, as the templates and destroy say', () => {
    const built = builtStateful(synth());
    for (const resource of plan.statefulResources) {
      expect(built.get(resource.id), resource.id).toEqual([
        { kind: resource.stack, behaviour: resource.onStackDelete },
      ]);
    }
    expect([...built.keys()].sort()).toEqual(plan.statefulResources.map((resource) => resource.id).sort());
    const described = (behaviour: string) =>
      plan.statefulResources
        .filter((resource) => built.get(resource.id)![0]!.behaviour === behaviour)
        .map((resource) => resource.description)
        .sort();
    const everything = planDestroy(plan, { includeData: true });
    // Read replicas are retained by their stack, but destroy deletes them before it: they would keep its subnet group in use.
    const replicas = plan.statefulResources
      .filter((resource) => resource.kind === 'rds' && resource.onStackDelete === 'retain')
      .map((resource) => resource.description);
    for (const replica of replicas) {
      expect(
        everything.beforeStacks.filter((line) => line.startsWith(`${replica} deleted`)),
        replica,
      ).toHaveLength(1);
    }
    expect(
      everything.kept.map((line) => line.replace(/ \(retained when [^)]+ is deleted\)$/, '')).sort(),
    ).toEqual(described('retain').filter((description) => !replicas.includes(description)));
    expect(
      everything.deleted
        .filter((line) => line.endsWith(': a final snapshot is taken first'))
        .map((line) => line.replace(/: a final snapshot is taken first$/, ''))
        .sort(),
    ).toEqual(described('snapshot'));
    // Without --include-data, what the deleted stacks retain is still listed as kept.
    const keptData = planDestroy(plan, { includeData: false });
    for (const resource of plan.statefulResources.filter(
      (candidate) => candidate.onStackDelete === 'retain',
    )) {
      expect(
        keptData.kept.some((line) => line.startsWith(resource.description)),
        resource.id,
      ).toBe(true);
    }
  });
});

describe('a stateful resource the Plan does not list', () => {
  it('fails synthesis, naming the missing Plan entry, instead of picking its own removal policy', () => {
    const plan = planFor();
    const unlisted = {
      ...plan,
      statefulResources: plan.statefulResources.filter((resource) => resource.id !== 'bucket-lfs'),
    };
    expect(() => synthesize(unlisted)).toThrow(
      /stateful resource bucket-lfs is not in the Plan's statefulResources/,
    );
  });
});
