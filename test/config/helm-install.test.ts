/**
 * The chart's install script, run for real under bash as CodeBuild runs it (the build
 * specification's one command), with the network and AWS stubbed: it checks Helm's checksum, installs
 * the operator, the secrets manifests and GitLab's chart in that order, and signals CloudFormation
 * on every way out. The manifests chart it writes is rendered by real Helm, which must leave the
 * External Secrets templates inside untouched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupClient } from '@aws-sdk/client-backup';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { backupsBucketName } from '../../src/config/backup.js';
import { chartDataEndpointSetting, chartDataEndpoints } from '../../src/config/helm/data-endpoints.js';
import { secretManifests } from '../../src/config/helm/index.js';
import {
  installBuildSpec,
  installScript,
  installSettings,
  operationEnvironment,
  RAILS_SECRETS_SUFFIX,
} from '../../src/config/helm/install.js';
import {
  reviewTargetGroupArns,
  targetGroupBindingManifests,
} from '../../src/config/helm/target-group-bindings.js';
import { renderGitLabValues } from '../../src/config/helm/values.js';
import { listBackups } from '../../src/lifecycle/backup.js';
import { serviceOf } from '../../src/plan/query.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { chartUnavailable, helmBinary } from './helm-chart.js';
import { chartEndpoints } from './helm-fixtures.js';
import { requireTool, sh } from './support.js';

/**
 * The cluster, Secrets Manager and S3 as files under the sandbox: `kube/<secret>` is a Kubernetes
 * Secret's secrets.yml, `secretsmanager` the Rails secrets' saved value, `s3/<key>` an object.
 * Helm installing GitLab plays the chart's shared-secrets job: it generates Rails' secrets only
 * when the cluster has none.
 */
