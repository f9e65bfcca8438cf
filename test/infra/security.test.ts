import { beforeAll, describe, expect, it } from 'vitest';
import { PORTS } from '../../src/catalog/ports.js';
import { TIERS, type Tier } from '../../src/infra/security.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import { OBJECT_STORAGE_PURPOSES } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import {
  identityPoliciesOf,
  type Json,
  referencedLogicalId,
  resolvedIn,
  resourcesOf,
  type Synthesized,
  synthesize,
  TEST_ACCOUNT,
} from './synth.js';

interface Rule {
  readonly to: Tier;
  readonly from: string;
  readonly port: number;
}

/** Every ingress rule of the network stack as tier <- source tier or CIDR : port. */
function ingressRules(synth: Synthesized): Rule[] {
  const tierOf = new Map<string, Tier>();
  for (const [tier, group] of synth.environment.securityGroups.groups) {
    tierOf.set(synth.environment.stacks.network.getLogicalId(group.node.defaultChild as never), tier);
  }
  const rules: Rule[] = [];
  for (const [id, group] of resourcesOf(synth.json.network, 'AWS::EC2::SecurityGroup')) {
    for (const rule of (group.Properties!.SecurityGroupIngress ?? []) as Record<string, unknown>[]) {
      const to = tierOf.get(id);
      if (!to) continue;
      rules.push({
        to,
        from: (rule.CidrIp as string) ?? tierOf.get(referencedLogicalId(synth, rule.SourceSecurityGroupId)!)!,
        port: rule.FromPort as number,
      });
    }
  }
  for (const [, rule] of resourcesOf(synth.json.network, 'AWS::EC2::SecurityGroupIngress')) {
    const props = rule.Properties!;
    expect(props.FromPort, 'single ports only').toBe(props.ToPort);
    rules.push({
      to: tierOf.get(referencedLogicalId(synth, props.GroupId)!)!,
      from: (props.CidrIp as string) ?? tierOf.get(referencedLogicalId(synth, props.SourceSecurityGroupId)!)!,
      port: props.FromPort as number,
    });
  }
  return rules;
}

const sources = (rules: Rule[], to: Tier, port: number) =>
  rules
    .filter((rule) => rule.to === to && rule.port === port)
    .map((rule) => rule.from)
    .sort();

