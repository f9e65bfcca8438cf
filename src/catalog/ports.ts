/**
 * The TCP ports GitLab's components listen on, as the Linux package assigns them and the reference
 * architectures use them. Everything that opens, listens on, forwards to or scrapes a port reads it
 * here: the Plan's load balancer listeners, gitlab.rb, the security groups, the managed services.
 *
 * Sources (GitLab documentation, read in the GitHub mirrors named):
 * - The package's port table ("Ports"): gitlabhq/gitlabhq 04027f81f0f468809a95eff2f7105a34dd7e69cf,
 *   doc/administration/package_information/defaults.md.
 * - Praefect's metrics listener, which that table leaves out ("Configure Praefect":
 *   `prometheus_listen_addr: '0.0.0.0:9652'`, and the monitoring node's `praefect` scrape job):
 *   skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/3k_users.md.
 * - The container registry's port on the GitLab domain (`registry_external_url` with port 5050, the
 *   registry NGINX listening on that port): gitlabhq/omnibus-gitlab
 *   8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (tag 19.3.0+ee.0),
 *   files/gitlab-cookbooks/gitlab/libraries/registry.rb (`listen_port` defaults to the URL's port;
 *   5050 when the package enables the registry on the GitLab domain itself).
 * - KAS's private API, which KAS instances call on each other (`private_api_listen_address`,
 *   `localhost:8155` by default): the same commit, files/gitlab-cookbooks/gitlab-kas/attributes/default.rb,
 *   and "Turn on KAS on multiple nodes" in skratsch-solutions/gitlabhq
 *   4168cfa9c028293f4e77107617ea564102f73e5f, doc/administration/clusters/kas.md.
 */

/** Where each port was read. */
export const PORT_SOURCES = {
  packageDefaults: {
    repository: 'gitlabhq/gitlabhq',
    path: 'doc/administration/package_information/defaults.md',
    commit: '04027f81f0f468809a95eff2f7105a34dd7e69cf',
  },
  referenceArchitecture: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/reference_architectures/3k_users.md',
    commit: '06bbc8dc33553c380709d5395df4750a78017677',
  },
  registry: {
    repository: 'gitlabhq/omnibus-gitlab',
    path: 'files/gitlab-cookbooks/gitlab/libraries/registry.rb',
    commit: '8bae586ed153bd3598bf6f11dc4cfeaefd693a72',
  },
  kas: {
    repository: 'skratsch-solutions/gitlabhq',
    path: 'doc/administration/clusters/kas.md',
    commit: '4168cfa9c028293f4e77107617ea564102f73e5f',
  },
} as const;

/** Ports clients connect to: users at the load balancer, GitLab at its data stores and Gitaly. */
export const PORTS = {
  /** Git over SSH (table row "GitLab Shell"). */
  ssh: 22,
  /** GitLab over HTTP; NGINX behind the TLS-ending load balancer (row "GitLab Rails", 80 or 443). */
  http: 80,
  /** GitLab over HTTPS at the load balancer (row "GitLab Rails", 80 or 443). */
  https: 443,
  /**
   * NGINX's server that only answers with a redirect to HTTPS, where the load balancer's port 80
   * lands. Not a package port: the package's own redirect server exists only when NGINX itself
   * serves TLS, which it does not behind the TLS-ending load balancer. Free in the package's table.
   */
  httpRedirect: 8081,
  /** The container registry at the load balancer and on its NGINX (row "GitLab Registry", 5050). */
  registry: 5050,
  /** KAS's private API, which the KAS on each Rails node calls on the others (kas.md, 8155). */
  kasPrivateApi: 8155,
  /** PostgreSQL, here Amazon RDS (row "PostgreSQL", alternative port). */
  postgres: 5432,
  /** Redis, here Amazon ElastiCache (row "Redis", alternative port). */
  redis: 6379,
  /** Gitaly's gRPC listener without TLS (row "Gitaly"). */
  gitaly: 8075,
  /** Praefect's gRPC listener without TLS (row "Praefect"). */
  praefect: 2305,
} as const;

/** Ports the monitoring node scrapes, and Prometheus's own. */
export const EXPORTER_PORTS = {
  /** node_exporter on every node (row "Node exporter"). */
  node: 9100,
  /** Puma, whose `/-/metrics` Prometheus reads (row "Puma", alternative port). */
  puma: 8080,
  /** GitLab Workhorse's metrics (row "GitLab Workhorse exporter"). */
  workhorse: 9229,
  /** NGINX's status page (row "NGINX status"). */
  nginxStatus: 8060,
  /** gitlab-exporter (row "GitLab Exporter"). */
  gitlabExporter: 9168,
  /** Sidekiq's metrics exporter (row "Sidekiq exporter"). */
  sidekiq: 8082,
  /** Gitaly's metrics (row "Gitaly exporter"). */
  gitaly: 9236,
  /** Praefect's metrics (the reference architecture page; the table has no row for it). */
  praefect: 9652,
  /** Prometheus on the monitoring node (row "Prometheus"). */
  prometheus: 9090,
} as const;
