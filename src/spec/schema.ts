/**
 * The user's spec file (`gitlab-aws.yaml`) as a zod schema.
 *
 * Every object is strict, so a misspelt field is an error (with a suggestion) instead of being
 * silently ignored. Choices gitlab-aws does not support (Aurora, Redis cluster mode, EFS...) are
 * still *accepted* by the schema so that the Plan's checks can explain why they are refused and
 * what to do instead; the schema only rejects what is malformed.
 */
import { z } from 'zod';
import { ARCHITECTURE_TYPES, CPU_FAMILIES, SPEC_SIZES } from './choices.js';
import { extraSettingsProblems, extraSettingsSchema } from './extra-settings.js';
import { runnersSchema } from './runners.js';

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a DNS name such as gitlab.example.com',
  );
const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR block such as 10.0.0.0/16')
  .refine((value) => {
    const [address, bits] = value.split('/');
    return address!.split('.').every((octet) => Number(octet) <= 255) && Number(bits) <= 32;
  }, 'must be an IPv4 CIDR block with octets 0-255 and a prefix length 0-32');
const ebsVolumeType = z.enum(['gp3', 'io1', 'io2']);
const peakRps = z.number().min(0, 'must be 0 or more requests per second').finite();

/*
 * Limits AWS puts on a single field's value. They are checked here, with the other malformed
 * values (exit 2, the line in the file), rather than as plan checks, because they need nothing
 * but the spec; limits that depend on what the plan decides (storage sizes, baseline IOPS) are
 * plan checks under src/plan/checks/aws/.
 */

/**
 * Largest VPC: a prefix of /16 (VPC CIDR blocks are /16 to /28; Amazon VPC User Guide, "VPC CIDR
 * blocks", docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
 */
export const LARGEST_VPC_RANGE_PREFIX = 16;

/**
 * Tag limits (Tagging AWS Resources, "Tag naming limits and requirements",
 * docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions): at most 50 tags
 * per resource, keys of 1-128 and values of 0-256 characters, and the `aws:` prefix (any case) is
 * reserved for AWS.
 */
export const TAG_LIMITS = {
  maxTags: 50,
  maxKeyLength: 128,
  maxValueLength: 256,
  reservedPrefix: 'aws:',
} as const;

/**
 * Why an AWS Backup schedule would be refused, or undefined. EventBridge cron has six fields
 * (minutes hours day-of-month month day-of-week year), and one of day-of-month and day-of-week must
 * be `?` (EventBridge User Guide, "Cron expressions",
 * docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html); AWS Backup runs
 * a rule at most once an hour (AWS Backup Developer Guide, "Backup frequency": at least 60
 * minutes, docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html), so the
 * minutes field is one number.
 */
export function backupScheduleProblem(schedule: string): string | undefined {
  const fields = schedule
    .replace(/^cron\(|\)$/g, '')
    .trim()
    .split(/\s+/);
  if (fields.length !== 6) {
    return `has ${fields.length} fields; AWS Backup needs 6 (minutes hours day-of-month month day-of-week year), such as cron(0 2 * * ? *)`;
  }
  const [minutes, , dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'needs ? in exactly one of day-of-month (3rd field) and day-of-week (5th), such as cron(0 2 * * ? *)';
  }
  if (!/^\d{1,2}$/.test(minutes) || Number(minutes) > 59) {
    return 'runs more than once an hour; AWS Backup runs at most hourly: make the minutes (1st field) one number 0-59';
  }
  return undefined;
}

/** The region of an ACM certificate ARN. */
export const certificateRegion = (arn: string): string => arn.split(':')[3] ?? '';

