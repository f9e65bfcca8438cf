import { beforeAll, describe, expect, it } from 'vitest';
import { chartTargetGroupBindings } from '../../src/plan/chart.js';
import type { EksService } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { type Json, referencedLogicalId, resourcesOf, type Synthesized, synthesize } from './synth.js';

const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/gitlab-admins';

describe('Cloud Native Hybrid (3k)', () => {
  let synth: Synthesized;
  let eks: EksService;
  beforeAll(() => {
    synth = synthesize(
      planFor({
        architecture: { size: '3k', type: 'cloud-native-hybrid' },
        access: { clusterAdminRoleArn: ADMIN_ROLE },
      }),
    );
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
      // One hop: pods outside the host network never reach the node role (they use IRSA).
      expect(data.MetadataOptions.HttpPutResponseHopLimit).toBe(1);
      expect(data.BlockDeviceMappings[0].Ebs.VolumeSize).toBe(eks.nodeRootVolume.sizeGiB);
      expect(data.BlockDeviceMappings[0].Ebs.Encrypted).toBe(true);
      expect(data.SecurityGroupIds.map((id: unknown) => referencedLogicalId(synth, id))).toContain(
        kubernetesGroup,
      );
    }
  });

  it('runs no Rails or Sidekiq auto scaling group; the target groups the chart binds take IP targets', () => {
    synth.templates.compute.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    const groups = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const ofType = (type: string) => groups.filter(([, group]) => group.Properties!.TargetType === type);
    // GitLab Shell's on the NLB and webservice, the registry and KAS (two ports) on the ALB; the
    // NLB's HTTP and HTTPS groups hold the ALB itself.
    expect(ofType('ip')).toHaveLength(chartTargetGroupBindings(synth.plan).length);
    expect(ofType('alb')).toHaveLength(2);
    expect(groups).toHaveLength(ofType('ip').length + ofType('alb').length);
    // One output per bound group, for the bindings the compute stack renders.
    expect(
      Object.keys(synth.json.edge.Outputs ?? {}).filter((key) => key.includes('TargetGroupArn')),
    ).toHaveLength(ofType('ip').length);
  });
});

describe('Cloud Native Hybrid cluster add-ons (3k)', () => {
  let synth: Synthesized;
  let eks: EksService;
  let clusterId: string;
  beforeAll(() => {
    synth = synthesize(
      planFor({
        architecture: { size: '3k', type: 'cloud-native-hybrid' },
        access: { clusterAdminRoleArn: ADMIN_ROLE },
      }),
    );
    eks = synth.plan.services.find((service): service is EksService => service.kind === 'eks')!;
    clusterId = resourcesOf(synth.json.compute, 'AWS::EKS::Cluster')[0]![0];
  });

  it('registers the cluster OIDC issuer as the IAM identity provider IRSA roles trust', () => {
    const providers = resourcesOf(synth.json.compute, 'AWS::IAM::OIDCProvider');
    expect(providers).toHaveLength(1);
    expect(providers[0]![1].Properties).toMatchObject({
      Url: { 'Fn::GetAtt': [clusterId, 'OpenIdConnectIssuerUrl'] },
      ClientIdList: ['sts.amazonaws.com'],
    });
    // IAM trusts the issuer's certificate authority itself: no thumbprint to go stale.
    expect(providers[0]![1].Properties!.ThumbprintList).toBeUndefined();
    expect(synth.environment.kubernetes!.openIdConnectProvider.node.id).toBe('OpenIdConnectProvider');
  });

  it('runs the managed add-ons of the Plan once nodes exist, the EBS CSI driver with its IRSA role', () => {
    const addOns = resourcesOf(synth.json.compute, 'AWS::EKS::Addon');
    expect(addOns.map(([, addOn]) => addOn.Properties!.AddonName).sort()).toEqual(
      eks.addOns.map((addOn) => addOn.name).sort(),
    );
    const nodeGroups = resourcesOf(synth.json.compute, 'AWS::EKS::Nodegroup').map(([id]) => id);
    const ebsRole = synth.environment.stacks.compute.getLogicalId(
      synth.environment.kubernetes!.ebsCsiDriverRole.node.defaultChild as never,
    );
    for (const [, addOn] of addOns) {
      expect(addOn.Properties!.ClusterName).toEqual({ Ref: clusterId });
      expect(addOn.DependsOn).toEqual(expect.arrayContaining(nodeGroups));
      const role = addOn.Properties!.ServiceAccountRoleArn;
      if (addOn.Properties!.AddonName === 'aws-ebs-csi-driver') {
        expect(role).toEqual({ 'Fn::GetAtt': [ebsRole, 'Arn'] });
      } else {
        expect(role).toBeUndefined();
      }
    }
  });

  it('gives the role the spec names cluster admin through an access entry, and runs nothing on Fargate', () => {
    // The spec's admin role's; the chart's install build has one of its own.
    const entries = resourcesOf(synth.json.compute, 'AWS::EKS::AccessEntry').filter(
      ([, entry]) => entry.Properties!['PrincipalArn'] === ADMIN_ROLE,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]![1].Properties).toMatchObject({
      ClusterName: { Ref: clusterId },
      PrincipalArn: ADMIN_ROLE,
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
              ],
            ],
          },
          AccessScope: { Type: 'cluster' },
        },
      ],
    });
    expect(resourcesOf(synth.json.compute, 'AWS::EKS::FargateProfile')).toEqual([]);
    const without = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    expect(
      without.services.find((service): service is EksService => service.kind === 'eks')!.adminRoleArn,
    ).toBeUndefined();
  });

  it('hands each add-on release its IRSA role and the VPC, on top of the Plan values', () => {
    const kubernetes = synth.environment.kubernetes!;
    const stack = synth.environment.stacks.compute;
    const release = (name: string) => eks.addOnReleases.find((entry) => entry.name === name)!;
    const roleArn = (name: 'aws-load-balancer-controller' | 'cluster-autoscaler') =>
      stack.resolve(kubernetes.releaseRoles.get(name)!.roleArn);
    const controller = stack.resolve(kubernetes.releaseValues(release('aws-load-balancer-controller')));
    expect(controller).toMatchObject({
      clusterName: eks.clusterName,
      region: synth.plan.region,
      serviceAccount: {
        create: true,
        name: 'aws-load-balancer-controller',
        annotations: { 'eks.amazonaws.com/role-arn': roleArn('aws-load-balancer-controller') },
      },
    });
    // The VPC's id, from the network stack.
    const vpc = resourcesOf(synth.json.network, 'AWS::EC2::VPC')[0]![0];
    expect(JSON.stringify(controller.vpcId)).toContain(vpc);
    const autoscaler = stack.resolve(kubernetes.releaseValues(release('cluster-autoscaler')));
    expect(autoscaler).toMatchObject({
      autoDiscovery: { clusterName: eks.clusterName },
      awsRegion: synth.plan.region,
      rbac: {
        serviceAccount: {
          name: 'cluster-autoscaler',
          annotations: { 'eks.amazonaws.com/role-arn': roleArn('cluster-autoscaler') },
        },
      },
    });
    // Metrics Server calls no AWS API: no role, its values as planned.
    expect(kubernetes.releaseRoles.has('metrics-server')).toBe(false);
    expect(kubernetes.releaseValues(release('metrics-server'))).toEqual(release('metrics-server').values);
  });
});