const HELM_STUB = `echo "helm $*" >>"$TRACE"
case "$*" in *"$HELM_FAILS"*) exit 1;; esac
case "$*" in *"install $GITLAB_RELEASE "*|"upgrade $GITLAB_RELEASE "*)
  [ -f "$KUBE/$RAILS_SECRET" ] || echo "production: {db_key_base: generated-in-cluster}" >"$KUBE/$RAILS_SECRET";;
esac`;
const KUBECTL_STUB = `echo "kubectl $*" >>"$TRACE"
args=" $* "
secret=""; prev=""
for a in "$@"; do case "$prev" in secret|generic) [ "$a" = generic ] || secret=$a;; esac; prev=$a; done
case "$args" in
  *" get secret "*" -o "*) base64 <"$KUBE/$secret";;
  *" get secret "*) [ -f "$KUBE/$secret" ];;
  *" create secret generic "*)
    for a in "$@"; do case "$a" in --from-file=secrets.yml=*) cp "\${a#--from-file=secrets.yml=}" "$KUBE/$secret.pending";; esac; done
    echo "kind: Secret $secret";;
  *" apply -f - "*) read -r _ _ name; mv "$KUBE/$name.pending" "$KUBE/$name";;
  *" get pods "*) printf 'gitlab-toolbox-0';;
  *" get deployments "*"jsonpath"*) case "$args" in *app=sidekiq*) echo "gitlab-sidekiq-all-in-1-v2 10";; *app=webservice*) echo "gitlab-webservice-default 15";; esac;;
  *" exec "*) case "$args" in *"$TOOLBOX_FAILS"*) exit 1;; esac;;
esac`;
const STUBS: Record<string, string> = {
  curl: `echo "curl $*" >>"$TRACE"
prev=""; for a in "$@"; do [ "$prev" = "--data-binary" ] && printf '%s\\n' "$a" >>"$SIGNALS"; prev=$a; done
case " $* " in *" -o kubectl "*) cp "$STUB_DIR/kubectl" kubectl;; esac`,
  tar: `echo "tar $*" >>"$TRACE"; mkdir -p linux-amd64; cp "$STUB_DIR/helm" linux-amd64/helm; chmod +x linux-amd64/helm`,
  sha256sum: `read -r sum file; echo "sha256sum $sum $file" >>"$TRACE"
case "$file" in *helm) [ "$sum" = "$EXPECTED_SHA" ];; *) [ "$sum" = "$EXPECTED_KUBECTL_SHA" ];; esac`,
  aws: `echo "aws $*" >>"$TRACE"
case "$*" in
  *"$MANIFESTS_PARAMETER"*) cat "$MANIFESTS_FILE";;
  *"$VALUES_PARAMETER"*) if [ -n "\${VALUES_FILE:-}" ]; then cat "$VALUES_FILE"; else echo '{}'; fi;;
  *"/data-endpoints/"*) echo x >>"$ENDPOINT_CALLS"
    [ "$(wc -l <"$ENDPOINT_CALLS")" -gt "\${ENDPOINT_MISSING_CALLS:-0}" ] || { echo "ParameterNotFound" >&2; exit 254; }
    echo "db.example.internal:5432";;
  *"$RELEASES_PARAMETER"*) cat "$RELEASES_FILE";;
  *"$BINDINGS_PARAMETER"*) cat "$BINDINGS_FILE";;
  *"list-secret-version-ids"*) if [ -f "$SAVED" ]; then echo 1; else echo 0; fi;;
  *"get-secret-value"*) cat "$SAVED";;
  *"put-secret-value"*) for a in "$@"; do case "$a" in file://*) cp "\${a#file://}" "$SAVED";; esac; done
    echo '{"ARN":"arn:aws:secretsmanager:rails-secrets","VersionId":"v2"}';;
  "s3 cp"*) src=""; dst=""; for a in "$@"; do case "$a" in s3://*|/*|*.yml) if [ -z "$src" ]; then src=$a; else dst=$a; fi;; esac; done
    case "$src" in s3://*) cp "$S3/$(basename "$src")" "$dst";; *) cp "$src" "$S3/$(basename "$dst")";; esac;;
  *"head-object"*) for a in "$@"; do key=$a; done; [ -f "$S3/$key" ];;
esac`,
};

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly trace: string[];
  readonly signals: { Status: string }[];
  readonly work: string;
  /** Rails' secrets as the cluster and Secrets Manager hold them after the run. */
  readonly clusterSecrets?: string;
  readonly savedSecrets?: string;
  readonly objects: Record<string, string>;
}

interface RunOptions {
  readonly helmFails?: string;
  readonly toolboxFails?: string;
  readonly sha?: string;
  /** Rails' secrets in the cluster before the run (an existing cluster), and in Secrets Manager. */
  readonly clusterSecrets?: string;
  readonly savedSecrets?: string;
  /** Objects in the backups bucket before the run. */
  readonly objects?: Record<string, string>;
  /** Environment the build is started with on top of the project's (an operation). */
  readonly environment?: Record<string, string>;
  /** The values parameter's text (`{}` when omitted). */
  readonly values?: string;
  /** How many reads of a data endpoint parameter find it missing before the data stack writes it. */
  readonly endpointMissingCalls?: number;
}

