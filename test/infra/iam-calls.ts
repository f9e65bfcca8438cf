/**
 * The AWS calls each instance role's machines make, as IAM sees them: the action, the resource ARN
 * and the context keys the request carries (the resource's tags, kms:ViaService, ...). Read from
 * what the nodes actually do: the boot script (src/config/scripts/boot-node.sh, with the secrets its
 * user data names), GitLab's object storage client, Prometheus's EC2 discovery and the CloudWatch
 * agent. Plus the calls that must never be allowed. Fake world: account 111111111111, the Plan's
 * region, and the resource names the resolver in iam-simulation.test.ts gives.
 */
import { BACKUP_ARCHIVE_SUFFIX, BACKUP_PREFIX, BACKUP_SECRETS_SUFFIX } from '../../src/config/backup.js';
import { renderUserDataParts, secretsRead } from '../../src/config/user-data.js';
import {
  ENVIRONMENT_TAG,
  FIRST_BOOT_PENDING_TAG,
  GROUP_TAG,
  gitlabVersionParameterName,
  NODE_TAG,
  nameInAccount,
  nodeConfigurationParameterName,
  ROLE_TAG,
  webTargetGroupsParameterName,
} from '../../src/plan/contracts.js';
import type { Plan, PlanNode, S3Service, SecretId } from '../../src/plan/types.js';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';

export interface AwsCall {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** What makes the call, for failure messages. */
  readonly why: string;
}

/** Who makes calls: an auto scaling group's machines or one fixed node, with its Plan role. */
export type Caller =
  | {
      readonly kind: 'group';
      readonly role: Plan['autoScalingGroups'][number]['role'];
      readonly groupId: string;
    }
  | { readonly kind: 'node'; readonly role: PlanNode['role']; readonly node: PlanNode };

/** ARNs of the fake world the templates are resolved into. */
export interface FakeWorld {
  readonly region: string;
  readonly stackArn: string;
  secretArn(id: SecretId): string;
  /** ARN of a KMS key by its purpose in the data stack. */
  readonly keys: { readonly secrets: string; readonly volumes: string; readonly objectStorage: string };
  /** The alias of each of those keys, which KMS puts in every request as kms:ResourceAliases. */
  readonly keyAliases: {
    readonly secrets: string;
    readonly volumes: string;
    readonly objectStorage: string;
  };
  volumeArn(nodeId: string): string;
  instanceArn(instanceId: string): string;
  /** ARNs of the external load balancer's target groups. */
  readonly webTargetGroupArns: readonly string[];
  readonly nginxLogGroup?: string;
  /** Name of the log group SSM Run Command output goes to. */
  readonly runCommandLogGroup: string;
}

/** A key of another environment in the same account (its key policy trusts the account, as this one's). */
export const otherEnvironmentKeyArn = (world: Pick<FakeWorld, 'region'>) =>
  `arn:aws:kms:${world.region}:${ACCOUNT}:key/other-environment-key`;

const viaService = (service: string, world: FakeWorld) => ({
  'kms:ViaService': `${service}.${world.region}.amazonaws.com`,
});

/** The aliases a request on one of the data keys carries (KMS sets kms:ResourceAliases from the key's aliases). */
const aliasesOf = (world: FakeWorld, key: keyof FakeWorld['keyAliases']) => ({
  'kms:ResourceAliases': [world.keyAliases[key]],
});

function secretIdsRead(plan: Plan, caller: Caller): SecretId[] {
  if (caller.role === 'bastion') return [];
  return secretsRead(renderedFor(plan, caller).needs!);
}

/** The data endpoint parameters the caller's boot script waits for, as its settings name them. */
function endpointParametersRead(plan: Plan, caller: Caller): string[] {
  if (caller.role === 'bastion') return [];
  const listed = /^GLA_ENDPOINTS='(.*)'$/m.exec(renderedFor(plan, caller).env)?.[1] ?? '';
  return listed
    .split(' ')
    .filter(Boolean)
    .map((entry) => entry.split('|')[1]!);
}

function renderedFor(plan: Plan, caller: Caller) {
  const target =
    caller.kind === 'node'
      ? ({ kind: 'node', node: caller.node } as const)
      : ({
          kind: 'group',
          group: plan.autoScalingGroups.find((group) => group.id === caller.groupId)!,
        } as const);
  return renderUserDataParts(plan, target, {
    praefectLoadBalancerHost: 'praefect.example',
    gitlabVersionParameter: gitlabVersionParameterName(plan),
    signal: { stackName: 'compute', logicalId: 'Node' },
  });
}

