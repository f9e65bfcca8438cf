/**
 * Reachability: from the synthesized security groups, which tier reaches which tier on which port,
 * compared with GitLab's documented network paths (src/catalog/network-paths.ts) for the
 * environment's kind. A documented path the groups block fails, and so does any path the groups
 * open beyond it: an extra source, an extra port, a CIDR wider than the spec's.
 *
 * The test reads only templates: which security groups each instance, auto scaling group, node
 * group, database, cache and load balancer uses, and every ingress and egress rule, inline or not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { documentedNetworkPaths, type NetworkParty } from '../../src/catalog/network-paths.js';
import { PORTS } from '../../src/catalog/ports.js';
import { ROLE_TAG } from '../../src/plan/contracts.js';
import { externalLoadBalancer } from '../../src/plan/query.js';
import { STACK_KINDS } from '../../src/plan/stacks.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';
import {
  type CfnResource,
  type Json,
  referencedLogicalId,
  type Synthesized,
  synthesize,
  tagOf,
} from './synth.js';

/** Where members of a Plan role run (the 1k node runs Rails and Sidekiq together as Rails). */
const TIER_OF_ROLE: Record<string, string> = {
  gitlab: 'rails',
  rails: 'rails',
  sidekiq: 'sidekiq',
  gitaly: 'gitaly',
  praefect: 'praefect',
  monitoring: 'monitoring',
  backup: 'backup',
  bastion: 'bastion',
};
const INSTANCE_TIERS = ['rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring', 'backup', 'kubernetes'];
const ANYWHERE = '0.0.0.0/0';

interface Topology {
  /** Security group logical id (network stack) -> the tier whose members use it. */
  readonly tierOfGroup: ReadonlyMap<string, string>;
  /** Problems with membership: resources in no tier, in two, or groups used by nobody. */
  readonly problems: string[];
}

/** All resources of every stack, by logical id (logical ids are unique across this app's stacks). */
function allResources(synth: Synthesized): [string, CfnResource][] {
  return STACK_KINDS.flatMap((kind) => Object.entries(synth.json[kind].Resources));
}

/** Which tiers' groups each member resource uses, read from the resources themselves. */
function topologyOf(synth: Synthesized): Topology {
  const resources = new Map(allResources(synth));
  const groupIds = [...resources].filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroup').map(([id]) => id);
  const ref = (value: unknown) => (value === undefined ? undefined : referencedLogicalId(synth, value));
  // A launch template is named by its id, or (instances) by name with its version's Fn::GetAtt.
  const launchTemplateGroups = (template: Json): unknown[] => {
    const id = ref(template?.LaunchTemplateId ?? template?.Id ?? template?.Version);
    const data = resources.get(id ?? '')?.Properties?.LaunchTemplateData as Json;
    return [
      ...(data?.SecurityGroupIds ?? []),
      ...(data?.NetworkInterfaces ?? []).flatMap((eni: Json) => eni.Groups ?? []),
    ];
  };
  const members: { id: string; tier: string; groups: unknown[] }[] = [];
  for (const [id, resource] of resources) {
    const props = (resource.Properties ?? {}) as Json;
    switch (resource.Type) {
      case 'AWS::EC2::Instance':
        members.push({
          id,
          tier: TIER_OF_ROLE[tagOf(resource, ROLE_TAG) ?? ''] ?? `untagged ${id}`,
          groups: [
            ...(props.SecurityGroupIds ?? []),
            ...(props.NetworkInterfaces ?? []).flatMap((eni: Json) => eni.GroupSet ?? []),
            ...launchTemplateGroups(props.LaunchTemplate),
          ],
        });
        break;
      case 'AWS::AutoScaling::AutoScalingGroup':
        members.push({
          id,
          tier: TIER_OF_ROLE[tagOf(resource, ROLE_TAG) ?? ''] ?? `untagged ${id}`,
          groups: launchTemplateGroups(props.LaunchTemplate),
        });
        break;
      case 'AWS::EKS::Nodegroup':
        members.push({ id, tier: 'kubernetes', groups: launchTemplateGroups(props.LaunchTemplate) });
        break;
      case 'AWS::RDS::DBInstance':
        members.push({
          id,
          tier: tagOf(resource, ROLE_TAG) === 'praefect-postgres' ? 'praefect-database' : 'database',
          groups: props.VPCSecurityGroups ?? [],
        });
        break;
      case 'AWS::ElastiCache::ReplicationGroup':
        members.push({ id, tier: 'redis', groups: props.SecurityGroupIds ?? [] });
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        members.push({
          id,
          tier: props.Scheme === 'internal' ? 'praefect-load-balancer' : 'load-balancer',
          groups: props.SecurityGroups ?? [],
        });
        break;
    }
  }
  const tierOfGroup = new Map<string, string>();
  const problems: string[] = [];
  for (const member of members) {
    // The EKS cluster's own group (EKS creates and manages it) carries control plane traffic only.
    const ours = member.groups.map(ref).filter((id) => id !== undefined && groupIds.includes(id));
    if (ours.length !== 1) problems.push(`${member.id} (${member.tier}) uses ${ours.length} of our groups`);
    for (const group of ours) {
      const known = tierOfGroup.get(group!);
      if (known && known !== member.tier)
        problems.push(`${group} is used by both ${known} and ${member.tier}`);
      tierOfGroup.set(group!, member.tier);
    }
  }
  for (const id of groupIds) if (!tierOfGroup.has(id)) problems.push(`security group ${id} has no members`);
  return { tierOfGroup, problems };
}

