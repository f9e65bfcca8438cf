/**
 * Shared pieces of the config tests: endpoints, every rendered target of every supported plan, the
 * external tools (ruby, shellcheck, cloud-init, PostgreSQL) and how to decode user data.
 *
 * The tools are required: a missing one fails the suite with the apt package to install (CI's
 * .ci/run installs them). Only GITLAB_AWS_ALLOW_MISSING_TOOLS=1 turns that into a skip, and then
 * the skip says so on stderr.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import {
  type BootTarget,
  bootTargets,
  type RuntimeEndpoints,
  renderUserDataParts,
  targetName,
  type UserDataParts,
} from '../../src/config/index.js';
import type { Plan } from '../../src/plan/types.js';
import { EXTRA_SETTINGS_OVERRIDES } from '../fixtures/extra-settings.js';
import { allPlans, type Combination, planFor } from '../fixtures/plans.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
/** The gitlab.rb settings reference (facts, with their source in its README). */
export const referenceDir = resolve(repoRoot, 'src/catalog/gitlab-rb-reference');

/** A value no rendered file may contain. The Ruby recorder returns it for every secret file read. */
export const FAKE_SECRET = 'fake-Secret-Value-7f3a9c';

/** Endpoints as plain strings (infra passes CDK tokens; the renderers treat both alike). */
export function endpointsFor(target: BootTarget): RuntimeEndpoints {
  return {
    praefectLoadBalancerHost: 'praefect.gitlab-test.internal',
    signal: { stackName: 'gitlab-test-compute', logicalId: `${targetName(target).replaceAll('-', '')}Boot` },
  };
}

export interface RenderedTarget {
  readonly combination: Combination;
  /** What the spec adds to the combination's, e.g. `extra-settings`. */
  readonly variant?: string;
  readonly plan: Plan;
  readonly target: BootTarget;
  readonly name: string;
  readonly parts: UserDataParts;
}

let cache: RenderedTarget[] | undefined;

/** Plans with the user's own settings (for every role), next to the plain ones. */
function extraSettingsPlans(): { combination: Combination; variant: string; plan: Plan }[] {
  return (['1k', '3k'] as const).map((size) => {
    const combination = { size, type: 'linux-package', availabilityZones: 3 } as const;
    const plan = planFor({ ...EXTRA_SETTINGS_OVERRIDES, architecture: { size } });
    return { combination, variant: 'extra-settings', plan };
  });
}

/** Every boot target of every supported size x type x AZ count, and of the variants above, rendered. */
export function allRendered(): RenderedTarget[] {
  cache ??= [...allPlans(), ...extraSettingsPlans()].flatMap((entry) =>
    bootTargets(entry.plan).map((target) => ({
      ...entry,
      target,
      name: targetName(target),
      parts: renderUserDataParts(entry.plan, target, endpointsFor(target)),
    })),
  );
  return cache;
}

export const label = (rendered: RenderedTarget) =>
  `${rendered.combination.size}/${rendered.combination.type}/${rendered.combination.availabilityZones}az${rendered.variant ? `/${rendered.variant}` : ''}/${rendered.name}`;

export interface CloudConfigFile {
  readonly path: string;
  readonly permissions?: string;
  readonly encoding?: string;
  readonly content: string;
}

/** The user data's write_files, decoded. */
export function writeFiles(document: string): CloudConfigFile[] {
  const config = parse(document) as { write_files: CloudConfigFile[] };
  return config.write_files.map((file) => ({
    ...file,
    content:
      file.encoding === 'gz+b64'
        ? gunzipSync(Buffer.from(file.content, 'base64')).toString('utf8')
        : file.content,
  }));
}

/** Writes each distinct content once into a fresh temp dir; returns the paths with their labels. */
export function writeDistinct(
  prefix: string,
  items: readonly { readonly label: string; readonly content: string }[],
  extension: string,
): { path: string; labels: string[] }[] {
  const dir = mkdtempSync(join(tmpdir(), `gitlab-aws-${prefix}-`));
  const byHash = new Map<string, { path: string; labels: string[] }>();
  for (const item of items) {
    const hash = createHash('sha256').update(item.content).digest('hex').slice(0, 16);
    const known = byHash.get(hash);
    if (known) {
      known.labels.push(item.label);
      continue;
    }
    const path = join(dir, `${hash}${extension}`);
    writeFileSync(path, item.content);
    byHash.set(hash, { path, labels: [item.label] });
  }
  return [...byHash.values()];
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gitlab-aws-${prefix}-`));
  mkdirSync(dir, { recursive: true });
  return dir;
}

const APT_PACKAGE: Record<string, string> = {
  ruby: 'ruby',
  shellcheck: 'shellcheck',
  'cloud-init': 'cloud-init',
  '/usr/lib/postgresql/15/bin/initdb': 'postgresql',
};

/**
 * Whether a tool is installed. Missing tools fail the suite unless GITLAB_AWS_ALLOW_MISSING_TOOLS=1,
 * in which case the caller skips and this says so loudly.
 */
export function requireTool(tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
  if (found) return true;
  const message = `${tool} is not installed: apt-get install -y ${APT_PACKAGE[tool] ?? tool}`;
  if (process.env.GITLAB_AWS_ALLOW_MISSING_TOOLS === '1') {
    process.stderr.write(`\n*** SKIPPING config tests that need ${tool}: ${message} ***\n\n`);
    return false;
  }
  throw new Error(message);
}

/** Runs a shell pipeline; returns status and output (never throws on a non-zero status). */
export function sh(script: string, input?: string) {
  const result = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(file, args, {
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The boot target serving the web: the 1k node, or the auto scaling group behind the HTTPS target group. */
export function webTarget(plan: Plan): BootTarget {
  const single = plan.nodes.find((node) => node.id === plan.deployNodes.singleNode);
  if (single) return { kind: 'node', node: single };
  const group = plan.autoScalingGroups.find((candidate) => candidate.targetGroups.includes('http'));
  if (!group) throw new Error(`${plan.spec.name} has no web nodes`);
  return { kind: 'group', group };
}
