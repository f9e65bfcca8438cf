/**
 * Network and encryption boundaries: one security group per tier, each ingress naming its source
 * group and port as GitLab's network table (catalog/network-paths.ts) has it, and one
 * customer-managed KMS key per kind of data.
 *
 * The security groups live in the network stack so that the data, edge and compute stacks can all
 * reference them without a reference cycle (RDS in data and Rails in compute point at each other).
 */
import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  documentedNetworkPaths,
  NETWORK_PARTIES,
  type NetworkParty,
  type NetworkPath,
} from '../catalog/network-paths.js';
import { PORTS } from '../catalog/ports.js';
import type { RoleId } from '../catalog/types.js';
import { encryptionKeyAlias } from '../plan/contracts.js';
import type { Plan } from '../plan/types.js';
import { acknowledge } from './common.js';
import type { RemovalPolicyOf } from './removal-policy.js';

/** The parties of GitLab's port table inside the VPC, then bastions and Kubernetes nodes. */
export const TIERS = [
  ...NETWORK_PARTIES.filter((party): party is Exclude<NetworkParty, 'internet'> => party !== 'internet'),
  'bastion',
  'kubernetes',
] as const;
/** A security boundary: every member shares one security group. */
export type Tier = (typeof TIERS)[number];

/** Which tier a Plan role's machines belong to. */
export function tierOfRole(role: RoleId): Tier {
  switch (role) {
    // The 1k node runs Rails and Sidekiq (and its bundled stores) behind the load balancer: it is the Rails tier.
    case 'gitlab':
    case 'rails':
      return 'rails';
    case 'sidekiq':
    case 'gitaly':
    case 'praefect':
    case 'monitoring':
    case 'backup':
    case 'bastion':
      return role;
    case 'webservice-pool':
    case 'sidekiq-pool':
    case 'supporting-pool':
      return 'kubernetes';
    default:
      throw new Error(`role ${role} has no machines of its own`);
  }
}

/** Tiers whose members never start connections of their own (load balancers get explicit egress). */
const NO_OUTBOUND: readonly Tier[] = [
  'database',
  'praefect-database',
  'redis',
  'load-balancer',
  'praefect-load-balancer',
];

/** Tiers the bastions reach over SSH: every tier of instances. */
const INSTANCE_TIERS: readonly Tier[] = [
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'monitoring',
  'backup',
  'kubernetes',
];

export interface SecurityGroupsProps {
  /** The VPC the groups belong to. */
  readonly vpc: ec2.IVpc;
  /** The environment's name, which starts each group's description. */
  readonly environmentName: string;
  /** The tiers the environment has members in; a group is made for each. */
  readonly tiers: ReadonlySet<Tier>;
  /** GitLab's documented network paths for this kind of environment (catalog/network-paths.ts). */
  readonly paths: readonly NetworkPath[];
  /** Who may use Git over SSH at the load balancer (spec access.sshAllowedCidrs). */
  readonly gitSshAllowedCidrs: readonly string[];
  /** Who may SSH to the bastions (spec access.bastionSshAllowedCidrs); empty keeps them closed. */
  readonly bastionSshAllowedCidrs: readonly string[];
}

/** The tiers a Plan has members in. */
export function tiersOf(plan: Plan): Set<Tier> {
  // The 1k node runs PostgreSQL and Redis itself: no database or Redis tier then.
  const tiers = new Set<Tier>(['load-balancer']);
  if (plan.services.some((service) => service.kind === 'rds')) tiers.add('database');
  if (plan.services.some((service) => service.kind === 'elasticache')) tiers.add('redis');
  for (const node of plan.nodes) tiers.add(tierOfRole(node.role));
  for (const group of plan.autoScalingGroups) tiers.add(tierOfRole(group.role));
  if (plan.services.some((service) => service.kind === 'eks')) tiers.add('kubernetes');
  if (plan.services.some((service) => service.kind === 'nlb' && service.scheme === 'internal')) {
    tiers.add('praefect-load-balancer');
  }
  if (plan.services.some((service) => service.kind === 'rds' && service.role === 'praefect-postgres')) {
    tiers.add('praefect-database');
  }
  return tiers;
}