interface Reachability {
  /** `from>to:port`, `from` a tier or `cidr:<block>`, for every rule a connection can pass. */
  readonly paths: Set<string>;
  /** Tiers whose members may connect anywhere (egress to 0.0.0.0/0 on every protocol). */
  readonly openOutbound: Set<string>;
  /** Ingress the source's egress blocks, or egress to what no ingress admits: half-open rules. */
  readonly halfOpen: string[];
  /** Every rule's description. */
  readonly descriptions: string[];
}

const portOf = (rule: Json): string =>
  rule.IpProtocol === 'tcp' && rule.FromPort === rule.ToPort
    ? String(rule.FromPort)
    : `${rule.IpProtocol}:${rule.FromPort}-${rule.ToPort}`;

/** Every path the security groups open, ingress checked against the source's egress. */
function reachabilityOf(synth: Synthesized, topology: Topology): Reachability {
  const tier = (value: unknown) => {
    const id = referencedLogicalId(synth, value);
    return topology.tierOfGroup.get(id ?? '') ?? `unknown group ${id ?? JSON.stringify(value)}`;
  };
  const ingress: { to: string; rule: Json }[] = [];
  const egress: { from: string; rule: Json }[] = [];
  for (const [id, resource] of allResources(synth)) {
    const props = (resource.Properties ?? {}) as Json;
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      const own = topology.tierOfGroup.get(id) ?? `unknown group ${id}`;
      for (const rule of props.SecurityGroupIngress ?? []) ingress.push({ to: own, rule });
      for (const rule of props.SecurityGroupEgress ?? []) egress.push({ from: own, rule });
    }
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress')
      ingress.push({ to: tier(props.GroupId), rule: props });
    if (resource.Type === 'AWS::EC2::SecurityGroupEgress')
      egress.push({ from: tier(props.GroupId), rule: props });
  }
  const source = (rule: Json): string =>
    rule.SourceSecurityGroupId !== undefined
      ? tier(rule.SourceSecurityGroupId)
      : rule.CidrIp !== undefined
        ? `cidr:${rule.CidrIp}`
        : rule.CidrIpv6 !== undefined
          ? `cidr:${rule.CidrIpv6}`
          : `prefix-list:${JSON.stringify(rule.SourcePrefixListId)}`;

  const openOutbound = new Set(
    egress.filter(({ rule }) => rule.CidrIp === ANYWHERE && rule.IpProtocol === '-1').map(({ from }) => from),
  );
  // CDK's placeholder on groups that may not connect anywhere: matches no traffic.
  const closed = (rule: Json) =>
    rule.CidrIp === '255.255.255.255/32' && rule.Description === 'Disallow all traffic';
  const egressPaths = new Set(
    egress
      .filter(({ rule }) => !closed(rule) && !(rule.CidrIp === ANYWHERE && rule.IpProtocol === '-1'))
      .map(({ from, rule }) =>
        rule.DestinationSecurityGroupId !== undefined
          ? `${from}>${tier(rule.DestinationSecurityGroupId)}:${portOf(rule)}`
          : `${from}>cidr:${rule.CidrIp ?? rule.CidrIpv6 ?? JSON.stringify(rule.DestinationPrefixListId)}:${portOf(rule)}`,
      ),
  );
  const paths = new Set<string>();
  const halfOpen: string[] = [];
  const admitted = new Set<string>();
  for (const { to, rule } of ingress) {
    const from = source(rule);
    const path = `${from}>${to}:${portOf(rule)}`;
    admitted.add(path);
    if (from.startsWith('cidr:') || openOutbound.has(from) || egressPaths.has(path)) paths.add(path);
    else halfOpen.push(`${path} (admitted, but ${from} may not send it)`);
  }
  for (const path of egressPaths) {
    if (!admitted.has(path)) halfOpen.push(`${path} (sent, but nothing admits it)`);
  }
  const descriptions = [...ingress, ...egress].map(({ rule }) => String(rule.Description));
  return { paths, openOutbound, halfOpen, descriptions };
}