function run(plan: Plan, options: RunOptions = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'install-chart-'));
  const bin = join(dir, 'bin');
  const stubs = join(dir, 'stubs');
  const kube = join(dir, 'kube');
  const s3 = join(dir, 's3');
  for (const folder of [bin, stubs, kube, s3]) mkdirSync(folder);
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(stubs, 'helm'), `#!/bin/sh\n${HELM_STUB}\n`);
  writeFileSync(join(stubs, 'kubectl'), `#!/bin/bash\n${KUBECTL_STUB}\n`);
  const settings = installSettings(plan);
  const saved = join(dir, 'secretsmanager');
  if (options.clusterSecrets !== undefined)
    writeFileSync(join(kube, settings.RAILS_SECRET!), options.clusterSecrets);
  if (options.savedSecrets !== undefined) writeFileSync(saved, options.savedSecrets);
  for (const [key, body] of Object.entries(options.objects ?? {})) writeFileSync(join(s3, key), body);
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
  const work = join(dir, 'tmp');
  mkdirSync(work);
  const values = join(dir, 'values.json');
  if (options.values !== undefined) writeFileSync(values, options.values);
  // Pauses pass at once when the build waits for a data endpoint.
  if (options.endpointMissingCalls !== undefined) {
    writeFileSync(join(bin, 'sleep'), '#!/bin/sh\necho "sleep $*" >>"$TRACE"\n');
    chmodSync(join(bin, 'sleep'), 0o755);
  }
  const command = (installBuildSpec() as { phases: { build: { commands: string[] } } }).phases.build
    .commands[0]!;
  const result = spawnSync(
    'bash',
    ['-c', command.replaceAll('/tmp/gitlab-chart-build.sh', join(dir, 'build.sh'))],
    {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        TMPDIR: work,
        TRACE: join(dir, 'trace'),
        SIGNALS: join(dir, 'signals'),
        STUB_DIR: stubs,
        KUBE: kube,
        S3: s3,
        SAVED: saved,
        MANIFESTS_FILE: manifests,
        RELEASES_FILE: releases,
        BINDINGS_FILE: bindings,
        ...(options.values !== undefined ? { VALUES_FILE: values } : {}),
        ENDPOINT_CALLS: join(dir, 'endpoint-calls'),
        ENDPOINT_MISSING_CALLS: String(options.endpointMissingCalls ?? 0),
        EXPECTED_SHA: options.sha ?? settings.HELM_SHA256!,
        EXPECTED_KUBECTL_SHA: settings.KUBECTL_SHA256!,
        HELM_FAILS: options.helmFails ?? 'never-matches',
        TOOLBOX_FAILS: options.toolboxFails ?? 'never-matches',
        ...settings,
        CLUSTER_NAME: 'gitlab',
        AWS_REGION: plan.region,
        VALUES_PARAMETER: '/gitlab/gitlab-chart/values',
        MANIFESTS_PARAMETER: '/gitlab/gitlab-chart/manifests',
        RAILS_SECRETS_ID: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gitlab/rails-secrets-AbCdEf',
        RELEASES_PARAMETER: '/gitlab/gitlab-chart/releases',
        BINDINGS_PARAMETER: '/gitlab/gitlab-chart/bindings',
        SIGNAL_URL: 'https://cloudformation-waitcondition.example/signal',
        CODEBUILD_BUILD_ID: 'gitlab-install:1',
        ...options.environment,
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
  const content = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  const [workDir] = readdirSync(work);
  const clusterSecrets = content(join(kube, settings.RAILS_SECRET!));
  const savedSecrets = content(saved);
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    trace: read('trace'),
    signals: read('signals').map((line) => JSON.parse(line)),
    work: join(work, workDir ?? ''),
    ...(clusterSecrets !== undefined ? { clusterSecrets } : {}),
    ...(savedSecrets !== undefined ? { savedSecrets } : {}),
    objects: Object.fromEntries(readdirSync(s3).map((key) => [key, readFileSync(join(s3, key), 'utf8')])),
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
    expect(order, ok.trace.join('\n')).toEqual([...order].sort((a, b) => a - b));
    // One answer to CloudFormation, from the build's own shell, never from the rollout reporter.
    expect(ok.trace.filter((line) => line.startsWith('curl -fsS -X PUT'))).toHaveLength(1);
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

/** Where in the trace the first line starting with each prefix is (-1 when none). */
const positions = (trace: readonly string[], ...prefixes: string[]) =>
  prefixes.map((prefix) => trace.findIndex((line) => line.startsWith(prefix)));

describe('the chart build fills in the data services the values leave as placeholders', () => {
  let plan: Plan;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
  });
  const environment = (wait: number) => ({
    DATA_ENDPOINTS: chartDataEndpointSetting(plan),
    DATA_ENDPOINT_WAIT_SECONDS: String(wait),
  });
  const values = () =>
    JSON.stringify(renderGitLabValues(plan, { ...chartEndpoints(plan), ...chartDataEndpoints(plan) }));

  it('waits for each endpoint parameter the data stack writes, then gives Helm the values with the hosts in place', () => {
    const result = run(plan, { environment: environment(600), values: values(), endpointMissingCalls: 2 });
    expect(result.status, result.stderr).toBe(0);
    const reads = result.trace.filter((line) => line.includes('/data-endpoints/'));
    // The database's parameter is missing twice (one pause each), then every endpoint is there.
    expect(reads[0]).toBe(
      'aws ssm get-parameter --name /gitlab-test/data-endpoints/database --query Parameter.Value --output text',
    );
    expect(reads).toHaveLength(2 + chartDataEndpointSetting(plan).split(' ').length);
    expect(result.trace.filter((line) => line.startsWith('sleep'))).toEqual(['sleep 15', 'sleep 15']);
    const given = JSON.parse(readFileSync(join(result.work, 'values.json'), 'utf8'));
    expect(given.global.psql.host).toBe('db.example.internal');
    expect(JSON.stringify(given)).not.toContain('@data-endpoint:');
    const helm = result.trace.findIndex((line) => line.startsWith('helm upgrade --install gitlab gitlab'));
    expect(helm).toBeGreaterThan(result.trace.indexOf(reads.at(-1)!));
  });

  it('fails the install, and signals so, when an endpoint never appears', () => {
    const result = run(plan, { environment: environment(30), values: values(), endpointMissingCalls: 1000 });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'gave up waiting for SSM parameter /gitlab-test/data-endpoints/database',
    );
    expect(result.signals.map((signal) => signal.Status)).toEqual(['FAILURE']);
    // A read every 15 s for the 30 s bound: the first, then two more.
    expect(result.trace.filter((line) => line.includes('/data-endpoints/'))).toHaveLength(3);
    expect(result.trace.some((line) => line.startsWith('helm upgrade --install gitlab gitlab'))).toBe(false);
  });
});

