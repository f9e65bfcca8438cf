/** GitLab's chart values, rendered from Plans: each concern read back against the Plan it came from. */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  CHART_SIZING,
  chartVersionFor,
  GITLAB_CHART,
  type HybridSize,
} from '../../src/catalog/gitlab-chart.js';
import {
  CHART_SECRETS,
  CHART_SERVICE_ACCOUNTS,
  chartSecretIds,
  gitlabChartRelease,
  mergeValues,
  renderChartFiles,
  renderGitLabValues,
  reviewChartEndpoints,
  secretManifests,
  type Values,
} from '../../src/config/helm/index.js';
import { CHART_OBJECT_TYPES, chartTargetGroupBindings } from '../../src/plan/chart.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import { internalLoadBalancer, nodesOf, serviceOf, servicesOf } from '../../src/plan/query.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { chartEndpoints, TEST_ACCOUNT } from './helm-fixtures.js';

type Any = ReturnType<typeof JSON.parse>;
const hybrid = (size: HybridSize, overrides = {}) =>
  planFor({ ...overrides, architecture: { size, type: 'cloud-native-hybrid' } });

describe('chart values', () => {
  let plans: Record<'2k' | '3k' | '10k', Plan>;
  let values: Record<'2k' | '3k' | '10k', Any>;
  beforeAll(() => {
    plans = {
      '2k': hybrid('2k'),
      '3k': hybrid('3k', { access: { sshAllowedCidrs: ['203.0.113.0/24', '198.51.100.0/24'] } }),
      '10k': hybrid('10k'),
    };
    values = Object.fromEntries(
      Object.entries(plans).map(([size, plan]) => [size, renderGitLabValues(plan, chartEndpoints(plan))]),
    ) as typeof values;
  });

  it("serves GitLab, the registry and KAS over HTTPS at the Plan's URLs, with no Ingress of the chart's own", () => {
    const { global } = values['10k'];
    const plan = plans['10k'];
    expect(global.hosts.gitlab.name).toBe(plan.spec.domain.name);
    expect(`https://${global.hosts.registry.name}`).toBe(plan.gitlab.registryUrl);
    expect(`wss://${global.hosts.kas.name}`).toBe(plan.gitlab.kasUrl);
    expect(global.hosts.https).toBe(true);
    // The load balancers are CloudFormation's: no Ingress, no NGINX, no cert-manager.
    expect(global.ingress.enabled).toBe(false);
    expect(values['10k'].installCertmanager).toBe(false);
    expect(values['10k']['nginx-ingress'].enabled).toBe(false);
  });

  it('keeps GitLab Shell a ClusterIP Service behind the edge NLB, Git over SSH at the domain', () => {
    const service = values['3k'].gitlab['gitlab-shell'].service;
    expect(service).toEqual({ type: 'ClusterIP' });
    expect(values['3k'].global.hosts.ssh).toBe(plans['3k'].spec.domain.name);
  });

  it("uses the Plan's RDS database and user, its password from a Kubernetes Secret", () => {
    const plan = plans['10k'];
    const database = serviceOf(plan, 'rds').databases.find((entry) => entry.role === 'postgres')!;
    const { psql } = values['10k'].global;
    expect(psql).toMatchObject({
      host: chartEndpoints(plan).databaseHost,
      port: 5432,
      database: database.name,
      username: database.user,
    });
    expect(psql.password).toEqual({
      useSecret: true,
      secret: CHART_SECRETS.databasePassword.name,
      key: CHART_SECRETS.databasePassword.key,
    });
    expect(values['10k'].gitlab.migrations.psql.host).toBe(chartEndpoints(plan).databaseHost);
    expect(values['10k'].postgresql.install).toBe(false);
  });

  it('splits Redis into cache and persistent where the size does, over TLS with AUTH', () => {
    const split = values['10k'].global.redis;
    const hosts = chartEndpoints(plans['10k']).redisHosts;
    expect(split.host).toBe(hosts['redis-persistent']);
    expect(split.cache.host).toBe(hosts['redis-cache']);
    expect(split.scheme).toBe('rediss');
    expect(split.auth).toMatchObject({ enabled: true, secret: CHART_SECRETS.redisPassword.name });
    expect(split.cache.password).toMatchObject({ enabled: true, secret: CHART_SECRETS.redisPassword.name });
    const single = values['3k'].global.redis;
    expect(single.host).toBe(chartEndpoints(plans['3k']).redisHosts.redis);
    expect(single.cache).toBeUndefined();
    expect(values['3k'].redis.install).toBe(false);
  });

  it("reaches Praefect's virtual storage default through its load balancer, or the single Gitaly", () => {
    const cluster = values['10k'].global.gitaly;
    const praefect = internalLoadBalancer(plans['10k'])!;
    expect(cluster.enabled).toBe(false);
    expect(cluster.external).toEqual([
      { name: 'default', hostname: praefect.dnsName, port: 2305, tlsEnabled: false },
    ]);
    const gitaly = nodesOf(plans['2k'], 'gitaly')[0]!;
    expect(values['2k'].global.gitaly.external).toEqual([
      { name: 'default', hostname: gitaly.privateDnsName, port: 8075, tlsEnabled: false },
    ]);
    expect(values['10k'].global.praefect.enabled).toBe(false);
  });

  it("puts every object type, the registry and backups in the Plan's bucket for it, in the account", () => {
    const plan = plans['10k'];
    const buckets = new Map(
      serviceOf(plan, 's3').buckets.map((bucket) => [bucket.purpose, bucket.bucketName]),
    );
    const inAccount = (purpose: string) => nameInAccount(buckets.get(purpose as never)!, TEST_ACCOUNT);
    const { appConfig } = values['10k'].global;
    for (const [type, purpose] of Object.entries(CHART_OBJECT_TYPES)) {
      expect(appConfig[type], type).toMatchObject({ enabled: true, bucket: inAccount(purpose) });
      expect(appConfig[type].connection, type).toBeUndefined();
    }
    expect(appConfig.object_store.enabled).toBe(true);
    expect(appConfig.externalDiffs.when).toBe('outdated');
    expect(appConfig.backups.bucket).toBe(inAccount('backups'));
    expect(values['10k'].global.registry.bucket).toBe(inAccount('registry'));
    expect(values['10k'].global.minio.enabled).toBe(false);
  });

  it('annotates each AWS-calling service account with its own IAM role, and sets no global role', () => {
    const plan = plans['10k'];
    const roles = chartEndpoints(plan).serviceAccountRoles;
    const v = values['10k'];
    const accounts = {
      webservice: v.gitlab.webservice.serviceAccount,
      sidekiq: v.gitlab.sidekiq.serviceAccount,
      toolbox: v.gitlab.toolbox.serviceAccount,
      registry: v.registry.serviceAccount,
    };
    for (const [component, account] of Object.entries(accounts)) {
      expect(account.name).toBe(CHART_SERVICE_ACCOUNTS[component as keyof typeof accounts]);
      expect(account.annotations['eks.amazonaws.com/role-arn']).toBe(
        roles[component as keyof typeof accounts],
      );
    }
    // A global annotation would override every component's (the chart prefers the global one).
    expect(v.global.serviceAccount.annotations).toBeUndefined();
  });

  it("sizes webservice and Sidekiq as GitLab's reference for the size, each on its own pool", () => {
    for (const size of ['2k', '3k', '10k'] as const) {
      const sizing = CHART_SIZING[size];
      const { webservice, sidekiq } = values[size].gitlab;
      expect(webservice).toMatchObject({
        minReplicas: sizing.webservice.minReplicas,
        maxReplicas: sizing.webservice.maxReplicas,
        maxUnavailable: sizing.webservice.maxUnavailable,
        workerProcesses: sizing.webservice.workerProcesses,
        resources: {
          requests: { cpu: sizing.webservice.cpuRequest, memory: sizing.webservice.memoryRequest },
          limits: { memory: sizing.webservice.memoryLimit },
        },
        hpa: { cpu: { targetAverageValue: sizing.webservice.hpaCpuTargetAverageValue } },
      });
      expect(sidekiq).toMatchObject({
        minReplicas: sizing.sidekiq.minReplicas,
        maxReplicas: sizing.sidekiq.maxReplicas,
        resources: {
          requests: { cpu: sizing.sidekiq.cpuRequest },
          limits: { memory: sizing.sidekiq.memoryLimit },
        },
      });
      const pools = serviceOf(plans[size], 'eks').nodeGroups.map((group) => group.role);
      expect(pools).toContain(webservice.nodeSelector.workload);
      expect(webservice.nodeSelector.workload).toBe('webservice-pool');
      expect(sidekiq.nodeSelector.workload).toBe('sidekiq-pool');
      expect(values[size].global.nodeSelector.workload).toBe('supporting-pool');
    }
  });

  it("installs the chart of the Plan's GitLab version", () => {
    expect(chartVersionFor('19.3.0')).toBe(GITLAB_CHART.version);
    expect(chartVersionFor('18.9.1')).toBe('9.9.1');
    expect(chartVersionFor('9.4.0')).toBeUndefined();
    expect(chartVersionFor('nineteen')).toBeUndefined();
    expect(gitlabChartRelease(plans['10k']).version).toBe('10.3.0');
    expect(values['10k'].global.gitlabVersion).toBe(plans['10k'].gitlab.version);
    expect(values['10k'].global.edition).toBe(plans['10k'].gitlab.edition);
  });

  it('merges values deeply, later parts winning and lists replaced', () => {
    expect(mergeValues({ a: { b: 1, c: [1] } }, { a: { d: 2, c: [2] } }, { a: { b: 3 } })).toEqual({
      a: { b: 3, c: [2], d: 2 },
    });
    expect(mergeValues({ a: { b: 1 } }, { a: 'x' } as Values)).toEqual({ a: 'x' });
  });

  it('names where each deployed value comes from in the review copy', () => {
    const review = reviewChartEndpoints(plans['10k']);
    expect(review.databaseHost).toMatch(/^<RDS endpoint, .*data/);
    expect(Object.keys(review.redisHosts).sort()).toEqual(['redis-cache', 'redis-persistent']);
    expect(Object.keys(review.serviceAccountRoles).sort()).toEqual(
      Object.keys(CHART_SERVICE_ACCOUNTS).sort(),
    );
    expect(() => renderGitLabValues(plans['10k'], review)).not.toThrow();
  });
});

