/**
 * Security groups and encryption keys built on their own (a Stack with a VPC, no environment): fast
 * enough to check every rule's source, port and description for several kinds of Plan.
 * Everything under test is built in beforeAll, never while the file is collected: mutation testing
 * switches its mutants on in beforeAll, so code run earlier would escape them.
 */
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_SERVICE_ENDPOINTS } from '../../src/catalog/gitlab-chart-services.js';
import { documentedNetworkPaths, type NetworkPath } from '../../src/catalog/network-paths.js';
import { EXPORTER_PORTS, PORTS } from '../../src/catalog/ports.js';
import {
  ComputeKeys,
  EncryptionKeys,
  SecurityGroups,
  type SecurityGroupsProps,
  securityGroupsPropsOf,
  TIERS,
  type Tier,
  tierOfParty,
  tierOfRole,
  tiersOf,
} from '../../src/infra/security.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor, type SpecOverrides } from '../fixtures/plans.js';
import type { Json } from './synth.js';

interface Rule {
  readonly direction: 'in' | 'out';
  /** The tier whose group holds the rule. */
  readonly tier: Tier;
  /** The other end: a tier, or a CIDR. */
  readonly peer: string;
  readonly protocol: string;
  readonly port: number | undefined;
  readonly description: string;
}

interface Built {
  readonly stack: Stack;
  readonly securityGroups: SecurityGroups;
  readonly template: Json;
  readonly rules: Rule[];
}

/** Synthesizes SecurityGroups alone and lists every rule, inline or separate, with tiers for group ids. */
function build(props: Omit<SecurityGroupsProps, 'vpc'> | ((vpc: ec2.IVpc) => SecurityGroupsProps)): Built {
  const stack = new Stack(new App(), 'Network');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2 });
  const securityGroups = new SecurityGroups(
    stack,
    'SecurityGroups',
    typeof props === 'function' ? props(vpc) : { vpc, ...props },
  );
  const template = Template.fromStack(stack).toJSON() as Json;
  const tierOf = new Map<string, Tier>();
  for (const [tier, group] of securityGroups.groups)
    tierOf.set(stack.getLogicalId(group.node.defaultChild as never), tier);
  const tierOfRef = (ref: Json | undefined) => (ref ? tierOf.get(ref['Fn::GetAtt'][0]) : undefined);
  const rules: Rule[] = [];
  const add = (direction: Rule['direction'], tier: Tier | undefined, rule: Json) => {
    expect(tier, JSON.stringify(rule)).toBeDefined();
    if (rule.IpProtocol === 'tcp') expect(rule.FromPort, 'single ports only').toBe(rule.ToPort);
    rules.push({
      direction,
      tier: tier!,
      peer:
        rule.CidrIp ??
        tierOfRef(rule.SourceSecurityGroupId) ??
        tierOfRef(rule.DestinationSecurityGroupId) ??
        'unknown',
      protocol: rule.IpProtocol,
      port: rule.FromPort,
      description: rule.Description,
    });
  };
  for (const [id, resource] of Object.entries(template.Resources as Record<string, Json>)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      for (const rule of properties.SecurityGroupIngress ?? []) add('in', tierOf.get(id), rule);
      for (const rule of properties.SecurityGroupEgress ?? []) add('out', tierOf.get(id), rule);
    }
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress')
      add('in', tierOfRef(properties.GroupId), properties);
    if (resource.Type === 'AWS::EC2::SecurityGroupEgress')
      add('out', tierOfRef(properties.GroupId), properties);
  }
  return { stack, securityGroups, template, rules };
}

const buildPlan = (plan: Plan) => build((vpc) => securityGroupsPropsOf(plan, vpc));

/** `to<-from:port` for every TCP ingress rule into a tier (or all tiers). */
const ingress = (rules: Rule[], to?: Tier) =>
  rules
    .filter((rule) => rule.direction === 'in' && (to === undefined || rule.tier === to))
    .map((rule) => `${rule.tier}<-${rule.peer}:${rule.port}`)
    .sort();

const descriptionOf = (rules: Rule[], to: Tier, from: string, port: number) =>
  rules
    .filter((rule) => rule.direction === 'in' && rule.tier === to && rule.peer === from && rule.port === port)
    .map((rule) => rule.description);

/** CDK's marker rule for a group that may start no connection at all. */
const NO_EGRESS_CIDR = '255.255.255.255/32';

