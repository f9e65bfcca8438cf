/**
 * The generated values through GitLab's real chart (`helm template`, offline): every hybrid size in
 * 2 and 3 AZs renders with none of the chart's own checks failing and every object valid against
 * Kubernetes' schemas; the objects carry what the Plan decided. Values the chart rejects are caught
 * by plan checks first: the chart's bad example overlays fail the render, and a Plan broken the same
 * way fails its check, naming the spec field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART_SIZING, type HybridSize } from '../../src/catalog/gitlab-chart.js';
import { CHART_SERVICE_ACCOUNTS, renderGitLabValues } from '../../src/config/helm/index.js';
import { chartTargetGroupBindings } from '../../src/plan/chart.js';
import { PLAN_RULES } from '../../src/plan/index.js';
import { serviceOf, servicesOf } from '../../src/plan/query.js';
import type { Plan, RdsService } from '../../src/plan/types.js';
import { planFor, supportedCombinations } from '../fixtures/plans.js';
import {
  chartUnavailable,
  helmTemplate,
  type Render,
  type SchemaProblem,
  sharedOverlay,
  validateManifests,
} from './helm-chart.js';
import { chartEndpoints } from './helm-fixtures.js';

const unavailable = chartUnavailable();
if (unavailable && process.env.CI)
  throw new Error(`CI is set, but the chart tests cannot run: ${unavailable}`);
const reason = unavailable ? ` (skipped: ${unavailable})` : '';

type Any = ReturnType<typeof JSON.parse>;
const HYBRID = supportedCombinations()
  .filter((combination) => combination.type === 'cloud-native-hybrid')
  .map((combination) => ({
    combination,
    plan: planFor({
      availabilityZones: combination.availabilityZones,
      architecture: { size: combination.size, type: combination.type },
    }),
  }));
const kubeVersionOf = (plan: Plan) => serviceOf(plan, 'eks').kubernetesVersion;

interface Rendered {
  readonly render: Render;
  readonly problems: SchemaProblem[];
  readonly objects: Any[];
}

describe.skipIf(unavailable)(`GitLab's chart renders the generated values${reason}`, () => {
  /** One render per distinct values (2 and 3 AZs give the same values), all at once. */
  const renders = new Map<string, Rendered>();
  const keyOf = (plan: Plan) => JSON.stringify(renderGitLabValues(plan, chartEndpoints(plan)));
  const of = (plan: Plan) => renders.get(keyOf(plan))!;
  beforeAll(async () => {
    const distinct = new Map(HYBRID.map(({ plan }) => [keyOf(plan), plan]));
    const done = await Promise.all(
      [...distinct].map(async ([key, plan]) => {
        const render = await helmTemplate(JSON.parse(key), kubeVersionOf(plan));
        return [key, plan, render] as const;
      }),
    );
    for (const [key, plan, render] of done) {
      const problems = render.ok ? await validateManifests(render.manifests, kubeVersionOf(plan)) : [];
      const objects = parseAllDocuments(render.manifests)
        .map((doc) => doc.toJS())
        .filter((object) => object);
      renders.set(key, { render, problems, objects });
    }
  });

  it('renders every hybrid size in 2 and 3 AZs, no chart check failing, every object valid', () => {
    expect(HYBRID).toHaveLength(12);
    for (const { combination, plan } of HYBRID) {
      const name = `${combination.size} in ${combination.availabilityZones} AZs`;
      const { render, problems, objects } = of(plan);
      expect(render.error, name).toBe('');
      expect(problems, name).toEqual([]);
      expect(objects.length, name).toBeGreaterThan(30);
    }
  });

  it("runs webservice and Sidekiq as GitLab's reference sizes them, autoscaled and with disruption budgets", () => {
    for (const { combination, plan } of HYBRID) {
      const sizing = CHART_SIZING[combination.size as HybridSize];
      const { objects } = of(plan);
      const hpa = (name: string) =>
        objects.find((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === name);
      expect(hpa('gitlab-webservice-default').spec).toMatchObject({
        minReplicas: sizing.webservice.minReplicas,
        maxReplicas: sizing.webservice.maxReplicas,
      });
      expect(hpa('gitlab-sidekiq-all-in-1-v2').spec).toMatchObject({
        minReplicas: sizing.sidekiq.minReplicas,
        maxReplicas: sizing.sidekiq.maxReplicas,
      });
      const budget = objects.find(
        (object) =>
          object.kind === 'PodDisruptionBudget' && object.metadata.name === 'gitlab-webservice-default',
      );
      expect(budget.spec.maxUnavailable).toBe(sizing.webservice.maxUnavailable);
      const webservice = objects.find(
        (object) => object.kind === 'Deployment' && object.metadata.name === 'gitlab-webservice-default',
      );
      expect(webservice.spec.template.spec.nodeSelector).toEqual({ workload: 'webservice-pool' });
      expect(webservice.spec.template.spec.serviceAccountName).toBe(CHART_SERVICE_ACCOUNTS.webservice);
    }
  });

  it("backs up on the Plan's schedule through the toolbox's role, with room sized from the database", () => {
    for (const { combination, plan } of HYBRID) {
      const name = `${combination.size} in ${combination.availabilityZones} AZs`;
      const cron = of(plan).objects.find(
        (object) => object.kind === 'CronJob' && object.metadata.name === 'gitlab-toolbox-backup',
      );
      expect(cron, name).toBeDefined();
      // The spec's AWS Backup schedule is cron(0 2 * * ? *): gitlab-backup runs 12 hours later, in UTC.
      expect(plan.spec.backups.schedule).toBe('cron(0 2 * * ? *)');
      expect(cron.spec).toMatchObject({
        schedule: '0 14 * * *',
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
      });
      const pod = cron.spec.jobTemplate.spec.template.spec;
      expect(pod.serviceAccountName).toBe(CHART_SERVICE_ACCOUNTS.toolbox);
      const command = JSON.stringify(pod.containers[0].args ?? pod.containers[0].command);
      expect(command).toContain('backup-utility --s3tool awscli --skip artifacts,');
      expect(command).toContain('--repositories-server-side');
      const volume = pod.volumes.find((entry: Any) => entry.ephemeral);
      const claim = volume.ephemeral.volumeClaimTemplate.spec;
      const database = servicesOf<RdsService>(plan, 'rds').find((service) => service.role === 'postgres')!;
      expect(claim.storageClassName).toBe('gitlab-toolbox-backup');
      expect(claim.resources.requests.storage).toBe(`${2 * database.maxStorageGiB}Gi`);
    }
  });

  it("restores (and makes on-demand backups) on the toolbox's own volume, sized for an archive and its contents", () => {
    for (const { combination, plan } of HYBRID) {
      const name = `${combination.size} in ${combination.availabilityZones} AZs`;
      const { objects } = of(plan);
      const toolbox = objects.find(
        (object) => object.kind === 'Deployment' && object.metadata.name === 'gitlab-toolbox',
      );
      const pod = toolbox.spec.template.spec;
      const container = pod.containers.find((entry: Any) => entry.name === 'toolbox');
      // backup-utility works under Rails' tmp/backups (the chart's gitlab.yml): /srv/gitlab/tmp.
      const mount = container.volumeMounts.find((entry: Any) => entry.mountPath === '/srv/gitlab/tmp');
      const volume = pod.volumes.find((entry: Any) => entry.name === mount.name);
      expect(volume.persistentVolumeClaim, name).toBeDefined();
      const claim = objects.find(
        (object) =>
          object.kind === 'PersistentVolumeClaim' &&
          object.metadata.name === volume.persistentVolumeClaim.claimName,
      );
      expect(claim, name).toBeDefined();
      // Repositories stream from Gitaly to the bucket: the archive is the database's dump, which
      // its allocated storage bounds; the restore holds it and its contents unpacked.
      expect(plan.scheduledBackup.repositoriesServerSide).toBe(true);
      expect(claim.spec.resources.requests.storage, name).toBe(`${2 * plan.spec.database.storageGiB}Gi`);
      expect(claim.spec.storageClassName).toBe('gitlab-toolbox-backup');
      expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    }
  });

  it('has every Service and port the load balancers bind, on the pod port their targets use', () => {
    for (const { combination, plan } of HYBRID) {
      const { objects } = of(plan);
      const bindings = chartTargetGroupBindings(plan);
      expect(bindings.length, combination.size).toBeGreaterThan(0);
      for (const { binding, targetPort, targetGroup } of bindings) {
        const what = `${combination.size} ${targetGroup}: ${binding.service}:${binding.servicePort}`;
        const service = objects.find(
          (object) => object.kind === 'Service' && object.metadata.name === binding.service,
        );
        expect(service, what).toBeDefined();
        // Never a load balancer of the chart's own: the controller registers pod IPs only.
        expect(service.spec.type, what).toBe('ClusterIP');
        const port = service.spec.ports.find((entry: Any) => entry.port === binding.servicePort);
        expect(port, what).toBeDefined();
        // The pods the Service selects listen on the target port, by number or by port name.
        const selector = Object.entries(service.spec.selector as Record<string, string>);
        const pods = objects.filter(
          (object) =>
            object.kind === 'Deployment' &&
            selector.every(([key, value]) => object.spec.template.metadata.labels?.[key] === value),
        );
        expect(pods.length, what).toBeGreaterThan(0);
        for (const deployment of pods) {
          const ports = (deployment.spec.template.spec.containers as Any[]).flatMap(
            (container) => container.ports ?? [],
          );
          const target = ports.find((entry: Any) =>
            typeof port.targetPort === 'number'
              ? entry.containerPort === port.targetPort
              : entry.name === port.targetPort,
          );
          expect(target?.containerPort, `${what} in ${deployment.metadata.name}`).toBe(targetPort);
        }
      }
    }
  });

  it('creates no Ingress and no load balancer of its own, and bundles nothing the Plan runs elsewhere', () => {
    const plan = HYBRID.find(({ combination }) => combination.size === '10k')!.plan;
    const { objects } = of(plan);
    expect(objects.filter((object) => object.kind === 'Ingress')).toEqual([]);
    expect(objects.filter((object) => object.kind === 'Service' && object.spec.type !== 'ClusterIP')).toEqual(
      [],
    );
    const roles = chartEndpoints(plan).serviceAccountRoles;
    for (const [component, name] of Object.entries(CHART_SERVICE_ACCOUNTS).filter(
      ([key]) => key !== 'secrets',
    )) {
      const account = objects.find(
        (object) => object.kind === 'ServiceAccount' && object.metadata.name === name,
      );
      expect(account?.metadata.annotations['eks.amazonaws.com/role-arn'], name).toBe(
        roles[component as keyof typeof roles],
      );
    }
    // Workloads only: the chart creates some service accounts whatever is enabled.
    const names = objects
      .filter((object) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(object.kind))
      .map((object) => `${object.kind}/${object.metadata.name}`)
      .join('\n');
    expect(names).not.toMatch(
      /minio|postgresql|redis-master|certmanager|cert-manager|nginx-ingress|gitlab-gitaly|praefect/i,
    );
    const config = objects
      .filter((object) => object.kind === 'ConfigMap')
      .map((object) => JSON.stringify(object.data))
      .join('\n');
    expect(config).toContain(chartEndpoints(plan).databaseHost);
    expect(config).toContain(chartEndpoints(plan).redisHosts['redis-persistent']!);
  });
});

