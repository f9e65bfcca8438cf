/**
 * Names the layers agree on: infra creates resources under them, config's boot scripts and
 * Prometheus read them on the instances, and the lifecycle commands find what was deployed by them.
 * Plain strings and pure functions, so the lifecycle commands read them without loading CDK.
 */
import type { Arch, NodeBootPlan, Plan } from './types.js';

/**
 * The data services' creation, modelled: RDS Multi-AZ is the slowest, typically 15-20 min (20 here,
 * the first-deploy estimate's figure in src/report/estimate.ts; an estimate, not a measurement of
 * this project), and the bound is half as long again, as for a node's boot below. The compute
 * stack starts beside the data stack, so a node may wait this long at boot for the database.
 */
export const DATA_SERVICE_CREATION = { typicalSeconds: 20 * 60, boundSeconds: 30 * 60 } as const;

/**
 * The slowest boot of a node once the data services exist: the node that migrates, up to 20 min,
 * half as long again (see NODE_BOOT).
 */
const BOOT_WITHOUT_WAITING_BOUND_SECONDS = 30 * 60;

/**
 * A GitLab node's boot, modelled: the boot script installs the Linux package (about 1.3 GB), runs
 * the first `gitlab-ctl reconfigure` and, on the first Rails node of a new version, the database
 * migrations. Typically 10-15 min (12 here), up to 20 min for the node that migrates (the figures of
 * issue "Deployable on real AWS", item 3: estimates, not measurements of this project). The boot
 * itself is bounded at half as long again as the slowest boot, so a slow mirror or a busy database
 * does not abandon a node that would have come up; and a node of a first deploy boots while the
 * data services are created and may wait for them first, so the bound adds theirs: the timeout is
 * derived from both, not guessed. Auto scaling groups hold new nodes in a launch lifecycle hook for
 * at most the bound, CloudFormation waits for boot signals as long, the boot script polls for what
 * it waits on as long, and time estimates use the typical figure: one definition for all four.
 */
export const NODE_BOOT: NodeBootPlan = {
  typicalSeconds: 12 * 60,
  timeoutSeconds: DATA_SERVICE_CREATION.boundSeconds + BOOT_WITHOUT_WAITING_BOUND_SECONDS,
};

/** Name of the launch lifecycle hook on every auto scaling group; the boot script completes it. */
export const LAUNCH_HOOK_NAME = 'gitlab-aws-boot';

/*
 * Tags tie resources to an environment, node and role. IAM conditions, the boot scripts (which find
 * a Gitaly node's data volume by them), Prometheus's EC2 service discovery and the lifecycle
 * commands (which find instances and groups by tag, never by stored id) all read them.
 */
/** Tag naming the environment (the spec's name) on every resource. */
export const ENVIRONMENT_TAG = 'gitlab-aws:environment';
/** Tag naming the Plan role of an instance, volume or auto scaling group. */
export const ROLE_TAG = 'gitlab-aws:role';
/** Tag naming the Plan node (e.g. gitaly-2) of a fixed instance and its data volume. */
export const NODE_TAG = 'gitlab-aws:node';
/** Tag naming the Plan auto scaling group id (e.g. rails) of an auto scaling group. */
export const GROUP_TAG = 'gitlab-aws:group';

/**
 * Tag on the node that runs the scheduled `gitlab-backup`, valued with the environment's name: the
 * ops stack's SSM association targets it, so that it finds the node again after a replacement and
 * never a node of another environment in the account.
 */
export const SCHEDULED_BACKUP_TAG = 'gitlab-aws:scheduled-backup';

/**
 * The tag the data stack puts on exactly what AWS Backup snapshots on the spec's schedule (the RDS
 * primaries, GitLab's and Praefect's, and the data volumes of the Gitaly nodes and of the 1k node;
 * never a read replica), and by which the ops stack's backup selection picks them: the selection
 * then names no data resource, so the ops stack is created beside the data stack rather than after
 * its databases. Valued with the environment's name, and selected by exact match, so that a
 * selection never picks another environment's resources in the same account.
 */
export function awsBackupTag(plan: Pick<Plan, 'spec'>): { readonly key: string; readonly value: string } {
  return { key: 'gitlab-aws:aws-backup', value: plan.spec.name };
}

/** Output of the edge stack holding the external load balancer's DNS name (`deploy` checks the domain resolves to it). */
export const LOAD_BALANCER_DNS_OUTPUT = 'LoadBalancerDnsName';
/**
 * Outputs of the ops stack `backup` reads: it starts on-demand AWS Backup jobs into this vault, as
 * this role.
 */
export const BACKUP_VAULT_OUTPUT = 'BackupVaultName';
export const BACKUP_ROLE_OUTPUT = 'BackupRoleArn';

/**
 * Value a first-boot secret holds until the first node that boots replaces it: a node that reads
 * it knows the secret has not been generated yet. It is not secret; the real value replaces it
 * before anything uses it.
 */
export const FIRST_BOOT_SECRET_PLACEHOLDER = '{"initialized":false}';