describe("the chart build keeps Rails' secrets outside the cluster", () => {
  const SAVED = 'production: {db_key_base: saved-before-the-cluster-was-lost}\n';
  let plan: Plan;
  let first: Run;
  let rebuilt: Run;
  let unchanged: Run;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
    first = run(plan);
    rebuilt = run(plan, { savedSecrets: SAVED });
    unchanged = run(plan, { clusterSecrets: SAVED, savedSecrets: SAVED });
  });

  it('saves what the first install generated, after the chart ran, without printing it', () => {
    expect(first.status).toBe(0);
    expect(first.clusterSecrets).toContain('generated-in-cluster');
    expect(first.savedSecrets).toBe(first.clusterSecrets);
    const [gitlab, put] = positions(
      first.trace,
      'helm upgrade --install gitlab gitlab',
      'aws secretsmanager put-secret-value',
    );
    expect(gitlab).toBeGreaterThanOrEqual(0);
    expect(put).toBeGreaterThan(gitlab!);
    expect(first.trace.some((line) => line.includes('create secret'))).toBe(false);
    for (const output of [first.stdout, first.stderr, first.trace.join('\n')]) {
      expect(output).not.toContain('generated-in-cluster');
    }
  });

  it('puts the saved secrets into a new cluster before the chart runs, so the chart keeps them', () => {
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.clusterSecrets).toBe(SAVED);
    expect(rebuilt.savedSecrets).toBe(SAVED);
    const [created, gitlab] = positions(
      rebuilt.trace,
      'kubectl --namespace gitlab create secret generic',
      'helm upgrade --install gitlab gitlab',
    );
    expect(created).toBeGreaterThanOrEqual(0);
    expect(created).toBeLessThan(gitlab!);
    expect(rebuilt.trace.some((line) => line.includes('put-secret-value'))).toBe(false);
    for (const output of [rebuilt.stdout, rebuilt.stderr, rebuilt.trace.join('\n')]) {
      expect(output).not.toContain('saved-before');
    }
  });

  it("leaves an existing cluster's secrets and an equal saved copy alone", () => {
    expect(unchanged.status).toBe(0);
    expect(unchanged.clusterSecrets).toBe(SAVED);
    expect(unchanged.trace.some((line) => /create secret|put-secret-value/.test(line))).toBe(false);
    // A cluster whose secrets differ from the saved ones (a restore) has them saved again.
    const moved = run(plan, { clusterSecrets: 'production: {db_key_base: restored}\n', savedSecrets: SAVED });
    expect(moved.savedSecrets).toContain('restored');
  });
});

