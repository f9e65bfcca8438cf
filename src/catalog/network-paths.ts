/**
 * Who talks to whom, on which port: GitLab's documented network paths between the components of a
 * multi-node Linux package (or Cloud Native Hybrid) installation, as gitlab-aws places them on AWS.
 * The security groups open exactly these paths (plus the administrators' SSH the spec asks for),
 * and the reachability test compares the synthesized groups with this table both ways.
 *
 * Parties are named after where the component runs here: `database` is GitLab's RDS instance,
 * `praefect-database` Praefect's own (GitLab asks for a separate one: doc/install/requirements.md,
 * skratsch-solutions/gitlabhq 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4), `redis` is ElastiCache, `load-balancer` is the external
 * load balancer at the external URL, `praefect-load-balancer` is the internal one in front of
 * Praefect. With Cloud Native Hybrid, `rails` and `sidekiq` run on EKS.
 *
 * Sources (GitLab documentation, read in the GitHub mirrors named):
 * - Gitaly Cluster's firewall table ("Network latency and connectivity": GitLab -> Praefect load
 *   balancer 2305, Praefect load balancer -> Praefect 2305, Praefect -> Gitaly 8075, Praefect and
 *   Gitaly -> GitLab internal API 80/443, Gitaly -> Praefect load balancer 2305, Gitaly -> Praefect
 *   2305, Gitaly -> Gitaly 8075): skratsch-solutions/gitlabhq
 *   b38f0ffad6722a2cf24011ef67ec42c8201cb1a6, doc/administration/gitaly/praefect/configure.md.
 * - Gitaly on its own servers ("Network architecture": Gitaly is a Gitaly client of itself and the
 *   Gitaly servers reach each other; Puma, Sidekiq, Workhorse and GitLab Shell are the clients;
 *   the callback URL may be the front door URL): skratsch-solutions/gitlabhq
 *   f76fbdcd8b8bddc2022d324a7b38fdf63b6be15c, doc/administration/gitaly/configure_gitaly.md.
 * - The external load balancer's ports (80, 443, 22), PostgreSQL and Redis from Rails and Sidekiq,
 *   Praefect's database, the monitoring node's scrape targets and Rails's `prometheus_address`:
 *   skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md.
 * - The container registry on the GitLab domain's port 5050 ("Configure container registry under an
 *   existing GitLab domain": firewalls admit the `registry_external_url` port): skratsch-solutions/gitlabhq
 *   275660d58a4f9d790fce6048d2467cdd1ef20c38, doc/administration/packages/container_registry.md.
 * - KAS on several nodes ("Turn on KAS on multiple nodes": each KAS's private API must be reachable
 *   from the other KAS instances): skratsch-solutions/gitlabhq
 *   4168cfa9c028293f4e77107617ea564102f73e5f, doc/administration/clusters/kas.md.
 * - The backup node (Linux package from 2k, catalog/backup-node.ts): `gitlab-backup` runs GitLab's
 *   Rails code, dumps the database with `pg_dump` straight from PostgreSQL (no PgBouncer here), and
 *   has Gitaly (through Praefect with a Gitaly Cluster) stream the repositories to object storage:
 *   the same database, Redis and repository ports as Rails, and nothing reaches it.
 *   skratsch-solutions/gitlabhq 0c6669526da9d644449ab36d4ec3a681976387e6,
 *   doc/administration/backup_restore/backup_gitlab.md ("Backup command", "Create server-side
 *   repository backups").
 * - The port numbers: catalog/ports.ts; with Cloud Native Hybrid, the ports of the chart's pods
 *   behind the load balancers: catalog/gitlab-chart-services.ts.
 */
import { CHART_SERVICE_ENDPOINTS, type ChartServiceEndpoint } from './gitlab-chart-services.js';
import { EXPORTER_PORTS, PORTS } from './ports.js';
import type { ArchitectureType } from './types.js';

