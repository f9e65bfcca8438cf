/**
 * cloud-init user data per boot target: a `#cloud-config` document whose `write_files` put the
 * node's gitlab.rb, its settings file and the two boot scripts in place, and whose `runcmd` runs the
 * boot script once per instance.
 *
 * Why `#cloud-config` rather than a MIME multipart or a plain shell script: the files are data that
 * cloud-init writes with the right owner and mode before anything runs (gitlab.rb and the settings
 * are root-only from their first byte), `cloud-init schema` can validate the whole document, and
 * the shell scripts stay static files (`scripts/*.sh`, shellchecked) instead of being assembled per node.
 * Every file but the settings file is gzip+base64 encoded (`encoding: gz+b64`) because EC2 caps
 * user data at 16 KiB; `gitlab-aws synth` writes them in clear next to the templates for review.
 *
 * Endpoint values are CloudFormation tokens at synth time: they are only ever interpolated, quoted,
 * into the settings file (never inspected), and gitlab.rb reads them from fact files the boot script
 * writes from it. That keeps tokens out of every compressed file.
 *
 * A fixed node (Gitaly, Praefect, monitoring, bastion) is an EC2 instance, and CloudFormation stops
 * and starts an instance whose user data changes, without cloud-init running it again: a GitLab
 * version or one more Gitaly node would restart every Praefect node and change nothing on it. So a
 * fixed node's user data only bootstraps: it installs the boot script with a settings file naming
 * who the node is and the SSM parameters holding its real settings file and gitlab.rb, which the
 * compute stack creates from `renderNodeConfiguration` and the boot script reads first.
 *
 * An auto scaling group keeps its settings file in its user data (its launch template takes a new
 * version without touching running members, and the group's rolling update replaces them), but its
 * gitlab.rb goes to an SSM parameter too: compressed, Rails' alone took most of EC2's 16 KiB. The
 * settings file carries the sha256 digest of that parameter's value instead (`GLA_CONFIGURATION_DIGEST`),
 * so a change of gitlab.rb still changes the launch template and rolls the group.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { type BootOrderPlan, type BootPhaseId, planBootOrder } from '../plan/boot-order.js';
import {
  ENVIRONMENT_TAG,
  FIRST_BOOT_PENDING_TAG,
  gitlabVersionParameterName,
  NODE_TAG,
  nodeConfigurationParameterName,
  webTargetGroupsParameterName,
} from '../plan/contracts.js';
import { planDataEndpoints } from '../plan/data-endpoints.js';
import { externalLoadBalancer, NODE_DATA_PURPOSES, SCRATCH_DATA_PURPOSES } from '../plan/query.js';
import type { Plan, PlanNode, SecretId } from '../plan/types.js';
import { repositoryServiceAddress } from './backup-node.js';
import {
  BOOT_ENV_PATH,
  BOOT_SCRIPT,
  BOOT_SCRIPT_PATH,
  LOCK_SCRIPT,
  LOCK_SCRIPT_PATH,
  shellQuote,
} from './boot-script.js';
import { databaseOf, targetRole } from './common.js';
import { databaseBootstrap } from './database-bootstrap.js';
import { gitlabRbFor } from './render.js';
import type { DataEndpointRead } from './ruby.js';
import type { BootTarget, RuntimeEndpoints } from './types.js';

/** GitLab's package repository signing key (doc/update/package_signatures.md, omnibus-gitlab 440b1f8). */
export const GITLAB_REPO_KEY_FINGERPRINT = 'F6403F6544A38863DAA0B6E03F01618A51312F3F';
export { BOOT_ENV_PATH, BOOT_SCRIPT_PATH, LOCK_SCRIPT_PATH, shellQuote } from './boot-script.js';
/** EC2's limit on user data. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** Secrets whose value is JSON with the password in a field (RDS-style credentials). */
const JSON_PASSWORD_SECRETS: ReadonlySet<SecretId> = new Set([
  'database-password',
  'praefect-database-password',
]);

/** What a boot target's script needs beyond its gitlab.rb. */
export interface BootNeeds {
  /** Secrets written to root-only files (gitlab.rb reads them; the script uses some itself). */
  readonly secretFiles: readonly SecretId[];
  /** Whether the node installs the shared gitlab-secrets.json. */
  readonly secretsJson: boolean;
  /** Whether the node installs the shared SSH host keys. */
  readonly hostKeys: boolean;
  /** Whether the node may migrate (and so generate the first-boot secrets and bootstrap the database). */
  readonly migrates: boolean;
  /** Whether the node serves the web (readiness check, fast SSH key lookup). */
  readonly web: boolean;
  /** Whether the node is the whole of GitLab (1k): it generates and stores its own shared secrets. */
  readonly singleNode: boolean;
  /** Whether the node is a Praefect node that leaves Praefect's migrations to the deploy node and waits for its schema. */
  readonly praefectSchema: boolean;
}