/** Whether the caller generates the first-boot secrets: the migrating group, or the 1k node. */
function migrates(plan: Plan, caller: Caller): boolean {
  if (caller.kind === 'node') return isSingleNode(plan, caller);
  return plan.autoScalingGroups.some((g) => g.id === caller.groupId && g.runsDatabaseMigrations);
}

/** Whether the caller is the node that runs the scheduled gitlab-backup. */
function runsScheduledBackup(plan: Plan, caller: Caller): boolean {
  return caller.kind === 'node' && caller.node.id === plan.scheduledBackup.runner;
}

/** Whether the caller is the 1k node, which runs all of GitLab. */
function isSingleNode(plan: Plan, caller: Caller): boolean {
  return caller.kind === 'node' && caller.node.id === plan.deployNodes.singleNode;
}

function bucketsOf(plan: Plan) {
  return plan.services
    .filter((service): service is S3Service => service.kind === 's3')
    .flatMap((s) => s.buckets);
}

/** Tags of a fixed node's instance, as IAM sees them. */
function instanceTags(plan: Plan, node: PlanNode): Record<string, string> {
  return {
    [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: plan.spec.name,
    [`aws:ResourceTag/${ROLE_TAG}`]: node.role,
    [`aws:ResourceTag/${NODE_TAG}`]: node.id,
  };
}

/** An auto scaling group's ARN: CloudFormation names the group, Auto Scaling adds a UUID. */
function groupArn(world: FakeWorld, name: string): string {
  return `arn:aws:autoscaling:${world.region}:${ACCOUNT}:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-123456789abc:autoScalingGroupName/${name}`;
}

/** The tags an auto scaling group of an environment carries, as IAM sees them on a request. */
function groupTags(environment: string, groupId: string): Record<string, string> {
  return {
    [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: environment,
    [`aws:ResourceTag/${GROUP_TAG}`]: groupId,
  };
}

/** The calls a caller's machines make; each must be allowed. */
export function allowedCalls(plan: Plan, caller: Caller, world: FakeWorld): AwsCall[] {
  const calls: AwsCall[] = [
    {
      action: 'cloudformation:SignalResource',
      resource: world.stackArn,
      why: 'boot script signals its result',
    },
  ];
  if (caller.kind === 'node') {
    // A fixed node's boot script reads its settings (and gitlab.rb) from its own parameters.
    const parts = caller.role === 'bastion' ? ['settings' as const] : (['settings', 'gitlab-rb'] as const);
    for (const part of parts) {
      calls.push({
        action: 'ssm:GetParameter',
        resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${nodeConfigurationParameterName(plan, caller.node.id, part)}`,
        why: `boot script reads its ${part}`,
      });
    }
  } else {
    // A group member's settings are in its user data; its gitlab.rb is in its group's parameter.
    calls.push({
      action: 'ssm:GetParameter',
      resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${nodeConfigurationParameterName(plan, caller.groupId, 'gitlab-rb')}`,
      why: 'boot script reads its gitlab-rb',
    });
  }
  if (caller.role === 'bastion') return calls;
  calls.push({
    action: 'ssm:GetParameter',
    resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${gitlabVersionParameterName(plan)}`,
    why: 'boot script reads the GitLab version',
  });
  for (const name of endpointParametersRead(plan, caller)) {
    calls.push({
      action: 'ssm:GetParameter',
      resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${name}`,
      why: `boot script waits for the data endpoint ${name}`,
    });
  }
  for (const id of secretIdsRead(plan, caller)) {
    if (id.startsWith('user-') || id === 'smtp-credentials') {
      // Under the account's aws/secretsmanager key (whose policy allows it): the user's own, SES's.
      calls.push({
        action: 'secretsmanager:GetSecretValue',
        resource: world.secretArn(id),
        why: `boot script reads ${id}`,
      });
      continue;
    }
    calls.push(
      {
        action: 'secretsmanager:GetSecretValue',
        resource: world.secretArn(id),
        why: `boot script reads ${id}`,
      },
      {
        action: 'kms:Decrypt',
        resource: world.keys.secrets,
        context: { ...viaService('secretsmanager', world), ...aliasesOf(world, 'secrets') },
        why: `Secrets Manager decrypts ${id}`,
      },
    );
  }
  if (migrates(plan, caller)) {
    for (const id of ['gitlab-secrets-json', 'ssh-host-keys'] as const) {
      if (!secretIdsRead(plan, caller).includes(id)) continue;
      calls.push(
        {
          action: 'secretsmanager:PutSecretValue',
          resource: world.secretArn(id),
          context: { [`aws:ResourceTag/${FIRST_BOOT_PENDING_TAG}`]: 'true' },
          why: `first boot stores ${id}`,
        },
        {
          action: 'kms:GenerateDataKey',
          resource: world.keys.secrets,
          context: { ...viaService('secretsmanager', world), ...aliasesOf(world, 'secrets') },
          why: `Secrets Manager encrypts ${id}`,
        },
        {
          action: 'secretsmanager:UntagResource',
          resource: world.secretArn(id),
          context: { 'aws:TagKeys': [FIRST_BOOT_PENDING_TAG] },
          why: `first boot closes ${id} after writing it`,
        },
      );
    }
  }
  if (isSingleNode(plan, caller)) {
    // It reads the groups from the edge stack's parameter, by name; they carry the environment's tag.
    calls.push({
      action: 'ssm:GetParameter',
      resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${webTargetGroupsParameterName(plan)}`,
      why: 'boot script reads the target groups it registers with',
    });
    for (const arn of world.webTargetGroupArns) {
      calls.push({
        action: 'elasticloadbalancing:RegisterTargets',
        resource: arn,
        context: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: plan.spec.name },
        why: 'boot script puts the node behind the load balancer',
      });
    }
  }
  // Gitaly nodes and the 1k node take their data volume over from the instance they replace.
  if (caller.kind === 'node' && (caller.role === 'gitaly' || isSingleNode(plan, caller))) {
    const node = caller.node;
    const tags = instanceTags(plan, node);
    const volume = world.volumeArn(node.id);
    calls.push(
      { action: 'ec2:DescribeVolumes', resource: '*', why: 'boot script finds its volume and its holder' },
      {
        action: 'ec2:StopInstances',
        resource: world.instanceArn('i-predecessor'),
        context: tags,
        why: 'boot script stops the instance it replaces',
      },
      {
        action: 'ec2:StartInstances',
        resource: world.instanceArn('i-predecessor'),
        context: tags,
        why: 'a failed takeover starts the instance it replaced again',
      },
      {
        action: 'ec2:DetachVolume',
        resource: volume,
        context: tags,
        why: 'boot script detaches its volume from its predecessor',
      },
      {
        action: 'ec2:DetachVolume',
        resource: world.instanceArn('i-predecessor'),
        context: tags,
        why: 'boot script detaches its volume from its predecessor',
      },
      { action: 'ec2:AttachVolume', resource: volume, context: tags, why: 'boot script attaches its volume' },
      {
        action: 'ec2:AttachVolume',
        resource: world.instanceArn('i-self'),
        context: tags,
        why: 'boot script attaches its volume to itself',
      },
      {
        action: 'kms:CreateGrant',
        resource: world.keys.volumes,
        context: {
          ...viaService('ec2', world),
          ...aliasesOf(world, 'volumes'),
          'kms:GrantIsForAWSResource': 'true',
        },
        why: 'EC2 creates a grant on the volume key to attach the encrypted volume',
      },
      ...['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom'].map(
        (action): AwsCall => ({
          action,
          resource: world.keys.volumes,
          context: { ...viaService('ec2', world), ...aliasesOf(world, 'volumes') },
          why: 'EC2 uses the volume key to attach the encrypted volume',
        }),
      ),
    );
  }
  if (caller.role === 'monitoring') {
    calls.push({ action: 'ec2:DescribeInstances', resource: '*', why: 'Prometheus EC2 service discovery' });
  }
  // The backup node's staging volume comes with its instance: the boot script only finds it. Its
  // archives and their secrets go to the backups bucket, encrypted with the bucket's key.
  if (caller.role === 'backup') {
    const backups = nameInAccount(
      bucketsOf(plan).find((bucket) => bucket.purpose === 'backups')!.bucketName,
      ACCOUNT,
    );
    calls.push(
      { action: 'ec2:DescribeVolumes', resource: '*', why: 'boot script finds its staging volume' },
      ...[BACKUP_ARCHIVE_SUFFIX, BACKUP_SECRETS_SUFFIX].map((suffix) => ({
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${backups}/${BACKUP_PREFIX}1767225600_2026_01_01_19.3.0-ee${suffix}`,
        context: { 's3:ResourceAccount': ACCOUNT },
        why: 'gitlab-backup uploads an archive and its secrets',
      })),
      {
        action: 'kms:GenerateDataKey',
        resource: world.keys.objectStorage,
        context: { ...viaService('s3', world), ...aliasesOf(world, 'objectStorage') },
        why: 'S3 encrypts the archive with the bucket key',
      },
    );
  }
  if (runsScheduledBackup(plan, caller)) {
    calls.push({
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': plan.scheduledBackup.failureMetric.namespace },
      why: 'the scheduled gitlab-backup puts its outcome',
    });
  }
  if (caller.role === 'gitaly' && plan.scheduledBackup.repositoriesServerSide) {
    const backups = bucketsOf(plan).find((bucket) => bucket.purpose === 'backups')!;
    calls.push({
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${nameInAccount(backups.bucketName, ACCOUNT)}/@hashed/6b/86/6b86b273.bundle`,
      context: { 's3:ResourceAccount': ACCOUNT },
      why: 'Gitaly streams a server-side repository backup',
    });
  }
  for (const bucket of bucketsOf(plan).filter((candidate) => candidate.accessRoles.includes(caller.role))) {
    const inAccount = { 's3:ResourceAccount': ACCOUNT };
    const bucketName = nameInAccount(bucket.bucketName, ACCOUNT);
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']) {
      calls.push({
        action,
        resource: `arn:aws:s3:::${bucketName}/some/object`,
        context: inAccount,
        why: `GitLab stores ${bucket.purpose}`,
      });
    }
    calls.push({
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${bucketName}`,
      context: inAccount,
      why: `GitLab lists ${bucket.purpose}`,
    });
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      calls.push({
        action,
        resource: world.keys.objectStorage,
        context: { ...viaService('s3', world), ...aliasesOf(world, 'objectStorage') },
        why: `S3 encrypts ${bucket.purpose}`,
      });
    }
    if (bucket.purpose === 'registry') {
      // The registry's S3 driver uploads image layers in parts and cleans up unfinished uploads
      // (the driver's IAM policy in doc/administration/packages/container_registry.md,
      // skratsch-solutions/gitlabhq 275660d58a4f9d790fce6048d2467cdd1ef20c38).
      for (const action of ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads']) {
        calls.push({
          action,
          resource: `arn:aws:s3:::${bucketName}`,
          context: inAccount,
          why: 'the registry finds and lists its multipart uploads',
        });
      }
      for (const action of ['s3:ListMultipartUploadParts', 's3:AbortMultipartUpload']) {
        calls.push({
          action,
          resource: `arn:aws:s3:::${bucketName}/docker/registry/v2/repositories/x/_uploads/y`,
          context: inAccount,
          why: 'the registry resumes and abandons layer uploads',
        });
      }
    }
  }
  if (caller.kind === 'group') {
    calls.push(
      {
        action: 'autoscaling:DescribeAutoScalingInstances',
        resource: '*',
        why: 'boot script finds its auto scaling group',
      },
      {
        action: 'autoscaling:CompleteLifecycleAction',
        resource: groupArn(world, `compute-${caller.groupId}`),
        context: groupTags(plan.spec.name, caller.groupId),
        why: 'boot script completes its launch hook',
      },
    );
  }
  // The SSM agent sends the output of gitlab-aws's commands there: it looks the group up, makes a
  // stream <command id>/<instance id>/<plugin>/stdout (and stderr) and puts the events.
  const runCommandGroup = `arn:aws:logs:${world.region}:${ACCOUNT}:log-group:${world.runCommandLogGroup}`;
  const runCommandStream = `${runCommandGroup}:log-stream:0b4d5e6f-cmd/i-self/aws-runShellScript/stdout`;
  calls.push(
    {
      action: 'logs:DescribeLogGroups',
      resource: '*',
      why: 'SSM agent finds the Run Command log group',
    },
    {
      action: 'logs:DescribeLogStreams',
      resource: `${runCommandGroup}:*`,
      why: 'SSM agent finds its output stream',
    },
    { action: 'logs:CreateLogStream', resource: runCommandStream, why: 'SSM agent makes its output stream' },
    { action: 'logs:PutLogEvents', resource: runCommandStream, why: 'SSM agent sends command output' },
  );
  if (caller.kind === 'group' && world.nginxLogGroup) {
    const group = plan.autoScalingGroups.find((candidate) => candidate.id === caller.groupId)!;
    if (group.targetGroups.includes('http')) {
      calls.push({
        action: 'logs:PutLogEvents',
        resource: `arn:aws:logs:${world.region}:${ACCOUNT}:log-group:${world.nginxLogGroup}:log-stream:i-self`,
        why: 'CloudWatch agent ships NGINX access logs',
      });
    }
  }
  return calls;
}