const bastionAccess: SpecOverrides['access'] = {
  admin: 'bastion',
  sshAllowedCidrs: ['198.51.100.0/24', '203.0.113.0/24'],
  bastionSshAllowedCidrs: ['192.0.2.0/28', '192.0.2.64/28'],
};

describe('tierOfRole', () => {
  it('puts each role with machines of its own in its tier', () => {
    expect(tierOfRole('gitlab')).toBe('rails');
    expect(tierOfRole('rails')).toBe('rails');
    for (const role of ['sidekiq', 'gitaly', 'praefect', 'monitoring', 'bastion'] as const)
      expect(tierOfRole(role)).toBe(role);
    for (const role of ['webservice-pool', 'sidekiq-pool', 'supporting-pool'] as const)
      expect(tierOfRole(role)).toBe('kubernetes');
  });

  it('refuses roles that run on managed services', () => {
    for (const role of ['postgres', 'redis', 'consul', 'object-storage'] as const)
      expect(() => tierOfRole(role)).toThrow(`role ${role} has no machines of its own`);
  });
});

describe('tierOfParty', () => {
  it('maps the internet to no tier, and Rails and Sidekiq to the Kubernetes nodes when there are any', () => {
    const all = new Set<Tier>(TIERS);
    expect(tierOfParty('internet', all)).toBeUndefined();
    expect(tierOfParty('rails', all)).toBe('kubernetes');
    expect(tierOfParty('sidekiq', all)).toBe('kubernetes');
    expect(tierOfParty('gitaly', all)).toBe('gitaly');
    const ec2Only = new Set<Tier>(['rails', 'sidekiq', 'gitaly']);
    expect(tierOfParty('rails', ec2Only)).toBe('rails');
    expect(tierOfParty('sidekiq', ec2Only)).toBe('sidekiq');
    expect(tierOfParty('praefect', ec2Only)).toBeUndefined();
    expect(tierOfParty('monitoring', new Set<Tier>(['kubernetes']))).toBeUndefined();
  });
});

describe('tiersOf and securityGroupsPropsOf', () => {
  it('has the managed tiers where the Plan has the services, Praefect and its load balancer with a Gitaly Cluster, Kubernetes with EKS', () => {
    // The 1k node runs PostgreSQL, Redis and Gitaly itself.
    expect([...tiersOf(planFor({ architecture: { size: '1k' } }))].sort()).toEqual([
      'load-balancer',
      'rails',
    ]);
    expect([...tiersOf(planFor({ architecture: { size: 'poc' } }))].sort()).toEqual(
      ['database', 'gitaly', 'load-balancer', 'rails', 'redis'].sort(),
    );
    const cluster = tiersOf(planFor({ architecture: { size: '3k' } }));
    expect(cluster.has('praefect-load-balancer')).toBe(true);
    expect(cluster.has('kubernetes')).toBe(false);
    const hybrid = tiersOf(planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } }));
    expect(hybrid.has('kubernetes')).toBe(true);
    expect(hybrid.has('rails')).toBe(false);
    expect(tiersOf(planFor({ architecture: { size: '2k' } })).has('praefect-load-balancer')).toBe(false);
  });

  it('reads the name, the access ranges and the documented paths from the Plan', () => {
    const vpc = new ec2.Vpc(new Stack(new App(), 'S'), 'Vpc', { natGateways: 0, maxAzs: 1 });
    const plan = planFor({ name: 'gl-prod', architecture: { size: '3k' }, access: bastionAccess });
    const props = securityGroupsPropsOf(plan, vpc);
    expect(props.vpc).toBe(vpc);
    expect(props.environmentName).toBe('gl-prod');
    expect(props.gitSshAllowedCidrs).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
    expect(props.bastionSshAllowedCidrs).toEqual(['192.0.2.0/28', '192.0.2.64/28']);
    expect(props.paths).toEqual(
      documentedNetworkPaths({ gitalyMode: 'cluster', type: 'linux-package', monitoring: true }),
    );
    // Without bastions the bastion ranges open nothing, whatever the spec lists.
    const ssm = planFor({ access: { ...bastionAccess, admin: 'ssm' } });
    expect(securityGroupsPropsOf(ssm, vpc).bastionSshAllowedCidrs).toEqual([]);
    // 1k has no monitoring node, so no scrape paths, and one node, so no KAS between Rails nodes.
    expect(securityGroupsPropsOf(planFor({ architecture: { size: '1k' } }), vpc).paths).toEqual(
      documentedNetworkPaths({
        gitalyMode: 'single',
        type: 'linux-package',
        monitoring: false,
        singleNode: true,
      }),
    );
  });
});