export function bootNeeds(plan: Plan, target: BootTarget, gitlabRbSecrets: readonly SecretId[]): BootNeeds {
  const role = targetRole(target);
  const migrates = target.kind === 'group' && target.group.runsDatabaseMigrations;
  const web = role === 'rails' || role === 'gitlab';
  const files = new Set<SecretId>(gitlabRbSecrets);
  if (migrates) {
    files.add('database-password');
    files.add('root-password');
  }
  return {
    secretFiles: [...files],
    // Who installs it is the Plan's secret readers: Cloud Native Hybrid has no such secret.
    secretsJson: plan.secrets.some(
      (secret) => secret.id === 'gitlab-secrets-json' && secret.readers.includes(role),
    ),
    hostKeys: web,
    migrates,
    web,
    singleNode: target.kind === 'node' && target.node.id === plan.deployNodes.singleNode,
    praefectSchema:
      role === 'praefect' && target.kind === 'node' && target.node.id !== plan.deployNodes.praefect,
  };
}

/** Every secret id a boot target reads from Secrets Manager. */
export function secretsRead(needs: BootNeeds): SecretId[] {
  return [
    ...new Set<SecretId>([
      ...needs.secretFiles,
      ...(needs.secretsJson ? (['gitlab-secrets-json'] as const) : []),
      ...(needs.hostKeys ? (['ssh-host-keys'] as const) : []),
    ]),
  ];
}

function secretName(plan: Plan, id: SecretId): string {
  const external = plan.externalSecrets?.find((secret) => secret.id === id);
  if (external) return external.secret;
  if (plan.email?.credentialsSecret.id === id) return plan.email.credentialsSecret.name;
  const found = plan.secrets.find((secret) => secret.id === id);
  if (!found) throw new Error(`the Plan has no secret ${id}`);
  return found.name;
}

/**
 * The SSM parameters a boot script reads its settings file and gitlab.rb from. An auto scaling
 * group reads only its gitlab.rb there: its settings stay in its user data, which its launch
 * template takes as a new version without touching a running member.
 */
function configurationParameters(plan: Plan, target: BootTarget, gitlabRb: boolean) {
  const id = target.kind === 'node' ? target.node.id : target.group.id;
  return {
    settings: target.kind === 'node' ? nodeConfigurationParameterName(plan, id, 'settings') : '',
    gitlabRb: gitlabRb ? nodeConfigurationParameterName(plan, id, 'gitlab-rb') : '',
  };
}

/** The sha256 digest (hex) of a configuration parameter's value, as `sha256sum` prints it. */
export function configurationDigest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function settingsFile(values: Readonly<Record<string, string>>): string {
  const lines = Object.entries(values).map(([key, value]) => `${key}=${shellQuote(value)}`);
  // The variables are used by the boot script that sources this file (tests check that both agree).
  return `# gitlab-aws boot settings (no secrets: those are read from Secrets Manager at boot)\n# shellcheck disable=SC2034\n${lines.join('\n')}\n`;
}

/** The JSON key of a secret the boot script writes, or `-` for the whole secret string. */
function secretKey(plan: Plan, id: SecretId): string {
  if (JSON_PASSWORD_SECRETS.has(id)) return 'password';
  return plan.externalSecrets?.find((secret) => secret.id === id)?.key ?? '-';
}

/** One data service a boot waits for: where its endpoint is published, the facts gitlab.rb reads it from, and when. */
export interface EndpointWait {
  readonly read: DataEndpointRead;
  /** The boot step the wait comes before (the Plan's boot order). */
  readonly before: BootPhaseId;
}

const bootOrders = new WeakMap<Plan, BootOrderPlan>();

/**
 * The data services the target's boot script waits for, and before which step: the Plan's boot
 * order decides (src/plan/boot-order.ts), the settings' reads say which facts each endpoint fills.
 */
