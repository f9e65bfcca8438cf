/**
 * GitLab's chart on the cluster: the IAM roles of its service accounts, simulated (each reaches its
 * own buckets or secrets and nothing else, and only its own Kubernetes service account can take it),
 * the values CloudFormation resolves, and the install that CloudFormation waits for.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_SERVICE_ACCOUNTS,
  type ChartServiceAccount,
  chartSecretIds,
  GITLAB_NAMESPACE,
} from '../../src/config/helm/index.js';
import { INSTALL_BUILD_TIMEOUT_MINUTES, INSTALL_WAIT_SECONDS } from '../../src/config/helm/install.js';
import { chartParameterName, SERVICE_ACCOUNT_BUCKETS } from '../../src/infra/gitlab-chart.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import { serviceOf } from '../../src/plan/query.js';
import type { ObjectStoragePurpose, SecretId } from '../../src/plan/types.js';
import { chartUnavailable, helmTemplate } from '../config/helm-chart.js';
import { planFor } from '../fixtures/plans.js';
import { ACCOUNT, type AwsCall } from './iam-calls.js';
import { decide, resolver } from './iam-resolve.js';
import { identityPoliciesOf, type Json, resourcesOf, type Synthesized, synthesize } from './synth.js';

const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

describe("GitLab's chart on the cluster (10k Cloud Native Hybrid)", () => {
  let synth: Synthesized;
  let resolve: (value: unknown) => unknown;
  let roleIds: Map<ChartServiceAccount, string>;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } }));
    const resolved = resolver(synth);
    resolve = (value) => resolved.resolve('compute', value);
    const chart = synth.environment.computeStack.gitlabChart!;
    roleIds = new Map(
      [...chart.serviceAccountRoles].map(([account, role]) => [
        account,
        synth.environment.stacks.compute.getLogicalId(role.node.defaultChild as never),
      ]),
    );
  });

  const policiesOf = (roleId: string) =>
    identityPoliciesOf(synth.json.compute)
      .filter(([, policy]) => (policy.Properties!.Roles as Json[]).some((entry) => entry.Ref === roleId))
      .map(([name, policy]) => ({ name, policy: resolve(policy.Properties!.PolicyDocument) as Json }));
  const bucketArn = (purpose: ObjectStoragePurpose) =>
    `arn:aws:s3:::${nameInAccount(
      serviceOf(synth.plan, 's3').buckets.find((bucket) => bucket.purpose === purpose)!.bucketName,
      ACCOUNT,
    )}`;
  const secretArn = (id: SecretId) =>
    `arn:aws:secretsmanager:${synth.plan.region}:${ACCOUNT}:secret:${synth.plan.secrets.find((secret) => secret.id === id)!.name}-AbCdEf`;
  const objectCalls = (purpose: ObjectStoragePurpose): AwsCall[] =>
    [
      { action: 's3:PutObject', resource: `${bucketArn(purpose)}/a/b`, why: `write ${purpose}` },
      { action: 's3:ListBucket', resource: bucketArn(purpose), why: `list ${purpose}` },
    ].map((call) => ({ ...call, context: { 's3:ResourceAccount': ACCOUNT } }));

  it('lets each service account use exactly its buckets, and read no secret', async () => {
    const purposes = serviceOf(synth.plan, 's3').buckets.map((bucket) => bucket.purpose);
    const failures: string[] = [];
    for (const [account, own] of Object.entries(SERVICE_ACCOUNT_BUCKETS) as [
      Exclude<ChartServiceAccount, 'secrets'>,
      readonly ObjectStoragePurpose[],
    ][]) {
      const policies = policiesOf(roleIds.get(account)!);
      for (const purpose of purposes) {
        for (const call of objectCalls(purpose)) {
          const result = await decide(policies, call, new Map());
          if ((result === 'Allowed') !== own.includes(purpose))
            failures.push(`${account} ${call.why}: ${result}`);
        }
      }
      const secret = await decide(
        policies,
        { action: 'secretsmanager:GetSecretValue', resource: secretArn('database-password'), why: 'read' },
        new Map(),
      );
      if (secret === 'Allowed') failures.push(`${account} reads the database password`);
    }
    expect(failures).toEqual([]);
    // Sidekiq never touches the registry; the registry touches nothing but its bucket.
    expect(SERVICE_ACCOUNT_BUCKETS.registry).toEqual(['registry']);
  });

  it('lets the toolbox write the backups bucket and no other', async () => {
    const policies = policiesOf(roleIds.get('toolbox')!);
    const writable: string[] = [];
    for (const bucket of serviceOf(synth.plan, 's3').buckets) {
      const [put] = objectCalls(bucket.purpose);
      if ((await decide(policies, put!, new Map())) === 'Allowed') writable.push(bucket.purpose);
    }
    expect(writable).toEqual(['backups']);
  });

  it("lets the chart's build keep Rails' secrets, read no other secret, and write only the backups bucket", async () => {
    const chart = synth.environment.computeStack.gitlabChart!;
    const installerId = synth.environment.stacks.compute.getLogicalId(
      chart.installer.role!.node.defaultChild as never,
    );
    const policies = policiesOf(installerId);
    const failures: string[] = [];
    for (const secret of synth.plan.secrets) {
      for (const action of [
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:ListSecretVersionIds',
      ]) {
        const result = await decide(
          policies,
          { action, resource: secretArn(secret.id), why: secret.id },
          new Map(),
        );
        if ((result === 'Allowed') !== (secret.id === 'rails-secrets'))
          failures.push(`${action} ${secret.id}: ${result}`);
      }
    }
    for (const bucket of serviceOf(synth.plan, 's3').buckets) {
      const [put] = objectCalls(bucket.purpose);
      const result = await decide(policies, put!, new Map());
      if ((result === 'Allowed') !== (bucket.purpose === 'backups'))
        failures.push(`write ${bucket.purpose}: ${result}`);
    }
    expect(failures).toEqual([]);
  });

  it("lets the secrets reader read the chart's secrets and no other, and touch no bucket", async () => {
    const policies = policiesOf(roleIds.get('secrets')!);
    const wanted = new Set(chartSecretIds(synth.plan));
    const failures: string[] = [];
    for (const secret of synth.plan.secrets) {
      const result = await decide(
        policies,
        { action: 'secretsmanager:GetSecretValue', resource: secretArn(secret.id), why: secret.id },
        new Map(),
      );
      if ((result === 'Allowed') !== wanted.has(secret.id)) failures.push(`${secret.id}: ${result}`);
    }
    expect(failures).toEqual([]);
    expect(wanted.has('praefect-database-password')).toBe(false);
    expect(await decide(policies, objectCalls('artifacts')[0]!, new Map())).not.toBe('Allowed');
  });

  it('lets only its own Kubernetes service account take each role, through the cluster issuer', async () => {
    // CloudFormation's value of the provider; the issuer is the resolver's fake cluster's.
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
    const failures: string[] = [];
    for (const [account, roleId] of roleIds) {
      // The trust policy is one Fn::Sub over the issuer, which its condition keys start with.
      const trust = synth.json.compute.Resources[roleId]!.Properties!.AssumeRolePolicyDocument;
      const document = JSON.parse(resolve(trust) as string) as Json;
      const statement = document.Statement[0];
      const conditions = statement.Condition.StringEquals as Record<string, string>;
      expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(statement.Principal.Federated).toBe(provider);
      expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
      // The IAM simulator does not know EKS issuers' condition keys (their names hold a slash), so
      // StringEquals is evaluated here: every key must be in the token with exactly that value.
      for (const [other, serviceAccount] of Object.entries(CHART_SERVICE_ACCOUNTS)) {
        for (const namespace of [GITLAB_NAMESPACE, 'default']) {
          const token: Record<string, string> = {
            [`${ISSUER}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${ISSUER}:aud`]: 'sts.amazonaws.com',
          };
          const allowed =
            Object.keys(conditions).length === 2 &&
            Object.entries(conditions).every(([key, value]) => token[key] === value);
          const expected = other === account && namespace === GITLAB_NAMESPACE;
          if (allowed !== expected)
            failures.push(
              `${namespace}/${serviceAccount} ${allowed ? 'takes' : 'cannot take'} ${account}'s role`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps values CloudFormation fills in, with each role ARN and endpoint, and no secret', () => {
    const parameters = resourcesOf(synth.json.compute, 'AWS::SSM::Parameter');
    const valuesParameter = parameters.find(
      ([, parameter]) => parameter.Properties!.Name === chartParameterName(synth.plan, 'values'),
    )![1];
    const values = JSON.parse(resolve(valuesParameter.Properties!.Value) as string);
    expect(values.gitlab.webservice.serviceAccount.annotations['eks.amazonaws.com/role-arn']).toBe(
      `arn:aws:iam::${ACCOUNT}:role/${roleIds.get('webservice')}`,
    );
    expect(values.registry.serviceAccount.annotations['eks.amazonaws.com/role-arn']).toBe(
      `arn:aws:iam::${ACCOUNT}:role/${roleIds.get('registry')}`,
    );
    // A placeholder the chart build fills in from the data stack's parameter once RDS exists.
    expect(values.global.psql.host).toBe('@data-endpoint:database@');
    const build = resourcesOf(synth.json.compute, 'AWS::CodeBuild::Project')[0]![1];
    const variables = Object.fromEntries(
      ((build.Properties!.Environment as Json).EnvironmentVariables as Json[]).map((entry) => [
        entry.Name,
        entry.Value,
      ]),
    );
    expect(variables.DATA_ENDPOINTS).toContain(
      '@data-endpoint:database@|/gitlab-test/data-endpoints/database',
    );
    expect(JSON.stringify(synth.json.compute)).not.toContain('gitlab-test-data:');
    expect(values.global.appConfig.artifacts.bucket).toBe(
      bucketArn('artifacts').replace('arn:aws:s3:::', ''),
    );
    expect(JSON.stringify(values)).not.toMatch(/"password":\s*"[^{]/);
  });

  it.skipIf(chartUnavailable())(
    'keeps values the chart renders once CloudFormation has filled them in',
    async () => {
      const valuesParameter = resourcesOf(synth.json.compute, 'AWS::SSM::Parameter').find(
        ([, parameter]) => parameter.Properties!.Name === chartParameterName(synth.plan, 'values'),
      )![1];
      const render = await helmTemplate(
        JSON.parse(resolve(valuesParameter.Properties!.Value) as string),
        serviceOf(synth.plan, 'eks').kubernetesVersion,
      );
      expect(render.error).toBe('');
    },
  );

  it('installs from a build in the VPC that CloudFormation waits for, longer than the build may run', () => {
    const [[projectId, project]] = resourcesOf(synth.json.compute, 'AWS::CodeBuild::Project') as unknown as [
      [string, { Properties: Json }],
    ];
    expect(project.Properties.VpcConfig.SecurityGroupIds).toEqual([
      { 'Fn::GetAtt': [expect.stringContaining('KubernetesCluster'), 'ClusterSecurityGroupId'] },
    ]);
    expect(project.Properties.TimeoutInMinutes).toBe(INSTALL_BUILD_TIMEOUT_MINUTES);
    const [[waitId, wait]] = resourcesOf(
      synth.json.compute,
      'AWS::CloudFormation::WaitCondition',
    ) as unknown as [[string, { Properties: Json; DependsOn: string[] }]];
    expect(Number(wait.Properties.Timeout)).toBe(INSTALL_WAIT_SECONDS);
    expect(INSTALL_WAIT_SECONDS).toBeGreaterThan(INSTALL_BUILD_TIMEOUT_MINUTES * 60);
    const [[startId, start]] = resourcesOf(synth.json.compute, 'Custom::AWS') as unknown as [
      [string, { Properties: Json; DependsOn: string[] }],
    ];
    expect(wait.DependsOn).toContain(startId);
    const [[accessId, access]] = resourcesOf(synth.json.compute, 'AWS::EKS::AccessEntry') as unknown as [
      [string, { Properties: Json }],
    ];
    expect(start.DependsOn).toContain(accessId);
    for (const [groupId] of resourcesOf(synth.json.compute, 'AWS::EKS::Nodegroup')) {
      expect(start.DependsOn).toContain(groupId);
    }
    expect(access.Properties.PrincipalArn['Fn::GetAtt'][0]).toMatch(/Installer/);
    const create = JSON.stringify(start.Properties.Create);
    expect(create).toContain('startBuild');
    expect(create).toContain(wait.Properties.Handle.Ref);
    expect(waitId).toMatch(/Installed[0-9a-f]{12}/);
    expect(create).toContain(projectId);
  });
});