/** What the Plan and GitLab's table say the groups must open, and nothing more. */
function expectedPaths(plan: Plan, tiers: ReadonlySet<string>) {
  const hybrid = plan.architecture.type === 'cloud-native-hybrid';
  const tierOf = (party: NetworkParty) =>
    hybrid && (party === 'rails' || party === 'sidekiq') ? 'kubernetes' : party;
  const documented = documentedNetworkPaths({
    gitalyMode: plan.architecture.gitalyMode,
    type: plan.architecture.type,
    monitoring: plan.nodes.some((node) => node.role === 'monitoring'),
    singleNode: plan.deployNodes.singleNode !== undefined,
  });
  const direct = new Set<string>();
  const viaPublicAddress: { from: string; port: number }[] = [];
  for (const path of documented) {
    const from = path.from === 'internet' ? `cidr:${ANYWHERE}` : tierOf(path.from);
    const to = tierOf(path.to);
    if (!tiers.has(to) || !(from.startsWith('cidr:') || tiers.has(from))) continue;
    if (path.route === 'public-address') viaPublicAddress.push({ from, port: path.port });
    else direct.add(`${from}>${to}:${path.port}`);
  }
  for (const cidr of plan.spec.access.sshAllowedCidrs) direct.add(`cidr:${cidr}>load-balancer:${PORTS.ssh}`);
  if (tiers.has('bastion')) {
    for (const cidr of plan.spec.access.bastionSshAllowedCidrs)
      direct.add(`cidr:${cidr}>bastion:${PORTS.ssh}`);
    for (const target of INSTANCE_TIERS.filter((candidate) => tiers.has(candidate))) {
      direct.add(`bastion>${target}:${PORTS.ssh}`);
    }
  }
  return { direct, viaPublicAddress };
}

const variants = [
  ...allPlans().map(({ combination, plan }) => ({
    name: `${combination.size} ${combination.type} in ${combination.availabilityZones} AZs`,
    plan,
  })),
  {
    // The same environment test/infra/security.test.ts synthesizes, so the two share one synthesis.
    name: '3k linux-package with bastions and narrowed SSH',
    plan: planFor({
      architecture: { size: '3k' },
      access: {
        admin: 'bastion',
        sshAllowedCidrs: ['198.51.100.0/24'],
        bastionSshAllowedCidrs: ['192.0.2.0/28'],
      },
    }),
  },
  {
    name: '2k cloud-native-hybrid with bastions closed',
    plan: planFor({
      architecture: { size: '2k', type: 'cloud-native-hybrid' },
      access: { admin: 'bastion' },
    }),
  },
];