/** What SecurityGroups builds from, read from a Plan. */
export function securityGroupsPropsOf(plan: Plan, vpc: ec2.IVpc): SecurityGroupsProps {
  const hasMonitoring = plan.nodes.some((node) => node.role === 'monitoring');
  return {
    vpc,
    environmentName: plan.spec.name,
    tiers: tiersOf(plan),
    paths: documentedNetworkPaths({
      gitalyMode: plan.architecture.gitalyMode,
      type: plan.architecture.type,
      monitoring: hasMonitoring,
      singleNode: plan.deployNodes.singleNode !== undefined,
    }),
    gitSshAllowedCidrs: plan.spec.access.sshAllowedCidrs,
    bastionSshAllowedCidrs:
      plan.spec.access.admin === 'bastion' ? plan.spec.access.bastionSshAllowedCidrs : [],
  };
}

/**
 * Which tier a party of GitLab's network table lives in: with EKS, Rails and Sidekiq are pods on the
 * Kubernetes nodes; `internet` is no tier (its paths are CIDR rules).
 */
export function tierOfParty(party: NetworkParty, tiers: ReadonlySet<Tier>): Tier | undefined {
  if (party === 'internet') return undefined;
  if ((party === 'rails' || party === 'sidekiq') && tiers.has('kubernetes')) return 'kubernetes';
  return tiers.has(party) ? party : undefined;
}

/**
 * One security group per tier, admitting exactly the paths GitLab documents between the tiers the
 * environment has, Git over SSH from the spec's ranges, and SSH from the bastions when there are any.
 */
export class SecurityGroups extends Construct {
  /** The security group of each tier the Plan has. */
  readonly groups: ReadonlyMap<Tier, ec2.SecurityGroup>;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { vpc, tiers } = props;
    const groups = new Map<Tier, ec2.SecurityGroup>();
    for (const tier of TIERS.filter((candidate) => tiers.has(candidate))) {
      groups.set(
        tier,
        new ec2.SecurityGroup(this, pascal(tier), {
          vpc,
          description: `${props.environmentName} ${tier}`,
          // Managed services and load balancers never start connections of their own; load balancers
          // get explicit egress to their targets below.
          allowAllOutbound: !NO_OUTBOUND.includes(tier),
        }),
      );
    }
    this.groups = groups;

    const loadBalancer = groups.get('load-balancer')!;
    const opened = new Set<string>();
    for (const path of props.paths) {
      if (path.from === 'internet') {
        const target = tierOfParty(path.to, tiers);
        if (target) groups.get(target)!.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(path.port), path.why);
        continue;
      }
      // Calls to the external URL leave through the NAT gateway and arrive at the listener that
      // admits everyone; a rule naming the caller's group would never match them.
      if (path.route === 'public-address') continue;
      const from = tierOfParty(path.from, tiers);
      const to = tierOfParty(path.to, tiers);
      // With EKS, Rails and Sidekiq are both pods on the Kubernetes nodes: one rule serves both.
      if (!from || !to || opened.has(`${from}>${to}:${path.port}`)) continue;
      opened.add(`${from}>${to}:${path.port}`);
      const caller =
        from === 'kubernetes' ? 'the Rails and Sidekiq pods' : from === to ? `other ${from} nodes` : from;
      const description = `${path.why}, from ${caller}`;
      groups.get(to)!.connections.allowFrom(groups.get(from)!, ec2.Port.tcp(path.port), description);
      // A group's rule naming itself opens ingress only; a tier without open egress (the NLB passing
      // to the ALB) needs its egress said as well.
      if (from === to && NO_OUTBOUND.includes(from)) {
        groups.get(from)!.addEgressRule(groups.get(from)!, ec2.Port.tcp(path.port), description);
      }
    }

    for (const cidr of props.gitSshAllowedCidrs) {
      loadBalancer.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(PORTS.ssh), 'Git over SSH from users');
    }
    acknowledge(loadBalancer, [
      {
        id: 'CloudFormation-Validate::W2508',
        reason:
          'Port 22 here is Git over SSH to GitLab (gitlab-shell), not a login shell; it is open to spec access.sshAllowedCidrs, which the operator narrows.',
      },
      {
        id: 'AwsSolutions-EC23',
        reason:
          'The internet-facing load balancer serves GitLab to its users on 80/443 from anywhere; port 22 is limited to spec access.sshAllowedCidrs.',
      },
    ]);

    const bastion = groups.get('bastion');
    if (bastion) {
      for (const cidr of props.bastionSshAllowedCidrs) {
        bastion.addIngressRule(
          ec2.Peer.ipv4(cidr),
          ec2.Port.tcp(PORTS.ssh),
          'SSH to the bastion from administrators',
        );
      }
      acknowledge(bastion, [
        {
          id: 'CloudFormation-Validate::W2508',
          reason:
            'Bastions exist to accept SSH; the source ranges are spec access.bastionSshAllowedCidrs, chosen by the operator (none by default).',
        },
        {
          id: 'AwsSolutions-EC23',
          reason:
            "Bastions accept SSH from spec access.bastionSshAllowedCidrs only (none by default); a range open to the internet is the operator's choice.",
        },
      ]);
      for (const tier of INSTANCE_TIERS) {
        const target = groups.get(tier);
        if (target)
          target.connections.allowFrom(
            bastion,
            ec2.Port.tcp(PORTS.ssh),
            'SSH from the bastions (administrators)',
          );
      }
    }
  }

  /** The security group of a tier; throws when the Plan has no such tier. */
  forTier(tier: Tier): ec2.SecurityGroup {
    const group = this.groups.get(tier);
    if (!group) throw new Error(`the Plan has no ${tier} tier`);
    return group;
  }

  /** The security group of a Plan role's machines. */
  forRole(role: RoleId): ec2.SecurityGroup {
    return this.forTier(tierOfRole(role));
  }
}