describe('the chart build backs up, restores and upgrades GitLab', () => {
  const ID = '1767225600_2026_01_01_19.3.0-ee';
  const CLUSTER = 'production: {db_key_base: running}\n';
  const ACCOUNT = '123456789012';
  let plan: Plan;
  let env: (kind: 'backup' | 'restore') => Record<string, string>;
  let backup: Run;
  let restore: Run;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '10k', type: 'cloud-native-hybrid' } });
    env = (kind) => operationEnvironment(plan, { kind, backupId: ID, account: ACCOUNT });
    backup = run(plan, { environment: env('backup'), clusterSecrets: CLUSTER, savedSecrets: CLUSTER });
    restore = run(plan, {
      environment: env('restore'),
      clusterSecrets: CLUSTER,
      savedSecrets: CLUSTER,
      objects: {
        [`${ID}_gitlab_backup.tar`]: 'archive',
        [`${ID}${RAILS_SECRETS_SUFFIX}`]: 'production: {db_key_base: from-the-backup}\n',
      },
    });
  });

  it('backs up with backup-utility in the toolbox, then saves the Rails secrets beside the archive', () => {
    expect(backup.status).toBe(0);
    const exec = backup.trace.find((line) => line.includes(' exec '))!;
    expect(exec).toContain(`exec gitlab-toolbox-0 -- backup-utility -t ${ID} --s3tool awscli --skip `);
    expect(exec).toContain('--repositories-server-side');
    expect(backup.objects[`${ID}${RAILS_SECRETS_SUFFIX}`]).toBe(CLUSTER);
    const [utility, copy] = positions(backup.trace, 'kubectl --namespace gitlab exec', 'aws s3 cp');
    expect(copy).toBeGreaterThan(utility!);
    // No CloudFormation waits for an operation: nothing is signalled, and Helm installs nothing.
    expect(backup.signals).toEqual([]);
    expect(backup.trace.some((line) => line.startsWith('helm upgrade'))).toBe(false);
    expect(backup.stdout).not.toContain('running');
  });

  it("restores in the chart's order: secrets first, clients stopped, backup-utility, clients back", () => {
    expect(restore.status).toBe(0);
    expect(restore.clusterSecrets).toContain('from-the-backup');
    expect(restore.savedSecrets).toContain('from-the-backup');
    const order = positions(
      restore.trace,
      'aws s3api head-object',
      'kubectl --namespace gitlab apply',
      'aws secretsmanager put-secret-value',
      'kubectl --namespace gitlab rollout restart deployment -l app=toolbox',
      'kubectl --namespace gitlab scale deployment gitlab-sidekiq-all-in-1-v2 --replicas=0',
      'kubectl --namespace gitlab scale deployment gitlab-webservice-default --replicas=0',
      `kubectl --namespace gitlab exec gitlab-toolbox-0 -- env GITLAB_ASSUME_YES=1 backup-utility --restore -t ${ID}`,
      'kubectl --namespace gitlab scale deployment gitlab-sidekiq-all-in-1-v2 --replicas=10',
      'kubectl --namespace gitlab scale deployment gitlab-webservice-default --replicas=15',
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('leaves a backup where `backup list` finds it with its secrets, and restores it from there', async () => {
    const bucket = `s3://${backupsBucketName(plan, ACCOUNT)}/`;
    const keyIn = (line: string) =>
      line
        .split(' ')
        .find((word) => word.startsWith(bucket))
        ?.slice(bucket.length);
    // What the build put in the bucket (the Rails secrets); backup-utility itself writes the archive
    // to the bucket's root (doc/backup-restore/backup.md of the chart), and Gitaly streams the
    // repositories into folders of their own.
    const written = backup.trace.filter((line) => line.startsWith('aws s3 cp')).map(keyIn);
    expect(written).toEqual([`${ID}${RAILS_SECRETS_SUFFIX}`]);
    const keys = [`${ID}_gitlab_backup.tar`, ...(written as string[]), '@hashed/6b/86/6b86b273.bundle'];
    // S3's listing: the keys under the prefix, those past a further delimiter left out.
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; Delimiter?: string }) => {
      const prefix = input.Prefix ?? '';
      return {
        Contents: keys
          .filter((key) => key.startsWith(prefix))
          .filter((key) => !input.Delimiter || !key.slice(prefix.length).includes(input.Delimiter))
          .map((Key) => ({ Key, Size: 1024, LastModified: new Date('2026-01-01T02:00:00Z') })),
      };
    });
    try {
      const listings = await listBackups({
        plan,
        account: ACCOUNT,
        s3: new S3Client({ region: plan.region }),
        backup: new BackupClient({ region: plan.region }),
        vaultNames: [],
      });
      expect(listings.map(({ id, kind, hasSecrets }) => ({ id, kind, hasSecrets }))).toEqual([
        { id: ID, kind: 'gitlab-backup', hasSecrets: true },
      ]);
    } finally {
      s3.restore();
    }
    // The restore reads both halves under the keys listed.
    const read = restore.trace.filter((line) => /aws s3 cp|head-object/.test(line));
    expect(read.map((line) => keyIn(line) ?? line.split(' ').at(-1))).toEqual([
      `${ID}_gitlab_backup.tar`,
      `${ID}${RAILS_SECRETS_SUFFIX}`,
    ]);
  });

  it('changes nothing when the archive is missing, and leaves the clients stopped when the restore fails', () => {
    const missing = run(plan, {
      environment: env('restore'),
      clusterSecrets: CLUSTER,
      savedSecrets: CLUSTER,
    });
    expect(missing.status).not.toBe(0);
    expect(missing.clusterSecrets).toBe(CLUSTER);
    expect(missing.trace.some((line) => / scale | apply |put-secret-value/.test(line))).toBe(false);
    const failed = run(plan, {
      environment: env('restore'),
      clusterSecrets: CLUSTER,
      toolboxFails: '--restore',
      objects: { [`${ID}_gitlab_backup.tar`]: 'a', [`${ID}${RAILS_SECRETS_SUFFIX}`]: CLUSTER },
    });
    expect(failed.status).not.toBe(0);
    expect(failed.trace.some((line) => line.includes('--replicas=0'))).toBe(true);
    expect(failed.trace.some((line) => /--replicas=[1-9]/.test(line))).toBe(false);
    expect(failed.stdout).toContain('they stay stopped');
  });

  it("upgrades to the target GitLab's chart release with the values deployed, then keeps the secrets", () => {
    const upgrade = run(plan, {
      environment: operationEnvironment(plan, { kind: 'upgrade', gitlabVersion: '19.4.1' }),
      clusterSecrets: CLUSTER,
    });
    expect(upgrade.status).toBe(0);
    const helm = upgrade.trace.find((line) => line.startsWith('helm upgrade gitlab gitlab'))!;
    expect(helm).toContain('--version 10.4.1');
    expect(helm).toContain('--values values.json --set global.gitlabVersion=19.4.1 --wait');
    expect(upgrade.savedSecrets).toBe(CLUSTER);
  });
});

describe.runIf(requireTool('shellcheck'))('shellcheck on the chart build script', () => {
  it('passes', () => {
    const result = sh('shellcheck -s bash -', installScript());
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
