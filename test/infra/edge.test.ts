import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Edge } from '../../src/infra/edge.js';
import { publicZoneName } from '../../src/plan/contracts.js';
import { externalLoadBalancer } from '../../src/plan/query.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { referencedLogicalId, resourcesOf, type Synthesized, synthesize } from './synth.js';

const CERTIFICATE = 'arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

describe('edge with a certificate from the spec and proxy protocol', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(
      planFor({
        domain: { name: 'git.example.org', hostedZone: 'example.org', certificateArn: CERTIFICATE },
        edge: { proxyProtocol: true },
      }),
    );
  });

  it('has an internet-facing NLB in the public subnets', () => {
    const [, lb] = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!;
    expect(lb.Properties).toMatchObject({ Scheme: 'internet-facing', Type: 'network' });
    const publicSubnets = resourcesOf(synth.json.network, 'AWS::EC2::Subnet')
      .filter(([id]) => id.includes('public'))
      .map(([id]) => id)
      .sort();
    const used = (lb.Properties!.Subnets as unknown[])
      .map((subnet) => referencedLogicalId(synth, subnet))
      .sort();
    expect(used).toEqual(publicSubnets);
  });

  it('listens on TCP 22, TCP 80, TLS 443 and TLS 5050 (registry) with the spec certificate', () => {
    const listeners = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, listener]) => listener.Properties!,
    );
    expect(listeners.map((listener) => `${listener.Protocol}:${listener.Port}`).sort()).toEqual([
      'TCP:22',
      'TCP:80',
      'TLS:443',
      'TLS:5050',
    ]);
    for (const tls of listeners.filter((listener) => listener.Protocol === 'TLS')) {
      expect(tls.Certificates).toEqual([{ CertificateArn: CERTIFICATE }]);
    }
    synth.templates.edge.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  it('health-checks /-/readiness over HTTP, SSH over TCP; proxy protocol on HTTP only', () => {
    synth.templates.edge.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 80,
      Protocol: 'TCP',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: '/-/readiness',
      TargetGroupAttributes: Match.arrayWith([{ Key: 'proxy_protocol_v2.enabled', Value: 'true' }]),
    });
    const ssh = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(
      ([, group]) => group.Properties!.Port === 22,
    )!;
    expect(ssh[1].Properties!.HealthCheckProtocol).toBe('TCP');
    expect(JSON.stringify(ssh[1].Properties!.TargetGroupAttributes ?? [])).not.toContain('proxy_protocol');
  });

  it('points the domain at the load balancer with a Route 53 alias in the hosted zone', () => {
    synth.templates.edge.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'git.example.org.',
      HostedZoneName: 'example.org.',
      Type: 'A',
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue(), HostedZoneId: Match.anyValue() }),
    });
  });

  // Literal output name: `deploy` reads it from the deployed edge stack.
  it('outputs the load balancer DNS name as LoadBalancerDnsName', () => {
    const [lbId] = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!;
    synth.templates.edge.hasOutput('LoadBalancerDnsName', { Value: { 'Fn::GetAtt': [lbId, 'DNSName'] } });
  });
});

describe('edge with a requested certificate', () => {
  it('validates it through DNS in the hosted zone when its id is known', () => {
    const synth = synthesize(planFor({}), { hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    synth.templates.edge.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'gitlab.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'gitlab.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
  });

  it('warns that validation waits for a hand-made record when the zone id is unknown', () => {
    const synth = synthesize(planFor({}));
    synth.templates.edge.hasResourceProperties('AWS::CertificateManager::Certificate', {
      ValidationMethod: 'DNS',
    });
    const warnings = synth.environment.edge.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning');
    expect(JSON.stringify(warnings)).toContain('validation record');
  });
});

describe("a spec certificate and the ALB's other host names", () => {
  /** The Edge of a Plan alone, in a stack of its own: its warnings are in its metadata, no synthesis needed. */
  const warningsOf = (plan: Plan): string[] => {
    const stack = new Stack(new App(), 'EdgeOnly', { env: { account: '123456789012', region: plan.region } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const edge = new Edge(stack, 'Edge', {
      domainName: plan.spec.domain.name,
      publicZoneName: publicZoneName(plan),
      ...(plan.spec.domain.certificateArn ? { certificateArn: plan.spec.domain.certificateArn } : {}),
      ipTargets: plan.architecture.type === 'cloud-native-hybrid',
      loadBalancer: externalLoadBalancer(plan)!,
      vpc,
      securityGroup: new ec2.SecurityGroup(stack, 'EdgeSecurityGroup', { vpc }),
      accessLogBucket: new s3.Bucket(stack, 'Logs'),
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    return edge.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:warning')
      .map((entry) => String(entry.data));
  };
  const hybrid = (certificateArn?: string) =>
    planFor({
      architecture: { size: '3k', type: 'cloud-native-hybrid' },
      domain: {
        name: 'git.example.org',
        hostedZone: 'example.org',
        ...(certificateArn ? { certificateArn } : {}),
      },
    });

  it('warns that a spec certificate must also name the registry and KAS hosts the ALB serves with it', () => {
    const warnings = warningsOf(hybrid(CERTIFICATE));
    const names = warnings.filter((warning) => warning.includes(CERTIFICATE));
    expect(names).toHaveLength(1);
    expect(names[0]).toContain('must also name registry.git.example.org and kas.git.example.org');
  });

  it('stays silent where no other host uses the certificate, or the one it requests names them all', () => {
    // Cloud Native Hybrid without a certificate of its own: the requested one names every host.
    expect(warningsOf(hybrid()).filter((warning) => warning.includes('must also name'))).toEqual([]);
    // The Linux package serves the registry on the domain's own port: one name is enough.
    const linux = planFor({
      domain: { name: 'git.example.org', hostedZone: 'example.org', certificateArn: CERTIFICATE },
    });
    expect(warningsOf(linux).filter((warning) => warning.includes('must also name'))).toEqual([]);
  });
});