/** The data keys, as their aliases name them. */
export type DataKeyKind = 'volumes' | 'database' | 'cache' | 'objectstorage' | 'secrets';

/** The alias of an environment's data key: `alias/<environment>/<kind>`. */
export function dataKeyAlias(environmentName: string, kind: DataKeyKind): string {
  return encryptionKeyAlias(environmentName, kind);
}

/** Resource of a grant on a data key named by its alias: any key of the account and region. */
export const KEY_BY_ALIAS_RESOURCE = `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`;

/** How cdk-nag writes that resource in its findings. */
export const KEY_BY_ALIAS_FINDING = 'Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*';

/**
 * A grant's resource and condition for a data key named by its alias (`kms:ResourceAliases`), not
 * by its ARN: the grantee's stack then imports nothing from the data stack, so CloudFormation need
 * not finish the data stack (RDS) before it, and the policy still opens this environment's key only,
 * since an alias name is unique in an account and region. AWS Key Management Service Developer
 * Guide, "Use aliases to control access to KMS keys" (docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html).
 */
export function keyByAlias(
  aliasName: string,
  conditions: Record<string, Record<string, unknown>> = {},
): { resourceArns: string[]; conditions: Record<string, Record<string, unknown>> } {
  return {
    resourceArns: [KEY_BY_ALIAS_RESOURCE],
    conditions: { ...conditions, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliasName } },
  };
}

/** Acknowledges the key/* resource of grants by alias on the principal that holds them. */
export function acknowledgeKeyByAlias(grantee: iam.IGrantable): void {
  if (!(grantee.grantPrincipal instanceof Construct)) return;
  acknowledge(grantee.grantPrincipal, [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'A data key is named by its alias (kms:ResourceAliases condition on key/*), so the stack holding the role imports nothing from the data stack; an alias name is unique in the account and region.',
      appliesTo: [KEY_BY_ALIAS_FINDING],
    },
  ]);
}

export interface EncryptionKeysProps {
  /** The environment's name (the spec's), which prefixes the key aliases. */
  readonly environmentName: string;
  /** What deleting the stack does to each key, by Plan id (`kms-key-<alias suffix>`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/**
 * Customer-managed KMS keys, one per kind of data, so access to each can be granted and audited
 * separately. Keys are retained: deleting a key makes every snapshot and backup it encrypted unreadable.
 */
export class EncryptionKeys extends Construct {
  /** EBS data volumes: the Gitaly repository volumes and the 1k node's (root volumes have ComputeKeys'). */
  readonly volumes: kms.Key;
  /** RDS storage, snapshots and Performance Insights. */
  readonly database: kms.Key;
  /** ElastiCache data at rest and snapshots. */
  readonly cache: kms.Key;
  /** S3 objects in GitLab's buckets. */
  readonly objectStorage: kms.Key;
  /** Secrets Manager secrets. */
  readonly secrets: kms.Key;
  /** The alias of each key (`dataKeyAlias`), which grants from other stacks name it by. */
  readonly aliases: Readonly<Record<DataKeyKind, string>>;

