import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_ZONE_NEGATIVE_TTL_SECONDS } from '../../src/plan/data-endpoints.js';
import { planFor } from '../fixtures/plans.js';
import { referencedLogicalId, resourcesOf, type Synthesized, synthesize } from './synth.js';

describe.each([
  { azs: 3 as const, cidr: '10.0.0.0/16' },
  { azs: 2 as const, cidr: '10.40.0.0/18' },
])('network with $azs AZs in $cidr', ({ azs, cidr }) => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(planFor({ availabilityZones: azs, network: { vpcCidr: cidr } }));
  });

  it('has a VPC with the Plan range and DNS support and host names on', () => {
    synth.templates.network.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: synth.plan.network.vpcCidr,
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
    });
  });

  it('has exactly the Plan subnets, CIDR and AZ for CIDR and AZ', () => {
    const subnets = resourcesOf(synth.json.network, 'AWS::EC2::Subnet').map(([, subnet]) => ({
      cidr: subnet.Properties!.CidrBlock,
      zone: subnet.Properties!.AvailabilityZone,
    }));
    const planned = synth.plan.network.subnets.map((subnet) => ({
      cidr: subnet.cidr,
      zone: subnet.availabilityZone,
    }));
    expect(subnets).toHaveLength(azs * 2);
    expect(new Set(subnets.map((subnet) => JSON.stringify(subnet)))).toEqual(
      new Set(planned.map((subnet) => JSON.stringify(subnet))),
    );
  });

  it('has an internet gateway and one NAT gateway per AZ, each private route table using its own AZ NAT', () => {
    synth.templates.network.resourceCountIs('AWS::EC2::InternetGateway', 1);
    // The NAT gateways and the private default routes are the compute stack's: the network stack,
    // which data and edge wait for, is done without them.
    expect(resourcesOf(synth.json.network, 'AWS::EC2::NatGateway')).toEqual([]);
    const nats = resourcesOf(synth.json.compute, 'AWS::EC2::NatGateway');
    expect(nats).toHaveLength(azs);
    const subnetZone = new Map(
      resourcesOf(synth.json.network, 'AWS::EC2::Subnet').map(([id, subnet]) => [
        id,
        subnet.Properties!.AvailabilityZone,
      ]),
    );
    const publicSubnets = new Set(
      resourcesOf(synth.json.network, 'AWS::EC2::Subnet')
        .filter(([, subnet]) => JSON.stringify(subnet.Properties!.Tags).includes('"Public"'))
        .map(([id]) => id),
    );
    const natZone = new Map(
      nats.map(([id, nat]) => {
        const subnet = referencedLogicalId(synth, nat.Properties!.SubnetId)!;
        expect(publicSubnets.has(subnet), `${id} in ${subnet}`).toBe(true);
        return [id, subnetZone.get(subnet)];
      }),
    );
    expect(new Set(natZone.values()).size).toBe(azs);
    // Private route table -> its subnet's AZ (through the association) -> the NAT its default route uses.
    const associations = resourcesOf(synth.json.network, 'AWS::EC2::SubnetRouteTableAssociation');
    const natRoutes = resourcesOf(synth.json.compute, 'AWS::EC2::Route').filter(
      ([, route]) => route.Properties!.NatGatewayId,
    );
    expect(natRoutes).toHaveLength(azs);
    const zonesRouted = natRoutes.map(([, route]) => {
      expect(route.Properties!.DestinationCidrBlock).toBe('0.0.0.0/0');
      const table = referencedLogicalId(synth, route.Properties!.RouteTableId)!;
      const association = associations.find(
        ([, candidate]) => referencedLogicalId(synth, candidate.Properties!.RouteTableId) === table,
      )!;
      const subnet = referencedLogicalId(synth, association[1].Properties!.SubnetId)!;
      expect(publicSubnets.has(subnet), `${table} is a private route table`).toBe(false);
      const zone = subnetZone.get(subnet);
      expect(natZone.get(referencedLogicalId(synth, route.Properties!.NatGatewayId)!)).toBe(zone);
      return zone;
    });
    expect(new Set(zonesRouted)).toEqual(new Set(synth.plan.availabilityZones));
  });

  it('has an S3 gateway endpoint, flow logs of all traffic and the private DNS zone', () => {
    synth.templates.network.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('s3')])]),
      }),
      VpcEndpointType: 'Gateway',
    });
    synth.templates.network.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      ResourceType: 'VPC',
    });
    synth.templates.network.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    // Created by Cloud Map, whose SOA TTL bounds how long a name looked up before its record
    // existed stays unknown to the VPC's resolver.
    synth.templates.network.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', {
      Name: synth.plan.privateDnsZone,
      Vpc: Match.anyValue(),
      Properties: { DnsProperties: { SOA: { TTL: PRIVATE_ZONE_NEGATIVE_TTL_SECONDS } } },
    });
    expect(PRIVATE_ZONE_NEGATIVE_TTL_SECONDS).toBeLessThanOrEqual(60);
  });

  it('gives no public address on launch in public subnets', () => {
    for (const [, subnet] of resourcesOf(synth.json.network, 'AWS::EC2::Subnet')) {
      expect(subnet.Properties!.MapPublicIpOnLaunch).toBe(false);
    }
  });
});