/** Where the documentation behind each path was read. */
export const NETWORK_PATH_SOURCES = {
  gitalyClusterFirewall: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/gitaly/praefect/configure.md',
    commit: 'b38f0ffad6722a2cf24011ef67ec42c8201cb1a6',
  },
  gitalyNetwork: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/gitaly/configure_gitaly.md',
    commit: 'f76fbdcd8b8bddc2022d324a7b38fdf63b6be15c',
  },
  referenceArchitecture: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/reference_architectures/3k_users.md',
    commit: '06bbc8dc33553c380709d5395df4750a78017677',
  },
  containerRegistry: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/packages/container_registry.md',
    commit: '275660d58a4f9d790fce6048d2467cdd1ef20c38',
  },
  kasMultiNode: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/clusters/kas.md',
    commit: '4168cfa9c028293f4e77107617ea564102f73e5f',
  },
  backupCommand: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/backup_restore/backup_gitlab.md',
    commit: '0c6669526da9d644449ab36d4ec3a681976387e6',
  },
} as const;

export const NETWORK_PARTIES = [
  'internet',
  'load-balancer',
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'praefect-load-balancer',
  'database',
  'praefect-database',
  'redis',
  'monitoring',
  'backup',
] as const;
/** One end of a network path. */
export type NetworkParty = (typeof NETWORK_PARTIES)[number];

/** A connection GitLab needs: `from` opens TCP connections to `to` on `port`. */
export interface NetworkPath {
  readonly from: NetworkParty;
  readonly to: NetworkParty;
  readonly port: number;
  /**
   * `direct`: inside the VPC, so `to` must admit `from` by name. `public-address`: `from` calls the
   * external URL, leaving through the NAT gateway, so the load balancer's listener for everyone
   * carries it and no rule of its own is needed.
   */
  readonly route: 'direct' | 'public-address';
  /** What the connection is for; the security group rule's description adds who makes it. */
  readonly why: string;
  /** Which source documents it. */
  readonly source: keyof typeof NETWORK_PATH_SOURCES;
}

/** What decides which of GitLab's documented paths an environment has. */
export interface NetworkPathOptions {
  /** One Gitaly server per storage, or a Gitaly Cluster behind Praefect. */
  readonly gitalyMode: 'single' | 'cluster';
  /** Rails and Sidekiq on EC2, or on EKS. */
  readonly type: ArchitectureType;
  /** Whether a monitoring node scrapes the others. */
  readonly monitoring: boolean;
  /** Whether one node runs all of GitLab (1k): its KAS has no other Rails node to reach. */
  readonly singleNode?: boolean;
}

const path = (
  from: NetworkParty,
  to: NetworkParty,
  port: number,
  why: string,
  source: NetworkPath['source'],
  route: NetworkPath['route'] = 'direct',
): NetworkPath => ({ from, to, port, route, why, source });

/** Rails and Sidekiq: every component running GitLab's Rails code is a client of the data stores. */
const RAILS_CODE: readonly NetworkParty[] = ['rails', 'sidekiq'];

/** What the monitoring node scrapes on each party: node_exporter everywhere, and each exporter. */
const SCRAPED: readonly [NetworkParty, readonly [number, string][]][] = [
  [
    'rails',
    [
      [EXPORTER_PORTS.node, 'node_exporter'],
      [EXPORTER_PORTS.puma, 'Puma metrics'],
      [EXPORTER_PORTS.nginxStatus, 'NGINX status'],
      [EXPORTER_PORTS.gitlabExporter, 'gitlab-exporter'],
      [EXPORTER_PORTS.workhorse, 'Workhorse metrics'],
    ],
  ],
  [
    'sidekiq',
    [
      [EXPORTER_PORTS.node, 'node_exporter'],
      [EXPORTER_PORTS.sidekiq, 'the Sidekiq exporter'],
    ],
  ],
  [
    'gitaly',
    [
      [EXPORTER_PORTS.node, 'node_exporter'],
      [EXPORTER_PORTS.gitaly, 'Gitaly metrics'],
    ],
  ],
  [
    'praefect',
    [
      [EXPORTER_PORTS.node, 'node_exporter'],
      [EXPORTER_PORTS.praefect, 'Praefect metrics'],
    ],
  ],
];

