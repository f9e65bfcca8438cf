/**
 * Cloud Native Hybrid's edge, followed the way a request travels: a host name's Route 53 record, the
 * load balancer it aliases, that load balancer's listener on the port, an NLB target group holding
 * the ALB, the ALB's rules (host and path) and finally the target group a TargetGroupBinding fills,
 * read from the bindings the install applies (the compute stack's SSM parameter, with CloudFormation's
 * references resolved). The Services and ports expected at the end are the chart's own, which
 * test/config/helm-chart.test.ts finds in the real chart's manifests.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { chartParameterName } from '../../src/infra/gitlab-chart.js';
import { externalLoadBalancer } from '../../src/plan/query.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { resolver } from './iam-resolve.js';
import {
  type CfnResource,
  type Json,
  referencedLogicalId,
  resourcesOf,
  type Synthesized,
  synthesize,
} from './synth.js';

/** Where a request ends: a chart Service and port, or a redirect. */
type Destination = { service: string; port: number } | { redirect: string } | { nowhere: string };

describe('Cloud Native Hybrid edge (3k): every host name reaches its chart Service', () => {
  let synth: Synthesized;
  let plan: Plan;
  let destination: (host: string, port: number, path?: string) => Destination;
  let certificateNames: string[];
  let records: [string, CfnResource][];
  beforeAll(() => {
    plan = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    synth = synthesize(plan);
    const edge = synth.json.edge;
    const resources = edge.Resources;
    const id = (value: unknown) => referencedLogicalId(synth, value);
    records = resourcesOf(edge, 'AWS::Route53::RecordSet');

    // What the install binds: target group logical id -> Service and port.
    const { resolve } = resolver(synth);
    const [, parameter] = resourcesOf(synth.json.compute, 'AWS::SSM::Parameter').find(
      ([, candidate]) => candidate.Properties!.Name === chartParameterName(plan, 'bindings'),
    )!;
    const bound = new Map<string, { service: string; port: number }>();
    for (const document of parseAllDocuments(resolve('compute', parameter.Properties!.Value) as string)) {
      const binding = document.toJS() as Json;
      const group = /targetgroup\/([^/]+)\//.exec(binding.spec.targetGroupARN)?.[1] ?? 'unresolved';
      bound.set(group, { service: binding.spec.serviceRef.name, port: binding.spec.serviceRef.port });
    }

    const listenersOf = (balancer: string) =>
      resourcesOf(edge, 'AWS::ElasticLoadBalancingV2::Listener').filter(
        ([, listener]) => id(listener.Properties!.LoadBalancerArn) === balancer,
      );
    const toGroup = (group: string, host: string, path: string): Destination => {
      const properties = resources[group]!.Properties!;
      if (properties.TargetType === 'alb') {
        const [target] = properties.Targets as Json[];
        return throughBalancer(id(target.Id)!, Number(target.Port), host, path);
      }
      return bound.get(group) ?? { nowhere: `target group ${group} is bound to no Service` };
    };
    const actionDestination = (action: Json, host: string, path: string): Destination =>
      action.Type === 'redirect'
        ? {
            redirect: `${action.RedirectConfig.Protocol}:${action.RedirectConfig.Port}:${action.RedirectConfig.StatusCode}`,
          }
        : action.Type === 'forward'
          ? toGroup(id(action.TargetGroupArn)!, host, path)
          : { nowhere: `action ${action.Type}` };
    const matches = (condition: Json, host: string, path: string) => {
      const pattern = (values: string[], text: string) =>
        values.some((value) =>
          new RegExp(`^${value.replaceAll('.', '\\.').replaceAll('*', '.*')}$`).test(text),
        );
      if (condition.Field === 'host-header') return pattern(condition.HostHeaderConfig.Values, host);
      if (condition.Field === 'path-pattern') return pattern(condition.PathPatternConfig.Values, path);
      return false;
    };
    function throughBalancer(balancer: string, port: number, host: string, path: string): Destination {
      const listener = listenersOf(balancer).find(([, candidate]) => candidate.Properties!.Port === port);
      if (!listener) return { nowhere: `${balancer} has no listener on ${port}` };
      const [listenerId, { Properties: properties }] = listener;
      const rules = resourcesOf(edge, 'AWS::ElasticLoadBalancingV2::ListenerRule')
        .filter(([, rule]) => id(rule.Properties!.ListenerArn) === listenerId)
        .sort(([, a], [, b]) => Number(a.Properties!.Priority) - Number(b.Properties!.Priority));
      const rule = rules.find(([, candidate]) =>
        (candidate.Properties!.Conditions as Json[]).every((condition) => matches(condition, host, path)),
      );
      const [action] = (rule ? rule[1].Properties!.Actions : properties!.DefaultActions) as Json[];
      return actionDestination(action, host, path);
    }
    destination = (host, port, path = '/') => {
      const record = records.find(([, candidate]) => candidate.Properties!.Name === `${host}.`);
      if (!record) return { nowhere: `no record for ${host}` };
      const balancer = id((record[1].Properties!.AliasTarget as Json).DNSName)!;
      return throughBalancer(balancer, port, host, path);
    };

    const [, certificate] = resourcesOf(edge, 'AWS::CertificateManager::Certificate')[0]!;
    certificateNames = [
      certificate.Properties!.DomainName as string,
      ...((certificate.Properties!.SubjectAlternativeNames as string[] | undefined) ?? []),
    ];
  });

  const hosts = () => ({
    gitlab: plan.spec.domain.name,
    registry: new URL(plan.gitlab.registryUrl).hostname,
    kas: new URL(plan.gitlab.kasUrl).hostname,
  });

  it("puts the registry and KAS on hosts of their own in the Plan's URLs", () => {
    expect(plan.gitlab.registryUrl).toBe(`https://registry.${plan.spec.domain.name}`);
    expect(plan.gitlab.kasUrl).toBe(`wss://kas.${plan.spec.domain.name}`);
  });

  it('routes each host and path over HTTPS to the chart Service and port that serve it', () => {
    const { gitlab, registry, kas } = hosts();
    expect(destination(gitlab, 443, '/users/sign_in')).toEqual({
      service: 'gitlab-webservice-default',
      port: 8181,
    });
    expect(destination(registry, 443, '/v2/')).toEqual({ service: 'gitlab-registry', port: 5000 });
    expect(destination(kas, 443, '/')).toEqual({ service: 'gitlab-kas', port: 8150 });
    expect(destination(kas, 443, '/k8s-proxy/api/v1/pods')).toEqual({ service: 'gitlab-kas', port: 8154 });
  });

  it('takes Git over SSH at the domain to GitLab Shell, and nothing else on 22', () => {
    const { gitlab, registry, kas } = hosts();
    expect(destination(gitlab, 22)).toEqual({ service: 'gitlab-gitlab-shell', port: 22 });
    for (const host of [registry, kas]) expect(destination(host, 22)).toHaveProperty('nowhere');
  });

  it('answers plain HTTP on every host with a permanent redirect to HTTPS', () => {
    for (const host of Object.values(hosts())) {
      expect(destination(host, 80, '/explore'), host).toEqual({ redirect: 'HTTPS:443:HTTP_301' });
    }
  });

  it('ends TLS with a certificate naming every host, and has one record per host', () => {
    expect([...certificateNames].sort()).toEqual(Object.values(hosts()).sort());
    expect(records.map(([, record]) => record.Properties!.Name).sort()).toEqual(
      Object.values(hosts())
        .map((host) => `${host}.`)
        .sort(),
    );
    const https = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::Listener').filter(
      ([, listener]) => listener.Properties!.Protocol === 'HTTPS',
    );
    expect(https).toHaveLength(1);
    expect(https[0]![1].Properties!.Certificates).toHaveLength(1);
  });

  it("alarms on each ALB target group's unhealthy pods and 5xx share, with the dimensions CloudWatch gives it", () => {
    const edge = synth.json.edge;
    const id = (value: unknown) => referencedLogicalId(synth, value);
    const { resolve } = resolver(synth);
    const [balancer] = resourcesOf(edge, 'AWS::ElasticLoadBalancingV2::LoadBalancer').find(
      ([, balancer]) => balancer.Properties!.Type === 'application',
    )!;
    // The target groups the ALB forwards to, by its listeners' default actions and rules: the ones
    // CloudWatch publishes per target group and load balancer.
    const listeners = resourcesOf(edge, 'AWS::ElasticLoadBalancingV2::Listener')
      .filter(([, listener]) => id(listener.Properties!.LoadBalancerArn) === balancer)
      .map(([listenerId, listener]) => [listenerId, listener.Properties!.DefaultActions as Json[]] as const);
    const rules = resourcesOf(edge, 'AWS::ElasticLoadBalancingV2::ListenerRule')
      .filter(([, rule]) => listeners.some(([listenerId]) => id(rule.Properties!.ListenerArn) === listenerId))
      .map(([, rule]) => rule.Properties!.Actions as Json[]);
    const forwarded = new Set(
      [...listeners.map(([, actions]) => actions), ...rules]
        .flat()
        .filter((action) => action.Type === 'forward')
        .map((action) => id(action.TargetGroupArn)!),
    );
    const routes = externalLoadBalancer(plan)!.applicationLoadBalancer!.routes;
    expect(forwarded.size).toBe(new Set(routes.map((route) => route.targetGroup)).size);
    const fullName = (logicalId: string, attribute: string) =>
      resolve('edge', { 'Fn::GetAtt': [logicalId, attribute] }) as string;
    const groupByName = new Map(
      [...forwarded].map((group) => [fullName(group, 'TargetGroupFullName'), group]),
    );

    // Each alarm's metrics in the ALB's namespace, with their dimensions as the ops stack resolves them.
    const watched = new Map<string, string[]>();
    for (const [, alarm] of resourcesOf(synth.json.ops, 'AWS::CloudWatch::Alarm')) {
      const properties = alarm.Properties as Json;
      const metrics: Json[] = properties.Metrics
        ? (properties.Metrics as Json[])
            .filter((entry) => entry.MetricStat)
            .map((entry) => entry.MetricStat.Metric)
        : [
            {
              Namespace: properties.Namespace,
              MetricName: properties.MetricName,
              Dimensions: properties.Dimensions,
            },
          ];
      const ofAlb = metrics.filter((metric) => metric.Namespace === 'AWS/ApplicationELB');
      if (ofAlb.length === 0) continue;
      const groups = new Set<string>();
      for (const metric of ofAlb) {
        const dimensions = Object.fromEntries(
          (resolve('ops', metric.Dimensions) as { Name: string; Value: string }[]).map((d) => [
            d.Name,
            d.Value,
          ]),
        );
        expect(Object.keys(dimensions).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
        expect(dimensions.LoadBalancer).toBe(fullName(balancer, 'LoadBalancerFullName'));
        expect(groupByName.has(dimensions.TargetGroup!), dimensions.TargetGroup).toBe(true);
        groups.add(groupByName.get(dimensions.TargetGroup!)!);
      }
      expect(groups.size).toBe(1);
      const [group] = groups;
      const names = ofAlb.map((metric) => metric.MetricName).sort();
      watched.set(group!, [...(watched.get(group!) ?? []), names.join('/')]);
    }
    expect(new Set(watched.keys())).toEqual(forwarded);
    for (const [group, alarms] of watched) {
      expect(alarms.sort(), group).toEqual(['HTTPCode_Target_5XX_Count/RequestCount', 'UnHealthyHostCount']);
    }
  });

  it('health-checks the pods where the chart says they are ready, and binds each target group once', () => {
    const groups = resourcesOf(synth.json.edge, 'AWS::ElasticLoadBalancingV2::TargetGroup')
      .filter(([, group]) => group.Properties!.TargetType === 'ip')
      .map(([, group]) => group.Properties!);
    const check = (port: number) => {
      const group = groups.find((candidate) => candidate.Port === port)!;
      return [group.HealthCheckProtocol, group.HealthCheckPort, group.HealthCheckPath];
    };
    expect(check(8181)).toEqual(['HTTP', '8181', '/-/readiness']);
    expect(check(5000)).toEqual(['HTTP', '5001', '/debug/health']);
    expect(check(8150)).toEqual(['HTTP', '8151', '/readiness']);
    expect(check(2222)).toEqual(['TCP', '2222', undefined]);
  });
});