/** The calls a caller must never be allowed to make. */
export function deniedCalls(plan: Plan, caller: Caller, world: FakeWorld): AwsCall[] {
  const calls: AwsCall[] = [];
  // Another environment's data endpoints, under the same names but for the environment's.
  for (const name of endpointParametersRead(plan, caller)) {
    calls.push({
      action: 'ssm:GetParameter',
      resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${name.replace(`/${plan.spec.name}/`, `/${plan.spec.name}-other/`)}`,
      why: "read another environment's data endpoint",
    });
  }
  // The backup metric namespace only, and only from the node that runs the scheduled backup.
  calls.push({
    action: 'cloudwatch:PutMetricData',
    resource: '*',
    context: {
      'cloudwatch:namespace': runsScheduledBackup(plan, caller)
        ? 'AWS/EC2'
        : plan.scheduledBackup.failureMetric.namespace,
    },
    why: 'put a metric it does not own',
  });
  // Gitaly and the backup node write the backups bucket, and no other.
  if (caller.role === 'gitaly' || caller.role === 'backup') {
    for (const bucket of bucketsOf(plan).filter(
      (candidate) => !candidate.accessRoles.includes(caller.role),
    )) {
      calls.push({
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${nameInAccount(bucket.bucketName, ACCOUNT)}/some/object`,
        context: { 's3:ResourceAccount': ACCOUNT },
        why: `write the ${bucket.purpose} bucket`,
      });
    }
  }
  // The backup node takes no volume from anybody, and needs no password or key of the web nodes.
  if (caller.kind === 'node' && caller.role === 'backup') {
    const tags = instanceTags(plan, caller.node);
    calls.push(
      {
        action: 'ec2:StopInstances',
        resource: world.instanceArn('i-predecessor'),
        context: tags,
        why: 'stop an instance, even one of its own node',
      },
      {
        action: 'ec2:AttachVolume',
        resource: world.instanceArn('i-self'),
        context: tags,
        why: 'attach a volume to itself',
      },
      ...(['root-password', 'ssh-host-keys'] as const).map((id) => ({
        action: 'secretsmanager:GetSecretValue',
        resource: world.secretArn(id),
        why: `read ${id}, which only the web nodes use`,
      })),
    );
  }
  calls.push({
    action: 'logs:PutLogEvents',
    resource: `arn:aws:logs:${world.region}:${ACCOUNT}:log-group:${world.runCommandLogGroup}-other:log-stream:i-self`,
    why: 'write into a log group other than the Run Command one',
  });
  const reads = secretIdsRead(plan, caller);
  // The user's secrets: those the caller's settings do not reference, and any other of the account.
  for (const secret of plan.externalSecrets ?? []) {
    if (!reads.includes(secret.id)) {
      calls.push({
        action: 'secretsmanager:GetSecretValue',
        resource: world.secretArn(secret.id),
        why: `read ${secret.secret}, which its settings do not reference`,
      });
    }
    calls.push({
      action: 'secretsmanager:GetSecretValue',
      resource: world.secretArn(secret.id).replace(/-[A-Za-z0-9]{6}$/, '-extra-AbCdEf'),
      why: `read a secret whose name starts like ${secret.secret}`,
    });
  }
  if (plan.externalSecrets?.length) {
    calls.push({
      action: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:${world.region}:${ACCOUNT}:secret:unrelated-AbCdEf`,
      why: 'read a secret of the account no setting references',
    });
  }
  for (const id of ['gitlab-secrets-json', 'ssh-host-keys'] as const) {
    // Cloud Native Hybrid has no first-boot secrets: Secrets Manager generates everything.
    if (!plan.secrets.some((secret) => secret.id === id)) continue;
    calls.push(
      {
        action: 'secretsmanager:PutSecretValue',
        resource: world.secretArn(id),
        why: `overwrite ${id} once it has been generated`,
      },
      {
        action: 'secretsmanager:TagResource',
        resource: world.secretArn(id),
        context: { 'aws:TagKeys': [FIRST_BOOT_PENDING_TAG] },
        why: `reopen ${id} for writing`,
      },
    );
    if (!migrates(plan, caller) || !reads.includes(id)) {
      calls.push({
        action: 'secretsmanager:PutSecretValue',
        resource: world.secretArn(id),
        context: { [`aws:ResourceTag/${FIRST_BOOT_PENDING_TAG}`]: 'true' },
        why: `write ${id} without being its generator`,
      });
    }
  }
  // Praefect's database is Praefect's alone: no other node reads its master user's password.
  if (
    caller.role !== 'praefect' &&
    plan.secrets.some((secret) => secret.id === 'praefect-database-password')
  ) {
    calls.push({
      action: 'secretsmanager:GetSecretValue',
      resource: world.secretArn('praefect-database-password'),
      why: "read the password of Praefect's database",
    });
  }
  for (const bucket of bucketsOf(plan)) {
    const bucketName = nameInAccount(bucket.bucketName, ACCOUNT);
    const otherEnvironment = bucketName.replace(plan.spec.name, `${plan.spec.name}-other`);
    calls.push(
      {
        action: 's3:GetObject',
        resource: `arn:aws:s3:::${otherEnvironment}/some/object`,
        context: { 's3:ResourceAccount': ACCOUNT },
        why: `read another environment's ${bucket.purpose}`,
      },
      {
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${bucketName}/some/object`,
        context: { 's3:ResourceAccount': OTHER_ACCOUNT },
        why: `write a same-named ${bucket.purpose} bucket in another account`,
      },
      // The same environment deployed from another account names its buckets after that account.
      ...['s3:GetObject', 's3:PutObject'].map((action) => ({
        action,
        resource: `arn:aws:s3:::${nameInAccount(bucket.bucketName, OTHER_ACCOUNT)}/some/object`,
        context: { 's3:ResourceAccount': OTHER_ACCOUNT },
        why: `touch the ${bucket.purpose} bucket of the same environment in another account`,
      })),
      {
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${nameInAccount(bucket.bucketName, OTHER_ACCOUNT)}`,
        context: { 's3:ResourceAccount': OTHER_ACCOUNT },
        why: `list the ${bucket.purpose} bucket of the same environment in another account`,
      },
    );
  }
  calls.push({
    action: 'ssm:PutParameter',
    resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${
      caller.kind === 'node'
        ? nodeConfigurationParameterName(plan, caller.node.id, 'settings')
        : nodeConfigurationParameterName(plan, caller.groupId, 'gitlab-rb')
    }`,
    why: 'rewrite its own configuration (only a deploy does)',
  });
  calls.push({
    action: 'kms:Decrypt',
    resource: world.keys.volumes,
    context: aliasesOf(world, 'volumes'),
    why: 'decrypt with the volume key outside EC2',
  });
  calls.push({
    action: 'kms:CreateGrant',
    resource: world.keys.volumes,
    context: {
      ...viaService('ec2', world),
      ...aliasesOf(world, 'volumes'),
      'kms:GrantIsForAWSResource': 'false',
    },
    why: 'grant the volume key to a principal of its choosing',
  });
  // Another environment's keys, through the very services this one's are used through.
  const otherKey = otherEnvironmentKeyArn(world);
  const otherAlias = (key: keyof FakeWorld['keyAliases']) => ({
    'kms:ResourceAliases': [
      world.keyAliases[key].replace(`alias/${plan.spec.name}/`, `alias/${plan.spec.name}-other/`),
    ],
  });
  calls.push(
    {
      action: 'kms:Decrypt',
      resource: otherKey,
      context: { ...viaService('secretsmanager', world), ...otherAlias('secrets') },
      why: "decrypt another environment's secrets",
    },
    {
      action: 'kms:Decrypt',
      resource: otherKey,
      context: { ...viaService('s3', world), ...otherAlias('objectStorage') },
      why: "decrypt another environment's objects",
    },
    {
      action: 'kms:CreateGrant',
      resource: otherKey,
      context: { ...viaService('ec2', world), ...otherAlias('volumes'), 'kms:GrantIsForAWSResource': 'true' },
      why: "attach a volume encrypted with another environment's key",
    },
  );
  // Secrets and volumes are granted by name and by tag: another environment's never match.
  for (const secret of plan.secrets) {
    const other = `${plan.spec.name}-other/${secret.name.slice(plan.spec.name.length + 1)}`;
    calls.push({
      action: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:${world.region}:${ACCOUNT}:secret:${other}-AbCdEf`,
      why: `read another environment's ${secret.id}`,
    });
  }
  for (const node of plan.nodes.filter(
    (candidate) => caller.kind === 'node' && candidate.id === caller.node.id,
  )) {
    calls.push({
      action: 'ec2:AttachVolume',
      resource: `arn:aws:ec2:${world.region}:${ACCOUNT}:volume/vol-other-environment`,
      context: {
        ...instanceTags(plan, node),
        [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: `${plan.spec.name}-other`,
      },
      why: `take the volume of ${node.id} of another environment`,
    });
  }
  // No machine may release (or abandon) a booting node of another group or environment, or read
  // another group's gitlab.rb.
  for (const group of plan.autoScalingGroups) {
    if (caller.kind !== 'group' || group.id !== caller.groupId) {
      calls.push({
        action: 'ssm:GetParameter',
        resource: `arn:aws:ssm:${world.region}:${ACCOUNT}:parameter${nodeConfigurationParameterName(plan, group.id, 'gitlab-rb')}`,
        why: `read the gitlab.rb of the ${group.id} group`,
      });
    }
    if (caller.kind !== 'group' || group.id !== caller.groupId) {
      calls.push({
        action: 'autoscaling:CompleteLifecycleAction',
        resource: groupArn(world, `compute-${group.id}`),
        context: groupTags(plan.spec.name, group.id),
        why: `complete the launch hook of the ${group.id} group`,
      });
    }
    calls.push({
      action: 'autoscaling:CompleteLifecycleAction',
      resource: groupArn(world, `other-${group.id}`),
      context: groupTags(`${plan.spec.name}-other`, group.id),
      why: `complete the launch hook of another environment's ${group.id} group`,
    });
  }
  if (!isSingleNode(plan, caller)) {
    for (const arn of world.webTargetGroupArns) {
      calls.push({
        action: 'elasticloadbalancing:RegisterTargets',
        resource: arn,
        context: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: plan.spec.name },
        why: 'put an instance behind the load balancer',
      });
    }
  }
  calls.push(
    {
      action: 'elasticloadbalancing:RegisterTargets',
      resource: `arn:aws:elasticloadbalancing:${world.region}:${ACCOUNT}:targetgroup/other/0123456789abcdef`,
      why: "put an instance in another load balancer's target group",
    },
    {
      action: 'elasticloadbalancing:RegisterTargets',
      resource: `arn:aws:elasticloadbalancing:${world.region}:${ACCOUNT}:targetgroup/other/0123456789abcdef`,
      context: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: `${plan.spec.name}-other` },
      why: "put an instance in another environment's target group",
    },
  );
  const self = caller.kind === 'node' ? caller.node.id : undefined;
  const withVolumes = plan.nodes.filter(
    (node) => node.role === 'gitaly' || node.id === plan.deployNodes.singleNode,
  );
  for (const other of withVolumes.filter((node) => node.id !== self)) {
    calls.push(
      {
        action: 'ec2:StopInstances',
        resource: world.instanceArn(`i-${other.id}`),
        context: instanceTags(plan, other),
        why: `stop ${other.id}`,
      },
      {
        action: 'ec2:StartInstances',
        resource: world.instanceArn(`i-${other.id}`),
        context: instanceTags(plan, other),
        why: `start ${other.id}`,
      },
      {
        action: 'ec2:DetachVolume',
        resource: world.volumeArn(other.id),
        context: instanceTags(plan, other),
        why: `detach ${other.id}'s volume`,
      },
      {
        action: 'ec2:AttachVolume',
        resource: world.volumeArn(other.id),
        context: instanceTags(plan, other),
        why: `take ${other.id}'s volume`,
      },
    );
  }
  return calls;
}
