/**
 * The VPC of an environment, exactly as the Plan lays it out: one public and one private subnet per
 * AZ with the Plan's CIDRs, an S3 gateway endpoint (object storage traffic stays off the NAT
 * gateways), VPC flow logs and the private DNS zone that names every fixed node.
 *
 * The NAT gateways and the private subnets' default routes are a construct of their own,
 * `NatGateways`, which the compute stack holds: only the machines need to reach the internet (RDS,
 * ElastiCache and the load balancers do not), so the network stack, which the data and edge stacks
 * wait for, is done without waiting minutes for NAT gateways, and deleting compute stops paying for
 * them while the network and the data are kept.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct, DependencyGroup, type IDependable } from 'constructs';
import type { NetworkPlan, SubnetTier } from '../plan/types.js';
import type { RemovalPolicyOf } from './removal-policy.js';

export interface GitLabNetworkProps {
  /** The Plan's network: CIDRs, subnets, endpoints, flow logs (its NAT gateways are `NatGateways`'). */
  readonly network: NetworkPlan;
  /** The environment's AZs, in Plan order. */
  readonly availabilityZones: readonly string[];
  /** Name of the private hosted zone naming fixed nodes and the databases. */
  readonly privateDnsZone: string;
  /** How long resolvers may cache that a name of the zone does not exist, in seconds. */
  readonly negativeCacheSeconds: number;
  /** What deleting the stack does to the flow log group, by Plan id (`log-group-flow-logs`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

/** Subnet group names in the VPC; CDK names subnets `<group>Subnet<n>`. */
export const SUBNET_GROUP_NAMES: Readonly<Record<SubnetTier, string>> = {
  public: 'public',
  private: 'private',
};

/** Hands the VPC the Plan's CIDRs instead of letting CDK carve its own, so the Plan is what gets built. */
class PlannedIpAddresses implements ec2.IIpAddresses {
  constructor(private readonly network: NetworkPlan) {}

  allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.network.vpcCidr };
  }

  allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    return {
      allocatedSubnets: input.requestedSubnets.map((requested) => {
        const tier: SubnetTier =
          requested.configuration.subnetType === ec2.SubnetType.PUBLIC ? 'public' : 'private';
        const subnet = this.network.subnets.find(
          (candidate) => candidate.tier === tier && candidate.availabilityZone === requested.availabilityZone,
        );
        if (!subnet) throw new Error(`the Plan has no ${tier} subnet in ${requested.availabilityZone}`);
        return { cidr: subnet.cidr };
      }),
    };
  }
}

