/**
 * Praefect, the router and transaction manager of a Gitaly Cluster: 3 or more nodes across AZs
 * behind an internal Network Load Balancer, which is the one address GitLab's Rails code connects
 * to (`praefect.<private zone>`). Praefect's own database is a second database on the RDS instance.
 *
 * The internal load balancer lives here, in the compute stack, because its target group lists the
 * Praefect instances: a target group in the edge stack would make edge and compute reference each
 * other (Rails in compute registers with edge's target groups).
 */
import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LoadBalancerService } from '../../plan/types.js';
import { acknowledge } from '../common.js';
import { createFixedNodes, type NodeTierProps } from '../fixed-node.js';

/** The Praefect tier (`nodes` holds the Plan's Praefect nodes) and its internal load balancer. */
export interface PraefectClusterProps extends NodeTierProps {
  /** The Plan's internal load balancer in front of Praefect. */
  readonly loadBalancer: LoadBalancerService;
  /** AZs whose private subnets hold the load balancer (every AZ of the environment). */
  readonly availabilityZones: readonly string[];
  /** Security group of the internal load balancer. */
  readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
  /** Private zone naming the nodes and the load balancer. */
  readonly privateZone: route53.IHostedZone;
  /** Bucket receiving load balancer access logs. */
  readonly accessLogBucket?: s3.IBucket;
}

export class PraefectCluster extends Construct {
  /** Instance of each Praefect node, by node id. */
  readonly instances: ReadonlyMap<string, ec2.Instance>;
  /** The internal load balancer. */
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** Its target group (the Praefect instances on their gRPC port). */
  readonly targetGroup: elbv2.NetworkTargetGroup;
  /** The name clients use: `praefect.<private zone>`. */
  readonly hostName: string;

  constructor(scope: Construct, id: string, props: PraefectClusterProps) {
    super(scope, id);
    // Created side by side: the deploy node migrates while the others install, and they wait for its
    // schema in their boot script (boot-order.ts); replaced one at a time by `upgrade`, so the
    // cluster keeps a quorum.
    const servers = createFixedNodes(this, props);
    const instances = new Map([...servers].map(([nodeId, server]) => [nodeId, server.instance]));
    this.instances = instances;

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: { subnets: props.availabilityZones.map((zone) => props.subnetIn('private', zone)) },
      securityGroups: [props.loadBalancerSecurityGroup],
      crossZoneEnabled: true,
    });
    if (props.accessLogBucket) {
      this.loadBalancer.logAccessLogs(props.accessLogBucket, 'praefect-nlb');
    }
    const listener = props.loadBalancer.listeners[0];
    if (!listener) throw new Error('the Praefect load balancer has no listener in the Plan');
    this.targetGroup = new elbv2.NetworkTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: listener.targetPort,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.INSTANCE,
      targets: [...instances.values()].map((instance) => new targets.InstanceTarget(instance)),
      healthCheck: {
        protocol: elbv2.Protocol.TCP,
        port: String(listener.healthCheck.port),
        interval: Duration.seconds(10),
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 3,
      },
      deregistrationDelay: Duration.seconds(30),
    });
    this.loadBalancer.addListener('Praefect', {
      port: listener.port,
      protocol: elbv2.Protocol.TCP,
      defaultTargetGroups: [this.targetGroup],
    });
    const recordName = props.loadBalancer.dnsName.split('.')[0]!;
    new route53.ARecord(this, 'Dns', {
      zone: props.privateZone,
      recordName,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer)),
    });
    this.hostName = props.loadBalancer.dnsName;
    if (!props.accessLogBucket) {
      acknowledge(this.loadBalancer, [
        { id: 'AwsSolutions-ELB2', reason: 'No access log bucket was given to this construct.' },
      ]);
    }
  }
}