describe.skipIf(unavailable)(
  `values GitLab's chart rejects are refused by plan checks first${reason}`,
  () => {
    let plan: Plan;
    const ruleOf = (id: string) => PLAN_RULES.find((rule) => rule.id === id)!;
    const findings = (id: string, broken: Plan) =>
      ruleOf(id).evaluate({ spec: broken.spec, reference: undefined as never, plan: broken });
    const renderWith = (overlays: string[]) =>
      helmTemplate(
        renderGitLabValues(plan, chartEndpoints(plan)),
        kubeVersionOf(plan),
        overlays.map(sharedOverlay),
      );
    /** The chart reports every failed check of a render at once: one render for the overlays that combine. */
    let combined: Render;
    let duplicate: Render;
    beforeAll(async () => {
      plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
      [combined, duplicate] = await Promise.all([
        renderWith([
          'bad-gitaly-no-default-storage.yaml',
          'bad-object-store-mixed.yaml',
          'bad-redis-no-host.yaml',
        ]),
        renderWith(['bad-gitaly-duplicate-storage.yaml']),
      ]);
    });

    it('the Gitaly storages: one named default, no name twice', () => {
      expect(combined.error).toContain("There must be one (and only one) storage named 'default'");
      expect(duplicate.error).toContain('Each storage name must be unique');
      const gitaly = plan.nodes.find((node) => node.role === 'gitaly')!;
      const single = (storages: string[]): Plan => ({
        ...plan,
        architecture: { ...plan.architecture, gitalyMode: 'single' },
        nodes: [
          ...plan.nodes.filter((node) => node.role !== 'gitaly'),
          ...storages.map((storage, index) => ({
            ...gitaly,
            id: `gitaly-${index + 1}`,
            gitalyStorage: storage,
          })),
        ],
      });
      expect(findings('GLA-CHART-GITALY-STORAGE', plan)).toEqual([]);
      expect(findings('GLA-CHART-GITALY-STORAGE', single(['default']))).toEqual([]);
      for (const broken of [single(['praefect-cluster']), single(['default', 'default'])]) {
        const [finding] = findings('GLA-CHART-GITALY-STORAGE', broken);
        expect(finding?.field).toBe('gitaly.mode');
      }
    });

    it('the object storage: a bucket for every object type', () => {
      expect(combined.error).toContain('for each item `bucket` must be specified');
      const s3 = serviceOf(plan, 's3');
      const broken: Plan = {
        ...plan,
        services: plan.services.map((service) =>
          service === s3
            ? { ...s3, buckets: s3.buckets.filter((bucket) => bucket.purpose !== 'lfs') }
            : service,
        ),
      };
      expect(findings('GLA-CHART-OBJECT-STORAGE', plan)).toEqual([]);
      const [finding] = findings('GLA-CHART-OBJECT-STORAGE', broken);
      expect(finding?.field).toBe('objectStorage.bucketPrefix');
      expect(finding?.message).toContain('lfs');
      expect(() => renderGitLabValues(broken, chartEndpoints(plan))).toThrow(/lfs/);
    });

    it('Redis: an external host', () => {
      expect(combined.error).toContain('you must populate `global.redis.host`');
      const broken: Plan = {
        ...plan,
        services: plan.services.filter((service) => service.kind !== 'elasticache'),
      };
      expect(findings('GLA-CHART-REDIS-HOST', plan)).toEqual([]);
      expect(findings('GLA-CHART-REDIS-HOST', broken)[0]?.field).toBe('redis');
      // A Linux package Plan runs no chart: nothing to check.
      const linux = planFor({ architecture: { size: '10k' } });
      expect(findings('GLA-CHART-REDIS-HOST', { ...linux, services: [] })).toEqual([]);
    });
  },
);
