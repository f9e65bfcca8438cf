/**
 * The one definition of the command line: every command's summary, arguments and options with
 * their help text. Parsing, `--help`, `help <command>` and shell completion are all built from it,
 * so they cannot disagree. It holds no code of the commands: each is imported only when it runs,
 * so `plan` never loads CDK or the AWS SDK.
 */
import { ARCHITECTURE_TYPES, CPU_FAMILIES, SPEC_SIZES } from '../catalog/types.js';
import type { CliCommand } from './command.js';

export interface OptionDefinition {
  /** Flags as commander writes them: `-c, --config <file>`, `--json`, `--no-backup`. */
  readonly flags: string;
  /** One line of help (wrapped by the help printer). */
  readonly description: string;
  /** Value when the option is not given. */
  readonly default?: string | boolean;
  /** The values shell completion offers (the command still validates them itself). */
  readonly values?: readonly string[];
  /** Whether the option may be given more than once; its values are collected in a list. */
  readonly repeatable?: boolean;
  /** An old spelling still accepted: hidden from help, its value stored under this long name. */
  readonly aliasOf?: string;
}

export interface CommandDefinition {
  /** The one line `gitlab-aws --help` lists and `gitlab-aws <command> --help` starts with. */
  readonly summary: string;
  /** Positional arguments in commander's syntax: `[action]`, `<shell>`. */
  readonly arguments?: string;
  /** Values shell completion offers for the first positional argument. */
  readonly argumentValues?: readonly string[];
  /** Usage line after `gitlab-aws <command> `, when the generated one would not say enough. */
  readonly usage?: string;
  readonly options: readonly OptionDefinition[];
  /** Imported only when the command runs. */
  readonly load: () => Promise<{ command: CliCommand }>;
}

/** The spec file and the overrides every spec-reading command takes. */
const SPEC: readonly OptionDefinition[] = [
  {
    flags: '-c, --config <file>',
    description: 'spec file (default: gitlab-aws.yaml or .yml, else the embedded 3k default)',
  },
  { flags: '--size <size>', description: 'override architecture.size', values: SPEC_SIZES },
  {
    flags: '--rps <api=N,web=N,git=N>',
    description:
      'override architecture.rps: size by peak requests per second (the smallest size covering them)',
  },
  { flags: '--type <type>', description: 'override architecture.type', values: ARCHITECTURE_TYPES },
  { flags: '--cpu <cpu>', description: 'override architecture.cpu', values: CPU_FAMILIES },
  { flags: '--azs <n>', description: 'override availabilityZones', values: ['2', '3'] },
];

/** The spec options of a command that changes AWS: the embedded default must be asked for by name. */
const CHANGING_SPEC: readonly OptionDefinition[] = [
  ...SPEC,
  {
    flags: '--use-embedded-default',
    description: 'run on the embedded default when there is no spec file',
  },
];

const CI: OptionDefinition = { flags: '--ci', description: 'plain line output instead of live progress' };

