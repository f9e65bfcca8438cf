/**
 * The commented spec `gitlab-aws init` writes. Every field is shown with its default and a line on
 * what it does, so the file doubles as the spec's documentation.
 */
import type { ArchitectureType, SpecSize } from './choices.js';

export interface SpecTemplateOptions {
  readonly size: SpecSize;
  readonly type: ArchitectureType;
  readonly name?: string;
  readonly region?: string;
  readonly domain?: string;
}

export function renderSpecTemplate(options: SpecTemplateOptions): string {
  const name = options.name ?? 'gitlab-prod';
  const domain = options.domain ?? 'gitlab.example.com';
  const hostedZone = domain.split('.').slice(1).join('.');
  const azs = options.size === 'poc' ? 2 : 3;
  return `# yaml-language-server: $schema=./gitlab-aws.schema.json
# gitlab-aws spec: one GitLab environment on AWS. \`gitlab-aws plan\` shows what it becomes.
name: ${name}                 # prefix of every resource name: a-z, 0-9, dashes, 3-31 characters
region: ${options.region ?? 'us-west-2'}
availabilityZones: ${azs}            # 2 or 3; GitLab recommends 3 (Gitaly Cluster keeps quorum when one AZ is lost)

architecture:
  size: ${options.size}                    # poc | 1k | 2k | 3k | 5k | 10k | 25k | 50k (GitLab reference architectures)
  # rps: { api: 80, web: 5, git: 3 }  # or, instead of size, your peak requests per second: the smallest size covering them
  type: ${options.type}      # linux-package | cloud-native-hybrid (Rails and Sidekiq on EKS)
  cpu: x86                     # x86 | graviton (arm64 where GitLab supports it)

domain:
  name: ${domain}      # what users browse and clone from
  hostedZone: ${hostedZone}          # Route 53 public hosted zone for the record
  # certificateArn: arn:aws:acm:us-west-2:123456789012:certificate/...  # else a DNS-validated one is requested

gitlab:
  edition: ee                  # ee (runs as Free without a license) | ce
  version: "19.3.0"

access:
  admin: ssm                   # ssm (Session Manager, no open port) | bastion (two bastion hosts)
  sshAllowedCidrs: ["0.0.0.0/0"]  # who may use Git over SSH on port 22
  # bastionSshAllowedCidrs: ["203.0.113.0/24"]  # who may SSH to the bastions (none by default)
  # clusterAdminRoleArn: arn:aws:iam::123456789012:role/gitlab-admins  # cloud-native-hybrid: kubectl admin of the EKS cluster

network:
  vpcCidr: 10.0.0.0/16

database:                      # RDS for PostgreSQL, Multi-AZ DB instance
  # instanceClass: db.m6i.large  # override the reference sizing (never a burstable db.t class)
  storageGiB: 100              # grows automatically up to maxStorageGiB (default 4x)
  storageType: gp3             # gp3 | io1 | io2 (io1/io2 need iops)
  backupRetentionDays: 14

redis:                         # ElastiCache (Valkey), Multi-AZ failover
  # nodeType: cache.m7g.large
  clusterMode: false           # GitLab does not support Redis cluster mode

gitaly:
  mode: auto                   # auto (Gitaly Cluster from 3k) | single | cluster
  volumeGiB: 500               # repository volume per Gitaly node, kept when the stack is deleted
  volumeType: gp3              # gp3 | io1 | io2

objectStorage:
  bucketPrefix: gl-            # every bucket name starts with this; IAM grants only these buckets

edge:
  proxyProtocol: false         # pass client addresses to NGINX with the PROXY protocol

backups:
  schedule: cron(0 2 * * ? *)  # AWS Backup of RDS and Gitaly volumes, and gitlab-backup to S3
  retentionDays: 14

monitoring:
  prometheus: true
  # alarmEmail: ops@example.com

cost:                          # assumptions for the cost estimate only
  storageGiB: 1000             # object storage in S3
  egressGiBPerMonth: 500       # internet egress through the NLB and NAT gateways
`;
}
