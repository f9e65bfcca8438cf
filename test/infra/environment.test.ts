/**
 * The whole environment against its Plan, for every size x type x 2/3 AZs: the template has
 * exactly the Plan's machines per role and per AZ, in the right subnets; and stacks are split as
 * documented.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TAG } from '../../src/plan/contracts.js';
import { DATA_STACK_KINDS, STACK_KINDS, type StackKind, stackName } from '../../src/plan/stacks.js';
import type { EksService, Plan } from '../../src/plan/types.js';
import { createdAfter, type StackTemplate } from '../../src/report/estimate.js';
import { allPlans, planFor } from '../fixtures/plans.js';
import { type Json, referencedLogicalId, resourcesOf, type Synthesized, synthesize, tagOf } from './synth.js';

/** `role@az` -> count. */
type Census = Record<string, number>;

function planCensus(plan: Plan): { fixed: Census; groups: Record<string, Census> } {
  const fixed: Census = {};
  const groups: Record<string, Census> = {};
  for (const node of plan.nodes) {
    const key = `${node.role}@${node.availabilityZone}/${node.subnet}`;
    if (node.autoScalingGroup) {
      groups[node.autoScalingGroup] ??= {};
      groups[node.autoScalingGroup]![node.availabilityZone] =
        (groups[node.autoScalingGroup]![node.availabilityZone] ?? 0) + 1;
    } else {
      fixed[key] = (fixed[key] ?? 0) + 1;
    }
  }
  return { fixed, groups };
}

/** Subnet logical id in the network stack -> its AZ and tier. */
function subnetsOf(synth: Synthesized): Map<string, { zone: string; tier: string }> {
  const subnets = new Map<string, { zone: string; tier: string }>();
  for (const [id, subnet] of resourcesOf(synth.json.network, 'AWS::EC2::Subnet')) {
    subnets.set(id, {
      zone: subnet.Properties!.AvailabilityZone as string,
      tier: subnet.Properties!.MapPublicIpOnLaunch === false && id.includes('public') ? 'public' : 'private',
    });
  }
  return subnets;
}

function templateCensus(synth: Synthesized): Census {
  const subnets = subnetsOf(synth);
  const census: Census = {};
  for (const [id, instance] of resourcesOf(synth.json.compute, 'AWS::EC2::Instance')) {
    const role = tagOf(instance, ROLE_TAG);
    const zone = instance.Properties!.AvailabilityZone as string;
    // An instance with a public address at launch (a bastion) names its subnet on its network interface.
    const subnetId =
      instance.Properties!.SubnetId ??
      (instance.Properties!.NetworkInterfaces as Json[] | undefined)?.[0]?.SubnetId;
    const subnet = subnets.get(referencedLogicalId(synth, subnetId) ?? '');
    expect(subnet, `${id} is in a subnet of the VPC`).toBeDefined();
    expect(subnet!.zone, `${id} subnet and instance AZ agree`).toBe(zone);
    const key = `${role}@${zone}/${subnet!.tier}`;
    census[key] = (census[key] ?? 0) + 1;
  }
  return census;
}

/** How an auto scaling group spreads n instances over its AZs: as evenly as possible. */
function balanced(count: number, zones: readonly string[]): Census {
  return Object.fromEntries(
    zones
      .map(
        (zone, index) =>
          [zone, Math.floor(count / zones.length) + (index < count % zones.length ? 1 : 0)] as const,
      )
      .filter(([, n]) => n > 0),
  );
}

