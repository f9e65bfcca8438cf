/**
 * Subnet layout: one private /20-equivalent and one public /24-equivalent subnet per AZ, carved
 * from the VPC range so the Plan (and the template) show the exact CIDRs before anything exists.
 *
 * Private subnets get the large blocks because every instance lives there; public subnets only
 * hold NAT gateways, the NLB and bastions. For a /16 VPC: private 10.0.0.0/20, 10.0.16.0/20,
 * 10.0.32.0/20; public 10.0.48.0/24, 10.0.49.0/24, 10.0.50.0/24.
 */
import { REGIONS } from '../catalog/regions.js';
import { SpecError } from '../spec/errors.js';
import type { Spec } from '../spec/schema.js';
import type { NetworkPlan, SubnetPlan } from './types.js';

/** Bits added to the VPC prefix for private and public subnets. */
const PRIVATE_EXTRA_BITS = 4;
const PUBLIC_EXTRA_BITS = 8;

/** Smallest VPC the layout fits (a /24 VPC would leave /28 private subnets: too small for an ASG). */
export const LARGEST_VPC_PREFIX = 22;

/**
 * The first `count` zone names of the region: from the catalog's table, or from `lookedUp` (names
 * an account reported at deploy time). An unknown region, or fewer zones than asked, is a spec
 * error naming the field, since AWS would refuse the subnets. `source` names the spec in the error.
 */
export function availabilityZoneNames(
  region: string,
  count: number,
  source = 'spec',
  lookedUp?: readonly string[],
): string[] {
  const zones = REGIONS[region];
  if (!zones) {
    throw new SpecError(source, [
      {
        path: 'region',
        message: `"${region}" is not a region gitlab-aws knows the Availability Zones of; use one of ${Object.keys(REGIONS).join(', ')}`,
      },
    ]);
  }
  const names = lookedUp ?? zones.zoneNames;
  if (names.length < count) {
    throw new SpecError(source, [
      {
        path: 'availabilityZones',
        message: `${region} has ${names.length} Availability Zones (${zones.zoneIds.join(', ')}), not ${count}; set availabilityZones: ${names.length} or choose another region`,
      },
    ]);
  }
  return names.slice(0, count);
}

export function planNetwork(spec: Spec, availabilityZones: readonly string[]): NetworkPlan {
  const [address, prefixText] = spec.network.vpcCidr.split('/');
  const prefix = Number(prefixText);
  const base = (ipToNumber(address!) & prefixMask(prefix)) >>> 0;
  const privatePrefix = Math.min(prefix + PRIVATE_EXTRA_BITS, 28);
  const publicPrefix = Math.min(prefix + PUBLIC_EXTRA_BITS, 28);
  const privateSize = 2 ** (32 - privatePrefix);
  const publicSize = 2 ** (32 - publicPrefix);
  // Public subnets start in the private-sized block after the last private subnet.
  const publicBase = base + privateSize * availabilityZones.length;
  const subnets: SubnetPlan[] = [
    ...availabilityZones.map((zone, index) => ({
      name: `private-${zone}`,
      tier: 'private' as const,
      availabilityZone: zone,
      cidr: `${numberToIp(base + privateSize * index)}/${privatePrefix}`,
    })),
    ...availabilityZones.map((zone, index) => ({
      name: `public-${zone}`,
      tier: 'public' as const,
      availabilityZone: zone,
      cidr: `${numberToIp(publicBase + publicSize * index)}/${publicPrefix}`,
    })),
  ];
  return {
    vpcCidr: `${numberToIp(base)}/${prefix}`,
    subnets,
    natGateways: availabilityZones.length,
    s3GatewayEndpoint: true,
    flowLogs: true,
  };
}

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0) >>> 0;
}

function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