describe('security with a Gitaly Cluster (3k) and bastions', () => {
  let synth: Synthesized;
  let rules: Rule[];
  beforeAll(() => {
    synth = synthesize(
      planFor({
        architecture: { size: '3k' },
        access: {
          admin: 'bastion',
          sshAllowedCidrs: ['198.51.100.0/24'],
          bastionSshAllowedCidrs: ['192.0.2.0/28'],
        },
      }),
    );
    rules = ingressRules(synth);
  });

  it('has one security group per tier', () => {
    expect([...synth.environment.securityGroups.groups.keys()].sort()).toEqual(
      TIERS.filter((tier) => tier !== 'kubernetes').sort(),
    );
  });

  it("admits PostgreSQL and Redis only from the application tiers and the backup node, and Praefect's database only from Praefect", () => {
    expect(sources(rules, 'database', PORTS.postgres)).toEqual(['backup', 'rails', 'sidekiq']);
    expect(sources(rules, 'praefect-database', PORTS.postgres)).toEqual(['praefect']);
    expect(sources(rules, 'redis', PORTS.redis)).toEqual(['backup', 'rails', 'sidekiq']);
    expect(
      rules
        .filter((rule) => ['database', 'praefect-database', 'redis'].includes(rule.to))
        .map((rule) => rule.port),
    ).not.toContain(PORTS.ssh);
  });

  it('admits Gitaly only from Praefect and Gitaly, and Praefect through its load balancer and from Gitaly', () => {
    expect(sources(rules, 'gitaly', PORTS.gitaly)).toEqual(['gitaly', 'praefect']);
    expect(sources(rules, 'praefect', PORTS.praefect)).toEqual(['gitaly', 'praefect-load-balancer']);
    expect(sources(rules, 'praefect-load-balancer', PORTS.praefect)).toEqual([
      'backup',
      'gitaly',
      'rails',
      'sidekiq',
    ]);
  });

  it('opens SSH only on the load balancer (Git SSH CIDRs), the bastions (their own CIDRs) and from bastions', () => {
    expect(sources(rules, 'load-balancer', PORTS.ssh)).toEqual(['198.51.100.0/24']);
    expect(sources(rules, 'rails', PORTS.ssh)).toEqual(['bastion', 'load-balancer']);
    expect(sources(rules, 'bastion', PORTS.ssh)).toEqual(['192.0.2.0/28']);
    expect(sources(rules, 'gitaly', PORTS.ssh)).toEqual(['bastion']);
    const open = rules.filter((rule) => rule.from === '0.0.0.0/0');
    expect(open.map((rule) => `${rule.to}:${rule.port}`).sort()).toEqual([
      'load-balancer:443',
      'load-balancer:5050',
      'load-balancer:80',
    ]);
  });

  it('requires IMDSv2 on every launch template and encrypts every root volume with the volume key', () => {
    const templates = [...resourcesOf(synth.json.compute, 'AWS::EC2::LaunchTemplate')];
    expect(templates.length).toBeGreaterThan(synth.plan.autoScalingGroups.length);
    for (const [id, template] of templates) {
      const data = template.Properties!.LaunchTemplateData as Record<string, Json>;
      expect(data.MetadataOptions?.HttpTokens, id).toBe('required');
    }
    for (const [id, instance] of resourcesOf(synth.json.compute, 'AWS::EC2::Instance')) {
      expect(instance.Properties!.LaunchTemplate, `${id} boots from an IMDSv2 launch template`).toBeDefined();
      for (const device of instance.Properties!.BlockDeviceMappings as Record<string, Json>[]) {
        expect(device.Ebs.Encrypted, id).toBe(true);
        expect(device.Ebs.KmsKeyId, id).toBeDefined();
      }
    }
  });

  it('encrypts RDS, ElastiCache, S3 and EBS data volumes with customer-managed keys', () => {
    const keys = resourcesOf(synth.json.data, 'AWS::KMS::Key');
    expect(keys.every(([, key]) => key.Properties!.EnableKeyRotation === true)).toBe(true);
    const keyIds = new Set(keys.map(([id]) => id));
    const usesKey = (value: unknown) => keyIds.has(referencedLogicalId(synth, value) ?? '');
    for (const [, db] of resourcesOf(synth.json.data, 'AWS::RDS::DBInstance')) {
      expect(db.Properties!.StorageEncrypted).toBe(true);
      expect(usesKey(db.Properties!.KmsKeyId)).toBe(true);
    }
    for (const [, redis] of resourcesOf(synth.json.data, 'AWS::ElastiCache::ReplicationGroup')) {
      expect(redis.Properties).toMatchObject({
        AtRestEncryptionEnabled: true,
        TransitEncryptionEnabled: true,
      });
      expect(usesKey(redis.Properties!.KmsKeyId)).toBe(true);
    }
    for (const [, volume] of resourcesOf(synth.json.data, 'AWS::EC2::Volume')) {
      expect(volume.Properties!.Encrypted).toBe(true);
      expect(usesKey(volume.Properties!.KmsKeyId)).toBe(true);
    }
    const gitlabBuckets = resourcesOf(synth.json.data, 'AWS::S3::Bucket').filter(
      ([, bucket]) => !String(resolvedIn(bucket.Properties!.BucketName)).includes('-access-logs-'),
    );
    expect(gitlabBuckets).toHaveLength(OBJECT_STORAGE_PURPOSES.length);
    for (const [, bucket] of gitlabBuckets) {
      const rule = (bucket.Properties!.BucketEncryption as Json).ServerSideEncryptionConfiguration[0];
      expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
      expect(usesKey(rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toBe(true);
    }
  });
});

describe('instance roles', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '3k' }, objectStorage: { bucketPrefix: 'gl-' } }));
  });

  /** Every statement of the inline policies of one IAM role, by the construct. */
  function statementsOfRole(iamRole: { node: { defaultChild?: unknown } }): Record<string, Json>[] {
    const roleId = synth.environment.stacks.compute.getLogicalId(iamRole.node.defaultChild as never);
    return identityPoliciesOf(synth.json.compute)
      .filter(([, policy]) =>
        (policy.Properties!.Roles as unknown[]).some((ref) => referencedLogicalId(synth, ref) === roleId),
      )
      .flatMap(([, policy]) => (policy.Properties!.PolicyDocument as Json).Statement);
  }

  /** The statements of each IAM role of a Plan role (one shared role, or one per node). */
  function statementsOfEach(role: string): Record<string, Json>[][] {
    const roles = synth.environment.instanceRoles.allOf(role as never);
    expect(roles.length, role).toBeGreaterThan(0);
    return roles.map(statementsOfRole);
  }

  it('gives S3 access only to the gl- prefixed buckets of the role', () => {
    for (const role of ['rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring'])
      for (const statements of statementsOfEach(role)) {
        const s3 = statements.filter((statement) =>
          [statement.Action].flat().some((action: string) => action.startsWith('s3:')),
        );
        const resources = s3
          .flatMap((statement) => [statement.Resource].flat())
          .map((resource) => String(resolvedIn(resource)));
        const users = synth.plan.services
          .find((service) => service.kind === 's3')!
          .buckets.filter((bucket) => bucket.accessRoles.includes(role as never));
        if (users.length === 0) {
          expect(s3, role).toEqual([]);
          continue;
        }
        expect(resources.length).toBeGreaterThan(0);
        for (const resource of resources)
          expect(resource).toMatch(/:s3:::gl-gitlab-test-[a-z-]+-111111111111-us-west-2(\/\*)?$/);
        for (const bucket of users)
          expect(resources).toContain(`arn:aws:s3:::${nameInAccount(bucket.bucketName, TEST_ACCOUNT)}`);
      }
  });

  it('lets each role read exactly the secrets the Plan names it a reader of', () => {
    const smtp = synth.plan.email?.credentialsSecret;
    // Granted by name (Secrets Manager appends six characters), so compute imports nothing for them.
    const secretOf = (resource: unknown) =>
      synth.plan.secrets.find((secret) => JSON.stringify(resource).includes(`:secret:${secret.name}-??????`))
        ?.id;
    for (const role of ['rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring'] as const)
      for (const statements of statementsOfEach(role)) {
        const readable = statements
          .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
          .flatMap((statement) => [statement.Resource].flat())
          .map(
            (resource) =>
              secretOf(resource) ??
              // The SES SMTP credential, granted by name (src/infra/external-secrets.ts).
              (JSON.stringify(resource).includes(`:secret:${smtp?.name}-??????`)
                ? smtp?.id
                : JSON.stringify(resource)),
          )
          .sort();
        const expected = [
          ...synth.plan.secrets.filter((secret) => secret.readers.includes(role)).map((secret) => secret.id),
          ...(smtp?.readers.includes(role) ? [smtp.id] : []),
        ].sort();
        expect(readable, role).toEqual(expected);
      }
  });

  it('grants Session Manager to every role and no action wildcards', () => {
    for (const [, role] of resourcesOf(synth.json.compute, 'AWS::IAM::Role')) {
      expect(JSON.stringify(role.Properties!.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
    }
    for (const [id, policy] of identityPoliciesOf(synth.json.compute)) {
      for (const statement of (policy.Properties!.PolicyDocument as Json).Statement) {
        for (const action of [statement.Action].flat()) expect(action, id).not.toContain('*');
      }
    }
  });
});