describe.each(allPlans())(
  '$combination.size $combination.type in $combination.availabilityZones AZs',
  ({ plan }) => {
    let synth: Synthesized;
    beforeAll(() => {
      synth = synthesize(plan);
    });

    // Compute starts beside data, so its nodes install GitLab while RDS is being created; they wait
    // for the data services in their boot script (src/plan/boot-order.ts).
    it('deploys compute without waiting for the data stack: no stack dependency, no import of its exports', () => {
      const assembly = synth.app.synth();
      const dependencies = (kind: 'compute') =>
        assembly
          .getStackByName(synth.environment.stacks[kind].stackName)
          .dependencies.map((artifact) => artifact.id);
      const data = synth.environment.dataStack.artifactId;
      expect(dependencies('compute')).not.toContain(data);
      // The check can see a dependency: compute's on the network stack it is built in.
      expect(dependencies('compute')).toContain(synth.environment.networkStack.artifactId);
      expect(JSON.stringify(synth.json.compute)).not.toContain(`"${synth.environment.dataStack.stackName}:`);
    });

    // The data stack builds the alarms on its databases and Redis nodes and tags what AWS Backup
    // backs up, so ops names none of its resources and starts beside it: the ops stack's vault,
    // plan and selection are no longer created only after RDS and the read replicas.
    it('deploys ops without waiting for the data stack: no stack dependency, no reference to its resources', () => {
      const assembly = synth.app.synth();
      const dependencies = assembly
        .getStackByName(synth.environment.opsStack.stackName)
        .dependencies.map((artifact) => artifact.id);
      expect(dependencies).not.toContain(synth.environment.dataStack.artifactId);
      // The check can see a dependency: ops's on the edge, whose load balancer its alarms watch.
      expect(dependencies).toContain(synth.environment.edgeStack.artifactId);
      const ops = JSON.stringify(synth.json.ops);
      expect(ops).not.toContain(`"${synth.environment.dataStack.stackName}:`);
      expect(ops).not.toContain('Fn::GetStackOutput');
    });

    it('has exactly the Plan fixed instances per role, AZ and subnet tier', () => {
      expect(templateCensus(synth)).toEqual(planCensus(plan).fixed);
    });

    it('has one auto scaling group per Plan group, over the Plan AZs, sized as the Plan', () => {
      const subnets = subnetsOf(synth);
      const groups = resourcesOf(synth.json.compute, 'AWS::AutoScaling::AutoScalingGroup');
      expect(groups).toHaveLength(plan.autoScalingGroups.length);
      const { groups: members } = planCensus(plan);
      for (const group of plan.autoScalingGroups) {
        const found = groups.find(([, resource]) => tagOf(resource, ROLE_TAG) === group.role);
        expect(found, `${group.id} group`).toBeDefined();
        const props = found![1].Properties!;
        expect(Number(props.MinSize)).toBe(group.minCapacity);
        expect(Number(props.MaxSize)).toBe(group.maxCapacity);
        const zones = (props.VPCZoneIdentifier as unknown[]).map(
          (subnet) => subnets.get(referencedLogicalId(synth, subnet) ?? '')!,
        );
        expect(zones.every((subnet) => subnet.tier === 'private')).toBe(true);
        expect(zones.map((subnet) => subnet.zone).sort()).toEqual([...group.availabilityZones].sort());
        // The Plan's members per AZ are what the group's own AZ balancing produces at minimum size.
        expect(members[group.id]).toEqual(balanced(group.minCapacity, group.availabilityZones));
      }
    });

    // Literal tag keys: the lifecycle commands find machines of deployed environments by them.
    it('tags every auto scaling group with its Plan group id and every fixed instance with its node id', () => {
      const groups = resourcesOf(synth.json.compute, 'AWS::AutoScaling::AutoScalingGroup');
      expect(groups.map(([, group]) => tagOf(group, 'gitlab-aws:group')).sort()).toEqual(
        plan.autoScalingGroups.map((group) => group.id).sort(),
      );
      for (const [id, group] of groups) {
        expect(tagOf(group, 'gitlab-aws:environment'), id).toBe(plan.spec.name);
        const planned = plan.autoScalingGroups.find((g) => g.id === tagOf(group, 'gitlab-aws:group'));
        expect(tagOf(group, 'gitlab-aws:role'), id).toBe(planned!.role);
      }
      const instances = resourcesOf(synth.json.compute, 'AWS::EC2::Instance');
      expect(instances.map(([, instance]) => tagOf(instance, 'gitlab-aws:node')).sort()).toEqual(
        plan.nodes
          .filter((node) => !node.autoScalingGroup)
          .map((node) => node.id)
          .sort(),
      );
      for (const [id, instance] of instances) {
        expect(tagOf(instance, 'gitlab-aws:environment'), id).toBe(plan.spec.name);
      }
    });

    it('has one EKS node group per Plan pool with the Plan sizes', () => {
      const eks = plan.services.find((service): service is EksService => service.kind === 'eks');
      const nodeGroups = resourcesOf(synth.json.compute, 'AWS::EKS::Nodegroup');
      expect(nodeGroups).toHaveLength(eks?.nodeGroups.length ?? 0);
      for (const pool of eks?.nodeGroups ?? []) {
        const found = nodeGroups.find(([, resource]) => resource.Properties!.NodegroupName === pool.role);
        expect(found![1].Properties).toMatchObject({
          InstanceTypes: [pool.instanceType],
          ScalingConfig: { MinSize: pool.minSize, DesiredSize: pool.desiredSize, MaxSize: pool.maxSize },
        });
        expect((found![1].Properties!.Subnets as unknown[]).length).toBe(plan.availabilityZones.length);
      }
    });

    // The placement rule of src/plan/service-members.ts, end to end from the AZ order (agreement.test.ts
    // holds the templates to the Plan's members): the primary goes to the first AZ; Redis replicas
    // follow round the list, RDS read replicas start after the primary's AZ (its Multi-AZ standby is
    // placed by RDS).
    it('places every Redis member and RDS read replica in the AZ the Plan AZ order gives it', () => {
      const zones = plan.availabilityZones;
      const groups = resourcesOf(synth.json.data, 'AWS::ElastiCache::ReplicationGroup');
      const services = plan.services.filter((service) => service.kind === 'elasticache');
      expect(groups).toHaveLength(services.length);
      for (const service of services) {
        const [, group] = groups.find(([, candidate]) =>
          String(candidate.Properties!.ReplicationGroupDescription).endsWith(` ${service.role}`),
        )!;
        expect(group.Properties!.PreferredCacheClusterAZs, service.role).toEqual(
          Array.from({ length: service.replicas + 1 }, (_, member) => zones[member % zones.length]),
        );
      }
      // Without RDS (1k: bundled PostgreSQL) there are no replicas, and no database in the templates.
      const readReplicas = plan.services.find((service) => service.kind === 'rds')?.readReplicas ?? 0;
      if (!plan.services.some((service) => service.kind === 'rds'))
        expect(resourcesOf(synth.json.data, 'AWS::RDS::DBInstance')).toEqual([]);
      const replicaZones = resourcesOf(synth.json.data, 'AWS::RDS::DBInstance')
        .filter(([, db]) => db.Properties!.SourceDBInstanceIdentifier)
        .map(
          ([id, db]) => [Number(/ReadReplica(\d+)/.exec(id)![1]), db.Properties!.AvailabilityZone] as const,
        )
        .sort(([a], [b]) => a - b)
        .map(([, zone]) => zone);
      expect(replicaZones).toEqual(
        Array.from({ length: readReplicas }, (_, replica) => zones[(replica + 1) % zones.length]),
      );
    });

    // The ops stack alarms on the edge and backs up the data by tag: it names nothing of compute's
    // (alarmStack puts the alarms on compute resources there), so it is created while the nodes
    // boot, and compute and data name its topic by ARN rather than wait for ops.
    it('creates the ops stack without waiting for compute, nor compute for ops', () => {
      const waitsFor = (kind: StackKind) =>
        synth.environment.stacks[kind].dependencies.map((stack) =>
          STACK_KINDS.find((candidate) => synth.environment.stacks[candidate] === stack),
        );
      expect(waitsFor('ops')).not.toContain('compute');
      expect(waitsFor('compute')).not.toContain('ops');
      expect(waitsFor('data')).not.toContain('ops');
      expect(waitsFor('ops')).toContain('edge');
    });

    // The compute stack creates the NAT gateways and default routes beside the machines: a machine
    // created before them would start downloading with no way out of its private subnet.
    it('creates every machine, node group and build project after the default routes to the NAT gateways', () => {
      const stacks: StackTemplate[] = STACK_KINDS.map((kind) => ({
        name: kind,
        template: synth.json[kind] as StackTemplate['template'],
      }));
      const routes = resourcesOf(synth.json.compute, 'AWS::EC2::Route')
        .filter(([, route]) => route.Properties!.NatGatewayId)
        .map(([id]) => `compute/${id}`);
      expect(routes).toHaveLength(synth.plan.availabilityZones.length);
      const machines = [
        'AWS::EC2::Instance',
        'AWS::AutoScaling::AutoScalingGroup',
        'AWS::EKS::Nodegroup',
        'AWS::CodeBuild::Project',
      ].flatMap((type) => resourcesOf(synth.json.compute, type).map(([id]) => `compute/${id}`));
      expect(machines.length).toBeGreaterThan(0);
      const early = machines.flatMap((machine) =>
        routes
          .filter((route) => !createdAfter(stacks, machine, route))
          .map((route) => `${machine} before ${route}`),
      );
      expect(early).toEqual([]);
    });

    it('keeps every stateful resource in the data stack, but the access-log bucket in the network stack', () => {
      const stateful = [
        'AWS::RDS::DBInstance',
        'AWS::ElastiCache::ReplicationGroup',
        'AWS::S3::Bucket',
        'AWS::EC2::Volume',
        'AWS::SecretsManager::Secret',
      ];
      // The access-log bucket sits in the network stack (which destroy keeps with the data), so
      // that the edge stack's load balancer logs to it without waiting for the data stack.
      const [accessLogs, ...others] = resourcesOf(synth.json.network, 'AWS::S3::Bucket');
      expect(others).toEqual([]);
      expect(JSON.stringify(accessLogs![1].Properties!.BucketName)).toContain('-access-logs-');
      expect(accessLogs![1].DeletionPolicy).toBe('Retain');
      for (const kind of STACK_KINDS.filter((candidate) => !DATA_STACK_KINDS.includes(candidate))) {
        for (const type of stateful.filter((type) => kind !== 'network' || type !== 'AWS::S3::Bucket'))
          expect(resourcesOf(synth.json[kind], type), `${type} in ${kind}`).toEqual([]);
      }
      for (const type of stateful) {
        for (const [id, resource] of resourcesOf(synth.json.data, type)) {
          expect(['Retain', 'Snapshot'], id).toContain(resource.DeletionPolicy);
        }
      }
    });
  },
);

describe('stacks', () => {
  it('are named by stackName() and deploy with no lookups', () => {
    const plan = planFor({ access: { admin: 'bastion' } });
    const synth = synthesize(plan);
    for (const kind of STACK_KINDS) {
      expect(synth.environment.stacks[kind].stackName).toBe(stackName(plan, kind));
    }
    expect(synth.app.synth().manifest.missing ?? []).toEqual([]);
    // The bastion variant: two bastions, in public subnets of the first two AZs.
    expect(templateCensus(synth)).toMatchObject({
      [`bastion@${plan.availabilityZones[0]}/public`]: 1,
      [`bastion@${plan.availabilityZones[1]}/public`]: 1,
    });
  });

  it('refuses a Plan with errors', () => {
    const plan = planFor({ database: { engine: 'aurora-postgresql' } });
    expect(plan.checks.some((check) => check.level === 'error')).toBe(true);
    expect(() => synthesize(plan)).toThrow(/errors/);
  });
});