describe('secrets copied into Kubernetes', () => {
  let plans: Plan[];
  beforeAll(() => {
    plans = [hybrid('2k'), hybrid('10k')];
  });

  it("copy only the Plan's own Secrets Manager secrets, through one IRSA-authenticated store", () => {
    for (const plan of plans) {
      const manifests = secretManifests(plan, chartEndpoints(plan)) as Any[];
      const names = new Set(plan.secrets.map((secret) => secret.name));
      const external = manifests.filter((manifest) => manifest.kind === 'ExternalSecret');
      // The database, Redis, Gitaly (or Praefect), root and GitLab Shell secrets.
      expect(external.length).toBe(5);
      for (const secret of external) {
        expect(secret.spec.secretStoreRef.name).toBe('aws-secrets-manager');
        for (const entry of secret.spec.data)
          expect(names, entry.remoteRef.key).toContain(entry.remoteRef.key);
      }
      const store = manifests.find((manifest) => manifest.kind === 'SecretStore');
      expect(store.spec.provider.aws).toMatchObject({ service: 'SecretsManager', region: plan.region });
      const reader = manifests.find((manifest) => manifest.kind === 'ServiceAccount');
      expect(store.spec.provider.aws.auth.jwt.serviceAccountRef.name).toBe(reader.metadata.name);
      expect(reader.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
        chartEndpoints(plan).serviceAccountRoles.secrets,
      );
    }
  });

  it('gives Rails the token of whatever it talks to: Praefect, or a single Gitaly', () => {
    expect(chartSecretIds(plans[0]!)).toContain('gitaly-token');
    expect(chartSecretIds(plans[0]!)).not.toContain('praefect-external-token');
    expect(chartSecretIds(plans[1]!)).toContain('praefect-external-token');
    expect(chartSecretIds(plans[1]!)).not.toContain('gitaly-token');
  });

  it("takes GitLab Shell's token from the secret the Gitaly VMs read, and leaves Rails' own secrets to the chart", () => {
    for (const plan of plans) {
      const manifests = secretManifests(plan, chartEndpoints(plan)) as Any[];
      const shell = manifests.find((manifest) => manifest.metadata.name === CHART_SECRETS.shellSecret.name);
      const vmSecret = plan.secrets.find((secret) => secret.id === 'gitlab-shell-secret')!;
      expect(vmSecret.readers).toContain('gitaly');
      expect(shell.spec.data).toEqual([
        { secretKey: CHART_SECRETS.shellSecret.key, remoteRef: { key: vmSecret.name } },
      ]);
      // No secrets.yml is given: the chart's shared-secrets job generates it at the first install.
      expect(renderGitLabValues(plan, chartEndpoints(plan)).global).not.toHaveProperty('railsSecrets');
    }
  });

  it('write object storage connections with the region and no access key', () => {
    const plan = plans[1]!;
    const connections = (secretManifests(plan, chartEndpoints(plan)) as Any[]).filter(
      (manifest) => manifest.kind === 'Secret',
    );
    const byName = Object.fromEntries(connections.map((secret) => [secret.metadata.name, secret.stringData]));
    expect(parse(byName[CHART_SECRETS.objectStorage.name].connection)).toEqual({
      provider: 'AWS',
      region: plan.region,
      use_iam_profile: true,
    });
    const registry = parse(byName[CHART_SECRETS.registryStorage.name].config).s3;
    expect(registry.bucket).toBe(
      nameInAccount(
        serviceOf(plan, 's3').buckets.find((bucket) => bucket.purpose === 'registry')!.bucketName,
        TEST_ACCOUNT,
      ),
    );
    expect(JSON.stringify(connections)).not.toMatch(/access_key|secret_key|aws_access/i);
    expect(servicesOf(plan, 'elasticache').length).toBe(2);
  });
});