/** The Linux package's edge: the registry on its own port, TLS ending at the NLB before NGINX. */
function linuxPackageEdgePaths(): NetworkPath[] {
  return [
    path('internet', 'load-balancer', PORTS.registry, 'Container registry over HTTPS', 'containerRegistry'),
    path(
      'load-balancer',
      'rails',
      PORTS.http,
      'GitLab from the HTTPS listener (TLS ends at the load balancer) and its health checks',
      'referenceArchitecture',
    ),
    path(
      'load-balancer',
      'rails',
      PORTS.httpRedirect,
      'HTTP from users to the NGINX server that redirects to HTTPS',
      'referenceArchitecture',
    ),
    path(
      'load-balancer',
      'rails',
      PORTS.registry,
      'Container registry from its HTTPS listener (TLS ends at the load balancer)',
      'containerRegistry',
    ),
    path('load-balancer', 'rails', PORTS.ssh, 'Git over SSH to GitLab Shell', 'referenceArchitecture'),
  ];
}

/**
 * Cloud Native Hybrid's edge: the NLB passes 80 and 443 to the ALB (both in the load balancer tier)
 * and 22 to GitLab Shell's pods; the ALB reaches webservice, the registry and KAS on their pod ports,
 * and health-checks each on its readiness port. The registry and KAS share 443 under their own hosts.
 */
function chartEdgePaths(): NetworkPath[] {
  const { webservice, registry, kas, 'gitlab-shell': shell } = CHART_SERVICE_ENDPOINTS;
  const kasK8sApi: ChartServiceEndpoint = CHART_SERVICE_ENDPOINTS['kas-k8s-api'];
  return [
    path(
      'load-balancer',
      'load-balancer',
      PORTS.https,
      'HTTPS passed from the Network to the Application Load Balancer',
      'referenceArchitecture',
    ),
    path(
      'load-balancer',
      'load-balancer',
      PORTS.http,
      'HTTP passed from the Network to the Application Load Balancer, which redirects it',
      'referenceArchitecture',
    ),
    path(
      'load-balancer',
      'rails',
      webservice.podPort,
      'GitLab from the HTTPS listener to the webservice pods (Workhorse) and its health checks',
      'referenceArchitecture',
    ),
    path(
      'load-balancer',
      'rails',
      registry.podPort,
      'Container registry from the HTTPS listener to the registry pods',
      'containerRegistry',
    ),
    path(
      'load-balancer',
      'rails',
      registry.readiness.port,
      'Health checks of the registry pods (debug server)',
      'containerRegistry',
    ),
    path(
      'load-balancer',
      'rails',
      kas.podPort,
      'GitLab agents from the HTTPS listener to KAS',
      'kasMultiNode',
    ),
    path(
      'load-balancer',
      'rails',
      kasK8sApi.podPort,
      'Kubernetes API proxy from the HTTPS listener to KAS',
      'kasMultiNode',
    ),
    path('load-balancer', 'rails', kas.readiness.port, 'Health checks of the KAS pods', 'kasMultiNode'),
    path(
      'load-balancer',
      'rails',
      shell.podPort,
      'Git over SSH to the GitLab Shell pods',
      'referenceArchitecture',
    ),
  ];
}

/**
 * Every path GitLab documents for an environment of this kind, and only those. Parties the
 * environment lacks (a monitoring node below 2k, Praefect without a Gitaly Cluster) drop out where
 * the paths are opened.
 */
