/**
 * Physical names: every name the templates give a resource explicitly must be free when
 * CloudFormation creates it. Names are unique per account and region (bucket names worldwide), so
 * within one environment no two resources of a type share a name, two environments whose specs
 * differ only in `name` share none, and a redeploy after the default `destroy` creates no name that
 * a resource retained by that destroy still holds (the stacks `destroy` keeps are updated in place,
 * so what they hold is adopted, not created again).
 *
 * A name is a literal string, or a Join/Sub/Select/Split of literals and pseudo parameters. A part
 * taken from `AWS::StackId` is new with every stack CloudFormation creates, so a name built on it
 * never repeats across environments or deployments.
 */
import { describe, expect, it } from 'vitest';
import { planDestroy } from '../../src/lifecycle/destroy.js';
import { STACK_KINDS, type StackKind, stackName } from '../../src/plan/stacks.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans, planFor } from '../fixtures/plans.js';
import { structureOf } from './structures.js';
import { type CfnTemplate, synthesize } from './synth.js';

/** Properties that name their resource in the account and region, by resource type. */
const PHYSICAL_NAMES: Readonly<Record<string, readonly string[]>> = {
  'AWS::EC2::LaunchTemplate': ['LaunchTemplateName'],
  'AWS::Backup::BackupVault': ['BackupVaultName'],
  'AWS::Backup::BackupPlan': ['BackupPlan.BackupPlanName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::ElastiCache::ReplicationGroup': ['ReplicationGroupId'],
  'AWS::ElastiCache::ParameterGroup': ['CacheParameterGroupName'],
  'AWS::ElastiCache::SubnetGroup': ['CacheSubnetGroupName'],
  'AWS::RDS::DBInstance': ['DBInstanceIdentifier'],
  'AWS::RDS::DBParameterGroup': ['DBParameterGroupName'],
  'AWS::RDS::DBSubnetGroup': ['DBSubnetGroupName'],
  'AWS::SSM::Parameter': ['Name'],
  // Taken as unique in the account and region (the private zone it creates is named alike).
  'AWS::ServiceDiscovery::PrivateDnsNamespace': ['Name'],
  'AWS::KMS::Alias': ['AliasName'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['Name'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['Name'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::IAM::InstanceProfile': ['InstanceProfileName'],
  'AWS::IAM::ManagedPolicy': ['ManagedPolicyName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::EKS::Cluster': ['Name'],
  'AWS::EC2::SecurityGroup': ['GroupName'],
  'AWS::AutoScaling::AutoScalingGroup': ['AutoScalingGroupName'],
  'AWS::Events::Rule': ['Name'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
  'AWS::SSM::Association': ['AssociationName'],
};

/**
 * Properties ending in Name/Id that do not name their resource in the account, by type, with why.
 * A property in neither list fails the test until it is classified.
 */
const NOT_ACCOUNT_NAMES: Readonly<Record<string, readonly string[]>> = {
  // An inline policy's name is scoped to its role.
  'AWS::IAM::Policy': ['PolicyName'],
  // Private hosted zones of the same name may coexist (each is associated with its own VPC).
  'AWS::Route53::HostedZone': ['Name'],
  // A record is named in its zone; the public record is the spec's own domain (two environments
  // have two domains), and private records live in the environment's own private zone.
  'AWS::Route53::RecordSet': ['Name', 'HostedZoneName', 'HostedZoneId'],
  // The database inside the instance.
  'AWS::RDS::DBInstance': ['DBName'],
  // Certificates of the same domain may coexist.
  'AWS::CertificateManager::Certificate': ['DomainName', 'HostedZoneId'],
  'AWS::EC2::VPCEndpoint': ['ServiceName'],
  // A display name, not an identifier.
  'AWS::SNS::Topic': ['DisplayName'],
  // What an alarm watches.
  'AWS::CloudWatch::Alarm': ['MetricName'],
  // A node group is named in its cluster.
  'AWS::EKS::Nodegroup': ['NodegroupName', 'ClusterName'],
  // An add-on is named in its cluster, after the software it installs.
  'AWS::EKS::Addon': ['AddonName', 'ClusterName'],
  // A selection is named in its backup plan.
  'AWS::Backup::BackupSelection': [],
  // The SSM document an association runs (AWS's own AWS-RunShellScript).
  'AWS::SSM::Association': ['Name'],
};

/** Stands for a part of `AWS::StackId`: new for every stack CloudFormation creates. */
const STACK_ID = '\u0000stack-id\u0000';

/** Where a name is created: its stack, and which deployment of that stack. */
interface Deployment {
  readonly stackName: string;
  readonly count: number;
}

/** A name as CloudFormation would create it, or undefined when it is not made of literals. */
function literalName(value: unknown, at: Deployment): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return undefined;
  const intrinsic = value as Record<string, unknown>;
  if ('Ref' in intrinsic) {
    const ref = intrinsic.Ref;
    if (ref === 'AWS::StackName') return at.stackName;
    if (ref === 'AWS::StackId') return STACK_ID;
    if (typeof ref === 'string' && ref.startsWith('AWS::')) return `\${${ref}}`;
    return undefined;
  }
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    if (!Array.isArray(parts)) return undefined;
    const rendered = parts.map((part) => literalName(part, at));
    return rendered.every((part) => part !== undefined) ? rendered.join(separator) : undefined;
  }
  if ('Fn::Select' in intrinsic) {
    const [index, list] = intrinsic['Fn::Select'] as [number | string, unknown];
    const split = (list as Record<string, unknown> | undefined)?.['Fn::Split'] as
      | [string, unknown]
      | undefined;
    if (!split) return undefined;
    const source = literalName(split[1], at);
    if (source === undefined) return undefined;
    if (source.includes(STACK_ID)) return STACK_ID;
    return source.split(split[0])[Number(index)];
  }
  if ('Fn::Sub' in intrinsic) {
    const template = intrinsic['Fn::Sub'];
    if (typeof template !== 'string') return undefined;
    let complete = true;
    const rendered = template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const part = literalName({ Ref: name }, at);
      if (part === undefined) complete = false;
      return part ?? '';
    });
    return complete ? rendered : undefined;
  }
  return undefined;
}

/** A fresh part of a stack id, spelled for the deployment that created it. */
function named(value: unknown, at: Deployment): string | undefined {
  return literalName(value, at)?.replaceAll(STACK_ID, `<new id of ${at.stackName}, deployment ${at.count}>`);
}

interface PhysicalName {
  readonly type: string;
  readonly name: string;
  /** `stack/logicalId`, for messages. */
  readonly resource: string;
  readonly kind: StackKind;
  readonly retained: boolean;
}

function valueAt(properties: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], properties);
}

