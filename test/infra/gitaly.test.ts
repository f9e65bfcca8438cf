import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GITALY_DISK_IOPS } from '../../src/catalog/gitlab-requirements.js';
import { NODE_TAG, ROLE_TAG } from '../../src/plan/contracts.js';
import { planFor } from '../fixtures/plans.js';
import {
  identityPoliciesOf,
  type Json,
  referencedLogicalId,
  resourcesOf,
  type Synthesized,
  synthesize,
  tagOf,
} from './synth.js';

describe('single Gitaly (2k)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(
      planFor({ architecture: { size: '2k' }, gitaly: { volumeGiB: 750, volumeType: 'io1', iops: 6000 } }),
    );
  });

  it('runs one Gitaly instance with its own retained, encrypted data volume in its AZ', () => {
    const instances = resourcesOf(synth.json.compute, 'AWS::EC2::Instance').filter(
      ([, instance]) => tagOf(instance, ROLE_TAG) === 'gitaly',
    );
    expect(instances).toHaveLength(1);
    const volumes = resourcesOf(synth.json.data, 'AWS::EC2::Volume');
    expect(volumes).toHaveLength(1);
    const [, volume] = volumes[0]!;
    expect(volume.DeletionPolicy).toBe('Retain');
    expect(volume.Properties).toMatchObject({ Size: 750, VolumeType: 'io1', Iops: 6000, Encrypted: true });
    expect(volume.Properties!.AvailabilityZone).toBe(instances[0]![1].Properties!.AvailabilityZone);
    expect(tagOf(volume, NODE_TAG)).toBe('gitaly-1');
    // Attached by the boot script, never by CloudFormation (see gitaly.ts), and never EFS.
    synth.templates.compute.resourceCountIs('AWS::EC2::VolumeAttachment', 0);
    synth.templates.data.resourceCountIs('AWS::EFS::FileSystem', 0);
    synth.templates.compute.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });

  it('lets the Gitaly node attach only its own volume and stop only its own instances', () => {
    const statements = identityPoliciesOf(synth.json.compute).flatMap(
      ([, policy]) => (policy.Properties!.PolicyDocument as Json).Statement as Record<string, Json>[],
    );
    const attach = statements.filter((statement) => [statement.Action].flat().includes('ec2:AttachVolume'));
    expect(attach.length).toBe(2);
    const volumeIds = new Set(resourcesOf(synth.json.data, 'AWS::EC2::Volume').map(([id]) => id));
    expect(volumeIds.size).toBe(1);
    // The volume by its tags, like the instances: the same node of the same environment only.
    const thisNode = {
      StringEquals: {
        'aws:ResourceTag/gitlab-aws:environment': 'gitlab-test',
        'aws:ResourceTag/gitlab-aws:role': 'gitaly',
        'aws:ResourceTag/gitlab-aws:node': 'gitaly-1',
      },
    };
    const onVolumes = attach.find((statement) => JSON.stringify(statement.Resource).includes(':volume/'))!;
    expect(JSON.stringify(onVolumes.Resource)).toContain(':volume/*');
    expect(onVolumes.Action).not.toContain('ec2:StopInstances');
    expect(onVolumes.Condition).toEqual(thisNode);
    const onInstances = attach.find((statement) =>
      JSON.stringify(statement.Resource).includes(':instance/'),
    )!;
    expect(onInstances.Action).toContain('ec2:StopInstances');
    expect(onInstances.Condition).toEqual(thisNode);
  });
});

describe('Gitaly Cluster (3k)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '3k' } }));
  });

  it('spreads 3 Gitaly and 3 Praefect nodes over the AZs, creating every one side by side', () => {
    const waitsOf = new Map<string, string[]>();
    for (const role of ['gitaly', 'praefect']) {
      const instances = resourcesOf(synth.json.compute, 'AWS::EC2::Instance').filter(
        ([, instance]) => tagOf(instance, ROLE_TAG) === role,
      );
      expect(instances).toHaveLength(3);
      expect(new Set(instances.map(([, instance]) => instance.Properties!.AvailabilityZone))).toEqual(
        new Set(synth.plan.availabilityZones),
      );
      for (const [, instance] of instances) {
        const node = tagOf(instance, NODE_TAG)!;
        const waitsFor = instances
          .filter(([id]) => (instance.DependsOn ?? []).includes(id))
          .map(([, other]) => tagOf(other, NODE_TAG)!);
        waitsOf.set(node, waitsFor);
      }
    }
    // Gitaly nodes boot side by side; so do Praefect nodes: the others wait in their boot script
    // for the schema the deploy node migrates (boot-order.ts), not for its signal.
    expect(Object.fromEntries(waitsOf)).toEqual({
      'gitaly-1': [],
      'gitaly-2': [],
      'gitaly-3': [],
      'praefect-1': [],
      'praefect-2': [],
      'praefect-3': [],
    });
    synth.templates.data.resourceCountIs('AWS::EC2::Volume', 3);
  });

  it('puts Praefect behind an internal load balancer on 2305 named praefect.<zone>', () => {
    synth.templates.compute.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Type: 'network',
    });
    synth.templates.compute.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 2305,
      Protocol: 'TCP',
    });
    const [, group] = resourcesOf(synth.json.compute, 'AWS::ElasticLoadBalancingV2::TargetGroup')[0]!;
    const targets = (group.Properties!.Targets as { Id: unknown }[]).map((target) =>
      referencedLogicalId(synth, target.Id),
    );
    const praefect = resourcesOf(synth.json.compute, 'AWS::EC2::Instance')
      .filter(([, instance]) => tagOf(instance, ROLE_TAG) === 'praefect')
      .map(([id]) => id);
    expect(targets.sort()).toEqual(praefect.sort());
    synth.templates.compute.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `praefect.${synth.plan.privateDnsZone}.`,
      Type: 'A',
      AliasTarget: Match.anyValue(),
    });
    for (const node of synth.plan.nodes.filter((candidate) => candidate.privateDnsName)) {
      synth.templates.compute.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${node.privateDnsName}.`,
        Type: 'A',
      });
    }
  });
});

describe('Gitaly storage on gp3 (3k, 10k)', () => {
  it.each(['3k', '10k'] as const)(
    '%s: provisions the IOPS GitLab requires of Gitaly on every data volume, throughput at the baseline',
    (size) => {
      const synth = synthesize(planFor({ architecture: { size } }));
      const volumes = resourcesOf(synth.json.data, 'AWS::EC2::Volume');
      expect(volumes.length).toBeGreaterThanOrEqual(3);
      for (const [id, volume] of volumes) {
        expect(volume.Properties, id).toMatchObject({ VolumeType: 'gp3', Iops: GITALY_DISK_IOPS.read });
        expect(volume.Properties!.Throughput, id).toBeUndefined();
      }
    },
  );

  it('takes the IOPS and throughput the spec asks for instead', () => {
    const synth = synthesize(
      planFor({ architecture: { size: '3k' }, gitaly: { iops: 12000, throughputMiBps: 500 } }),
    );
    for (const [id, volume] of resourcesOf(synth.json.data, 'AWS::EC2::Volume'))
      expect(volume.Properties, id).toMatchObject({ VolumeType: 'gp3', Iops: 12000, Throughput: 500 });
  });
});