describe.each(variants)('reachability of $name', ({ plan }) => {
  let topology: Topology;
  let reach: Reachability;
  let expected: ReturnType<typeof expectedPaths>;
  beforeAll(() => {
    const synth = synthesize(plan);
    topology = topologyOf(synth);
    reach = reachabilityOf(synth, topology);
    expected = expectedPaths(plan, new Set(topology.tierOfGroup.values()));
  });

  it('puts every instance, group, node group, database, cache and load balancer in exactly its tier', () => {
    expect(topology.problems).toEqual([]);
  });

  it('opens exactly the documented paths: none missing, none extra, no half-open rule', () => {
    const missing = [...expected.direct].filter((path) => !reach.paths.has(path)).sort();
    const extra = [...reach.paths].filter((path) => !expected.direct.has(path)).sort();
    expect({ missing, extra, halfOpen: reach.halfOpen }).toEqual({ missing: [], extra: [], halfOpen: [] });
  });

  it('describes every rule in the characters EC2 accepts', () => {
    // EC2's rule description alphabet; CloudFormation rejects anything else only at deploy time.
    const accepted = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/;
    expect(reach.descriptions.filter((description) => !accepted.test(description))).toEqual([]);
  });

  it("lets only Praefect reach Praefect's database, and Praefect no other database", () => {
    const into = (tier: string) =>
      [...reach.paths].filter((path) => path.endsWith(`>${tier}:${PORTS.postgres}`));
    if (plan.architecture.gitalyMode === 'cluster') {
      expect(into('praefect-database')).toEqual([`praefect>praefect-database:${PORTS.postgres}`]);
    } else {
      expect(topology.tierOfGroup.size).toBeGreaterThan(0);
      expect([...topology.tierOfGroup.values()]).not.toContain('praefect-database');
    }
    expect(into('database').filter((path) => path.startsWith('praefect>'))).toEqual([]);
    // The 1k node's PostgreSQL is bundled: no database tier at all.
    if (plan.deployNodes.singleNode) expect([...topology.tierOfGroup.values()]).not.toContain('database');
    else expect(into('database').length).toBeGreaterThan(0);
  });

  it('lets the Kubernetes pods reach Gitaly or Praefect, the database and Redis, and no other tier', () => {
    const from = (tier: string) =>
      [...reach.paths].filter((path) => path.startsWith(`${tier}>`)).map((path) => path.split('>')[1]!);
    if (plan.architecture.type !== 'cloud-native-hybrid') {
      expect(from('kubernetes')).toEqual([]);
      return;
    }
    // A Gitaly Cluster is reached through Praefect's internal load balancer.
    const git =
      plan.architecture.gitalyMode === 'cluster'
        ? `praefect-load-balancer:${PORTS.praefect}`
        : `gitaly:${PORTS.gitaly}`;
    const targets = new Set(from('kubernetes'));
    for (const needed of [git, `database:${PORTS.postgres}`, `redis:${PORTS.redis}`]) {
      expect(targets, needed).toContain(needed);
    }
    // Besides those: only the pods' own pool (KAS between webservice pods), nothing on the VMs'
    // other ports, never Praefect's database or a Gitaly node behind Praefect.
    const tiers = new Set([...targets].map((target) => target.split(':')[0]));
    expect([...tiers].sort()).toEqual(
      [git.split(':')[0], 'database', 'redis', ...(tiers.has('kubernetes') ? ['kubernetes'] : [])].sort(),
    );
  });

  it('lets the backup node reach the database, Redis and the repositories, and only the bastions reach it', () => {
    const tiers = new Set(topology.tierOfGroup.values());
    const hasBackupNode = plan.nodes.some((node) => node.role === 'backup');
    expect(tiers.has('backup')).toBe(hasBackupNode);
    if (!hasBackupNode) return;
    const git =
      plan.architecture.gitalyMode === 'cluster'
        ? `praefect-load-balancer:${PORTS.praefect}`
        : `gitaly:${PORTS.gitaly}`;
    expect(
      [...reach.paths]
        .filter((path) => path.startsWith('backup>'))
        .map((path) => path.split('>')[1])
        .sort(),
    ).toEqual([git, `database:${PORTS.postgres}`, `redis:${PORTS.redis}`].sort());
    expect([...reach.paths].filter((path) => path.includes('>backup:'))).toEqual(
      tiers.has('bastion') ? [`bastion>backup:${PORTS.ssh}`] : [],
    );
  });

  it('lets Gitaly and Praefect reach the external URL through the public listener', () => {
    for (const { from, port } of expected.viaPublicAddress) {
      expect(reach.openOutbound.has(from), `${from} may connect out`).toBe(true);
      expect(
        reach.paths.has(`cidr:${ANYWHERE}>load-balancer:${port}`),
        `listener ${port} admits everyone`,
      ).toBe(true);
    }
  });
});

