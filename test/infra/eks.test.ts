import { beforeAll, describe, expect, it } from 'vitest';
import type { EksService } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { type Json, referencedLogicalId, resourcesOf, type Synthesized, synthesize } from './synth.js';

describe('Cloud Native Hybrid (3k)', () => {
  let synth: Synthesized;
  let eks: EksService;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } }));
    eks = synth.plan.services.find((service): service is EksService => service.kind === 'eks')!;
  });

  it('runs an EKS cluster of the Plan version with a private endpoint, audit logs and encrypted secrets', () => {
    const [, cluster] = resourcesOf(synth.json.compute, 'AWS::EKS::Cluster')[0]!;
    expect(cluster.Properties).toMatchObject({
      Version: eks.kubernetesVersion,
      ResourcesVpcConfig: { EndpointPrivateAccess: true, EndpointPublicAccess: false },
      AccessConfig: { AuthenticationMode: 'API' },
    });
    expect(JSON.stringify(cluster.Properties!.Logging)).toContain('audit');
    expect(cluster.Properties!.EncryptionConfig).toHaveLength(1);
  });

  it('gives every node group a launch template with IMDSv2, encrypted volumes and the Kubernetes security group', () => {
    const groups = resourcesOf(synth.json.compute, 'AWS::EKS::Nodegroup');
    expect(groups.map(([, group]) => group.Properties!.NodegroupName).sort()).toEqual(
      eks.nodeGroups.map((group) => group.role).sort(),
    );
    const kubernetesGroup = synth.environment.stacks.network.getLogicalId(
      synth.environment.securityGroups.forTier('kubernetes').node.defaultChild as never,
    );
    for (const [, group] of groups) {
      const template =
        synth.json.compute.Resources[
          referencedLogicalId(synth, (group.Properties!.LaunchTemplate as Json).Id)!
        ]!;
      const data = template.Properties!.LaunchTemplateData as Record<string, Json>;
      expect(data.MetadataOptions.HttpTokens).toBe('required');
      expect(data.BlockDeviceMappings[0].Ebs.Encrypted).toBe(true);
      expect(data.SecurityGroupIds.map((id: unknown) => referencedLogicalId(synth, id))).toContain(
        kubernetesGroup,
      );
    }
  });

  it('runs no Rails or Sidekiq auto scaling group; the external target groups take IP targets for the chart', () => {
    synth.templates.compute.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    for (const [, group] of resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      expect(group.Properties!.TargetType).toBe('ip');
    }
    // One per target group to bind: HTTPS, the port 80 redirect, SSH and the registry.
    expect(
      Object.keys(synth.json.edge.Outputs ?? {}).filter((key) => key.includes('TargetGroupArn')),
    ).toHaveLength(resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup').length);
    expect(resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(4);
  });
});