describe("synth's review copies", () => {
  it('write the values the stacks deploy, with each AWS value naming its source, and the manifests and releases', () => {
    const plan = hybrid('10k');
    const files = Object.fromEntries(renderChartFiles(plan).map((file) => [file.path, file.content]));
    expect(Object.keys(files).sort()).toEqual([
      'config/helm/gitlab-secrets.yaml',
      'config/helm/gitlab-values.yaml',
      'config/helm/releases.yaml',
      'config/helm/target-group-bindings.yaml',
    ]);
    expect(
      parseAllDocuments(files['config/helm/target-group-bindings.yaml']!).map(
        (doc) => doc.toJS().spec.serviceRef,
      ),
    ).toEqual(
      chartTargetGroupBindings(plan).map(({ binding }) => ({
        name: binding.service,
        port: binding.servicePort,
      })),
    );
    expect(parse(files['config/helm/gitlab-values.yaml']!)).toEqual(
      renderGitLabValues(plan, reviewChartEndpoints(plan)),
    );
    expect(parseAllDocuments(files['config/helm/gitlab-secrets.yaml']!).map((doc) => doc.toJS())).toEqual(
      secretManifests(plan, reviewChartEndpoints(plan)),
    );
    const releases = parse(files['config/helm/releases.yaml']!).releases;
    expect(releases.map((release: Any) => [release.chart, release.version])).toEqual([
      ['external-secrets', '2.0.0'],
      ['gitlab', '10.3.0'],
    ]);
    expect(renderChartFiles(planFor({ architecture: { size: '10k' } }))).toEqual([]);
  });
});