  constructor(scope: Construct, id: string, props: EncryptionKeysProps) {
    super(scope, id);
    this.aliases = {
      volumes: dataKeyAlias(props.environmentName, 'volumes'),
      database: dataKeyAlias(props.environmentName, 'database'),
      cache: dataKeyAlias(props.environmentName, 'cache'),
      objectstorage: dataKeyAlias(props.environmentName, 'objectstorage'),
      secrets: dataKeyAlias(props.environmentName, 'secrets'),
    };
    const key = (name: string, description: string) =>
      new kms.Key(this, name, {
        alias: this.aliases[name.toLowerCase() as DataKeyKind],
        description: `${props.environmentName}: ${description}`,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicyOf(`kms-key-${name.toLowerCase()}`),
      });
    this.volumes = key('Volumes', 'EBS volumes');
    this.database = key('Database', 'RDS PostgreSQL');
    this.cache = key('Cache', 'ElastiCache');
    this.objectStorage = key('ObjectStorage', 'S3 object storage');
    this.secrets = key('Secrets', 'Secrets Manager secrets');
  }
}

/** The keys CloudFormation needs when it launches the compute stack's machines, by alias. */
export type ComputeKeyKind = 'root-volumes' | 'kubernetes-secrets';

export interface ComputeKeysProps {
  /** The environment's name (the spec's), which prefixes the key aliases. */
  readonly environmentName: string;
  /** Whether the Plan has an EKS cluster, whose Kubernetes secrets get a key of their own. */
  readonly kubernetes: boolean;
  /** What deleting the stack does to each key, by Plan id (`kms-key-<kind>`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/**
 * The keys an instance or a cluster is launched with: root volumes (every instance, auto scaling
 * group and EKS node) and, with EKS, the envelope key of Kubernetes secrets. They live in the
 * network stack, which deploys before compute, because EC2 refuses to launch an instance whose
 * volume key does not exist yet: with them in the data stack, compute would wait for RDS. The data
 * stack's volume key keeps encrypting the Gitaly data volumes. Retained like every key: deleting
 * one makes the snapshots and backups it encrypted unreadable.
 */
export class ComputeKeys extends Construct {
  /** Root volumes of every instance. */
  readonly rootVolumes: kms.Key;
  /** Kubernetes secrets in etcd, when the Plan has EKS. */
  readonly kubernetesSecrets?: kms.Key;
  /** The alias of each key, which the compute stack names it by. */
  readonly aliases: Readonly<Partial<Record<ComputeKeyKind, string>>>;

  constructor(scope: Construct, id: string, props: ComputeKeysProps) {
    super(scope, id);
    const key = (kind: ComputeKeyKind, description: string) =>
      new kms.Key(this, pascal(kind), {
        alias: encryptionKeyAlias(props.environmentName, kind),
        description: `${props.environmentName}: ${description}`,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicyOf(`kms-key-${kind}`),
      });
    this.rootVolumes = key('root-volumes', 'EBS root volumes');
    allowAutoScalingLaunches(this.rootVolumes);
    if (props.kubernetes) this.kubernetesSecrets = key('kubernetes-secrets', 'Kubernetes secrets');
    this.aliases = {
      'root-volumes': encryptionKeyAlias(props.environmentName, 'root-volumes'),
      ...(props.kubernetes
        ? { 'kubernetes-secrets': encryptionKeyAlias(props.environmentName, 'kubernetes-secrets') }
        : {}),
    };
  }
}

/**
 * Auto scaling groups (Rails, Sidekiq, EKS node groups) launch instances as the Auto Scaling
 * service-linked role, which needs the root volume key or the launches fail. The principal is
 * matched by condition because a key policy naming a role that does not exist yet (a fresh account
 * has no such role until its first auto scaling group) is rejected.
 */
function allowAutoScalingLaunches(key: kms.Key): void {
  const autoScalingRole = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AutoScalingLaunchesEncryptedVolumes',
      principals: [new iam.AnyPrincipal()],
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:DescribeKey',
      ],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:PrincipalArn': autoScalingRole, 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AutoScalingAttachesEncryptedVolumes',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:PrincipalArn': autoScalingRole, 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
  );
}

function pascal(text: string): string {
  return text
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
