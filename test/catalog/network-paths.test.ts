/**
 * The network table against GitLab's own words: every row of Gitaly Cluster's firewall table, and
 * the Gitaly clients of a server without a cluster, transcribed here from the pages
 * NETWORK_PATH_SOURCES names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_SERVICE_ENDPOINTS } from '../../src/catalog/gitlab-chart-services.js';
import {
  documentedNetworkPaths,
  NETWORK_PATH_SOURCES,
  type NetworkPathOptions,
} from '../../src/catalog/network-paths.js';
import { EXPORTER_PORTS, PORTS } from '../../src/catalog/ports.js';
import { scrapeJobs } from '../../src/config/monitoring.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans } from '../fixtures/plans.js';

const key = (from: string, to: string, port: number) => `${from}>${to}:${port}`;
const keysOf = (options: NetworkPathOptions) =>
  new Set(documentedNetworkPaths(options).map((path) => key(path.from, path.to, path.port)));

/** "GitLab" in the docs' tables: every component running Rails code. */
const GITLAB = ['rails', 'sidekiq'];

describe('documented network paths', () => {
  it('hold every row of the Gitaly Cluster firewall table (default ports)', () => {
    const paths = keysOf({ gitalyMode: 'cluster', type: 'linux-package', monitoring: true });
    const rows = [
      ...GITLAB.map((gitlab) => key(gitlab, 'praefect-load-balancer', PORTS.praefect)),
      key('praefect-load-balancer', 'praefect', PORTS.praefect),
      key('praefect', 'gitaly', PORTS.gitaly),
      // "GitLab (internal API)": the external URL, HTTPS here.
      key('praefect', 'load-balancer', PORTS.https),
      key('gitaly', 'load-balancer', PORTS.https),
      key('gitaly', 'praefect-load-balancer', PORTS.praefect),
      key('gitaly', 'praefect', PORTS.praefect),
      key('gitaly', 'gitaly', PORTS.gitaly),
    ];
    expect(rows.filter((row) => !paths.has(row))).toEqual([]);
    // Clients reach the cluster only through Praefect.
    expect([...paths].filter((path) => path.endsWith(`>gitaly:${PORTS.gitaly}`)).sort()).toEqual([
      key('gitaly', 'gitaly', PORTS.gitaly),
      key('praefect', 'gitaly', PORTS.gitaly),
    ]);
  });

  it('let Rails code and Gitaly itself reach a Gitaly server without a cluster, and nothing reach Praefect', () => {
    for (const type of ['linux-package', 'cloud-native-hybrid'] as const) {
      const paths = keysOf({ gitalyMode: 'single', type, monitoring: false });
      expect([...paths].filter((path) => path.endsWith(`>gitaly:${PORTS.gitaly}`)).sort()).toEqual([
        // The backup node runs on the Linux package only: the chart's toolbox backs up on EKS.
        ...(type === 'linux-package' ? [key('backup', 'gitaly', PORTS.gitaly)] : []),
        key('gitaly', 'gitaly', PORTS.gitaly),
        key('rails', 'gitaly', PORTS.gitaly),
        key('sidekiq', 'gitaly', PORTS.gitaly),
      ]);
      expect([...paths].filter((path) => path.includes('praefect'))).toEqual([]);
    }
  });

  it('let the backup node reach the database, Redis and the repositories as Rails does, on the Linux package only', () => {
    const from = (options: NetworkPathOptions) =>
      [...keysOf(options)].filter((path) => path.startsWith('backup>')).sort();
    const into = (options: NetworkPathOptions) =>
      [...keysOf(options)].filter((path) => path.includes('>backup:'));
    for (const gitalyMode of ['single', 'cluster'] as const) {
      const linux = { gitalyMode, type: 'linux-package', monitoring: true } as const;
      const repositories =
        gitalyMode === 'cluster'
          ? key('backup', 'praefect-load-balancer', PORTS.praefect)
          : key('backup', 'gitaly', PORTS.gitaly);
      expect(from(linux)).toEqual(
        [key('backup', 'database', PORTS.postgres), key('backup', 'redis', PORTS.redis), repositories].sort(),
      );
      // Rails code reaches the same repository service.
      expect(keysOf(linux)).toContain(repositories.replace('backup>', 'rails>'));
      expect(into(linux)).toEqual([]);
      expect(from({ ...linux, type: 'cloud-native-hybrid' })).toEqual([]);
    }
    expect(
      documentedNetworkPaths({ gitalyMode: 'single', type: 'linux-package', monitoring: false })
        .filter((path) => path.from === 'backup')
        .map((path) => path.source),
    ).toEqual(['backupCommand', 'backupCommand', 'backupCommand']);
  });

  it('scrape Rails and Sidekiq from the monitoring node only when they run on EC2', () => {
    const hybrid = keysOf({ gitalyMode: 'cluster', type: 'cloud-native-hybrid', monitoring: true });
    const linux = keysOf({ gitalyMode: 'cluster', type: 'linux-package', monitoring: true });
    expect([...hybrid].filter((path) => /^monitoring>(rails|sidekiq)|>monitoring:/.test(path))).toEqual([]);
    expect(linux.has('monitoring>rails:9100')).toBe(true);
    expect(keysOf({ gitalyMode: 'cluster', type: 'linux-package', monitoring: false })).not.toContain(
      'monitoring>gitaly:9100',
    );
  });

  it('cite a source for every path, and each source by repository, path and commit', () => {
    for (const gitalyMode of ['single', 'cluster'] as const) {
      for (const path of documentedNetworkPaths({ gitalyMode, type: 'linux-package', monitoring: true })) {
        expect(NETWORK_PATH_SOURCES[path.source], `${path.from}>${path.to}`).toBeDefined();
      }
    }
    for (const source of Object.values(NETWORK_PATH_SOURCES)) {
      expect(source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(source.path).toMatch(/^doc\/administration\/.+\.md$/);
    }
  });

  it('open the registry and the redirect port from the load balancer, KAS between Rails nodes on EC2 only', () => {
    const on = (paths: Set<string>, port: number) =>
      [...paths].filter((path) => path.endsWith(`:${port}`)).sort();
    for (const gitalyMode of ['single', 'cluster'] as const) {
      const linux = keysOf({ gitalyMode, type: 'linux-package', monitoring: true });
      const hybrid = keysOf({ gitalyMode, type: 'cloud-native-hybrid', monitoring: false });
      expect(on(linux, PORTS.kasPrivateApi)).toEqual([key('rails', 'rails', PORTS.kasPrivateApi)]);
      expect(on(hybrid, PORTS.kasPrivateApi)).toEqual([]);
      expect(on(linux, PORTS.registry)).toEqual([
        key('internet', 'load-balancer', PORTS.registry),
        key('load-balancer', 'rails', PORTS.registry),
        key('sidekiq', 'load-balancer', PORTS.registry),
      ]);
      // The chart's registry shares 443 under its own host: no port 5050, no NGINX redirect port.
      expect(on(hybrid, PORTS.registry)).toEqual([]);
      expect(on(linux, PORTS.httpRedirect)).toEqual([key('load-balancer', 'rails', PORTS.httpRedirect)]);
      expect(on(hybrid, PORTS.httpRedirect)).toEqual([]);
      // From the load balancers, the chart's pods on their own ports and readiness ports only.
      const fromEdge = (paths: Set<string>, to: string) =>
        [...paths]
          .filter((path) => path.startsWith(`load-balancer>${to}:`))
          .map((path) => Number(path.split(':')[1]))
          .sort((a, b) => a - b);
      const { webservice, registry, kas, 'gitlab-shell': shell } = CHART_SERVICE_ENDPOINTS;
      expect(fromEdge(hybrid, 'rails')).toEqual(
        [
          webservice.podPort,
          registry.podPort,
          registry.readiness.port,
          kas.podPort,
          CHART_SERVICE_ENDPOINTS['kas-k8s-api'].podPort,
          kas.readiness.port,
          shell.podPort,
        ].sort((a, b) => a - b),
      );
      expect(fromEdge(hybrid, 'load-balancer')).toEqual([PORTS.http, PORTS.https]);
      expect(fromEdge(linux, 'load-balancer')).toEqual([]);
    }
    const sidekiqToRegistry = documentedNetworkPaths({
      gitalyMode: 'single',
      type: 'linux-package',
      monitoring: false,
    }).find((path) => path.from === 'sidekiq' && path.port === PORTS.registry)!;
    // Sidekiq calls the registry's external URL: through the NAT gateway, not a rule of its own.
    expect(sidekiqToRegistry.route).toBe('public-address');
    const direct = documentedNetworkPaths({
      gitalyMode: 'single',
      type: 'linux-package',
      monitoring: false,
    }).filter(
      (path) => path.port === PORTS.kasPrivateApi || path.port === PORTS.httpRedirect || path.to === 'rails',
    );
    expect(direct.every((path) => path.route === 'direct')).toBe(true);
  });

  it('say what each connection is for, in a whole phrase, once per source, destination and port', () => {
    for (const type of ['linux-package', 'cloud-native-hybrid'] as const) {
      for (const gitalyMode of ['single', 'cluster'] as const) {
        const paths = documentedNetworkPaths({ gitalyMode, type, monitoring: true });
        for (const path of paths)
          expect(path.why, `${path.from}>${path.to}:${path.port}`).toMatch(/^[A-Z]\S.*\S$/);
        const keys = paths.map((path) => key(path.from, path.to, path.port));
        expect(new Set(keys).size).toBe(keys.length);
      }
    }
  });
});

describe('the monitoring paths against the scrape configuration', () => {
  let plans: Plan[] = [];
  beforeAll(() => {
    plans = allPlans()
      .map(({ plan }) => plan)
      .filter((plan) => plan.nodes.some((node) => node.role === 'monitoring'));
  });

  it('open exactly the ports the monitoring node scrapes on other nodes, and let Rails code query Prometheus', () => {
    expect(plans.length).toBeGreaterThan(0);
    const party = (role: string) => (role === 'gitlab' ? 'rails' : role);
    for (const plan of plans) {
      const paths = documentedNetworkPaths({
        gitalyMode: plan.architecture.gitalyMode,
        type: plan.architecture.type,
        monitoring: true,
      });
      const present = new Set(plan.nodes.map((node) => party(node.role)));
      const opened = paths
        .filter((path) => path.from === 'monitoring' && present.has(path.to))
        .map((path) => key(path.from, path.to, path.port));
      const scraped = scrapeJobs(plan).flatMap((job) =>
        job.roles
          .filter((role) => role !== 'monitoring')
          .map((role) => key('monitoring', party(role), job.port)),
      );
      expect([...new Set(opened)].sort()).toEqual([...new Set(scraped)].sort());
      const queries = paths
        .filter((path) => path.to === 'monitoring')
        .map((path) => key(path.from, path.to, path.port));
      expect(queries.sort()).toEqual(
        plan.architecture.type === 'linux-package'
          ? [
              key('rails', 'monitoring', EXPORTER_PORTS.prometheus),
              key('sidekiq', 'monitoring', EXPORTER_PORTS.prometheus),
            ]
          : [],
      );
    }
  });
});
