/**
 * Resolving synthesized templates into a fake account, and deciding a call against identity
 * policies with an offline IAM policy evaluator (@cloud-copilot/iam-simulate): shared by the IAM
 * simulation tests.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { STACK_KINDS, type StackKind } from '../../src/plan/stacks.js';
import { ACCOUNT, type AwsCall } from './iam-calls.js';
import type { CfnTemplate, Json, Synthesized } from './synth.js';

/** The fake EKS cluster's OIDC issuer, without its scheme. */
export const OIDC_ISSUER = (region: string) =>
  `oidc.eks.${region}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;

/** Resolves CloudFormation values of a synthesized environment into the fake account's ARNs. */
export function resolver(synth: Synthesized) {
  const region = synth.plan.region;
  const stackName = (kind: StackKind) => synth.environment.stacks[kind].stackName;
  const pseudo: Record<string, (kind: StackKind) => string> = {
    'AWS::Partition': () => 'aws',
    'AWS::Region': () => region,
    'AWS::AccountId': () => ACCOUNT,
    'AWS::URLSuffix': () => 'amazonaws.com',
    'AWS::StackName': (kind) => stackName(kind),
    'AWS::StackId': (kind) => `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${stackName(kind)}/fake`,
  };
  const template = (kind: StackKind): CfnTemplate => synth.json[kind];
  const ref = (kind: StackKind, id: string): string => {
    if (pseudo[id]) return pseudo[id](kind);
    const resource = template(kind).Resources[id];
    if (!resource) throw new Error(`no resource ${id} in ${kind}`);
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${props.Name as string}-AbCdEf`;
      case 'AWS::EC2::Volume':
        return `vol-${id.toLowerCase()}`;
      case 'AWS::S3::Bucket':
        return resolve(kind, props.BucketName ?? id.toLowerCase()) as string;
      case 'AWS::SSM::Parameter':
        return resolve(kind, props.Name) as string;
      case 'AWS::Logs::LogGroup':
        return resolve(kind, props.LogGroupName ?? id) as string;
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        return `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:targetgroup/${id}/0123456789abcdef`;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        return `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/${props.Type === 'network' ? 'net' : 'app'}/${id}/0123456789abcdef`;
      case 'AWS::ElasticLoadBalancingV2::Listener':
        // A listener's ARN is its load balancer's, as `listener/...`, with an id of its own.
        return `${(resolve(kind, props.LoadBalancerArn) as string).replace(':loadbalancer/', ':listener/')}/${id}`;
      default:
        return id;
    }
  };
  const getAtt = (kind: StackKind, id: string, attribute: string): string => {
    const resource = template(kind).Resources[id];
    if (!resource) throw new Error(`no resource ${id} in ${kind}`);
    if (resource.Type === 'AWS::EKS::Cluster' && attribute === 'OpenIdConnectIssuerUrl') {
      return `https://${OIDC_ISSUER(region)}`;
    }
    // The names CloudWatch's load balancer metrics carry as dimensions: the ARN's end.
    if (attribute === 'LoadBalancerFullName' || attribute === 'TargetGroupFullName')
      return ref(kind, id).replace(/^.*:(loadbalancer\/)?/, '');
    if (attribute !== 'Arn') return `${id}.${attribute}`;
    switch (resource.Type) {
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${ACCOUNT}:log-group:${ref(kind, id)}:*`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${ref(kind, id)}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${id}`;
      case 'AWS::IAM::OIDCProvider':
        return `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC_ISSUER(region)}`;
      case 'AWS::EKS::Cluster':
        return `arn:aws:eks:${region}:${ACCOUNT}:cluster/${id}`;
      case 'AWS::CodeBuild::Project':
        return `arn:aws:codebuild:${region}:${ACCOUNT}:project/${id}`;
      default:
        throw new Error(`no fake ARN for ${resource.Type} ${id}`);
    }
  };
  const imported = (name: string): unknown => {
    for (const kind of STACK_KINDS) {
      for (const output of Object.values(template(kind).Outputs ?? {})) {
        if (output.Export?.Name === name) return resolve(kind, output.Value);
      }
    }
    throw new Error(`no export ${name}`);
  };
  const stackOutput = (reference: { StackName?: string; OutputName?: string }): unknown => {
    for (const kind of STACK_KINDS) {
      const output = template(kind).Outputs?.[reference.OutputName ?? ''];
      if (stackName(kind) === reference.StackName && output) return resolve(kind, output.Value);
    }
    throw new Error(`no output ${reference.OutputName} in ${reference.StackName}`);
  };
  function resolve(kind: StackKind, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => resolve(kind, item));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, Json>;
    if ('Ref' in object) return ref(kind, object.Ref);
    if ('Fn::GetAtt' in object) return getAtt(kind, object['Fn::GetAtt'][0], object['Fn::GetAtt'][1]);
    if ('Fn::ImportValue' in object) return imported(resolve(kind, object['Fn::ImportValue']) as string);
    if ('Fn::GetStackOutput' in object) return stackOutput(object['Fn::GetStackOutput']);
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'];
      return (resolve(kind, parts) as string[]).join(separator);
    }
    if ('Fn::Select' in object) {
      const [index, list] = object['Fn::Select'];
      return (resolve(kind, list) as unknown[])[Number(index)];
    }
    if ('Fn::Split' in object) {
      const [separator, text] = object['Fn::Split'];
      return (resolve(kind, text) as string).split(separator);
    }
    if ('Fn::Sub' in object) {
      const [text, variables] = Array.isArray(object['Fn::Sub'])
        ? object['Fn::Sub']
        : [object['Fn::Sub'], {}];
      return (text as string).replace(/\$\{([^}]+)\}/g, (_match, name: string) =>
        name in variables ? (resolve(kind, variables[name]) as string) : ref(kind, name),
      );
    }
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolve(kind, item)]));
  }
  return { resolve, ref };
}

/**
 * Decisions already made, by everything the evaluator reads: the role's policies, the request and
 * the resource's policy. The sizes from 3k up differ in instance types and counts, not in what a
 * role may call, so most of their requests have been decided for a smaller size already.
 */
const decisions = new Map<string, Promise<string>>();

export function decide(
  policies: { name: string; policy: Json }[],
  call: AwsCall,
  resourcePolicies: Map<string, Json>,
): Promise<string> {
  const key = JSON.stringify([
    policies,
    call.action,
    call.resource,
    call.context ?? {},
    resourcePolicies.get(call.resource) ?? null,
  ]);
  let decision = decisions.get(key);
  if (!decision) {
    decision = evaluate(policies, call, resourcePolicies.get(call.resource));
    decisions.set(key, decision);
  }
  return decision;
}

async function evaluate(
  policies: { name: string; policy: Json }[],
  call: AwsCall,
  resourcePolicy: Json | undefined,
): Promise<string> {
  const response = await runSimulation(
    {
      ...(resourcePolicy ? { resourcePolicy } : {}),
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: call.action,
        principal: `arn:aws:iam::${ACCOUNT}:role/instance`,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: { ...call.context },
      },
    },
    {},
  );
  if (response.resultType === 'error') return `error: ${JSON.stringify(response.errors)}`;
  return response.overallResult;
}