/** Every explicit physical name of an environment's templates; unclassified Name/Id properties throw. */
function physicalNames(
  plan: Plan,
  json: Readonly<Record<StackKind, CfnTemplate>>,
  count = 1,
): PhysicalName[] {
  const names: PhysicalName[] = [];
  for (const kind of STACK_KINDS) {
    const at = { stackName: stackName(plan, kind), count };
    for (const [logicalId, resource] of Object.entries(json[kind].Resources)) {
      const properties = resource.Properties ?? {};
      const naming = PHYSICAL_NAMES[resource.Type] ?? [];
      const ignored = NOT_ACCOUNT_NAMES[resource.Type] ?? [];
      for (const key of Object.keys(properties)) {
        if (!/(Name|Id|Identifier)$/.test(key) || naming.includes(key) || ignored.includes(key)) continue;
        if (literalName(properties[key], at) === undefined) continue;
        throw new Error(
          `${resource.Type}.${key} of ${kind}/${logicalId} is an explicit name nobody classified: add it to PHYSICAL_NAMES or NOT_ACCOUNT_NAMES`,
        );
      }
      for (const path of naming) {
        const name = named(valueAt(properties, path), at);
        if (name === undefined) continue;
        names.push({
          type: resource.Type,
          name,
          resource: `${at.stackName}/${logicalId}`,
          kind,
          retained:
            resource.DeletionPolicy === 'Retain' || resource.DeletionPolicy === 'RetainExceptOnCreate',
        });
      }
    }
  }
  return names;
}

/** `type name` pairs that appear more than once, with the resources that hold them. */
function repeats(names: readonly PhysicalName[]): string[] {
  const holders = new Map<string, string[]>();
  for (const { type, name, resource } of names) {
    const key = `${type} ${name}`;
    holders.set(key, [...(holders.get(key) ?? []), resource]);
  }
  return [...holders]
    .filter(([, resources]) => resources.length > 1)
    .map(([key, resources]) => `${key}: ${resources.join(', ')}`);
}

/** Retained names a redeploy after `destroy` creates again. */
function retainedAndCreatedAgain(
  plan: Plan,
  json: Readonly<Record<StackKind, CfnTemplate>>,
  includeData: boolean,
): PhysicalName[] {
  const { deletedStacks } = planDestroy(plan, { includeData });
  const left = physicalNames(plan, json, 1).filter(
    (name) => deletedStacks.includes(name.kind) && name.retained,
  );
  const created = physicalNames(plan, json, 2).filter((name) => deletedStacks.includes(name.kind));
  return left.filter((old) => created.some((name) => name.type === old.type && name.name === old.name));
}

/** Names a redeploy after the default destroy creates that a retained resource still holds. */
function redeployClashes(plan: Plan, json: Readonly<Record<StackKind, CfnTemplate>>): string[] {
  return retainedAndCreatedAgain(plan, json, false).map(
    (old) => `${old.type} ${old.name} (${old.resource}) is retained by destroy and created again by deploy`,
  );
}

/**
 * After `destroy --include-data` the retained secrets and buckets keep their names (GitLab's data
 * depends on the secrets): the names a redeploy would create again that destroy does not name.
 */