/** Every command, in the order `--help` lists them. */
export const COMMANDS: Readonly<Record<string, CommandDefinition>> = {
  init: {
    summary: 'Write a commented spec file (gitlab-aws.yaml) and its JSON Schema to start from',
    options: [
      { flags: '--size <size>', description: 'architecture size', default: '3k', values: SPEC_SIZES },
      {
        flags: '--type <type>',
        description: 'architecture type',
        default: 'linux-package',
        values: ARCHITECTURE_TYPES,
      },
      {
        flags: '-o, --out <file>',
        description:
          'where to write the spec (default gitlab-aws.yaml; - for standard output); the schema goes beside it',
      },
      { flags: '--output <file>', description: 'old name of --out', aliasOf: 'out' },
      { flags: '--force', description: 'overwrite existing files' },
    ],
    load: () => import('./commands/init.js'),
  },
  plan: {
    summary: 'Validate the spec and show the planned environment, checks and cost (no AWS account needed)',
    options: [
      ...SPEC,
      { flags: '--json', description: 'print the Plan as JSON (the format is in docs/plan-format.md)' },
      { flags: '--diagram <file>', description: 'also draw the architecture to FILE (.svg or .png)' },
    ],
    load: () => import('./commands/plan.js'),
  },
  schema: {
    summary: 'Print the JSON Schema of the spec file (for editor completion)',
    usage: '> gitlab-aws.schema.json',
    options: [],
    load: () => import('./commands/schema.js'),
  },
  cost: {
    summary: 'Bill of materials and monthly cost; --compare with the reference; refresh prices',
    arguments: '[refresh]',
    argumentValues: ['refresh'],
    usage: '[options]\n       gitlab-aws cost refresh --region REGION [--out FILE]',
    options: [
      ...SPEC,
      {
        flags: '--compare',
        description: 'the reference architecture as GitLab documents it next to the plan, with the ratio',
      },
      { flags: '--json', description: 'print the bill of materials (or the comparison) as JSON' },
      { flags: '--csv', description: 'print it as CSV, one row per line item' },
      {
        flags: '--prices <file>',
        description: 'a price table written by `cost refresh` instead of the bundled one',
      },
      {
        flags: '--region <region>',
        description: '(refresh) the region to rebuild from the AWS Price List API',
      },
      {
        flags: '-o, --out <file>',
        description: '(refresh) where to write the table (default aws-prices.json)',
      },
    ],
    load: () => import('./commands/cost.js'),
  },
  estimate: {
    summary: 'How long a first deploy takes and what it waits on, from the synthesized templates',
    options: [
      ...SPEC,
      {
        flags: '--templates <dir>',
        description: 'a cloud assembly written by synth; the spec is synthesized when omitted',
      },
    ],
    load: () => import('./commands/estimate.js'),
  },
  synth: {
    summary: 'Write the CloudFormation templates and rendered GitLab configs for review (no AWS account)',
    options: [
      ...SPEC,
      {
        flags: '-o, --out <dir>',
        description: 'directory the cloud assembly is written to',
        default: 'cdk.out',
      },
      {
        flags: '--hosted-zone-id <id>',
        description: 'public hosted zone of the domain, so a requested certificate validates itself',
      },
    ],
    load: () => import('./commands/synth.js'),
  },
  bootstrap: {
    summary: 'Prepare the AWS account and region for CDK deployments (once)',
    options: [...SPEC, CI, { flags: '--verbose', description: "also print the CDK toolkit's messages" }],
    load: () => import('./commands/bootstrap.js'),
  },
  diff: {
    summary: 'Show what deploy would change per stack; data-losing changes in red',
    options: [
      ...SPEC,
      {
        flags: '--allow-replace <id>',
        description: 'mark a stateful change as accepted (repeatable)',
        repeatable: true,
      },
      CI,
    ],
    load: () => import('./commands/diff.js'),
  },
  deploy: {
    summary: 'Create or update the environment, then check it',
    options: [
      ...CHANGING_SPEC,
      {
        flags: '--allow-replace <id>',
        description: 'accept replacing or deleting this stateful resource (repeatable)',
        repeatable: true,
      },
      {
        flags: '--yes',
        description:
          "answer the CDK toolkit's questions yes, e.g. continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED and deploy it again (default: ask at a terminal, refuse without one)",
      },
      CI,
      { flags: '--verbose', description: "also print the CDK toolkit's messages" },
    ],
    load: () => import('./commands/deploy.js'),
  },
  check: {
    summary: 'Check a running GitLab: DNS, TLS, sign-in, API, Git, SSH from outside; readiness inside',
    options: [
      ...SPEC,
      { flags: '--url <url>', description: "GitLab to check (default: the spec's domain)" },
      { flags: '--token <token>', description: 'personal access token (read_api) for /api/v4/version' },
      { flags: '--lb-dns <name>', description: 'load balancer DNS name the domain must resolve to' },
      {
        flags: '--connect <host>',
        description: 'connect here instead of the domain (SNI and Host stay the domain)',
      },
      { flags: '--https-port <n>', description: 'HTTPS port (default: from the URL, else 443)' },
      { flags: '--ssh-port <n>', description: 'Git over SSH port (default 22)' },
      { flags: '--ca <file>', description: 'also trust this CA certificate (PEM)' },
      { flags: '--insecure', description: 'do not verify the certificate (reported as a warning)' },
      {
        flags: '--outside-only',
        description:
          "skip readiness asked on a Rails node through SSM (default: asked when checking the spec's environment, since GitLab refuses it to outsiders)",
      },
      CI,
      {
        flags: '--send-test-mail <address>',
        description:
          "also have a web node send GitLab's test e-mail there (SSM; in the SES sandbox the address must be verified in SES)",
      },
    ],
    load: () => import('./commands/check.js'),
  },
  upgrade: {
    summary: 'GitLab upgrade: zero-downtime in the multi-node order; 1k is down meanwhile',
    usage: '--to VERSION [options]\n       gitlab-aws upgrade --image [options]',
    options: [
      ...CHANGING_SPEC,
      { flags: '--to <version>', description: 'version to upgrade to (one minor release at a time)' },
      {
        flags: '--image',
        description: 'pin the newest Ubuntu 24.04 image and replace every node through a deploy',
      },
      { flags: '--from <version>', description: 'version running now (default: read from a Rails node)' },
      { flags: '--no-backup', description: 'skip the backup taken first' },
      { flags: '--dry-run', description: 'print the steps with their checks and waits without running them' },
      CI,
    ],
    load: () => import('./commands/upgrade.js'),
  },
  backup: {
    summary: 'Back up GitLab (gitlab-backup, RDS and data volume snapshots), or list backups',
    arguments: '[action]',
    argumentValues: ['create', 'list'],
    usage: '[create|list] [options]',
    options: [...CHANGING_SPEC, CI],
    load: () => import('./commands/backup.js'),
  },
  restore: {
    summary: "Restore a gitlab-backup archive with GitLab's procedure (overwrites the database)",
    arguments: '[backup-id]',
    usage: 'BACKUP_ID [options]',
    options: [
      ...CHANGING_SPEC,
      {
        flags: '--confirm <name>',
        description: 'the environment name, when there is no terminal to type it at',
      },
      {
        flags: '--keep-current-secrets',
        description: "restore without the backup's gitlab-secrets.json, keeping the environment's",
      },
      CI,
    ],
    load: () => import('./commands/restore.js'),
  },
  destroy: {
    summary: 'Delete compute, edge and ops; keep the data unless --include-data',
    options: [
      ...CHANGING_SPEC,
      {
        flags: '--include-data',
        description:
          'also delete the data and network stacks, after final snapshots of the database and the Gitaly volumes (buckets, secrets, volumes, log groups, KMS keys and the backup vault are retained)',
      },
      {
        flags: '--delete-retained <name>',
        description:
          'with --include-data: then delete the retained buckets (every object version), secrets, Gitaly volumes and log groups for good; NAME is the environment name again, a second confirmation',
      },
      {
        flags: '--confirm <name>',
        description: 'the environment name, when there is no terminal to type it at',
      },
      CI,
    ],
    load: () => import('./commands/destroy.js'),
  },
  completion: {
    summary: 'Print a shell completion script: source <(gitlab-aws completion bash)',
    arguments: '<shell>',
    argumentValues: ['bash', 'zsh'],
    options: [],
    load: () => import('./commands/completion.js'),
  },
};

/** Old command names still accepted: `gitlab-aws cost estimate` became `gitlab-aws estimate`. */
export const RENAMED_COMMANDS: Readonly<
  Record<string, { readonly words: readonly string[]; readonly now: string }>
> = {
  'cost estimate': { words: ['cost', 'estimate'], now: 'estimate' },
};

/** The long name of an option (`config` for `-c, --config <file>`, `no-backup` for `--no-backup`). */
export function longName(option: OptionDefinition): string {
  return /--([a-z0-9-]+)/.exec(option.flags)![1]!;
}

/** The short flag, if any (`-c`). */
export function shortFlag(option: OptionDefinition): string | undefined {
  return /^-([a-zA-Z]),/.exec(option.flags)?.[0].slice(0, 2);
}

/** Whether the option takes a value. */
export function takesValue(option: OptionDefinition): boolean {
  return /[<[]/.test(option.flags);
}
