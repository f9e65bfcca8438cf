/**
 * The AWS side of every lifecycle command: who we are (credentials), the SDK clients, whether the
 * account is CDK-bootstrapped, and the wiring of the toolkit to the environment's CDK app.
 */

import { readFileSync } from 'node:fs';
import { BootstrapEnvironments, type IIoHost, Toolkit } from '@aws-cdk/toolkit-lib';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BackupClient } from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { UserError } from '../errors.js';
import type { createApp } from '../infra/app.js';
import type { Plan } from '../plan/types.js';
import { ToolkitLibCdkToolkit } from './toolkit.js';

/** The one line printed when no credentials are found. */
export const CREDENTIALS_HINT =
  'no AWS credentials found: run `aws sso login` and set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again';

/** SDK error names that mean "no usable credentials" rather than "AWS said no". */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
]);

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

/** Asks STS who we are; no credentials (or expired ones) become one clear line. */
export async function requireIdentity(
  sts: STSClient,
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile: (path: string) => string | undefined = readIfPresent,
): Promise<CallerIdentity> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return { account: identity.Account ?? '', arn: identity.Arn ?? '' };
  } catch (error) {
    const name = (error as Error).name;
    // The SDK says only "Could not load credentials from any providers" for a misspelt profile.
    const profile = env.AWS_PROFILE;
    if (name === 'CredentialsProviderError' && profile && !profileExists(profile, env, readFile)) {
      throw new UserError(
        `AWS_PROFILE=${profile}: no such profile in ${awsConfigFiles(env).join(' or ')}; check the name (\`aws configure list-profiles\`), or set it up with \`aws configure sso --profile ${profile}\``,
      );
    }
    if (CREDENTIAL_ERRORS.has(name)) {
      throw new UserError(
        `${CREDENTIALS_HINT} (${name === 'CredentialsProviderError' ? 'none found' : name})`,
      );
    }
    throw new UserError(`cannot reach AWS STS: ${(error as Error).message.split('\n')[0]}`);
  }
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The shared config and credentials files the SDK reads, where the environment does not move them. */
function awsConfigFiles(env: Readonly<Record<string, string | undefined>>): string[] {
  const home = env.HOME ?? env.USERPROFILE ?? '~';
  return [
    env.AWS_CONFIG_FILE ?? `${home}/.aws/config`,
    env.AWS_SHARED_CREDENTIALS_FILE ?? `${home}/.aws/credentials`,
  ];
}

/**
 * Whether a profile is defined: `[profile NAME]` (or `[NAME]`) in the config file, `[NAME]` in the
 * credentials file, as the AWS CLI and SDK read them.
 */
export function profileExists(
  profile: string,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string | undefined,
): boolean {
  const sections = awsConfigFiles(env).flatMap((file) =>
    [...(readFile(file) ?? '').matchAll(/^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]/gm)].map((match) => match[1]),
  );
  return sections.includes(profile);
}

export interface AwsClients {
  readonly sts: STSClient;
  readonly cloudFormation: CloudFormationClient;
  readonly ssm: SSMClient;
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly backup: BackupClient;
  readonly s3: S3Client;
  readonly route53: Route53Client;
  readonly rds: RDSClient;
  readonly secretsManager: SecretsManagerClient;
  readonly logs: CloudWatchLogsClient;
  /** Target health, for taking a node out of the load balancer and back. */
  readonly elb: ElasticLoadBalancingV2Client;
}

export function createAwsClients(region: string): AwsClients {
  const config = { region };
  return {
    sts: new STSClient(config),
    cloudFormation: new CloudFormationClient(config),
    ssm: new SSMClient(config),
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
    backup: new BackupClient(config),
    s3: new S3Client(config),
    route53: new Route53Client(config),
    rds: new RDSClient(config),
    secretsManager: new SecretsManagerClient(config),
    logs: new CloudWatchLogsClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
  };
}

/** The CDK bootstrap stack and the SSM parameter its version is published in (default qualifier). */
export const BOOTSTRAP_STACK = 'CDKToolkit';
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