export function endpointWaits(
  plan: Plan,
  target: BootTarget,
  reads: readonly DataEndpointRead[],
): EndpointWait[] {
  let order = bootOrders.get(plan);
  if (!order) {
    order = planBootOrder(plan);
    bootOrders.set(plan, order);
  }
  const ref =
    target.kind === 'node' ? { kind: 'node', id: target.node.id } : { kind: 'group', id: target.group.id };
  const endpoints = planDataEndpoints(plan);
  return order.waits.flatMap((wait) => {
    if (wait.waiter.kind !== ref.kind || wait.waiter.id !== ref.id) return [];
    const parameter = order.artifacts.find((artifact) => artifact.id === wait.artifact)?.parameter;
    const endpoint = endpoints.find((candidate) => candidate.parameterName === parameter);
    if (!endpoint) return [];
    const read = reads.find((candidate) => candidate.endpoint.parameterName === endpoint.parameterName);
    return [{ read: read ?? { endpoint }, before: wait.before }];
  });
}

function bootEnv(
  plan: Plan,
  target: BootTarget,
  endpoints: RuntimeEndpoints,
  needs: BootNeeds,
  bootstrapFiles: readonly string[],
  facts: ReadonlyMap<string, string>,
  dataEndpoints: readonly EndpointWait[],
  parameters: { readonly settings: string; readonly gitlabRb: string },
  digest: string,
): string {
  const role = targetRole(target);
  const node = target.kind === 'node' ? target.node : undefined;
  const main = databaseOf(plan, 'postgres');
  const praefect = databaseOf(plan, 'praefect-postgres');
  const dataVolume = node?.volumes.find(
    (volume) => NODE_DATA_PURPOSES.has(volume.purpose) || SCRATCH_DATA_PURPOSES.has(volume.purpose),
  );
  const attached = dataVolume !== undefined && SCRATCH_DATA_PURPOSES.has(dataVolume.purpose);
  const external = externalLoadBalancer(plan);
  const rdsEndpoint = (id: 'database' | 'praefect-database') =>
    planDataEndpoints(plan).find((endpoint) => endpoint.id === id);
  const values: Record<string, string> = {
    GLA_ENVIRONMENT: plan.spec.name,
    GLA_ROLE: role,
    GLA_NODE: node ? node.id : target.kind === 'group' ? target.group.id : role,
    GLA_STACK: endpoints.signal.stackName,
    GLA_LOGICAL_ID: endpoints.signal.logicalId,
    GLA_LAUNCH_HOOK: target.kind === 'group' ? target.group.launchHookName : '',
    GLA_PACKAGE: plan.gitlab.packageName,
    GLA_EDITION: plan.gitlab.edition,
    GLA_VERSION: plan.gitlab.version,
    GLA_VERSION_PARAMETER: gitlabVersionParameterName(plan),
    GLA_REPO_KEY_FINGERPRINT: GITLAB_REPO_KEY_FINGERPRINT,
    GLA_SECRETS: needs.secretFiles
      .map((id) => `${id}|${secretName(plan, id)}|${secretKey(plan, id)}`)
      .join(' '),
    GLA_SECRETS_JSON_NAME: needs.secretsJson ? secretName(plan, 'gitlab-secrets-json') : '',
    GLA_HOST_KEYS_NAME: needs.hostKeys ? secretName(plan, 'ssh-host-keys') : '',
    GLA_MIGRATES: needs.migrates ? 'yes' : 'no',
    GLA_WEB: needs.web ? 'yes' : 'no',
    GLA_SINGLE_NODE: needs.singleNode ? 'yes' : 'no',
    GLA_PRAEFECT_SCHEMA_WAIT: needs.praefectSchema ? 'yes' : 'no',
    GLA_TARGET_GROUPS_PARAMETER: needs.singleNode ? webTargetGroupsParameterName(plan) : '',
    GLA_PROXY_PROTOCOL: needs.web && external?.kind === 'nlb' && external.proxyProtocol ? 'yes' : 'no',
    // Where psql connects: the database's stable name, as gitlab.rb has it.
    GLA_DB_HOST: needs.migrates ? (rdsEndpoint('database')?.stableHost ?? '') : '',
    GLA_DB_PORT: needs.migrates ? String(rdsEndpoint('database')?.port ?? '') : '',
    GLA_DB_NAME: main?.name ?? '',
    GLA_DB_USER: main?.user ?? '',
    // Praefect's own instance, which only Praefect nodes reach.
    GLA_PRAEFECT_DB_HOST: role === 'praefect' ? (rdsEndpoint('praefect-database')?.stableHost ?? '') : '',
    GLA_PRAEFECT_DB_PORT: role === 'praefect' ? String(rdsEndpoint('praefect-database')?.port ?? '') : '',
    GLA_PRAEFECT_DB_NAME: role === 'praefect' && praefect ? praefect.name : '',
    GLA_PRAEFECT_DB_USER: role === 'praefect' && praefect ? praefect.user : '',
    GLA_BOOTSTRAP_STEPS: bootstrapFiles.join(' '),
    GLA_DATA_MOUNT: dataVolume?.mountPoint ?? '',
    GLA_DATA_DEVICE: dataVolume?.deviceName ?? '',
    GLA_DATA_VOLUME_ID: dataVolume && !attached ? (endpoints.dataVolumeId ?? '') : '',
    // Launched with the instance: found where it is attached, never taken from a predecessor.
    GLA_DATA_VOLUME_ATTACHED: attached ? 'yes' : 'no',
    // The backup node checks it reaches the repositories before it reports its boot done.
    GLA_GITALY_ADDRESS: role === 'backup' ? repositoryServiceAddress(plan, endpoints) : '',
    GLA_TAG_ENVIRONMENT: ENVIRONMENT_TAG,
    GLA_TAG_NODE: NODE_TAG,
    GLA_TAG_FIRST_BOOT: FIRST_BOOT_PENDING_TAG,
    GLA_FACTS: [...facts.keys()].join(' '),
    // The data services this node waits for, each before the step the boot order names: as
    // `<database|redis>|<parameter>|<host fact or ->|<port fact or ->|<step>`.
    GLA_ENDPOINTS: dataEndpoints
      .map(
        ({ read, before }) =>
          `${read.endpoint.kind}|${read.endpoint.parameterName}|${read.hostFact ?? '-'}|${read.portFact ?? '-'}|${before}`,
      )
      .join(' '),
    ...Object.fromEntries(
      [...facts].map(([name, value]) => [`GLA_FACT_${name.toUpperCase().replaceAll('-', '_')}`, value]),
    ),
    GLA_SETTINGS_PARAMETER: parameters.settings,
    GLA_GITLAB_RB_PARAMETER: parameters.gitlabRb,
    GLA_CONFIGURATION_DIGEST: digest,
  };
  return settingsFile(values);
}