/**
 * Version id (PutSecretValue's ClientRequestToken) under which a node stores a first-boot secret it
 * generated: the same for every node, so that storing is a compare-and-set. Secrets Manager creates
 * the version for the first request with the token; a later one with the same value is ignored, and
 * one with another value fails (ResourceExistsException), since a version cannot change. Nodes that
 * generate the secret at the same time race, one value is stored and the others install it. AWS
 * Secrets Manager API reference, PutSecretValue, ClientRequestToken (32 to 64 characters) and Errors;
 * the same in the service model botocore 1.43.11 ships (secretsmanager 2017-10-17, PutSecretValue).
 */
export const FIRST_BOOT_SECRET_VERSION = 'gitlab-aws-first-boot-shared-secret';

/**
 * Tag a first-boot secret carries until its generator has stored the value: IAM lets the generator
 * write the secret only while the tag is there, and the generator removes it right after writing,
 * so nobody (the generator included) can overwrite the value later. Nobody may add the tag back.
 */
export const FIRST_BOOT_PENDING_TAG = 'gitlab-aws:first-boot-pending';

/** A physical name scoped to the environment (the spec's name), so two environments never clash. */
export function resourceName(environmentName: string, suffix: string): string {
  return `${environmentName}-${suffix}`;
}

/**
 * Stands for the deploying account's id in a name the Plan gives (bucket names). Written in
 * CloudFormation's `Fn::Sub` syntax; infra, the boot scripts and the lifecycle commands each put the
 * account in its place with `nameInAccount`, from the stack, the instance identity document and STS.
 */
export const ACCOUNT_ID_PLACEHOLDER = '${AWS::AccountId}';

/** How many characters an AWS account id has (12 digits): what the placeholder stands for in a name's length. */
export const ACCOUNT_ID_LENGTH = 12;

/** A Plan name with the account id in place of its placeholder. */
export function nameInAccount(pattern: string, accountId: string): string {
  return pattern.replaceAll(ACCOUNT_ID_PLACEHOLDER, accountId);
}

/**
 * Alias of the data stack's customer-managed KMS key for one kind of data (`objectstorage`,
 * `volumes`...): the stack names its keys so, and gitlab.rb names the object storage key by it where
 * GitLab encrypts uploads itself (the backup node's `backup_upload_storage_options`).
 */
export function encryptionKeyAlias(environmentName: string, kind: string): string {
  return `alias/${environmentName}/${kind}`;
}

/**
 * SSM parameter holding the GitLab version new instances install: created by the network stack, read
 * by the boot scripts, written by `gitlab-aws upgrade`.
 */
export function gitlabVersionParameterName(plan: Plan): string {
  return `/${plan.spec.name}/gitlab-version`;
}

/**
 * SSM parameter holding the external load balancer's target group ARNs (a StringList), written by
 * the edge stack where a fixed node registers itself (1k) and read by its boot script: the node's
 * stack then names no target group and does not wait for the edge stack's certificate.
 */
export function webTargetGroupsParameterName(plan: Pick<Plan, 'spec'>): string {
  return `/${plan.spec.name}/${WEB_TARGET_GROUPS_PARAMETER}`;
}

/** The last part of `webTargetGroupsParameterName`, by which the deploy estimate finds it. */
export const WEB_TARGET_GROUPS_PARAMETER = 'web-target-groups';

/**
 * CloudWatch Logs group the whole output of the commands run on nodes through SSM Run Command goes
 * to: created by the compute stack, written by the instances, named by the lifecycle commands when
 * they send a command and when one fails.
 */
export function runCommandLogGroupName(plan: Plan): string {
  return `/gitlab-aws/${plan.spec.name}/run-command`;
}

/**
 * SSM parameters holding a fixed node's configuration, created by the compute stack and read by the
 * node's boot script: its settings file (`settings`) and its gitlab.rb (`gitlab-rb`). The user data
 * of a fixed instance names them instead of carrying what they hold, because CloudFormation stops
 * and starts an instance whose user data changes (and cloud-init does not run the script again).
 * An auto scaling group (`nodeId` is then the group id) keeps only its gitlab.rb here, which no
 * longer fits in EC2's 16 KiB of user data beside the rest.
 */
export function nodeConfigurationParameterName(
  plan: Plan,
  nodeId: string,
  part: 'settings' | 'gitlab-rb',
): string {
  return `/${plan.spec.name}/node-configuration/${nodeId}/${part}`;
}

/**
 * SSM parameter holding the Ubuntu image id every instance of an architecture boots. The
 * environment owns it (network stack) so that the image is pinned: Canonical's public "current"
 * parameter moves with every Ubuntu release, and an instance's image is replace-only, so reading
 * that one would replace every fixed node and roll every group on whichever deploy came next.
 */
export function machineImageParameterName(plan: Plan, arch: Arch): string {
  return `/${plan.spec.name}/ubuntu-image/${arch}`;
}

/**
 * Canonical publishes the current Ubuntu 24.04 LTS image id in a public SSM parameter per CPU
 * architecture. The network stack copies it once into the environment's own parameter
 * (`machineImageParameterName`), which the instances read; `upgrade --image` copies it again.
 */
export const UBUNTU_IMAGE_PARAMETER: Readonly<Record<Arch, string>> = {
  x86_64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
  arm64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
};

/** The public hosted zone holding the domain's record: the spec's, else the domain's parent. */
export function publicZoneName(plan: Plan): string {
  const domain = plan.spec.domain;
  return domain.hostedZone ?? domain.name.split('.').slice(1).join('.');
}