export type BootstrapStatus =
  | { readonly bootstrapped: true; readonly version: number; readonly stackStatus: string }
  | { readonly bootstrapped: false; readonly reason: string };

/** Whether the account and region can take CDK deployments. */
export async function bootstrapStatus(
  clients: Pick<AwsClients, 'cloudFormation' | 'ssm'>,
): Promise<BootstrapStatus> {
  const stack = await clients.cloudFormation
    .send(new DescribeStacksCommand({ StackName: BOOTSTRAP_STACK }))
    .then((answer) => answer.Stacks?.[0])
    .catch((error: Error) => {
      if (/does not exist/.test(error.message)) return undefined;
      throw error;
    });
  if (!stack) return { bootstrapped: false, reason: `no ${BOOTSTRAP_STACK} stack` };
  if (!/_COMPLETE$/.test(stack.StackStatus ?? '') || /ROLLBACK_COMPLETE$/.test(stack.StackStatus ?? '')) {
    return { bootstrapped: false, reason: `${BOOTSTRAP_STACK} is ${stack.StackStatus}` };
  }
  const parameter = await clients.ssm
    .send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER }))
    .catch((error: Error) => {
      if (error.name === 'ParameterNotFound') return undefined;
      throw error;
    });
  const version = Number(parameter?.Parameter?.Value);
  if (!Number.isFinite(version) || version <= 0) {
    return { bootstrapped: false, reason: `${BOOTSTRAP_VERSION_PARAMETER} is missing` };
  }
  return { bootstrapped: true, version, stackStatus: stack.StackStatus ?? '' };
}

/** Resources of a deployed stack, paginated. */
export async function stackResources(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<StackResourceSummary[]> {
  const resources: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
    );
    resources.push(...(page.StackResourceSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return resources;
}

/** Outputs of a deployed stack by key; empty when the stack does not exist. */
export async function stackOutputs(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  const answer = await cloudFormation
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error: Error) => {
      if (/does not exist/.test(error.message)) return undefined;
      throw error;
    });
  return Object.fromEntries(
    (answer?.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
  );
}

/** Writes a plain string SSM parameter (the GitLab version new instances install). */
export async function putParameter(ssm: SSMClient, name: string, value: string): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
}

/** Reads a plain string SSM parameter. */
export async function getParameter(ssm: SSMClient, name: string): Promise<string> {
  const answer = await ssm.send(new GetParameterCommand({ Name: name }));
  return answer.Parameter?.Value ?? '';
}

/** Writes an image-id SSM parameter (SSM checks that the image exists before it accepts the value). */
export async function putImageParameter(ssm: SSMClient, name: string, imageId: string): Promise<void> {
  await ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: imageId,
      Type: 'String',
      DataType: 'aws:ec2:image',
      Overwrite: true,
    }),
  );
}

/** Builds the environment's CDK app (the infrastructure layer's createApp). */
export type AppFactory = typeof createApp;

/**
 * The infrastructure layer's app factory. Loaded on demand: aws-cdk-lib takes a while to load, and
 * only the commands that synthesize need it.
 */
export async function loadAppFactory(): Promise<AppFactory> {
  return (await import('../infra/app.js')).createApp;
}

/** The CdkToolkit of an environment: toolkit-lib over the Plan's app, progress through `ioHost`. */
export async function environmentToolkit(
  plan: Plan,
  ioHost: IIoHost,
  createApp: AppFactory,
  appOptions: { readonly hostedZoneId?: string } = {},
): Promise<ToolkitLibCdkToolkit> {
  const toolkit = new Toolkit({ ioHost, emojis: false });
  const source = await toolkit.fromAssemblyBuilder(async (props) =>
    createApp(plan, { ...appOptions, outdir: props.outdir ?? '' }).synth(),
  );
  return new ToolkitLibCdkToolkit({ toolkit, source });
}

/** Deploys the CDKToolkit bootstrap stack into the account and region. */
export async function bootstrapAccount(
  ioHost: IIoHost,
  identity: CallerIdentity,
  region: string,
): Promise<void> {
  await new Toolkit({ ioHost, emojis: false }).bootstrap(
    BootstrapEnvironments.fromList([`aws://${identity.account}/${region}`]),
  );
}
