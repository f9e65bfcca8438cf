/**
 * The chart's install script, run for real under bash as CodeBuild runs it (the build
 * specification's one command), with the network and AWS stubbed: it checks Helm's checksum, installs
 * the operator, the secrets manifests and GitLab's chart in that order, and signals CloudFormation
 * on every way out. The manifests chart it writes is rendered by real Helm, which must leave the
 * External Secrets templates inside untouched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { secretManifests } from '../../src/config/helm/index.js';
import { installBuildSpec, installSettings } from '../../src/config/helm/install.js';
import {
  reviewTargetGroupArns,
  targetGroupBindingManifests,
} from '../../src/config/helm/target-group-bindings.js';
import { serviceOf } from '../../src/plan/query.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { chartUnavailable, helmBinary } from './helm-chart.js';
import { chartEndpoints } from './helm-fixtures.js';

const STUBS: Record<string, string> = {
  curl: `echo "curl $*" >>"$TRACE"
prev=""; for a in "$@"; do [ "$prev" = "--data-binary" ] && printf '%s\\n' "$a" >>"$SIGNALS"; prev=$a; done`,
  tar: `echo "tar $*" >>"$TRACE"; mkdir -p linux-amd64; printf '#!/bin/sh\\necho "helm $*" >>"$TRACE"\\ncase "$*" in *"$HELM_FAILS"*) exit 1;; esac\\n' >linux-amd64/helm; chmod +x linux-amd64/helm`,
  sha256sum: `read -r sum file; echo "sha256sum $sum $file" >>"$TRACE"; [ "$sum" = "$EXPECTED_SHA" ]`,
  aws: `echo "aws $*" >>"$TRACE"
case "$*" in *"$MANIFESTS_PARAMETER"*) cat "$MANIFESTS_FILE";; *"$VALUES_PARAMETER"*) echo '{}';;
  *"$RELEASES_PARAMETER"*) cat "$RELEASES_FILE";; *"$BINDINGS_PARAMETER"*) cat "$BINDINGS_FILE";; esac`,
};

interface Run {
  readonly status: number | null;
  readonly trace: string[];
  readonly signals: { Status: string }[];
  readonly work: string;
}

function run(plan: Plan, options: { helmFails?: string; sha?: string } = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'install-chart-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const manifests = join(dir, 'manifests.yaml');
  writeFileSync(
    manifests,
    secretManifests(plan, chartEndpoints(plan))
      .map((m) => stringify(m))
      .join('---\n'),
  );
  const releases = join(dir, 'releases.json');
  writeFileSync(releases, JSON.stringify(serviceOf(plan, 'eks').addOnReleases));
  const bindings = join(dir, 'bindings.yaml');
  writeFileSync(
    bindings,
    targetGroupBindingManifests(plan, reviewTargetGroupArns(plan, 'gitlab-edge'))
      .map((m) => stringify(m))
      .join('---\n'),
  );
  const settings = installSettings(plan);
  const work = join(dir, 'tmp');
  mkdirSync(work);
  const command = (installBuildSpec() as { phases: { build: { commands: string[] } } }).phases.build
    .commands[0]!;
  const result = spawnSync(
    'bash',
    ['-c', command.replaceAll('/tmp/install-gitlab-chart.sh', join(dir, 'install.sh'))],
    {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        TMPDIR: work,
        TRACE: join(dir, 'trace'),
        SIGNALS: join(dir, 'signals'),
        MANIFESTS_FILE: manifests,
        RELEASES_FILE: releases,
        BINDINGS_FILE: bindings,
        EXPECTED_SHA: options.sha ?? settings.HELM_SHA256!,
        HELM_FAILS: options.helmFails ?? 'never-matches',
        ...settings,
        CLUSTER_NAME: 'gitlab',
        AWS_REGION: plan.region,
        VALUES_PARAMETER: '/gitlab/gitlab-chart/values',
        MANIFESTS_PARAMETER: '/gitlab/gitlab-chart/manifests',
        RELEASES_PARAMETER: '/gitlab/gitlab-chart/releases',
        BINDINGS_PARAMETER: '/gitlab/gitlab-chart/bindings',
        SIGNAL_URL: 'https://cloudformation-waitcondition.example/signal',
        CODEBUILD_BUILD_ID: 'gitlab-install:1',
      },
    },
  );
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const [workDir] = readdirSync(work);
  return {
    status: result.status,
    trace: read('trace'),
    signals: read('signals').map((line) => JSON.parse(line)),
    work: join(work, workDir ?? ''),
  };
}

describe('the chart install script', () => {
  let plan: Plan;
  let ok: Run;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
    ok = run(plan);
  });

  it('checks Helm, then installs the add-ons, the operator, the secrets, GitLab and the bindings, and signals success', () => {
    expect(ok.status).toBe(0);
    const steps = ok.trace.map((line) => line.split(' ').slice(0, 5).join(' '));
    const index = (prefix: string) => steps.findIndex((step) => step.startsWith(prefix));
    const order = [
      'curl -fsSL -o helm.tar.gz',
      'sha256sum',
      'aws eks update-kubeconfig',
      'helm upgrade --install aws-load-balancer-controller aws-load-balancer-controller',
      'helm upgrade --install external-secrets',
      'helm upgrade --install gitlab-secrets',
      'helm upgrade --install gitlab gitlab',
      'helm upgrade --install gitlab-target-group-bindings',
      'curl -fsS -X PUT',
    ].map(index);
    expect(order.every((position) => position >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const gitlab = ok.trace.find((line) => line.startsWith('helm upgrade --install gitlab gitlab'))!;
    expect(gitlab).toContain(`--version ${installSettings(plan).GITLAB_VERSION}`);
    expect(gitlab).toContain('--wait --timeout 60m');
    expect(ok.signals.map((signal) => signal.Status)).toEqual(['SUCCESS']);
    // Every add-on release at its Plan version, in its namespace, with its own values file.
    for (const release of serviceOf(plan, 'eks').addOnReleases) {
      const line = ok.trace.find((entry) => entry.startsWith(`helm upgrade --install ${release.name} `))!;
      expect(line, release.name).toContain(`--repo ${release.repository} --version ${release.version}`);
      expect(line, release.name).toContain(`--namespace ${release.namespace} --values release-`);
    }
    const written = (name: string) =>
      JSON.parse(readFileSync(join(ok.work, name), 'utf8')) as Record<string, unknown>;
    expect(written('release-0.json')).toEqual(serviceOf(plan, 'eks').addOnReleases[0]!.values);
  });

  it('applies the TargetGroupBindings as they are, after GitLab, through Helm', () => {
    const file = join(ok.work, 'gitlab-target-group-bindings/templates/bindings.yaml');
    expect(parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS())).toEqual(
      targetGroupBindingManifests(plan, reviewTargetGroupArns(plan, 'gitlab-edge')),
    );
  });

  it('signals failure when an install fails, or Helm is not the published binary', () => {
    const failed = run(plan, { helmFails: 'install gitlab gitlab' });
    expect(failed.status).not.toBe(0);
    expect(failed.signals.map((signal) => signal.Status)).toEqual(['FAILURE']);
    const tampered = run(plan, { sha: '0'.repeat(64) });
    expect(tampered.status).not.toBe(0);
    expect(tampered.trace.some((line) => line.startsWith('helm'))).toBe(false);
    expect(tampered.signals.map((signal) => signal.Status)).toEqual(['FAILURE']);
  });

  it.skipIf(chartUnavailable())('applies the manifests as they are, through Helm', () => {
    const rendered = execFileSync(
      helmBinary(),
      ['template', 'gitlab-secrets', join(ok.work, 'gitlab-secrets')],
      {
        encoding: 'utf8',
      },
    );
    const objects = parseAllDocuments(rendered)
      .map((doc) => doc.toJS())
      .filter((object) => object);
    // Helm orders objects by kind; the set is the same.
    const byName = (list: ReturnType<typeof JSON.parse>[]) =>
      [...list].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
    expect(byName(objects)).toEqual(byName(secretManifests(plan, chartEndpoints(plan))));
  });
});