export class GitLabNetwork extends Construct {
  /** The VPC. */
  readonly vpc: ec2.Vpc;
  /** Private hosted zone in the VPC naming fixed nodes and databases (gitaly-1.<zone>, database.<zone>). */
  readonly privateZone: route53.IHostedZone;
  /** CloudWatch Logs group receiving the VPC flow logs. */
  readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: GitLabNetworkProps) {
    super(scope, id);
    const { network } = props;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: new PlannedIpAddresses(network),
      availabilityZones: [...props.availabilityZones],
      enableDnsHostnames: true,
      enableDnsSupport: true,
      // The private subnets keep their egress type (what selects them stays right); their NAT
      // gateways and default routes are NatGateways', in the compute stack.
      natGateways: 0,
      // The Plan sizes the subnets; the mask here only has to be valid, the CIDRs come from the Plan.
      subnetConfiguration: [
        { name: SUBNET_GROUP_NAMES.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: SUBNET_GROUP_NAMES.private, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      // Restricting the default group needs a Lambda-backed custom resource; nothing here uses that
      // group (every resource gets its tier's group), so the Lambda would be cost without benefit.
      restrictDefaultSecurityGroup: false,
      gatewayEndpoints: network.s3GatewayEndpoint
        ? { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } }
        : {},
    });
    // Nothing gitlab-aws launches should get a public address unless asked (bastions get Elastic IPs).
    for (const subnet of this.vpc.publicSubnets) {
      (subnet.node.defaultChild as ec2.CfnSubnet).mapPublicIpOnLaunch = false;
    }

    // Flow logs are the record of who talked to what; keep them a year and past stack deletion.
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicyOf('log-group-flow-logs'),
    });
    if (network.flowLogs) {
      this.vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    }

    // The zone is created through AWS Cloud Map, the one declarative way to set its SOA's negative
    // caching TTL (AWS::ServiceDiscovery::PrivateDnsNamespace, Properties.DnsProperties.SOA.TTL):
    // nodes look up the databases' names from their first start, before the data stack creates the
    // records, and must not keep "no such name" for Route 53's default 900 s after they exist. Cloud
    // Map registers nothing here; the records are ordinary Route 53 records of the zone it creates.
    const namespace = new servicediscovery.CfnPrivateDnsNamespace(this, 'PrivateZone', {
      name: props.privateDnsZone,
      vpc: this.vpc.vpcId,
      description: `Private names of ${props.privateDnsZone}'s nodes and databases`,
      properties: { dnsProperties: { soa: { ttl: props.negativeCacheSeconds } } },
    });
    this.privateZone = route53.HostedZone.fromHostedZoneAttributes(this, 'PrivateHostedZone', {
      hostedZoneId: namespace.attrHostedZoneId,
      zoneName: props.privateDnsZone,
    });
  }

  /** The subnet of a tier in one AZ, as the Plan places nodes. */
  subnetIn(tier: SubnetTier, availabilityZone: string): ec2.ISubnet {
    const subnets = tier === 'public' ? this.vpc.publicSubnets : this.vpc.privateSubnets;
    const subnet = subnets.find((candidate) => candidate.availabilityZone === availabilityZone);
    if (!subnet) throw new Error(`no ${tier} subnet in ${availabilityZone}`);
    return subnet;
  }
}

export interface NatGatewaysProps {
  /** The VPC whose private subnets get their default route. */
  readonly vpc: ec2.IVpc;
  /** How many NAT gateways, in the first AZs of `availabilityZones` (the Plan's `natGateways`). */
  readonly count: number;
  /** The environment's AZs, in Plan order. */
  readonly availabilityZones: readonly string[];
}

/**
 * The NAT gateways (one per AZ, each with its Elastic IP, in its AZ's public subnet) and every
 * private subnet's default route to its own AZ's gateway (to the first one where its AZ has none):
 * losing an AZ never cuts the others' outbound traffic.
 */
export class NatGateways extends Construct {
  /** Created once every private subnet can reach the internet: what boots must depend on it. */
  readonly egress: IDependable;
  /** The default routes, by AZ. */
  readonly routes: ReadonlyMap<string, ec2.CfnRoute>;

  constructor(scope: Construct, id: string, props: NatGatewaysProps) {
    super(scope, id);
    const inZone = (subnets: readonly ec2.ISubnet[], zone: string) => {
      const subnet = subnets.find((candidate) => candidate.availabilityZone === zone);
      if (!subnet) throw new Error(`no subnet in ${zone}`);
      return subnet;
    };
    const gateways = new Map(
      props.availabilityZones.slice(0, props.count).map((zone, index) => {
        const address = new ec2.CfnEIP(this, `Address${index + 1}`, { domain: 'vpc' });
        const gateway = new ec2.CfnNatGateway(this, `Gateway${index + 1}`, {
          subnetId: inZone(props.vpc.publicSubnets, zone).subnetId,
          allocationId: address.attrAllocationId,
        });
        return [zone, gateway] as const;
      }),
    );
    const first = [...gateways.values()][0];
    const egress = new DependencyGroup();
    const routes = new Map<string, ec2.CfnRoute>();
    if (first) {
      props.availabilityZones.forEach((zone, index) => {
        const route = new ec2.CfnRoute(this, `DefaultRoute${index + 1}`, {
          routeTableId: inZone(props.vpc.privateSubnets, zone).routeTable.routeTableId,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: (gateways.get(zone) ?? first).ref,
        });
        routes.set(zone, route);
        egress.add(route);
      });
    }
    this.egress = egress;
    this.routes = routes;
  }
}