function unannouncedAfterIncludeData(plan: Plan, json: Readonly<Record<StackKind, CfnTemplate>>): string[] {
  const announced = new Set(
    planDestroy(plan, { includeData: true }).blockRedeploy.map((resource) => resource.physicalName),
  );
  return retainedAndCreatedAgain(plan, json, true)
    .filter((old) => !announced.has(old.name))
    .map((old) => `${old.type} ${old.name} (${old.resource})`);
}

const OTHER_NAME = 'gitlab-other';

/** One plan of each template structure: the sizes of a structure name the same resources. */
function onePlanPerStructure() {
  const seen = new Set<string>();
  return allPlans().filter(({ plan }) => {
    const structure = structureOf(plan);
    if (seen.has(structure)) return false;
    seen.add(structure);
    return true;
  });
}

describe('physical names', () => {
  it.each(allPlans().map(({ combination, plan }) => ({ ...combination, plan })))(
    '$size $type in $availabilityZones AZs: unique in the environment and after a redeploy',
    ({ plan }) => {
      const { json } = synthesize(plan);
      const names = physicalNames(plan, json);
      expect(names.length).toBeGreaterThan(0);
      expect(repeats(names)).toEqual([]);
      expect(redeployClashes(plan, json)).toEqual([]);
      expect(retainedAndCreatedAgain(plan, json, true).length).toBeGreaterThan(0);
      expect(unannouncedAfterIncludeData(plan, json)).toEqual([]);
    },
  );

  // A second environment costs a synthesis, so it is built once per structure, not per size.
  it.each(onePlanPerStructure().map(({ combination, plan }) => ({ ...combination, plan })))(
    '$size $type in $availabilityZones AZs: no name shared with an environment named otherwise',
    ({ size, type, availabilityZones, plan }) => {
      const names = physicalNames(plan, synthesize(plan).json);
      const otherPlan = planFor({ name: OTHER_NAME, availabilityZones, architecture: { size, type } });
      const other = synthesize(otherPlan);
      expect(repeats([...names, ...physicalNames(otherPlan, other.json)])).toEqual([]);
    },
  );

  it('takes a second environment of every structure', () => {
    const structures = new Set(allPlans().map(({ plan }) => structureOf(plan)));
    expect(
      onePlanPerStructure()
        .map(({ plan }) => structureOf(plan))
        .sort(),
    ).toEqual([...structures].sort());
    expect(structures.size).toBeGreaterThan(5);
  });

  it('keeps every fixed instance on IMDSv2 through its unnamed launch template', () => {
    const { json } = synthesize(planFor({}));
    const instances = Object.values(json.compute.Resources).filter(
      (resource) => resource.Type === 'AWS::EC2::Instance',
    );
    expect(instances.length).toBeGreaterThan(0);
    for (const instance of instances) {
      const launchTemplate = instance.Properties?.LaunchTemplate as { LaunchTemplateId: { Ref: string } };
      const { LaunchTemplateId } = launchTemplate;
      const template = json.compute.Resources[LaunchTemplateId.Ref]!;
      expect(template.Properties?.LaunchTemplateData).toMatchObject({
        MetadataOptions: { HttpTokens: 'required' },
      });
    }
  });

  it('sees the repeats, clashes and unclassified names it guards against', () => {
    const plan = planFor({});
    const { json } = synthesize(plan);
    const template = (resources: CfnTemplate['Resources']): Record<StackKind, CfnTemplate> =>
      ({ ...json, compute: { Resources: { ...json.compute.Resources, ...resources } } }) as Record<
        StackKind,
        CfnTemplate
      >;
    const fixed = {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateName: 'InstanceLaunchTemplate' },
    };
    expect(repeats(physicalNames(plan, template({ A: fixed, B: fixed })))).toHaveLength(1);

    const retained = {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
      Properties: { LogGroupName: { 'Fn::Join': ['', ['/logs/', { Ref: 'AWS::Region' }]] } },
    };
    const before = redeployClashes(plan, json).length;
    expect(redeployClashes(plan, template({ Logs: retained }))).toHaveLength(before + 1);
    const perStack = {
      ...retained,
      Properties: {
        LogGroupName: {
          'Fn::Join': [
            '-',
            ['/logs', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }],
          ],
        },
      },
    };
    expect(redeployClashes(plan, template({ Logs: perStack }))).toHaveLength(before);

    const dataJson = {
      ...json,
      data: {
        Resources: { ...json.data.Resources, Logs: { ...retained, Properties: { LogGroupName: '/kept' } } },
      },
    } as Record<StackKind, CfnTemplate>;
    expect(unannouncedAfterIncludeData(plan, dataJson)).toEqual([
      expect.stringContaining('AWS::Logs::LogGroup /kept'),
    ]);

    const unclassified = { Type: 'AWS::New::Thing', Properties: { ThingName: 'fixed' } };
    expect(() => physicalNames(plan, template({ Thing: unclassified }))).toThrow(/nobody classified/);
  });
});