export function documentedNetworkPaths(options: NetworkPathOptions): NetworkPath[] {
  const paths: NetworkPath[] = [
    path('internet', 'load-balancer', PORTS.https, 'GitLab over HTTPS from users', 'referenceArchitecture'),
    path(
      'internet',
      'load-balancer',
      PORTS.http,
      'HTTP from users, answered with a redirect to HTTPS',
      'referenceArchitecture',
    ),
    ...(options.type === 'cloud-native-hybrid' ? chartEdgePaths() : linuxPackageEdgePaths()),
  ];
  for (const client of RAILS_CODE) {
    paths.push(path(client, 'database', PORTS.postgres, 'GitLab database', 'referenceArchitecture'));
    paths.push(path(client, 'redis', PORTS.redis, 'Redis', 'referenceArchitecture'));
  }
  // Git hooks on Gitaly call GitLab's internal API at the external URL.
  paths.push(
    path(
      'gitaly',
      'load-balancer',
      PORTS.https,
      'Git hooks on Gitaly calling the GitLab internal API at the external URL',
      'gitalyNetwork',
      'public-address',
    ),
  );
  paths.push(
    path(
      'gitaly',
      'gitaly',
      PORTS.gitaly,
      'Gitaly RPCs between Gitaly servers (replication, object pools)',
      options.gitalyMode === 'cluster' ? 'gitalyClusterFirewall' : 'gitalyNetwork',
    ),
  );
  if (options.gitalyMode === 'cluster') {
    for (const client of RAILS_CODE) {
      paths.push(
        path(
          client,
          'praefect-load-balancer',
          PORTS.praefect,
          'Gitaly Cluster, through the Praefect load balancer',
          'gitalyClusterFirewall',
        ),
      );
    }
    paths.push(
      path(
        'praefect-load-balancer',
        'praefect',
        PORTS.praefect,
        'Gitaly Cluster requests and health checks, forwarded to Praefect',
        'gitalyClusterFirewall',
      ),
      path('praefect', 'gitaly', PORTS.gitaly, 'Gitaly RPCs routed by Praefect', 'gitalyClusterFirewall'),
      path('praefect', 'praefect-database', PORTS.postgres, 'Praefect database', 'referenceArchitecture'),
      path(
        'gitaly',
        'praefect-load-balancer',
        PORTS.praefect,
        'Praefect through its load balancer (transactions, replication repair)',
        'gitalyClusterFirewall',
      ),
      path(
        'gitaly',
        'praefect',
        PORTS.praefect,
        'Praefect (transactions, replication repair)',
        'gitalyClusterFirewall',
      ),
      path(
        'praefect',
        'load-balancer',
        PORTS.https,
        'Praefect calling the GitLab internal API at the external URL',
        'gitalyClusterFirewall',
        'public-address',
      ),
    );
  }
  if (options.type === 'linux-package' && !options.singleNode) {
    // KAS runs on every Rails node; the chart runs its own KAS pods on EKS.
    paths.push(
      path(
        'rails',
        'rails',
        PORTS.kasPrivateApi,
        'KAS private API between the KAS of each Rails node',
        'kasMultiNode',
      ),
    );
  }
  if (options.type === 'linux-package') {
    paths.push(
      path(
        'sidekiq',
        'load-balancer',
        PORTS.registry,
        'Sidekiq calling the container registry API at its external URL',
        'containerRegistry',
        'public-address',
      ),
    );
  }
  if (options.type === 'linux-package') {
    // The backup node, where the environment has one (Linux package from 2k; the chart's toolbox on EKS).
    paths.push(
      path('backup', 'database', PORTS.postgres, 'GitLab database, dumped by gitlab-backup', 'backupCommand'),
      path('backup', 'redis', PORTS.redis, 'Redis, for the Rails code of gitlab-backup', 'backupCommand'),
      options.gitalyMode === 'cluster'
        ? path(
            'backup',
            'praefect-load-balancer',
            PORTS.praefect,
            'Server-side repository backups through the Praefect load balancer',
            'backupCommand',
          )
        : path('backup', 'gitaly', PORTS.gitaly, 'Server-side repository backups on Gitaly', 'backupCommand'),
    );
  }
  if (options.gitalyMode === 'single') {
    for (const client of RAILS_CODE) {
      paths.push(path(client, 'gitaly', PORTS.gitaly, 'Git repositories on Gitaly', 'gitalyNetwork'));
    }
  }
  if (options.monitoring) {
    // Cloud Native Hybrid has no monitoring node: the chart's Prometheus scrapes the pods.
    for (const [target, exporters] of SCRAPED) {
      if (options.type === 'cloud-native-hybrid' && RAILS_CODE.includes(target)) continue;
      for (const [port, what] of exporters) {
        paths.push(path('monitoring', target, port, `Prometheus scraping ${what}`, 'referenceArchitecture'));
      }
    }
    if (options.type === 'linux-package') {
      for (const client of RAILS_CODE) {
        paths.push(
          path(
            client,
            'monitoring',
            EXPORTER_PORTS.prometheus,
            'Prometheus queries (gitlab_rails prometheus_address)',
            'referenceArchitecture',
          ),
        );
      }
    }
  }
  return paths;
}
