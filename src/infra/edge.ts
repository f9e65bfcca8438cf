/**
 * The public edge: an internet-facing Network Load Balancer in the public subnets with the Plan's
 * listeners: TCP 22 (Git over SSH), TLS 443 (GitLab), TLS 5050 (the container registry) and TCP 80,
 * which lands on NGINX's redirect-only port so that plain HTTP is sent to HTTPS and never reaches
 * GitLab. TLS ends at the load balancer with an ACM certificate; NGINX behind it serves plain HTTP,
 * and the GitLab target group health-checks `/-/readiness`. One target group per target port. A
 * Route 53 alias record points the domain, and so the registry on its port, at it.
 *
 * With Cloud Native Hybrid the target groups take IP targets and stay empty here: the GitLab Helm
 * chart's ingress is bound to them with the AWS Load Balancer Controller's TargetGroupBinding.
 */
import { Annotations, CfnOutput, Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LOAD_BALANCER_DNS_OUTPUT } from '../plan/contracts.js';
import type { ExternalTargetGroup, ListenerPlan, LoadBalancerService } from '../plan/types.js';

export interface EdgeProps {
  /** The domain users browse and clone from, e.g. gitlab.example.com. */
  readonly domainName: string;
  /** The public hosted zone holding the domain's record, e.g. example.com. */
  readonly publicZoneName: string;
  /** ARN of an existing ACM certificate for the domain; a new one is requested without it. */
  readonly certificateArn?: string;
  /** Target groups take IP targets (Cloud Native Hybrid: bound by the GitLab chart) instead of instances. */
  readonly ipTargets: boolean;
  /** The Plan's external load balancer. */
  readonly loadBalancer: LoadBalancerService;
  /** The VPC whose public subnets hold the load balancer. */
  readonly vpc: ec2.IVpc;
  /** The load balancer tier's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Bucket receiving the load balancer's access logs (TLS connections). */
  readonly accessLogBucket: s3.IBucket;
  /**
   * Id of the public hosted zone, so a requested certificate validates itself through DNS. Without it
   * (and without a certificate ARN in the spec) the certificate waits for its validation record to be
   * created by hand.
   */
  readonly hostedZoneId?: string;
}

/** Names of the external target groups, as the Plan's auto scaling groups refer to them. */
export type TargetGroupName = ExternalTargetGroup;

export class Edge extends Construct {
  /** The internet-facing load balancer. */
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** Target groups by the Plan's name: `http` (443), `http-redirect` (80), `ssh` (22), `registry` (5050). */
  readonly targetGroups: Readonly<Partial<Record<TargetGroupName, elbv2.NetworkTargetGroup>>>;
  /** The same target groups by the target port the Plan's listeners name. */
  readonly targetGroupsByPort: ReadonlyMap<number, elbv2.NetworkTargetGroup>;
  /** The TLS certificate of the 443 listener. */
  readonly certificate: acm.ICertificate;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const { vpc, loadBalancer: service, publicZoneName: zoneName, certificateArn } = props;

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: service.scheme === 'internet-facing',
      vpcSubnets: { subnets: service.subnet === 'public' ? vpc.publicSubnets : vpc.privateSubnets },
      securityGroups: [props.securityGroup],
      // Spread connections over every healthy node, not only those in the client's AZ.
      crossZoneEnabled: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogBucket, 'external-nlb');
    new CfnOutput(this, LOAD_BALANCER_DNS_OUTPUT, {
      key: LOAD_BALANCER_DNS_OUTPUT,
      value: this.loadBalancer.loadBalancerDnsName,
      description: `DNS name of the load balancer ${props.domainName} points at`,
    });

    this.certificate = certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', certificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: props.domainName,
          validation: props.hostedZoneId
            ? acm.CertificateValidation.fromDns(
                route53.HostedZone.fromHostedZoneAttributes(this, 'PublicZone', {
                  hostedZoneId: props.hostedZoneId,
                  zoneName,
                }),
              )
            : acm.CertificateValidation.fromDns(),
        });
    if (!certificateArn && !props.hostedZoneId) {
      Annotations.of(this).addWarningV2(
        'gitlab-aws:certificate-validation',
        `No hosted zone id for ${zoneName}: the ACM certificate for ${props.domainName} waits until its DNS validation record is created by hand.`,
      );
    }

    const kubernetes = props.ipTargets;
    const targetGroup = (name: TargetGroupName, listener: ListenerPlan) => {
      const group = new elbv2.NetworkTargetGroup(this, `${name}-targets`, {
        vpc,
        port: listener.targetPort,
        protocol: elbv2.Protocol.TCP,
        targetType: kubernetes ? elbv2.TargetType.IP : elbv2.TargetType.INSTANCE,
        healthCheck: {
          protocol: listener.healthCheck.protocol === 'HTTP' ? elbv2.Protocol.HTTP : elbv2.Protocol.TCP,
          port: String(listener.healthCheck.port),
          ...(listener.healthCheck.path ? { path: listener.healthCheck.path } : {}),
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
        // Long enough for an in-flight web request, short enough for rolling updates to move on;
        // Git over SSH and image layers take longer.
        deregistrationDelay: Duration.seconds(name === 'ssh' || name === 'registry' ? 300 : 60),
        // NGINX reads the client address from the PROXY header; OpenSSH cannot, so SSH never gets it.
        ...(name === 'http' && service.proxyProtocol ? { proxyProtocolV2: true } : {}),
      });
      return group;
    };
    const groups: Partial<Record<TargetGroupName, elbv2.NetworkTargetGroup>> = {};
    const byPort = new Map<number, elbv2.NetworkTargetGroup>();
    for (const listener of service.listeners) {
      if (listener.targetGroup === 'praefect') {
        throw new Error(`the external load balancer has no ${listener.targetGroup} target group`);
      }
      const known = groups[listener.targetGroup];
      if (known && byPort.get(listener.targetPort) !== known) {
        throw new Error(`target group ${listener.targetGroup} must have one target port`);
      }
      const group = known ?? targetGroup(listener.targetGroup, listener);
      groups[listener.targetGroup] = group;
      byPort.set(listener.targetPort, group);
      this.loadBalancer.addListener(`Port${listener.port}`, {
        port: listener.port,
        protocol: listener.protocol === 'TLS' ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
        defaultTargetGroups: [group],
        ...(listener.protocol === 'TLS'
          ? { certificates: [this.certificate], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS }
          : {}),
      });
    }
    this.targetGroups = groups;
    this.targetGroupsByPort = byPort;

    // Route 53 alias record by zone name: no hosted zone lookup at synth.
    new route53.CfnRecordSet(this, 'DomainRecord', {
      hostedZoneName: `${zoneName}.`,
      name: `${props.domainName}.`,
      type: 'A',
      aliasTarget: {
        dnsName: this.loadBalancer.loadBalancerDnsName,
        hostedZoneId: this.loadBalancer.loadBalancerCanonicalHostedZoneId,
        evaluateTargetHealth: true,
      },
    });

    if (kubernetes) {
      for (const [name, group] of Object.entries(this.targetGroups)) {
        if (!group) continue;
        new CfnOutput(this, `${name}TargetGroupArn`, {
          value: group.targetGroupArn,
          description: `Bind the GitLab chart's ${name} service to this target group with a TargetGroupBinding`,
        });
      }
    }
  }
}