/**
 * What a fixed node's user data says before its boot script has read its configuration: who it is,
 * where to signal, and the parameters to read. Nothing a routine change (a GitLab version, one more
 * Gitaly node, a new endpoint) touches, so such a change never stops and starts the instance.
 */
function bootstrapEnv(
  plan: Plan,
  node: PlanNode,
  endpoints: RuntimeEndpoints,
  parameters: { readonly settings: string; readonly gitlabRb: string },
): string {
  return settingsFile({
    GLA_ENVIRONMENT: plan.spec.name,
    GLA_ROLE: node.role,
    GLA_NODE: node.id,
    GLA_STACK: endpoints.signal.stackName,
    GLA_LOGICAL_ID: endpoints.signal.logicalId,
    GLA_FACTS: '',
    GLA_SETTINGS_PARAMETER: parameters.settings,
    GLA_GITLAB_RB_PARAMETER: parameters.gitlabRb,
  });
}

const gzipBase64 = (text: string) => gzipSync(Buffer.from(text, 'utf8'), { level: 9 }).toString('base64');

/**
 * A script without its comment lines, as installed on the node (the commented copy is in the
 * source and in `config/boot/`). Keeps the shebang and shellcheck directives. Only whole-line
 * comments go; no line of the scripts' here-documents depends on them.
 */
