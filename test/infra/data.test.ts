import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { nameInAccount } from '../../src/plan/contracts.js';
import { planDataEndpoints } from '../../src/plan/data-endpoints.js';
import type { ElastiCacheService, RdsService, S3Service } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { resolvedIn, resourcesOf, type Synthesized, synthesize, TEST_ACCOUNT } from './synth.js';

describe('data at 10k (read replicas, two Redis roles)', () => {
  let synth: Synthesized;
  let rds: RdsService;
  beforeAll(() => {
    synth = synthesize(
      planFor({ architecture: { size: '10k' }, database: { storageGiB: 200, backupRetentionDays: 21 } }),
    );
    rds = synth.plan.services.find((service): service is RdsService => service.kind === 'rds')!;
  });

  it('runs RDS PostgreSQL as the Plan says: Multi-AZ, version, class, storage, backups, protection', () => {
    synth.templates.data.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: Match.objectLike({
        Engine: 'postgres',
        EngineVersion: rds.engineVersion,
        DBInstanceClass: rds.instanceClass,
        MultiAZ: true,
        DBName: 'gitlabhq_production',
        AllocatedStorage: '200',
        MaxAllocatedStorage: rds.maxStorageGiB,
        StorageType: 'gp3',
        AutoMinorVersionUpgrade: false,
        BackupRetentionPeriod: 21,
        DeletionProtection: true,
        PubliclyAccessible: false,
      }),
    });
    expect(rds.engineVersion).toBe('17');
    synth.templates.data.resourceCountIs('AWS::RDS::DBCluster', 0);
  });

  it("names each database primary in the private zone and publishes that name once it resolves, Redis by ElastiCache's endpoint", () => {
    const instances = new Map(resourcesOf(synth.json.data, 'AWS::RDS::DBInstance'));
    const records = new Map(resourcesOf(synth.json.data, 'AWS::Route53::RecordSet'));
    const parameters = resourcesOf(synth.json.data, 'AWS::SSM::Parameter');
    for (const endpoint of planDataEndpoints(synth.plan)) {
      const [, parameter] = parameters.find(
        ([, entry]) => entry.Properties!.Name === endpoint.parameterName,
      )!;
      if (endpoint.kind === 'redis') {
        // ElastiCache's own endpoint, which its TLS certificate names.
        expect(endpoint.stableHost, endpoint.id).toBeUndefined();
        expect(JSON.stringify(parameter.Properties!.Value), endpoint.id).toContain('PrimaryEndPoint.Address');
        continue;
      }
      // The parameter holds the stable name, and is written only once the name's record exists.
      expect(parameter.Properties!.Value, endpoint.id).toBe(`${endpoint.stableHost}:${endpoint.port}`);
      const dependsOn = [parameter.DependsOn ?? []].flat() as string[];
      const named = dependsOn.filter((id) => records.has(id));
      expect(named, endpoint.id).toHaveLength(1);
      const record = records.get(named[0]!)!.Properties!;
      expect(record.Name, endpoint.id).toBe(`${endpoint.stableHost}.`);
      expect(record.Type).toBe('CNAME');
      // ... which points at a primary of the Plan (never a replica).
      const [target] = (record.ResourceRecords as { 'Fn::GetAtt': [string, string] }[]).map(
        (value) => value['Fn::GetAtt'],
      );
      expect(target![1]).toBe('Endpoint.Address');
      const instance = instances.get(target![0])!.Properties!;
      expect(instance.SourceDBInstanceIdentifier).toBeUndefined();
      expect(instance.DBName, endpoint.id).toBe(
        endpoint.id === 'database' ? 'gitlabhq_production' : 'praefect_production',
      );
    }
    const databaseTargets = planDataEndpoints(synth.plan)
      .filter((endpoint) => endpoint.kind === 'database')
      .map((endpoint) => endpoint.id);
    expect(databaseTargets).toEqual(['database', 'praefect-database']);
  });

  it('adds the Plan read replicas, each in another AZ than the primary', () => {
    const replicas = resourcesOf(synth.json.data, 'AWS::RDS::DBInstance').filter(
      ([, db]) => db.Properties!.SourceDBInstanceIdentifier,
    );
    expect(replicas).toHaveLength(rds.readReplicas);
    expect(rds.readReplicas).toBe(2);
    const zones = replicas.map(([, db]) => db.Properties!.AvailabilityZone);
    expect(new Set(zones).size).toBe(2);
    expect(zones).not.toContain(synth.plan.availabilityZones[0]);
  });

  it("gives GitLab's instance GitLab's required parameters, and its replicas hot_standby_feedback too", () => {
    const instances = resourcesOf(synth.json.data, 'AWS::RDS::DBInstance');
    const groups = new Map(resourcesOf(synth.json.data, 'AWS::RDS::DBParameterGroup'));
    const parametersOf = (instance: (typeof instances)[number][1]) => {
      const ref = (instance.Properties!.DBParameterGroupName as { Ref: string }).Ref;
      return groups.get(ref)!.Properties!.Parameters;
    };
    const gitlab = instances.filter(([, db]) => db.Properties!.DBName !== 'praefect_production');
    const primary = gitlab.find(([, db]) => !db.Properties!.SourceDBInstanceIdentifier)![1];
    expect(parametersOf(primary)).toEqual({
      'rds.force_ssl': '1',
      statement_timeout: '60000',
      work_mem: '8192',
    });
    const replicas = gitlab.filter(([, db]) => db.Properties!.SourceDBInstanceIdentifier);
    expect(replicas).toHaveLength(2);
    for (const [, replica] of replicas)
      expect(parametersOf(replica)).toEqual({ ...rds.parameters, hot_standby_feedback: '1' });
  });

  it("runs Praefect's database on its own Multi-AZ instance, Praefect its master user", () => {
    const praefect = synth.plan.services.find(
      (service): service is RdsService => service.kind === 'rds' && service.role === 'praefect-postgres',
    )!;
    const praefectInstances = resourcesOf(synth.json.data, 'AWS::RDS::DBInstance').filter(
      ([, db]) => db.Properties!.DBName === 'praefect_production',
    );
    expect(praefectInstances).toHaveLength(1);
    const instance = praefectInstances[0]![1] as {
      Properties: Record<string, unknown>;
      DeletionPolicy?: string;
    };
    expect(instance.Properties).toMatchObject({
      DBInstanceClass: praefect.instanceClass,
      MultiAZ: true,
      AllocatedStorage: String(praefect.storageGiB),
      DeletionProtection: true,
      StorageEncrypted: true,
    });
    expect(instance.DeletionPolicy).toBe('Snapshot');
    // Its master credentials are the praefect-database-password secret (username praefect).
    const secrets = resourcesOf(synth.json.data, 'AWS::SecretsManager::Secret');
    const [praefectSecretId] = secrets.find(
      ([, secret]) => secret.Properties!.Name === `${synth.plan.spec.name}/praefect-database-password`,
    )!;
    expect(JSON.stringify(instance.Properties.MasterUsername)).toContain(praefectSecretId);
    expect(JSON.stringify(instance.Properties.MasterUserPassword)).toContain(praefectSecretId);
    const template = secrets.find(([id]) => id === praefectSecretId)![1].Properties!.GenerateSecretString as {
      SecretStringTemplate: string;
    };
    expect(JSON.parse(template.SecretStringTemplate)).toEqual({ username: 'praefect' });
  });

  it('runs one ElastiCache replication group per Redis role, cluster mode off, Multi-AZ with failover and AUTH', () => {
    const services = synth.plan.services.filter(
      (service): service is ElastiCacheService => service.kind === 'elasticache',
    );
    expect(services.map((service) => service.role).sort()).toEqual(['redis-cache', 'redis-persistent']);
    const groups = resourcesOf(synth.json.data, 'AWS::ElastiCache::ReplicationGroup');
    expect(groups).toHaveLength(services.length);
    for (const service of services) {
      const [, group] = groups.find(([, candidate]) =>
        String(candidate.Properties!.ReplicationGroupDescription).endsWith(service.role),
      )!;
      expect(group.DeletionPolicy).toBe('Snapshot');
      expect(group.Properties).toMatchObject({
        Engine: service.engine,
        EngineVersion: service.engineVersion,
        CacheNodeType: service.nodeType,
        NumCacheClusters: service.replicas + 1,
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
        SnapshotRetentionLimit: service.snapshotRetentionDays,
      });
      expect(group.Properties).not.toHaveProperty('NumNodeGroups');
      const zones = group.Properties!.PreferredCacheClusterAZs as string[];
      expect(new Set(zones.slice(0, synth.plan.availabilityZones.length)).size).toBe(
        Math.min(zones.length, synth.plan.availabilityZones.length),
      );
      expect(JSON.stringify(group.Properties!.AuthToken)).toContain('{{resolve:secretsmanager:');
    }
    synth.templates.data.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      Description: Match.stringLikeRegexp('redis-cache$'),
      Properties: { 'maxmemory-policy': 'allkeys-lru' },
    });
    synth.templates.data.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      Description: Match.stringLikeRegexp('redis-persistent$'),
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
  });

  it('has one retained, private, TLS-only bucket per object type; backups versioned and expiring', () => {
    const s3 = synth.plan.services.find((service): service is S3Service => service.kind === 's3')!;
    const bucketsByName = new Map(
      [
        ...resourcesOf(synth.json.data, 'AWS::S3::Bucket'),
        ...resourcesOf(synth.json.network, 'AWS::S3::Bucket'),
      ].map(([, bucket]) => [resolvedIn(bucket.Properties!.BucketName), bucket.Properties!.BucketName]),
    );
    // The template names each bucket in the account CloudFormation deploys to.
    const templateName = (pattern: string) => bucketsByName.get(nameInAccount(pattern, TEST_ACCOUNT));
    expect(templateName(s3.accessLogBucketName)).toBeDefined();
    for (const bucketPlan of s3.buckets) {
      expect(templateName(bucketPlan.bucketName), bucketPlan.purpose).toBeDefined();
      synth.templates.data.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          BucketName: templateName(bucketPlan.bucketName),
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
          ...(bucketPlan.versioned ? { VersioningConfiguration: { Status: 'Enabled' } } : {}),
        }),
      });
    }
    const backups = s3.buckets.find((bucket) => bucket.purpose === 'backups')!;
    synth.templates.data.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: templateName(backups.bucketName),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            ExpirationInDays: backups.expireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: backups.expireAfterDays },
          }),
        ]),
      },
    });
    const tlsOnly = (template: typeof synth.json.data) =>
      resourcesOf(template, 'AWS::S3::BucketPolicy').filter(([, policy]) =>
        JSON.stringify(policy.Properties!.PolicyDocument).includes('"aws:SecureTransport":"false"'),
      );
    expect(tlsOnly(synth.json.data).length).toBe(s3.buckets.length);
    expect(tlsOnly(synth.json.network).length).toBe(1);
  });

  it("lets S3 deliver each bucket's access logs, from that bucket only, to the network stack's log bucket", () => {
    const s3 = synth.plan.services.find((service): service is S3Service => service.kind === 's3')!;
    const policies = resourcesOf(synth.json.network, 'AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0]!;
    type Statement = { Principal?: { Service?: string }; Resource: unknown; Condition?: Json };
    type Json = Record<string, Record<string, unknown>>;
    const deliveries = (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement.filter(
      (statement) => statement.Principal?.Service === 'logging.s3.amazonaws.com',
    );
    expect(deliveries).toHaveLength(s3.buckets.length);
    for (const bucketPlan of s3.buckets) {
      const name = nameInAccount(bucketPlan.bucketName, TEST_ACCOUNT);
      const delivery = deliveries.find(
        (statement) => resolvedIn(statement.Condition?.ArnLike?.['aws:SourceArn']) === `arn:aws:s3:::${name}`,
      );
      expect(delivery, bucketPlan.purpose).toBeDefined();
      expect(resolvedIn(delivery!.Condition!.StringEquals!['aws:SourceAccount'])).toBe(TEST_ACCOUNT);
    }
    // The data stack's buckets name the log bucket without an export that would make it wait on data.
    for (const [, bucket] of resourcesOf(synth.json.data, 'AWS::S3::Bucket')) {
      const logging = bucket.Properties!.LoggingConfiguration as { LogFilePrefix: unknown };
      expect(resolvedIn(logging.LogFilePrefix)).toBe(`${resolvedIn(bucket.Properties!.BucketName)}/`);
    }
  });

  it('keeps every secret, generated by Secrets Manager or written at first boot, never in the template', () => {
    // The SES SMTP credential is checked with e-mail (email.test.ts).
    const secrets = resourcesOf(synth.json.data, 'AWS::SecretsManager::Secret').filter(
      ([, secret]) => secret.Properties!.Name !== synth.plan.email?.credentialsSecret.name,
    );
    expect(secrets).toHaveLength(synth.plan.secrets.length);
    for (const secretPlan of synth.plan.secrets) {
      const [, secret] = secrets.find(([, candidate]) => candidate.Properties!.Name === secretPlan.name)!;
      expect(secret.DeletionPolicy).toBe('Retain');
      if (secretPlan.generatedBy === 'secrets-manager')
        expect(secret.Properties!.GenerateSecretString).toBeDefined();
      else expect(secret.Properties!.SecretString).toBe('{"initialized":false}');
    }
  });
});
