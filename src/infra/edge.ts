/**
 * The public edge: an internet-facing Network Load Balancer in the public subnets with the Plan's
 * listeners: TCP 22 (Git over SSH), TLS 443 (GitLab), TLS 5050 (the container registry) and TCP 80,
 * which lands on NGINX's redirect-only port so that plain HTTP is sent to HTTPS and never reaches
 * GitLab. TLS ends at the load balancer with an ACM certificate; NGINX behind it serves plain HTTP,
 * and the GitLab target group health-checks `/-/readiness`. One target group per target port. A
 * Route 53 alias record points the domain, and so the registry on its port, at it.
 *
 * With Cloud Native Hybrid (the Plan's `applicationLoadBalancer`) the NLB keeps the domain and Git
 * over SSH, and passes 80 and 443 to an Application Load Balancer that ends TLS with the same
 * certificate (which then also names the registry and KAS hosts), redirects HTTP and routes each
 * host to its chart Service; the registry and KAS hosts point at the ALB. Everything here is
 * CloudFormation's, so DNS names are known at synth time and `destroy` removes it all. The target
 * groups the pods fill take IP targets and stay empty here: the AWS Load Balancer Controller
 * registers the pods of the Service each TargetGroupBinding names (target-group-bindings.ts).
 */
import { Annotations, CfnOutput, Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2Targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LOAD_BALANCER_DNS_OUTPUT } from '../plan/contracts.js';
import type {
  ApplicationLoadBalancerPlan,
  ApplicationTargetGroup,
  ExternalTargetGroup,
  ListenerPlan,
  LoadBalancerService,
  TargetHealthCheckPlan,
} from '../plan/types.js';

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
  /** Cloud Native Hybrid: the Application Load Balancer behind the NLB's 80 and 443 listeners. */
  readonly applicationLoadBalancer?: elbv2.ApplicationLoadBalancer;
  /** Cloud Native Hybrid: the ALB's target groups, by the Plan's name. */
  readonly applicationTargetGroups: ReadonlyMap<ApplicationTargetGroup, elbv2.ApplicationTargetGroup>;
  /**
   * The target groups the AWS Load Balancer Controller fills with pods (Cloud Native Hybrid), by
   * the Plan's name: GitLab Shell's on the NLB and every one of the ALB's. Empty otherwise.
   */
  readonly boundTargetGroups: ReadonlyMap<ExternalTargetGroup | ApplicationTargetGroup, elbv2.ITargetGroup>;

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

    const application = service.applicationLoadBalancer;
    // The registry and KAS hosts the ALB routes, besides the domain: the certificate must name them.
    const otherHosts = [
      ...new Set(
        (application?.routes ?? []).map((route) => route.host).filter((host) => host !== props.domainName),
      ),
    ];
    this.certificate = certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', certificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: props.domainName,
          ...(otherHosts.length > 0 ? { subjectAlternativeNames: otherHosts } : {}),
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

    if (certificateArn && otherHosts.length > 0) {
      Annotations.of(this).addWarningV2(
        'gitlab-aws:certificate-names',
        `The certificate ${certificateArn} from the spec must also name ${otherHosts.join(' and ')}, which the Application Load Balancer serves with it.`,
      );
    }

    const applicationTargetGroups = new Map<ApplicationTargetGroup, elbv2.ApplicationTargetGroup>();
    let applicationListeners: ReadonlyMap<number, elbv2.ApplicationListener> = new Map();
    if (application) {
      this.applicationLoadBalancer = new elbv2.ApplicationLoadBalancer(this, 'ApplicationLoadBalancer', {
        vpc,
        internetFacing: application.scheme === 'internet-facing',
        vpcSubnets: { subnets: application.subnet === 'public' ? vpc.publicSubnets : vpc.privateSubnets },
        securityGroup: props.securityGroup,
        dropInvalidHeaderFields: true,
      });
      this.applicationLoadBalancer.logAccessLogs(props.accessLogBucket, 'external-alb');
      applicationListeners = this.routeApplication(application, applicationTargetGroups);
    }
    this.applicationTargetGroups = applicationTargetGroups;

    const kubernetes = props.ipTargets;
    const targetGroup = (name: TargetGroupName, listener: ListenerPlan) => {
      const alb = listener.forwardsTo === 'application-load-balancer';
      const albListener = applicationListeners.get(listener.targetPort);
      if (alb && !albListener) {
        throw new Error(
          `listener ${listener.port} passes to an Application Load Balancer port ${listener.targetPort} that has no listener`,
        );
      }
      const group = new elbv2.NetworkTargetGroup(this, `${name}-targets`, {
        vpc,
        port: listener.targetPort,
        protocol: elbv2.Protocol.TCP,
        targetType: alb ? elbv2.TargetType.ALB : kubernetes ? elbv2.TargetType.IP : elbv2.TargetType.INSTANCE,
        ...(albListener ? { targets: [new elbv2Targets.AlbListenerTarget(albListener)] } : {}),
        healthCheck: {
          protocol: healthCheckProtocol(listener.healthCheck),
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

    // Route 53 alias records by zone name: no hosted zone lookup at synth. The domain is the NLB's
    // (HTTPS and Git over SSH); the registry and KAS hosts go straight to the ALB.
    const record = (id: string, name: string, target: elbv2.ILoadBalancerV2 & elbv2.BaseLoadBalancer) =>
      new route53.CfnRecordSet(this, id, {
        hostedZoneName: `${zoneName}.`,
        name: `${name}.`,
        type: 'A',
        aliasTarget: {
          dnsName: target.loadBalancerDnsName,
          hostedZoneId: target.loadBalancerCanonicalHostedZoneId,
          evaluateTargetHealth: true,
        },
      });
    record('DomainRecord', props.domainName, this.loadBalancer);
    if (this.applicationLoadBalancer) {
      for (const host of otherHosts)
        record(`${hostId(host, props.domainName)}Record`, host, this.applicationLoadBalancer);
    }

    const bound = new Map<ExternalTargetGroup | ApplicationTargetGroup, elbv2.ITargetGroup>();
    if (kubernetes) {
      for (const listener of service.listeners) {
        const group = listener.targetGroup !== 'praefect' ? groups[listener.targetGroup] : undefined;
        if (listener.binding && listener.targetGroup !== 'praefect' && group)
          bound.set(listener.targetGroup, group);
      }
      for (const [name, group] of applicationTargetGroups) bound.set(name, group);
      for (const [name, group] of bound) {
        new CfnOutput(this, `${name.replaceAll('-', '')}TargetGroupArn`, {
          value: group.targetGroupArn,
          description: `The GitLab chart's ${name} pods are registered here by a TargetGroupBinding`,
        });
      }
    }
    this.boundTargetGroups = bound;
  }

  /**
   * The ALB's listeners: HTTP answers with a permanent redirect to HTTPS; HTTPS ends TLS with the
   * certificate and forwards each route's host (and path) to its target group of pod IPs. A request
   * for no known host, the NLB's health check among them (it asks the ALB by address), reaches the
   * first route's Service, GitLab, as NGINX's default server does on the Linux package.
   */
  private routeApplication(
    plan: ApplicationLoadBalancerPlan,
    groups: Map<ApplicationTargetGroup, elbv2.ApplicationTargetGroup>,
  ): Map<number, elbv2.ApplicationListener> {
    const alb = this.applicationLoadBalancer!;
    const first = plan.routes[0];
    if (!first) throw new Error('the Application Load Balancer has no route');
    for (const route of plan.routes) {
      if (groups.has(route.targetGroup)) continue;
      groups.set(
        route.targetGroup,
        new elbv2.ApplicationTargetGroup(this, `${route.targetGroup}-pods`, {
          vpc: alb.vpc,
          port: route.targetPort,
          protocol: elbv2.ApplicationProtocol.HTTP,
          targetType: elbv2.TargetType.IP,
          healthCheck: {
            protocol: healthCheckProtocol(route.healthCheck),
            port: String(route.healthCheck.port),
            ...(route.healthCheck.path ? { path: route.healthCheck.path } : {}),
            interval: Duration.seconds(10),
            healthyThresholdCount: 2,
            unhealthyThresholdCount: 2,
          },
          // Web requests finish quickly; image layers and agents' long-lived connections take longer.
          deregistrationDelay: Duration.seconds(route.targetGroup === 'webservice' ? 60 : 300),
        }),
      );
    }
    const https = alb.addListener('Https', {
      port: plan.httpsPort,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [this.certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
      defaultAction: elbv2.ListenerAction.forward([groups.get(first.targetGroup)!]),
    });
    plan.routes.forEach((route, index) => {
      https.addAction(`${route.targetGroup}-route`, {
        priority: (index + 1) * 10,
        conditions: [
          elbv2.ListenerCondition.hostHeaders([route.host]),
          ...(route.pathPrefix ? [elbv2.ListenerCondition.pathPatterns([`${route.pathPrefix}*`])] : []),
        ],
        action: elbv2.ListenerAction.forward([groups.get(route.targetGroup)!]),
      });
    });
    const http = alb.addListener('Http', {
      port: plan.httpPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({
        protocol: 'HTTPS',
        port: String(plan.httpsPort),
        permanent: true,
      }),
    });
    return new Map([
      [plan.httpsPort, https],
      [plan.httpPort, http],
    ]);
  }
}

function healthCheckProtocol(check: TargetHealthCheckPlan): elbv2.Protocol {
  return check.protocol === 'HTTPS'
    ? elbv2.Protocol.HTTPS
    : check.protocol === 'HTTP'
      ? elbv2.Protocol.HTTP
      : elbv2.Protocol.TCP;
}

/** A construct id for a host below the domain: `registry.gitlab.example.com` -> `Registry`. */
function hostId(host: string, domain: string): string {
  const label = host.endsWith(`.${domain}`) ? host.slice(0, -domain.length - 1) : host;
  return label
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