export function withoutComments(script: string): string {
  return script
    .split('\n')
    .filter((line) => !/^\s*#(?!!|\s*shellcheck)/.test(line))
    .join('\n');
}

interface WriteFile {
  path: string;
  permissions: string;
  owner?: string;
  encoding?: 'gz+b64';
  content: string;
}

/**
 * A boot target's configuration, which the compute stack keeps in the SSM parameters its user data
 * names (`nodeConfigurationParameterName`), by parameter name: a fixed node's settings file, and
 * gitlab.rb gzip+base64 encoded where the node or group runs GitLab.
 */
export type NodeConfiguration = Readonly<Record<string, string>>;

/** The parts of a target's user data, for review and tests. */
export interface UserDataParts {
  readonly gitlabRb?: string;
  /** The settings file the boot script runs with (a fixed node's comes from its settings parameter). */
  readonly env: string;
  /** The configuration parameters: a fixed node's settings and gitlab.rb, a group's gitlab.rb; absent for a bastion group. */
  readonly nodeConfiguration?: NodeConfiguration;
  readonly bootstrap: readonly { readonly path: string; readonly sql: string }[];
  readonly needs?: BootNeeds;
  readonly document: string;
}

/** Renders the user data and returns its parts. */
export function renderUserDataParts(
  plan: Plan,
  target: BootTarget,
  endpoints: RuntimeEndpoints,
): UserDataParts {
  const role = targetRole(target);
  const files: WriteFile[] = [];
  let gitlabRb: string | undefined;
  let needs: BootNeeds;
  let facts: ReadonlyMap<string, string> = new Map();
  let dataEndpoints: readonly EndpointWait[] = [];
  const bootstrap: { path: string; sql: string }[] = [];
  if (role === 'bastion') {
    needs = {
      secretFiles: [],
      secretsJson: false,
      hostKeys: false,
      migrates: false,
      web: false,
      singleNode: false,
      praefectSchema: false,
    };
  } else {
    const rb = gitlabRbFor(plan, target, endpoints);
    gitlabRb = rb.render();
    facts = rb.facts();
    dataEndpoints = endpointWaits(plan, target, rb.dataEndpoints());
    needs = bootNeeds(plan, target, rb.secrets());
    // Present before the package is installed, so installing or upgrading never reconfigures on its own.
    files.push({ path: '/etc/gitlab/skip-auto-reconfigure', permissions: '0644', content: '' });
    if (needs.migrates) {
      for (const step of databaseBootstrap(plan)) {
        const path = `/etc/gitlab-aws/bootstrap-${step.name}.sql`;
        bootstrap.push({ path, sql: step.sql });
        files.push({
          path,
          permissions: '0600',
          owner: 'root:root',
          encoding: 'gz+b64',
          content: gzipBase64(`${step.sql}\n`),
        });
      }
    }
  }
  const bootstrapSteps = needs.migrates
    ? databaseBootstrap(plan).map((step) => `bootstrap-${step.name}.sql|${step.as}|${step.database}`)
    : [];
  const parameters = configurationParameters(plan, target, gitlabRb !== undefined);
  // The boot script reads gitlab.rb from its parameter (see renderNodeConfiguration).
  const storedRb = gitlabRb !== undefined ? gzipBase64(gitlabRb) : undefined;
  // A fixed node's settings name no digest: its user data must not change with its configuration.
  const digest = target.kind === 'group' && storedRb !== undefined ? configurationDigest(storedRb) : '';
  const env = bootEnv(
    plan,
    target,
    endpoints,
    needs,
    bootstrapSteps,
    facts,
    dataEndpoints,
    parameters,
    digest,
  );
  const nodeConfiguration: Record<string, string> = {
    // Fixed nodes never migrate (bootNeeds), so they have no SQL or lock script to keep here.
    ...(target.kind === 'node' ? { [parameters.settings]: env } : {}),
    ...(storedRb !== undefined ? { [parameters.gitlabRb]: storedRb } : {}),
  };
  files.push(
    {
      path: BOOT_ENV_PATH,
      permissions: '0600',
      owner: 'root:root',
      content: target.kind === 'node' ? bootstrapEnv(plan, target.node, endpoints, parameters) : env,
    },
    {
      path: BOOT_SCRIPT_PATH,
      permissions: '0700',
      owner: 'root:root',
      encoding: 'gz+b64',
      content: gzipBase64(withoutComments(BOOT_SCRIPT)),
    },
  );
  if (needs.migrates) {
    files.push({
      path: LOCK_SCRIPT_PATH,
      permissions: '0700',
      owner: 'root:root',
      encoding: 'gz+b64',
      content: gzipBase64(withoutComments(LOCK_SCRIPT)),
    });
  }
  const config = {
    write_files: files,
    runcmd: [[BOOT_SCRIPT_PATH]],
  };
  const document = `#cloud-config\n# gitlab-aws: ${plan.spec.name} ${target.kind === 'node' ? target.node.id : target.group.id} (${role})\n${stringify(config, { lineWidth: 0 })}`;
  return {
    ...(gitlabRb !== undefined ? { gitlabRb } : {}),
    env,
    ...(Object.keys(nodeConfiguration).length > 0 ? { nodeConfiguration } : {}),
    bootstrap,
    needs,
    document,
  };
}

/** The seam's renderer: cloud-init user data for a fixed node or an auto scaling group. */
export function renderUserData(plan: Plan, target: BootTarget, endpoints: RuntimeEndpoints): string {
  return renderUserDataParts(plan, target, endpoints).document;
}

/** A boot target's configuration parameters (name to value), which its user data names. */
export function renderNodeConfiguration(
  plan: Plan,
  target: BootTarget,
  endpoints: RuntimeEndpoints,
): NodeConfiguration {
  const configuration = renderUserDataParts(plan, target, endpoints).nodeConfiguration;
  if (!configuration) {
    throw new Error(`no configuration for ${target.kind === 'node' ? target.node.id : target.group.id}`);
  }
  return configuration;
}