describe('the reachability check', () => {
  it('fails on a missing and on an extra path', () => {
    const plan = planFor({ architecture: { size: '3k' } });
    const synth = synthesize(plan);
    const topology = topologyOf(synth);
    const expected = expectedPaths(plan, new Set(topology.tierOfGroup.values()));
    const paths = reachabilityOf(synth, topology).paths;
    expect([...expected.direct].every((path) => paths.has(path))).toBe(true);
    // The same groups judged against a spec that narrows Git over SSH: the open port 22 is extra.
    const narrowed = planFor({
      architecture: { size: '3k' },
      access: { sshAllowedCidrs: ['198.51.100.0/24'] },
    });
    const narrowedExpected = expectedPaths(narrowed, new Set(topology.tierOfGroup.values()));
    expect([...paths].filter((path) => !narrowedExpected.direct.has(path))).toEqual([
      `cidr:${ANYWHERE}>load-balancer:${PORTS.ssh}`,
    ]);
    expect(expected.direct.has(`gitaly>gitaly:${PORTS.gitaly}`)).toBe(true);
    expect(expected.direct.has(`gitaly>praefect:${PORTS.praefect}`)).toBe(true);
  });

  it('opens KAS between web nodes and the registry and redirect ports from the load balancer, no wider (3k linux-package)', () => {
    const synth = synthesize(planFor({ architecture: { size: '3k' } }));
    const paths = reachabilityOf(synth, topologyOf(synth)).paths;
    const on = (port: number) => [...paths].filter((path) => path.endsWith(`:${port}`)).sort();
    expect(on(PORTS.kasPrivateApi)).toEqual([`rails>rails:${PORTS.kasPrivateApi}`]);
    expect(on(PORTS.registry)).toEqual([
      `cidr:${ANYWHERE}>load-balancer:${PORTS.registry}`,
      `load-balancer>rails:${PORTS.registry}`,
    ]);
    expect(on(PORTS.httpRedirect)).toEqual([`load-balancer>rails:${PORTS.httpRedirect}`]);
  });

  it('opens from the load balancers exactly the ports their target groups send to and health-check (2k cloud-native-hybrid)', () => {
    const plan = planFor({ architecture: { size: '2k', type: 'cloud-native-hybrid' } });
    const synth = synthesize(plan);
    const paths = [...reachabilityOf(synth, topologyOf(synth)).paths];
    const edge = externalLoadBalancer(plan)!;
    // Every pod port and health check port the Plan's target groups of pod IPs use, and only those.
    const podPorts = new Set([
      ...edge.listeners
        .filter((listener) => listener.binding)
        .flatMap((l) => [l.targetPort, l.healthCheck.port]),
      ...edge.applicationLoadBalancer!.routes.flatMap((route) => [route.targetPort, route.healthCheck.port]),
    ]);
    const from = (source: string, target: string) =>
      paths
        .filter((path) => path.startsWith(`${source}>${target}:`))
        .map((path) => Number(path.split(':').pop()))
        .sort((a, b) => a - b);
    expect(from('load-balancer', 'kubernetes')).toEqual([...podPorts].sort((a, b) => a - b));
    // The NLB's 80 and 443 reach the ALB beside it; the registry and KAS share 443, no port of their own.
    expect(from('load-balancer', 'load-balancer')).toEqual([PORTS.http, PORTS.https]);
    expect(paths.filter((path) => path.startsWith(`cidr:${ANYWHERE}>`)).sort()).toEqual(
      [PORTS.ssh, PORTS.http, PORTS.https].map((port) => `cidr:${ANYWHERE}>load-balancer:${port}`).sort(),
    );
    expect(paths.filter((path) => path.endsWith(`:${PORTS.kasPrivateApi}`))).toEqual([]);
  });
});
