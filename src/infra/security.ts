/**
 * Network and encryption boundaries: one security group per tier, each ingress naming its source
 * group and port, and one customer-managed KMS key per kind of data.
 *
 * The security groups live in the network stack so that the data, edge and compute stacks can all
 * reference them without a reference cycle (RDS in data and Rails in compute point at each other).
 */
import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EXPORTER_PORTS, PORTS } from '../catalog/ports.js';
import type { RoleId } from '../catalog/types.js';
import type { Plan } from '../plan/types.js';
import { acknowledge } from './common.js';
import type { RemovalPolicyOf } from './removal-policy.js';

export const TIERS = [
  'load-balancer',
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'praefect-load-balancer',
  'database',
  'redis',
  'monitoring',
  'bastion',
  'kubernetes',
] as const;
/** A security boundary: every member shares one security group. */
export type Tier = (typeof TIERS)[number];

/** Which tier a Plan role's machines belong to. */
export function tierOfRole(role: RoleId): Tier {
  switch (role) {
    // The 1k node runs Rails and Sidekiq together behind the load balancer: it is the Rails tier.
    case 'gitlab':
    case 'rails':
      return 'rails';
    case 'sidekiq':
    case 'gitaly':
    case 'praefect':
    case 'monitoring':
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

/**
 * Metrics ports Prometheus scrapes per tier (besides node_exporter), as the Linux package exposes
 * them: Puma, NGINX, gitlab-exporter and Workhorse on Rails; Sidekiq; Gitaly; Praefect.
 */
const METRICS_PORTS: Partial<Record<Tier, readonly number[]>> = {
  rails: [
    EXPORTER_PORTS.puma,
    EXPORTER_PORTS.nginxStatus,
    EXPORTER_PORTS.gitlabExporter,
    EXPORTER_PORTS.workhorse,
  ],
  sidekiq: [EXPORTER_PORTS.sidekiq],
  gitaly: [EXPORTER_PORTS.gitaly],
  praefect: [EXPORTER_PORTS.praefect],
};

/** Tiers whose members run GitLab's Rails code and so talk to PostgreSQL, Redis and Gitaly. */
const APPLICATION_TIERS: readonly Tier[] = ['rails', 'sidekiq', 'kubernetes'];

export interface SecurityGroupsProps {
  /** The Plan deciding which tiers exist. */
  readonly plan: Plan;
  /** The VPC the groups belong to. */
  readonly vpc: ec2.IVpc;
}

export class SecurityGroups extends Construct {
  /** The security group of each tier the Plan has. */
  readonly groups: ReadonlyMap<Tier, ec2.SecurityGroup>;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { plan, vpc } = props;
    const tiers = new Set<Tier>(['load-balancer', 'database', 'redis']);
    for (const node of plan.nodes) tiers.add(tierOfRole(node.role));
    if (plan.services.some((service) => service.kind === 'eks')) tiers.add('kubernetes');
    if (plan.services.some((service) => service.kind === 'nlb' && service.scheme === 'internal')) {
      tiers.add('praefect-load-balancer');
    }

    const groups = new Map<Tier, ec2.SecurityGroup>();
    for (const tier of TIERS.filter((candidate) => tiers.has(candidate))) {
      groups.set(
        tier,
        new ec2.SecurityGroup(this, pascal(tier), {
          vpc,
          description: `${plan.spec.name} ${tier}`,
          // Managed services and load balancers never start connections of their own; load balancers
          // get explicit egress to their targets below.
          allowAllOutbound: !['database', 'redis', 'load-balancer', 'praefect-load-balancer'].includes(tier),
        }),
      );
    }
    this.groups = groups;
    const group = (tier: Tier) => groups.get(tier);
    const allow = (from: Tier, to: Tier, port: number, why: string) => {
      const source = group(from);
      const target = group(to);
      if (source && target) target.connections.allowFrom(source, ec2.Port.tcp(port), why);
    };

    // The public edge: HTTP(S) from anywhere, Git over SSH only from the allowed ranges.
    const loadBalancer = group('load-balancer')!;
    loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(PORTS.https), 'HTTPS from users');
    loadBalancer.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(PORTS.http), 'HTTP from users (redirected)');
    for (const cidr of plan.spec.access.sshAllowedCidrs) {
      loadBalancer.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(PORTS.ssh), 'Git over SSH');
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
    const webTier: Tier = group('kubernetes') ? 'kubernetes' : 'rails';
    allow('load-balancer', webTier, PORTS.http, 'HTTP and health checks from the load balancer');
    allow('load-balancer', webTier, PORTS.ssh, 'Git over SSH from the load balancer');

    for (const client of APPLICATION_TIERS) {
      allow(client, 'database', PORTS.postgres, `PostgreSQL from ${client}`);
      allow(client, 'redis', PORTS.redis, `Redis from ${client}`);
    }
    if (plan.architecture.gitalyMode === 'cluster') {
      allow('praefect', 'database', PORTS.postgres, 'Praefect database');
      for (const client of APPLICATION_TIERS) {
        allow(client, 'praefect-load-balancer', PORTS.praefect, `Praefect from ${client}`);
      }
      allow('praefect-load-balancer', 'praefect', PORTS.praefect, 'Praefect through its load balancer');
      allow('praefect', 'gitaly', PORTS.gitaly, 'Gitaly from Praefect');
    } else {
      for (const client of APPLICATION_TIERS) allow(client, 'gitaly', PORTS.gitaly, `Gitaly from ${client}`);
    }

    if (group('monitoring')) {
      // Managed services publish to CloudWatch instead; EKS pods are scraped inside the cluster.
      for (const tier of ['rails', 'sidekiq', 'gitaly', 'praefect'] as const) {
        for (const port of [EXPORTER_PORTS.node, ...(METRICS_PORTS[tier] ?? [])]) {
          allow('monitoring', tier, port, `Prometheus scrape of ${tier}`);
        }
      }
    }

    const bastion = group('bastion');
    if (bastion) {
      for (const cidr of plan.spec.access.sshAllowedCidrs) {
        bastion.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(PORTS.ssh), 'SSH to the bastion');
      }
      acknowledge(bastion, [
        {
          id: 'CloudFormation-Validate::W2508',
          reason:
            'Bastions exist to accept SSH; the source ranges are spec access.sshAllowedCidrs, chosen by the operator and reported by the Plan when open to the internet.',
        },
        {
          id: 'AwsSolutions-EC23',
          reason:
            "Bastions accept SSH from spec access.sshAllowedCidrs only; when that is 0.0.0.0/0 the Plan reports it and the choice is the operator's.",
        },
      ]);
      for (const tier of ['rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring', 'kubernetes'] as const) {
        allow('bastion', tier, PORTS.ssh, 'SSH from the bastions');
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
  /** EBS volumes: root volumes of every instance and the Gitaly repository volumes. */
  readonly volumes: kms.Key;
  /** RDS storage, snapshots and Performance Insights. */
  readonly database: kms.Key;
  /** ElastiCache data at rest and snapshots. */
  readonly cache: kms.Key;
  /** S3 objects in GitLab's buckets. */
  readonly objectStorage: kms.Key;
  /** Secrets Manager secrets. */
  readonly secrets: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeysProps) {
    super(scope, id);
    const key = (name: string, description: string) =>
      new kms.Key(this, name, {
        alias: `alias/${props.environmentName}/${name.toLowerCase()}`,
        description: `${props.environmentName}: ${description}`,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicyOf(`kms-key-${name.toLowerCase()}`),
      });
    this.volumes = key('Volumes', 'EBS volumes');
    this.database = key('Database', 'RDS PostgreSQL');
    this.cache = key('Cache', 'ElastiCache');
    this.objectStorage = key('ObjectStorage', 'S3 object storage');
    this.secrets = key('Secrets', 'Secrets Manager secrets');

    // Auto scaling groups (Rails, Sidekiq, EKS node groups) launch instances as the Auto Scaling
    // service-linked role, which needs the volume key or the launches fail. The principal is matched
    // by condition because a key policy naming a role that does not exist yet (a fresh account has
    // no such role until its first auto scaling group) is rejected.
    const autoScalingRole = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    this.volumes.addToResourcePolicy(
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
    this.volumes.addToResourcePolicy(
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
}

function pascal(text: string): string {
  return text
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