const specObject = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{2,30}$/,
      'must be 3-31 characters: a lower-case letter, then letters, digits or dashes',
    )
    .describe('Resource name prefix for everything gitlab-aws creates.'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region code such as us-west-2')
    .describe('AWS region to deploy to.'),
  availabilityZones: z
    .union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3' })
    .default(3)
    .describe('Availability zones to spread over: 3 recommended by GitLab, 2 accepted on AWS.'),
  architecture: z
    .strictObject({
      size: z
        .enum(SPEC_SIZES)
        .optional()
        .describe(
          "Reference architecture size, by user count; `poc` is the AWS install guide's small layout. Sized by rps when that is given instead, else 3k.",
        ),
      rps: z
        .strictObject({
          api: peakRps.describe('Peak API requests per second (REST and GraphQL, CI runners included).'),
          web: peakRps.describe('Peak web (browser) requests per second.'),
          git: peakRps.describe('Peak Git requests per second: clones, fetches and pulls over HTTP and SSH.'),
        })
        .optional()
        .describe(
          "Peak requests per second, as GitLab's reference architectures are now sized: the smallest size whose published targets cover all three is used. Give this or size.",
        ),
      type: z
        .enum(ARCHITECTURE_TYPES)
        .default('linux-package')
        .describe('Linux package on EC2 for everything, or Cloud Native Hybrid (stateless parts on EKS).'),
      cpu: z
        .enum(CPU_FAMILIES)
        .default('x86')
        .describe('x86 instances, or arm64 (Graviton) where GitLab supports it.'),
    })
    .superRefine((architecture, context) => {
      // GitLab publishes Cloud Native Hybrid from 2k up, and the poc layout of the AWS install
      // guide is Linux package only (the catalog's reference architectures, src/catalog/index.ts).
      if (
        architecture.type === 'cloud-native-hybrid' &&
        (architecture.size === 'poc' || architecture.size === '1k')
      ) {
        context.addIssue({
          code: 'custom',
          path: ['type'],
          message: `is not available at architecture.size ${architecture.size}: ${
            architecture.size === 'poc'
              ? 'the poc layout is Linux package only'
              : 'GitLab publishes Cloud Native Hybrid from 2k up'
          }; set architecture.size to 2k or larger, or architecture.type to linux-package`,
        });
      }
    })
    .prefault({})
    .describe('Which reference architecture to build: its size, its type and the CPU family.'),
  domain: z
    .strictObject({
      name: hostname.describe('The GitLab host name users browse and clone from.'),
      hostedZone: hostname
        .optional()
        .describe("Route 53 public hosted zone the record goes in; the domain's parent when omitted."),
      certificateArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
          'must be an ACM certificate ARN',
        )
        .optional()
        .describe(
          'An existing ACM certificate for the domain; a DNS-validated one is requested when omitted.',
        ),
    })
    .superRefine((domain, context) => {
      // Route 53 holds a record only at or under its zone's name (Route 53 Developer Guide, "Working
      // with records", docs.aws.amazon.com/Route53/latest/DeveloperGuide/rrsets-working-with.html).
      const zone = domain.hostedZone;
      if (zone !== undefined && zone !== domain.name && !domain.name.endsWith(`.${zone}`)) {
        context.addIssue({
          code: 'custom',
          path: ['hostedZone'],
          message: `is not ${domain.name} or a parent of it, so Route 53 cannot hold its record there; use the zone the name ends with (e.g. ${domain.name.split('.').slice(1).join('.')}) or omit hostedZone`,
        });
      }
    })
    .describe('The name GitLab is reached at, its Route 53 zone and its TLS certificate.'),
  gitlab: z
    .strictObject({
      edition: z
        .enum(['ee', 'ce'])
        .default('ee')
        .describe('Enterprise Edition (works unlicensed as Free) or Community Edition.'),
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/, 'must be a GitLab version such as 19.3.0')
        .default('19.3.0')
        .describe('GitLab version to install, major.minor.patch.'),
      extraSettings: extraSettingsSchema
        .optional()
        .describe(
          'Your own gitlab.rb settings (SSO, LDAP, time zone...), per role or for `all`: setting paths as gitlab.rb writes them, to values; secrets as { secret: <name or ARN>, key: <JSON key> }.',
        ),
    })
    .prefault({})
    .describe('The GitLab package: edition, version and your own gitlab.rb settings.'),
  access: z
    .strictObject({
      admin: z
        .enum(['ssm', 'bastion'])
        .default('ssm')
        .describe('How administrators reach instances: SSM Session Manager, or two bastion hosts.'),
      sshAllowedCidrs: z
        .array(cidr)
        .min(1, 'must list at least one CIDR block')
        .default(['0.0.0.0/0'])
        .describe('Who may reach Git over SSH (port 22) at the load balancer.'),
      bastionSshAllowedCidrs: z
        .array(cidr)
        .default([])
        .describe('Who may SSH to the bastions (admin `bastion`); none by default, so they stay closed.'),
      clusterAdminRoleArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
          'must be an IAM role ARN such as arn:aws:iam::123456789012:role/gitlab-admins',
        )
        .optional()
        .describe(
          'Cloud Native Hybrid: an IAM role given cluster admin on the EKS cluster (an access entry with AmazonEKSClusterAdminPolicy), for the administrators who run kubectl and Helm.',
        ),
    })
    .prefault({})
    .describe('How administrators and Git users reach the environment.'),
  network: z
    .strictObject({
      vpcCidr: cidr
        .refine(
          (value) => Number(value.split('/')[1]) >= LARGEST_VPC_RANGE_PREFIX,
          `is larger than AWS allows: a VPC range is /${LARGEST_VPC_RANGE_PREFIX} to /28; use a /${LARGEST_VPC_RANGE_PREFIX} such as 10.0.0.0/16`,
        )
        .default('10.0.0.0/16')
        .describe("The VPC's address range; it is split into one public and one private subnet per AZ."),
    })
    .prefault({})
    .describe('The VPC gitlab-aws creates.'),
  database: z
    .strictObject({
      engine: z
        .enum(['postgres', 'aurora-postgresql'])
        .default('postgres')
        .describe('`postgres` (RDS for PostgreSQL). `aurora-postgresql` is refused by a check.'),
      deployment: z
        .enum(['multi-az-instance', 'multi-az-cluster'])
        .default('multi-az-instance')
        .describe('RDS deployment: a Multi-AZ DB instance. A Multi-AZ DB cluster is refused by a check.'),
      instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.m6i.large')
        .optional()
        .describe('Override of the RDS instance class the reference architecture implies.'),
      storageGiB: z
        .number()
        .int()
        .min(20)
        .max(65536)
        .default(100)
        .describe('Allocated storage in GiB; storage autoscaling grows it up to maxStorageGiB.'),
      maxStorageGiB: z
        .number()
        .int()
        .min(20)
        .max(65536)
        .optional()
        .describe('Upper bound for storage autoscaling; 4x storageGiB when omitted.'),
      storageType: ebsVolumeType.default('gp3').describe('Storage type.'),
      iops: z
        .number()
        .int()
        .min(1000)
        .max(256000)
        .optional()
        .describe('Provisioned IOPS (io1/io2, or gp3 above its baseline).'),
      backupRetentionDays: z
        .number()
        .int()
        .min(1)
        .max(35)
        .default(14)
        .describe('Days of automated backups to keep (1-35).'),
      readReplicas: z
        .number()
        .int()
        .min(0)
        .max(15)
        .optional()
        .describe(
          'Read replicas for database load balancing; the reference architecture decides when omitted.',
        ),
      proxy: z
        .boolean()
        .default(false)
        .describe('Put RDS Proxy in front of the database (GitLab does not recommend it).'),
    })
    .prefault({})
    .describe('PostgreSQL on Amazon RDS.'),
  redis: z
    .strictObject({
      nodeType: z
        .string()
        .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.m6g.large')
        .optional()
        .describe('Override of the ElastiCache node type the reference architecture implies.'),
      clusterMode: z
        .boolean()
        .default(false)
        .describe('Redis cluster mode; GitLab does not support it, so a check refuses `true`.'),
      serverless: z
        .boolean()
        .default(false)
        .describe('ElastiCache Serverless; not validated by GitLab, so a check refuses `true`.'),
    })
    .prefault({})
    .describe('Redis (Valkey) on Amazon ElastiCache.'),
  gitaly: z
    .strictObject({
      mode: z
        .enum(['auto', 'single', 'cluster'])
        .default('auto')
        .describe('`auto` follows the reference architecture: one Gitaly below 3k, Gitaly Cluster from 3k.'),
      storage: z
        .enum(['ebs', 'efs'])
        .default('ebs')
        .describe(
          'Where repositories live: EBS volumes. `efs` is refused by a check (GitLab strongly discourages it).',
        ),
      nodes: z
        .number()
        .int()
        .min(1)
        .max(99)
        .optional()
        .describe('Gitaly node count override (cluster mode).'),
      praefectNodes: z
        .number()
        .int()
        .min(1)
        .max(99)
        .optional()
        .describe('Praefect node count override (cluster mode).'),
      instanceType: z
        .string()
        .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as m6i.2xlarge')
        .optional()
        .describe('Override of the Gitaly instance type.'),
      volumeGiB: z
        .number()
        .int()
        .min(20)
        .max(65536)
        .default(500)
        .describe("Size of each Gitaly node's repository volume in GiB."),
      volumeType: ebsVolumeType.default('gp3').describe('EBS type of the repository volume.'),
      iops: z
        .number()
        .int()
        .min(3000)
        .max(256000)
        .optional()
        .describe('Provisioned IOPS of the repository volume (gp3 above 3000, io1/io2).'),
      throughputMiBps: z
        .number()
        .int()
        .min(125)
        .max(1000)
        .optional()
        .describe('gp3 throughput in MiB/s (125-1000).'),
    })
    .prefault({})
    .describe('Gitaly, where Git repositories live: one node, or Gitaly Cluster with Praefect.'),
  rails: z
    .strictObject({
      instanceType: z
        .string()
        .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as c6i.8xlarge')
        .optional()
        .describe("Override of the Rails instance type (on 1k: the one node's)."),
      minNodes: z
        .number()
        .int()
        .min(1)
        .max(200)
        .optional()
        .describe('Minimum Rails nodes in the auto scaling group; the reference node count when omitted.'),
      maxNodes: z
        .number()
        .int()
        .min(1)
        .max(400)
        .optional()
        .describe('Maximum Rails nodes in the auto scaling group; twice the minimum when omitted.'),
    })
    .prefault({})
    .describe('The Rails nodes (web and API), in an auto scaling group.'),
  sidekiq: z
    .strictObject({
      instanceType: z
        .string()
        .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as m6i.xlarge')
        .optional()
        .describe('Override of the Sidekiq instance type.'),
    })
    .prefault({})
    .describe('The Sidekiq nodes (background jobs).'),
  objectStorage: z
    .strictObject({
      bucketPrefix: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,19}$/, 'must be up to 20 lower-case letters, digits or dashes')
        .default('gl-')
        .describe('Prefix of every bucket name; IAM policies grant access to this prefix only.'),
    })
    .prefault({})
    .describe("The S3 buckets of GitLab's object storage."),
  edge: z
    .strictObject({
      proxyProtocol: z
        .boolean()
        .default(false)
        .describe('Send the client address to NGINX with the PROXY protocol (NLB target group attribute).'),
    })
    .prefault({})
    .describe('The network load balancer in front of GitLab.'),
  backups: z
    .strictObject({
      schedule: z
        .string()
        .regex(/^cron\(.+\)$/, 'must be an EventBridge cron expression such as cron(0 2 * * ? *)')
        .superRefine((schedule, context) => {
          const problem = backupScheduleProblem(schedule);
          if (problem) context.addIssue({ code: 'custom', message: problem });
        })
        .default('cron(0 2 * * ? *)')
        .describe('AWS Backup schedule (EventBridge cron) for RDS and Gitaly volumes, and `gitlab-backup`.'),
      retentionDays: z.number().int().min(1).max(3650).default(14).describe('Days to keep backups.'),
    })
    .prefault({})
    .describe('Scheduled backups: AWS Backup for RDS and Gitaly volumes, gitlab-backup to S3.'),
  email: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .describe("Send GitLab's e-mail through Amazon SES; on by default when domain.hostedZone is given."),
      from: z
        .email('must be an e-mail address')
        .optional()
        .describe('The From address; gitlab@<domain.name> when omitted. Its domain is verified in SES.'),
      displayName: z.string().min(1).max(100).optional().describe('The From display name.'),
      replyTo: z
        .email('must be an e-mail address')
        .optional()
        .describe('The Reply-To address; noreply@<domain.name> when omitted.'),
    })
    .optional()
    .describe('Outgoing e-mail through Amazon SES.'),
  runners: runnersSchema.prefault({}).describe('A GitLab Runner fleet for CI/CD jobs (off by default).'),
  monitoring: z
    .strictObject({
      prometheus: z
        .boolean()
        .default(true)
        .describe('Run the Prometheus monitoring node of the reference architecture.'),
      alarmEmail: z
        .email('must be an e-mail address')
        .optional()
        .describe('E-mail address subscribed to CloudWatch alarms.'),
    })
    .prefault({})
    .describe('Prometheus and CloudWatch alarms.'),
  cost: z
    .strictObject({
      storageGiB: z
        .number()
        .min(0)
        .default(1000)
        .describe('Assumed object storage in S3, GiB, for the cost estimate.'),
      egressGiBPerMonth: z
        .number()
        .min(0)
        .default(500)
        .describe('Assumed internet egress (and NAT processing) per month, GiB, for the cost estimate.'),
    })
    .prefault({})
    .describe('Usage assumptions for the cost estimate.'),
  tags: z
    .record(z.string(), z.string())
    .superRefine((tags, context) => {
      const keys = Object.keys(tags);
      if (keys.length > TAG_LIMITS.maxTags) {
        context.addIssue({
          code: 'custom',
          message: `with ${keys.length} tags is more than AWS allows on a resource (${TAG_LIMITS.maxTags}); remove ${keys.length - TAG_LIMITS.maxTags}`,
        });
      }
      for (const key of keys) {
        const problem =
          key.length === 0 || key.length > TAG_LIMITS.maxKeyLength
            ? `has tag key "${key}" of ${key.length} characters; AWS allows 1-${TAG_LIMITS.maxKeyLength}: shorten it`
            : key.toLowerCase().startsWith(TAG_LIMITS.reservedPrefix)
              ? `has tag key "${key}"; the aws: prefix is reserved for AWS: rename it`
              : tags[key]!.length > TAG_LIMITS.maxValueLength
                ? `has a value of ${tags[key]!.length} characters for tag "${key}"; AWS allows at most ${TAG_LIMITS.maxValueLength}: shorten it`
                : undefined;
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }
    })
    .default({})
    .describe('Tags applied to every resource.'),
});
/** Whether GitLab sends e-mail through Amazon SES: `email.enabled`, else whether a hosted zone is given. */
export function emailEnabled(spec: Pick<z.output<typeof specObject>, 'email' | 'domain'>): boolean {
  return spec.email?.enabled ?? spec.domain.hostedZone !== undefined;
}