describe('SecurityGroups for a Gitaly Cluster (3k) with bastions', () => {
  const plan = planFor({ name: 'gl-prod', architecture: { size: '3k' }, access: bastionAccess });
  let stack: Stack;
  let securityGroups: SecurityGroups;
  let template: Json;
  let rules: Rule[];
  beforeAll(() => {
    ({ stack, securityGroups, template, rules } = buildPlan(plan));
  });

  it('makes one group per tier, named after the tier, described with the environment', () => {
    const groups = Object.entries(template.Resources as Record<string, Json>).filter(
      ([, resource]) => resource.Type === 'AWS::EC2::SecurityGroup',
    );
    const tiers = TIERS.filter((tier) => tier !== 'kubernetes');
    expect(groups).toHaveLength(tiers.length);
    for (const tier of tiers) {
      const group = securityGroups.forTier(tier);
      expect(group.node.id).toBe(
        tier
          .split('-')
          .map((word) => word[0]!.toUpperCase() + word.slice(1))
          .join(''),
      );
      expect(
        template.Resources[stack.getLogicalId(group.node.defaultChild as never)].Properties.GroupDescription,
      ).toBe(`gl-prod ${tier}`);
    }
    expect(securityGroups.forTier('praefect-load-balancer').node.id).toBe('PraefectLoadBalancer');
  });

  it('finds the group of a role, and refuses a tier the Plan lacks', () => {
    expect(securityGroups.forRole('gitlab')).toBe(securityGroups.forTier('rails'));
    expect(securityGroups.forRole('praefect')).toBe(securityGroups.groups.get('praefect'));
    expect(() => securityGroups.forTier('kubernetes')).toThrow('the Plan has no kubernetes tier');
  });

  it('lets instances start connections, and the data stores and load balancers only their documented ones', () => {
    const allOutbound = rules
      .filter((rule) => rule.direction === 'out' && rule.peer === '0.0.0.0/0' && rule.protocol === '-1')
      .map((rule) => rule.tier)
      .sort();
    expect(allOutbound).toEqual([
      'backup',
      'bastion',
      'gitaly',
      'monitoring',
      'praefect',
      'rails',
      'sidekiq',
    ]);
    const egress = (tier: Tier) =>
      rules
        .filter((rule) => rule.direction === 'out' && rule.tier === tier)
        .map((rule) => (rule.peer === NO_EGRESS_CIDR ? 'none' : `${rule.peer}:${rule.port}`))
        .sort();
    expect(egress('database')).toEqual(['none']);
    expect(egress('redis')).toEqual(['none']);
    expect(egress('load-balancer')).toEqual(
      [
        `rails:${PORTS.http}`,
        `rails:${PORTS.httpRedirect}`,
        `rails:${PORTS.registry}`,
        `rails:${PORTS.ssh}`,
      ].sort(),
    );
    expect(egress('praefect-load-balancer')).toEqual([`praefect:${PORTS.praefect}`]);
  });

  it('admits from the internet only HTTP(S) and the registry at the load balancer, and Git over SSH from the spec ranges', () => {
    const open = rules.filter((rule) => rule.direction === 'in' && rule.peer.includes('/'));
    expect(open.map((rule) => `${rule.tier}<-${rule.peer}:${rule.port}`).sort()).toEqual([
      'bastion<-192.0.2.0/28:22',
      'bastion<-192.0.2.64/28:22',
      'load-balancer<-0.0.0.0/0:443',
      'load-balancer<-0.0.0.0/0:5050',
      'load-balancer<-0.0.0.0/0:80',
      'load-balancer<-198.51.100.0/24:22',
      'load-balancer<-203.0.113.0/24:22',
    ]);
    expect(descriptionOf(rules, 'load-balancer', '0.0.0.0/0', PORTS.https)).toEqual([
      'GitLab over HTTPS from users',
    ]);
    expect(descriptionOf(rules, 'load-balancer', '198.51.100.0/24', PORTS.ssh)).toEqual([
      'Git over SSH from users',
    ]);
    expect(descriptionOf(rules, 'bastion', '192.0.2.64/28', PORTS.ssh)).toEqual([
      'SSH to the bastion from administrators',
    ]);
    // Git hooks and Praefect reach the internal API at the external URL through the NAT gateway:
    // no rule names them at the load balancer.
    expect(ingress(rules, 'load-balancer').filter((rule) => !rule.includes('/'))).toEqual([]);
  });

  it('admits each documented path between tiers once, saying what it is for and who calls', () => {
    expect(ingress(rules, 'gitaly')).toEqual(
      [
        `gitaly<-bastion:${PORTS.ssh}`,
        `gitaly<-gitaly:${PORTS.gitaly}`,
        `gitaly<-praefect:${PORTS.gitaly}`,
        `gitaly<-monitoring:${EXPORTER_PORTS.node}`,
        `gitaly<-monitoring:${EXPORTER_PORTS.gitaly}`,
      ].sort(),
    );
    expect(descriptionOf(rules, 'gitaly', 'gitaly', PORTS.gitaly)).toEqual([
      'Gitaly RPCs between Gitaly servers (replication, object pools), from other gitaly nodes',
    ]);
    expect(descriptionOf(rules, 'gitaly', 'praefect', PORTS.gitaly)).toEqual([
      'Gitaly RPCs routed by Praefect, from praefect',
    ]);
    expect(descriptionOf(rules, 'gitaly', 'bastion', PORTS.ssh)).toEqual([
      'SSH from the bastions (administrators)',
    ]);
    expect(ingress(rules, 'database')).toEqual(
      ['backup', 'rails', 'sidekiq'].map((from) => `database<-${from}:${PORTS.postgres}`),
    );
    expect(descriptionOf(rules, 'database', 'backup', PORTS.postgres)).toEqual([
      'GitLab database, dumped by gitlab-backup, from backup',
    ]);
    // Nothing connects to the backup node but the bastions' SSH.
    expect(ingress(rules, 'backup')).toEqual([`backup<-bastion:${PORTS.ssh}`]);
    // Praefect's own instance: Praefect alone.
    expect(ingress(rules, 'praefect-database')).toEqual([`praefect-database<-praefect:${PORTS.postgres}`]);
    expect(descriptionOf(rules, 'praefect-database', 'praefect', PORTS.postgres)).toEqual([
      'Praefect database, from praefect',
    ]);
    expect(ingress(rules, 'praefect-load-balancer')).toEqual(
      ['backup', 'gitaly', 'rails', 'sidekiq'].map(
        (from) => `praefect-load-balancer<-${from}:${PORTS.praefect}`,
      ),
    );
    const betweenTiers = rules.filter((rule) => rule.direction === 'in' && !rule.peer.includes('/'));
    const keys = betweenTiers.map((rule) => `${rule.tier}<-${rule.peer}:${rule.port}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every rule between tiers is a documented path or the bastions' SSH.
    const documented = new Set(
      documentedNetworkPaths({ gitalyMode: 'cluster', type: 'linux-package', monitoring: true })
        .filter((path) => path.route === 'direct')
        .map((path) => `${path.to}<-${path.from}:${path.port}`),
    );
    for (const key of keys)
      expect(documented.has(key) || key.endsWith(`<-bastion:${PORTS.ssh}`), key).toBe(true);
  });

  it('lets the bastions SSH to every tier of instances and nothing else', () => {
    const fromBastion = rules
      .filter((rule) => rule.direction === 'in' && rule.peer === 'bastion')
      .map((rule) => `${rule.tier}:${rule.port}`)
      .sort();
    expect(fromBastion).toEqual(
      ['backup', 'gitaly', 'monitoring', 'praefect', 'rails', 'sidekiq'].map((t) => `${t}:22`),
    );
  });

  it('acknowledges the open SSH ports on the load balancer and the bastions with reasons', () => {
    const acknowledged = (tier: Tier) =>
      securityGroups
        .forTier(tier)
        .node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
        // cdk-nag findings are CDK annotations, acknowledged under that prefix.
        .map((id) => id.replace(/^Annotation::/, ''))
        .sort();
    const reasons = (['load-balancer', 'bastion'] as const).flatMap((tier) =>
      securityGroups
        .forTier(tier)
        .node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.values(entry.data as Record<string, string>)),
    );
    expect(reasons).toHaveLength(4);
    // A reviewer reads why: each reason names what the port is for and whose ranges it takes.
    for (const reason of reasons) expect(reason).toMatch(/^[A-Z].{40,}[.)]$/);
    expect(reasons.filter((reason) => reason.includes('sshAllowedCidrs'))).toHaveLength(2);
    expect(reasons.filter((reason) => reason.includes('bastionSshAllowedCidrs'))).toHaveLength(2);
    expect(acknowledged('load-balancer')).toEqual(['AwsSolutions-EC23', 'CloudFormation-Validate::W2508']);
    expect(acknowledged('bastion')).toEqual(['AwsSolutions-EC23', 'CloudFormation-Validate::W2508']);
    expect(acknowledged('rails')).toEqual([]);
  });
});

describe('SecurityGroups for Cloud Native Hybrid with bastions', () => {
  const plan = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' }, access: bastionAccess });
  let rules: Rule[];
  beforeAll(() => {
    ({ rules } = buildPlan(plan));
  });

  it('opens one rule for the Rails and Sidekiq pods on the Kubernetes nodes', () => {
    expect(ingress(rules, 'database')).toEqual([`database<-kubernetes:${PORTS.postgres}`]);
    expect(ingress(rules, 'praefect-database')).toEqual([`praefect-database<-praefect:${PORTS.postgres}`]);
    expect(descriptionOf(rules, 'database', 'kubernetes', PORTS.postgres)).toEqual([
      'GitLab database, from the Rails and Sidekiq pods',
    ]);
    expect(ingress(rules, 'redis')).toEqual([`redis<-kubernetes:${PORTS.redis}`]);
    // From the load balancers: the chart's pods on their own ports and readiness ports, no NGINX port.
    const { webservice, registry, kas, 'gitlab-shell': shell } = CHART_SERVICE_ENDPOINTS;
    expect(ingress(rules, 'kubernetes')).toEqual(
      [
        `kubernetes<-bastion:${PORTS.ssh}`,
        ...[
          webservice.podPort,
          registry.podPort,
          registry.readiness.port,
          kas.podPort,
          CHART_SERVICE_ENDPOINTS['kas-k8s-api'].podPort,
          kas.readiness.port,
          shell.podPort,
        ].map((port) => `kubernetes<-load-balancer:${port}`),
      ].sort(),
    );
  });

  it('lets the Kubernetes nodes start connections', () => {
    expect(
      rules.some(
        (rule) => rule.direction === 'out' && rule.tier === 'kubernetes' && rule.peer === '0.0.0.0/0',
      ),
    ).toBe(true);
  });
});

describe('SecurityGroups for the 1k node', () => {
  let securityGroups: SecurityGroups;
  let rules: Rule[];
  beforeAll(() => {
    ({ securityGroups, rules } = buildPlan(planFor({ architecture: { size: '1k' } })));
  });

  it('has only the load balancer and the node, which the load balancer reaches on its target ports alone', () => {
    expect([...securityGroups.groups.keys()].sort()).toEqual(['load-balancer', 'rails']);
    // HTTPS (to NGINX's plain port), the HTTP redirect, Git over SSH and the registry; no KAS port to itself.
    expect(ingress(rules, 'rails')).toEqual(
      [
        `rails<-load-balancer:${PORTS.http}`,
        `rails<-load-balancer:${PORTS.httpRedirect}`,
        `rails<-load-balancer:${PORTS.ssh}`,
        `rails<-load-balancer:${PORTS.registry}`,
      ].sort(),
    );
  });
});

describe('SecurityGroups for one Gitaly (poc) administered through Session Manager', () => {
  let securityGroups: SecurityGroups;
  let rules: Rule[];
  beforeAll(() => {
    ({ securityGroups, rules } = buildPlan(planFor({ architecture: { size: 'poc' } })));
  });

  it('has no bastion, opens no SSH but Git over SSH, and lets Rails reach Gitaly directly', () => {
    expect(securityGroups.groups.has('bastion')).toBe(false);
    expect(
      rules
        .filter((rule) => rule.direction === 'in' && rule.port === PORTS.ssh)
        .map((r) => `${r.tier}<-${r.peer}`)
        .sort(),
    ).toEqual(['load-balancer<-0.0.0.0/0', 'rails<-load-balancer']);
    expect(ingress(rules, 'gitaly')).toEqual(
      [`gitaly<-gitaly:${PORTS.gitaly}`, `gitaly<-rails:${PORTS.gitaly}`].sort(),
    );
    expect(descriptionOf(rules, 'gitaly', 'rails', PORTS.gitaly)).toEqual([
      'Git repositories on Gitaly, from rails',
    ]);
  });
});

describe('SecurityGroups from hand-made props', () => {
  const path = (from: NetworkPath['from'], to: NetworkPath['to'], port: number): NetworkPath => ({
    from,
    to,
    port,
    route: 'direct',
    why: `${from} to ${to}`,
    source: 'referenceArchitecture',
  });
  const base = {
    environmentName: 'hand',
    gitSshAllowedCidrs: [],
    bastionSshAllowedCidrs: [],
  };

  it('drops paths whose ends the environment lacks, from the internet too', () => {
    const { rules } = build({
      ...base,
      tiers: new Set<Tier>(['load-balancer', 'rails', 'database', 'redis']),
      paths: [
        path('internet', 'monitoring', 9090),
        path('praefect', 'database', PORTS.postgres),
        path('rails', 'praefect', PORTS.praefect),
        path('rails', 'database', PORTS.postgres),
      ],
    });
    expect(ingress(rules)).toEqual([`database<-rails:${PORTS.postgres}`]);
  });

  it('opens each path once even when two paths land on the same tiers', () => {
    const { rules } = build({
      ...base,
      tiers: new Set<Tier>(['load-balancer', 'kubernetes', 'database', 'redis', 'gitaly']),
      paths: [
        { ...path('rails', 'database', PORTS.postgres), why: 'first' },
        { ...path('sidekiq', 'database', PORTS.postgres), why: 'second' },
        path('rails', 'redis', PORTS.redis),
        path('gitaly', 'database', PORTS.postgres),
      ],
    });
    expect(ingress(rules)).toEqual(
      [
        `database<-gitaly:${PORTS.postgres}`,
        `database<-kubernetes:${PORTS.postgres}`,
        `redis<-kubernetes:${PORTS.redis}`,
      ].sort(),
    );
    expect(descriptionOf(rules, 'database', 'kubernetes', PORTS.postgres)).toEqual([
      'first, from the Rails and Sidekiq pods',
    ]);
  });

  it('skips paths routed through the public address', () => {
    const { rules } = build({
      ...base,
      tiers: new Set<Tier>(['load-balancer', 'gitaly', 'database', 'redis']),
      paths: [{ ...path('gitaly', 'database', PORTS.postgres), route: 'public-address' }],
    });
    expect(ingress(rules)).toEqual([]);
  });
});

describe('EncryptionKeys', () => {
  const asked: string[] = [];
  let stack: Stack;
  let keys: EncryptionKeys;
  let template: Json;
  let resources: [string, Json][];
  beforeAll(() => {
    stack = new Stack(new App(), 'Data');
    keys = new EncryptionKeys(stack, 'Keys', {
      environmentName: 'gl-prod',
      removalPolicyOf: (id) => {
        asked.push(id);
        return id === 'kms-key-cache' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
      },
    });
    template = Template.fromStack(stack).toJSON() as Json;
    resources = Object.entries(template.Resources as Record<string, Json>);
  });
  const keyOf = (key: { node: { defaultChild?: unknown } }) =>
    template.Resources[stack.getLogicalId(key.node.defaultChild as never)] as Json;

  it('makes one rotated key per kind of data, with an alias and description under the environment', () => {
    const made = [
      [keys.volumes, 'volumes', 'EBS volumes'],
      [keys.database, 'database', 'RDS PostgreSQL'],
      [keys.cache, 'cache', 'ElastiCache'],
      [keys.objectStorage, 'objectstorage', 'S3 object storage'],
      [keys.secrets, 'secrets', 'Secrets Manager secrets'],
    ] as const;
    expect(resources.filter(([, r]) => r.Type === 'AWS::KMS::Key')).toHaveLength(made.length);
    const aliases = resources
      .filter(([, r]) => r.Type === 'AWS::KMS::Alias')
      .map(([, r]) => [r.Properties.AliasName, r.Properties.TargetKeyId['Fn::GetAtt'][0]]);
    for (const [key, suffix, description] of made) {
      const resource = keyOf(key);
      expect(resource.Properties.EnableKeyRotation).toBe(true);
      expect(resource.Properties.Description).toBe(`gl-prod: ${description}`);
      expect(aliases).toContainEqual([
        `alias/gl-prod/${suffix}`,
        stack.getLogicalId(key.node.defaultChild as never),
      ]);
    }
  });

  it("takes each key's deletion behaviour from the Plan by id", () => {
    expect(asked.sort()).toEqual([
      'kms-key-cache',
      'kms-key-database',
      'kms-key-objectstorage',
      'kms-key-secrets',
      'kms-key-volumes',
    ]);
    expect(keyOf(keys.cache).DeletionPolicy).toBe('Delete');
    expect(keyOf(keys.volumes).DeletionPolicy).toBe('Retain');
  });

  it("opens no data key to Auto Scaling: groups launch only root volumes, under the network stack's key", () => {
    for (const key of [keys.volumes, keys.database, keys.cache, keys.objectStorage, keys.secrets])
      expect(JSON.stringify(keyOf(key).Properties.KeyPolicy)).not.toContain('AutoScaling');
  });
});

describe('ComputeKeys', () => {
  const asked: string[] = [];
  let stack: Stack;
  let keys: ComputeKeys;
  let template: Json;
  beforeAll(() => {
    stack = new Stack(new App(), 'Network');
    keys = new ComputeKeys(stack, 'ComputeKeys', {
      environmentName: 'gl-prod',
      kubernetes: true,
      removalPolicyOf: (id) => {
        asked.push(id);
        return RemovalPolicy.RETAIN;
      },
    });
    template = Template.fromStack(stack).toJSON() as Json;
  });
  const keyOf = (key: { node: { defaultChild?: unknown } }) =>
    template.Resources[stack.getLogicalId(key.node.defaultChild as never)] as Json;

  it('makes a rotated, retained root volume key and a Kubernetes secrets key, aliased under the environment', () => {
    expect(asked.sort()).toEqual(['kms-key-kubernetes-secrets', 'kms-key-root-volumes']);
    expect(keys.aliases).toEqual({
      'root-volumes': 'alias/gl-prod/root-volumes',
      'kubernetes-secrets': 'alias/gl-prod/kubernetes-secrets',
    });
    const aliases = Object.values(template.Resources as Record<string, Json>)
      .filter((resource) => resource.Type === 'AWS::KMS::Alias')
      .map((resource) => [resource.Properties.AliasName, resource.Properties.TargetKeyId['Fn::GetAtt'][0]]);
    for (const [key, alias] of [
      [keys.rootVolumes, 'alias/gl-prod/root-volumes'],
      [keys.kubernetesSecrets!, 'alias/gl-prod/kubernetes-secrets'],
    ] as const) {
      expect(keyOf(key).Properties.EnableKeyRotation).toBe(true);
      expect(keyOf(key).DeletionPolicy).toBe('Retain');
      expect(aliases).toContainEqual([alias, stack.getLogicalId(key.node.defaultChild as never)]);
    }
  });

  it('has no Kubernetes secrets key without EKS', () => {
    const bare = new ComputeKeys(new Stack(new App(), 'Bare'), 'ComputeKeys', {
      environmentName: 'gl-prod',
      kubernetes: false,
      removalPolicyOf: () => RemovalPolicy.RETAIN,
    });
    expect(bare.kubernetesSecrets).toBeUndefined();
    expect(bare.aliases).toEqual({ 'root-volumes': 'alias/gl-prod/root-volumes' });
  });

  it('lets only the Auto Scaling service-linked role of this account use and grant the root volume key', () => {
    const statements = keyOf(keys.rootVolumes).Properties.KeyPolicy.Statement as Json[];
    const bySid = new Map(statements.map((statement) => [statement.Sid, statement]));
    const role = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'AWS::AccountId' },
          ':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
        ],
      ],
    };
    const principal = { 'aws:PrincipalArn': role, 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } };
    expect(bySid.get('AutoScalingLaunchesEncryptedVolumes')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Resource: '*',
      Action: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:DescribeKey',
      ],
      Condition: { StringEquals: principal },
    });
    expect(bySid.get('AutoScalingAttachesEncryptedVolumes')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Resource: '*',
      Action: 'kms:CreateGrant',
      Condition: { StringEquals: principal, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    });
    expect(statements).toHaveLength(3);
    expect(JSON.stringify(keyOf(keys.kubernetesSecrets!).Properties.KeyPolicy)).not.toContain('AutoScaling');
  });
});
