/**
 * The monitoring node's scrape configuration against what every other node actually exposes: for
 * every plan with a monitoring node, each exporter a rendered gitlab.rb makes listen beyond
 * localhost (node_exporter on every node, the monitoring node's own included) must be found by an
 * EC2 service discovery job on its port, filtered to this environment's tag and the node's role,
 * so members of auto scaling groups are scraped as they come and go.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORTER_PORTS } from '../../src/catalog/ports.js';
import { type BootTarget, bootTargets, gitlabRbFor } from '../../src/config/index.js';
import { monitoringGitlabRb } from '../../src/config/monitoring.js';
import type { GitlabRb, RubyValue } from '../../src/config/ruby.js';
import { ENVIRONMENT_TAG, ROLE_TAG } from '../../src/plan/contracts.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans } from '../fixtures/plans.js';
import { entries, hasSetting, setting } from './rb-query.js';
import { endpointsFor } from './support.js';

/** A port a node listens on for anyone in the VPC: `0.0.0.0:<port>`, or an address and a port set apart. */
function openPort(address: RubyValue, port?: RubyValue): number | undefined {
  if (typeof address !== 'string') return undefined;
  const [host, inline] = address.includes(':') ? address.split(':') : [address, String(port)];
  return host === '0.0.0.0' ? Number(inline) : undefined;
}

/** Every exporter port the gitlab.rb opens beyond localhost, by what it is. */
function exportersOf(rb: GitlabRb): Map<string, number> {
  const found = new Map<string, number>();
  const read = (what: string, name: string, addressKey: string, portKey?: string) => {
    if (!hasSetting(rb, name, addressKey)) return;
    const port = openPort(
      setting(rb, name, addressKey),
      portKey && hasSetting(rb, name, portKey) ? setting(rb, name, portKey) : undefined,
    );
    if (port !== undefined) found.set(what, port);
  };
  read('node_exporter', 'node_exporter', 'listen_address');
  read('puma', 'puma', 'listen', 'port');
  read('workhorse', 'gitlab_workhorse', 'prometheus_listen_addr');
  read('gitlab_exporter', 'gitlab_exporter', 'listen_address', 'listen_port');
  read('sidekiq', 'sidekiq', 'listen_address', 'listen_port');
  // NGINX's status server listens on every address on its port by default (the package's
  // nginx['status'] defaults); the file opens it to the VPC with its allowlist.
  if (hasSetting(rb, 'nginx', 'status', 'options', 'allow'))
    found.set('nginx_status', EXPORTER_PORTS.nginxStatus);
  for (const service of ['gitaly', 'praefect']) {
    if (!hasSetting(rb, service, 'configuration')) continue;
    const port = openPort(entries(setting(rb, service, 'configuration')).prometheus_listen_addr!);
    if (port !== undefined) found.set(service, port);
  }
  return found;
}

interface DiscoveredJob {
  readonly name: string;
  readonly port: number;
  readonly filters: Map<string, unknown[]>;
}

function discoveredJobs(plan: Plan): DiscoveredJob[] {
  const node = plan.nodes.find((candidate) => candidate.role === 'monitoring')!;
  const rb = monitoringGitlabRb(plan, node, endpointsFor({ kind: 'node', node }));
  return (setting(rb, 'prometheus', 'scrape_configs') as RubyValue[]).map((job) => {
    const fields = entries(job);
    const sd = fields.ec2_sd_configs as RubyValue[];
    expect(sd, `${String(fields.job_name)} uses EC2 service discovery`).toHaveLength(1);
    const config = entries(sd[0]!);
    expect(config.region).toBe(plan.region);
    const filters = new Map(
      (config.filters as RubyValue[]).map((filter) => {
        const { name, values } = entries(filter);
        return [name as string, values as unknown[]];
      }),
    );
    return { name: fields.job_name as string, port: config.port as number, filters };
  });
}

const roleOf = (target: BootTarget) => (target.kind === 'node' ? target.node.role : target.group.role);

describe('monitoring of every plan with a monitoring node', () => {
  let cases: { name: string; plan: Plan }[] = [];
  beforeAll(() => {
    cases = allPlans()
      .filter(({ plan }) => plan.nodes.some((node) => node.role === 'monitoring'))
      .map(({ combination, plan }) => ({
        name: `${combination.size} ${combination.type} ${combination.availabilityZones}az`,
        plan,
      }));
  });

  it('covers plans of several sizes', () => {
    expect(new Set(cases.map(({ plan }) => plan.architecture.size)).size).toBeGreaterThan(3);
  });

  it("finds every node's exporters, its own node_exporter included, by the environment and role tags", () => {
    const missing: string[] = [];
    for (const { name, plan } of cases) {
      const jobs = discoveredJobs(plan);
      for (const target of bootTargets(plan)) {
        const role = roleOf(target);
        const rb = gitlabRbFor(plan, target, endpointsFor(target));
        if (!rb) continue;
        for (const [what, port] of exportersOf(rb)) {
          const found = jobs.some(
            (job) =>
              job.port === port &&
              job.filters.get(`tag:${ENVIRONMENT_TAG}`)?.join() === plan.spec.name &&
              (job.filters.get(`tag:${ROLE_TAG}`) ?? []).includes(role) &&
              job.filters.get('instance-state-name')?.join() === 'running',
          );
          if (!found) missing.push(`${name}: ${role} ${what} on ${port}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("scrapes only what listens: every job's port is open on each role it names", () => {
    for (const { plan } of cases.slice(0, 4)) {
      const open = new Map<string, Set<number>>();
      for (const target of bootTargets(plan)) {
        const rb = gitlabRbFor(plan, target, endpointsFor(target));
        if (!rb) continue;
        const ports = open.get(roleOf(target)) ?? new Set<number>();
        for (const port of exportersOf(rb).values()) ports.add(port);
        open.set(roleOf(target), ports);
      }
      for (const job of discoveredJobs(plan)) {
        for (const role of job.filters.get(`tag:${ROLE_TAG}`) as string[]) {
          expect(open.get(role)?.has(job.port), `${job.name} on ${role}:${job.port}`).toBe(true);
        }
      }
    }
  });

  it("leaves the package's own self-scrape in place: unique job names, none named prometheus", () => {
    for (const { plan } of cases) {
      const names = discoveredJobs(plan).map((job) => job.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).not.toContain('prometheus');
    }
  });
});