/** The spec, with the limits that span fields (one field judged against another). */
export const specSchema = specObject.superRefine((spec, context) => {
  // SES verifies the From domain with DKIM records gitlab-aws writes into the hosted zone.
  const from = spec.email?.from;
  const zone = spec.domain.hostedZone ?? spec.domain.name.split('.').slice(1).join('.');
  if (from !== undefined && emailEnabled(spec)) {
    const fromDomain = from.split('@')[1]!.toLowerCase();
    if (fromDomain !== zone && !fromDomain.endsWith(`.${zone}`)) {
      context.addIssue({
        code: 'custom',
        path: ['email', 'from'],
        message: `is not in the hosted zone ${zone}, where its DKIM records would go; use an address at ${spec.domain.name} or another name in ${zone}`,
      });
    }
  }
  if (spec.gitlab.extraSettings) {
    const problems = extraSettingsProblems(spec.gitlab.extraSettings, {
      region: spec.region,
      emailEnabled: emailEnabled(spec),
    });
    for (const problem of problems) {
      context.addIssue({
        code: 'custom',
        path: ['gitlab', 'extraSettings', ...problem.path],
        message: problem.message,
        params: { withoutValue: true },
      });
    }
  }
  // The NLB's TLS listener can only use an ACM certificate of its own region (ACM User Guide,
  // "Supported Regions", docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
  const arn = spec.domain.certificateArn;
  if (arn !== undefined && certificateRegion(arn) !== spec.region) {
    context.addIssue({
      code: 'custom',
      path: ['domain', 'certificateArn'],
      message: `is in ${certificateRegion(arn)}, but region is ${spec.region}: the load balancer can only use a certificate from its own region; request or import it in ${spec.region}, or omit certificateArn`,
    });
  }
});

/** A spec as the user writes it (defaults optional). */
export type SpecInput = z.input<typeof specSchema>;
/** A spec with every default applied. */
export type Spec = z.output<typeof specSchema>;
