/**
 * Every user data document is valid cloud-config, its shell passes shellcheck, it fits EC2's limit,
 * and the boot targets of each Plan migrate, read secrets and reach Gitaly as intended.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleId } from '../../src/catalog/types.js';
import {
  BOOT_SCRIPT,
  bootTargets,
  LOCK_SCRIPT,
  type RuntimeEndpoints,
  renderAllConfigs,
  renderNodeConfiguration,
  renderUserData,
  renderUserDataParts,
  secretsRead,
  USER_DATA_LIMIT_BYTES,
} from '../../src/config/index.js';
import { FIRST_BOOT_SECRET_PLACEHOLDER, nodeConfigurationParameterName } from '../../src/plan/contracts.js';
import type { SecretId } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import {
  allRendered,
  endpointsFor,
  FAKE_SECRET,
  label,
  requireTool,
  sh,
  writeDistinct,
  writeFiles,
} from './support.js';

/** The longest value of an SSM parameter of the standard tier (4 KB). */
const SSM_STANDARD_PARAMETER_LIMIT = 4096;

const hasCloudInit = requireTool('cloud-init');
const hasShellcheck = requireTool('shellcheck');

describe.runIf(hasCloudInit)('cloud-init', () => {
  it('accepts every user data document (cloud-init schema --config-file)', () => {
    const files = writeDistinct(
      'user-data',
      allRendered().map((rendered) => ({ label: label(rendered), content: rendered.parts.document })),
      '.yaml',
    );
    // Fixed nodes' documents differ little (their configuration is in parameters), groups' much.
    expect(files.length).toBeGreaterThan(10);
    // One shell, schema checks in parallel, each failure named.
    const result = sh(
      'xargs -0 -n1 -P8 sh -c \'cloud-init schema --config-file "$0" >/dev/null 2>&1 || echo "invalid: $0"\'',
      files.map((file) => file.path).join('\0'),
    );
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('rejects a broken document (the check can fail)', () => {
    const broken = renderUserData(
      planFor({}),
      bootTargets(planFor({}))[0]!,
      endpointsFor(bootTargets(planFor({}))[0]!),
    )
      .replace('write_files:', 'write_file:')
      .replace('runcmd:', 'runcmd: 7\nunused:');
    const [file] = writeDistinct('broken', [{ label: 'broken', content: broken }], '.yaml');
    expect(sh(`cloud-init schema --config-file ${file!.path}`).status).not.toBe(0);
  });
});

describe.runIf(hasShellcheck)('shellcheck', () => {
  it('passes the boot scripts as installed, their commented sources and every settings file', () => {
    const scripts = allRendered().flatMap((rendered) =>
      writeFiles(rendered.parts.document)
        .filter(
          (file) => file.path.startsWith('/usr/local/sbin/') || file.path === '/etc/gitlab-aws/boot.env',
        )
        .map((file) => ({ label: `${label(rendered)}:${file.path}`, content: file.content }))
        // A fixed node's settings file, as its boot script reads it from the settings parameter.
        .concat(
          rendered.parts.nodeConfiguration
            ? [{ label: `${label(rendered)}:settings`, content: rendered.parts.env }]
            : [],
        ),
    );
    const files = writeDistinct(
      'shell',
      [...scripts, { label: 'boot', content: BOOT_SCRIPT }, { label: 'lock', content: LOCK_SCRIPT }],
      '.sh',
    );
    const result = sh(`shellcheck -s bash ${files.map((file) => file.path).join(' ')}`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('flags a broken script (the check can fail)', () => {
    const [file] = writeDistinct(
      'bad-shell',
      [{ label: 'bad', content: '#!/bin/bash\nrm -rf $1/*\n' }],
      '.sh',
    );
    expect(sh(`shellcheck ${file!.path}`).status).not.toBe(0);
  });
});

const long = (name: string) => `${name}.${'x'.repeat(60)}.us-west-2.amazonaws.com`;

/** Deploy-time endpoint values longer than AWS's usual ones, for the size limits. */
const LONG_ENDPOINTS: RuntimeEndpoints = {
  praefectLoadBalancerHost: long('praefect'),
  dataVolumeId: 'vol-0123456789abcdef0',
  signal: { stackName: 'gitlab-production-compute', logicalId: 'GitalyGitaly1Instance0123ABCD' },
};

describe('user data', () => {
  beforeAll(() => allRendered());

  it('fits in EC2 user data with deploy-time endpoint values of realistic length', () => {
    for (const rendered of allRendered()) {
      const endpoints = LONG_ENDPOINTS;
      const size = Buffer.byteLength(renderUserData(rendered.plan, rendered.target, endpoints));
      // The user's own settings spend the margin the generated files keep; EC2's limit still holds.
      const limit = rendered.variant ? USER_DATA_LIMIT_BYTES : USER_DATA_LIMIT_BYTES - 2048;
      expect(size, label(rendered)).toBeLessThan(limit);
    }
  });

  it('keeps each configuration parameter (fixed nodes and groups) within an SSM standard parameter', () => {
    let checked = 0;
    let groups = 0;
    for (const rendered of allRendered().filter((entry) => entry.target.kind === 'node' || ++groups)) {
      const parts = renderUserDataParts(rendered.plan, rendered.target, LONG_ENDPOINTS);
      for (const [name, value] of Object.entries(parts.nodeConfiguration!)) {
        expect(value.length, `${label(rendered)} ${name}`).toBeLessThan(SSM_STANDARD_PARAMETER_LIMIT - 512);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(groups).toBeGreaterThan(5);
  });

  it('bootstraps a fixed node from parameters: its user data names them and holds neither gitlab.rb nor the version', () => {
    for (const rendered of allRendered()) {
      const { plan, target, parts } = rendered;
      const files = writeFiles(parts.document);
      const bootEnv = files.find((file) => file.path === '/etc/gitlab-aws/boot.env')!.content;
      if (target.kind === 'group') {
        // A group's settings stay in its user data; its gitlab.rb is in its own parameter.
        const gitlabRb = nodeConfigurationParameterName(plan, target.group.id, 'gitlab-rb');
        expect(bootEnv, label(rendered)).toBe(parts.env);
        expect(files.map((file) => file.path)).not.toContain('/etc/gitlab/gitlab.rb');
        expect(bootEnv).toContain(`GLA_GITLAB_RB_PARAMETER='${gitlabRb}'`);
        expect(bootEnv).toContain("GLA_SETTINGS_PARAMETER=''");
        expect(Object.keys(parts.nodeConfiguration!)).toEqual([gitlabRb]);
        const stored = parts.nodeConfiguration![gitlabRb]!;
        expect(gunzipSync(Buffer.from(stored, 'base64')).toString('utf8')).toBe(parts.gitlabRb);
        // The digest ties the launch template to the gitlab.rb it was made with, as sha256sum prints it.
        const digest = createHash('sha256').update(stored).digest('hex');
        expect(bootEnv).toContain(`GLA_CONFIGURATION_DIGEST='${digest}'`);
        expect(renderNodeConfiguration(plan, target, endpointsFor(target))).toEqual(parts.nodeConfiguration);
        continue;
      }
      expect(parts.env, label(rendered)).toContain("GLA_CONFIGURATION_DIGEST=''");
      const settings = nodeConfigurationParameterName(plan, target.node.id, 'settings');
      const gitlabRb = nodeConfigurationParameterName(plan, target.node.id, 'gitlab-rb');
      expect(files.map((file) => file.path)).not.toContain('/etc/gitlab/gitlab.rb');
      expect(bootEnv, label(rendered)).toContain(`GLA_SETTINGS_PARAMETER='${settings}'`);
      expect(bootEnv).toContain(`GLA_NODE='${target.node.id}'`);
      expect(bootEnv).not.toContain('GLA_VERSION');
      expect(parts.env).toContain(`GLA_VERSION='${plan.gitlab.version}'`);
      expect(parts.nodeConfiguration![settings]).toBe(parts.env);
      if (parts.gitlabRb === undefined) {
        expect(Object.keys(parts.nodeConfiguration!)).toEqual([settings]);
        expect(bootEnv).toContain("GLA_GITLAB_RB_PARAMETER=''");
      } else {
        expect(bootEnv).toContain(`GLA_GITLAB_RB_PARAMETER='${gitlabRb}'`);
        const stored = gunzipSync(Buffer.from(parts.nodeConfiguration![gitlabRb]!, 'base64')).toString(
          'utf8',
        );
        expect(stored, label(rendered)).toBe(parts.gitlabRb);
      }
      expect(renderNodeConfiguration(plan, target, endpointsFor(target))).toEqual(parts.nodeConfiguration);
    }
  });

  it("keeps a bastion's settings alone in its parameters: it has no gitlab.rb and no digest", () => {
    const plan = planFor({ architecture: { size: '3k' }, access: { admin: 'bastion' } });
    const target = bootTargets(plan).find((entry) => entry.kind === 'node' && entry.node.role === 'bastion')!;
    const parts = renderUserDataParts(plan, target, endpointsFor(target));
    expect(parts.gitlabRb).toBeUndefined();
    expect(parts.env).toContain("GLA_GITLAB_RB_PARAMETER=''");
    expect(parts.env).toContain("GLA_CONFIGURATION_DIGEST=''");
    expect(Object.keys(parts.nodeConfiguration!)).toEqual([
      nodeConfigurationParameterName(plan, target.kind === 'node' ? target.node.id : '', 'settings'),
    ]);
  });

  it('names the launch hook to complete in the boot settings of group members only', () => {
    const plan = planFor({ architecture: { size: '10k' } });
    for (const target of bootTargets(plan)) {
      const parts = renderUserDataParts(plan, target, {
        praefectLoadBalancerHost: 'praefect',
        signal: { stackName: 'compute', logicalId: 'Node' },
      });
      const hook = /^GLA_LAUNCH_HOOK='(.*)'$/m.exec(parts.env)?.[1];
      expect(hook).toBe(target.kind === 'group' ? target.group.launchHookName : '');
    }
    expect(bootTargets(plan).some((target) => target.kind === 'group')).toBe(true);
  });

  it('passes endpoint values (CDK tokens at synth time) through unchanged, and names the data endpoints to wait for', () => {
    const plan = planFor({ architecture: { size: '10k' } });
    const token = (n: number) => `\${Token[TOKEN.${n}]}`;
    const parameter = (id: string) => `/gitlab-test/data-endpoints/${id}`;
    for (const target of bootTargets(plan)) {
      const endpoints: RuntimeEndpoints = {
        praefectLoadBalancerHost: token(5),
        signal: { stackName: token(6), logicalId: token(7) },
      };
      const parts = renderUserDataParts(plan, target, endpoints);
      expect(parts.env).toContain(`GLA_STACK='${token(6)}'`);
      expect(parts.env).toContain(`GLA_LOGICAL_ID='${token(7)}'`);
      const role = target.kind === 'node' ? target.node.role : target.group.role;
      const waitsFor = /^GLA_ENDPOINTS='(.*)'$/m.exec(parts.env)?.[1]?.split(' ').filter(Boolean);
      if (role === 'rails' || role === 'sidekiq') {
        expect(parts.env).toContain(`GLA_FACT_PRAEFECT_HOST='${token(5)}'`);
        // GitLab's primary, named by its stable name and waited for where it is first used, and
        // both Redis, whose hosts gitlab.rb reads; never a replica nor Praefect's database.
        const migrates = target.kind === 'group' && target.group.runsDatabaseMigrations;
        expect(waitsFor?.sort(), role).toEqual(
          [
            `database|${parameter('database')}|-|-|${migrates ? 'bootstrap' : 'start'}`,
            `redis|${parameter('redis-persistent')}|redis-host|-|configure`,
            `redis|${parameter('redis-cache')}|redis-cache-host|-|configure`,
          ].sort(),
        );
        expect(parts.env).toContain(`GLA_DB_HOST='${migrates ? 'database.gitlab-test.internal' : ''}'`);
      } else if (role === 'praefect') {
        // Praefect's own instance, never GitLab's.
        expect(waitsFor).toEqual([`database|${parameter('praefect-database')}|-|-|configure`]);
        expect(parts.env).toContain("GLA_PRAEFECT_DB_HOST='praefect-database.gitlab-test.internal'");
        expect(parts.env).toContain("GLA_DB_HOST=''");
      } else if (role === 'gitaly' || role === 'monitoring') {
        expect(waitsFor, role).toEqual([]);
      }
      // Tokens live only in the uncompressed settings file, never in compressed files.
      for (const file of writeFiles(parts.document).filter(
        (entry) => entry.path !== '/etc/gitlab-aws/boot.env',
      )) {
        expect(file.content, file.path).not.toContain('${Token[');
      }
      for (const [name, value] of Object.entries(parts.nodeConfiguration ?? {})) {
        if (name.endsWith('/gitlab-rb')) expect(value, name).not.toContain('${Token[');
        else expect(value).toBe(parts.env);
      }
    }
  });

  it('defines every variable the boot script uses, and uses every variable it defines', () => {
    const used = new Set([...BOOT_SCRIPT.matchAll(/\$\{?(GLA_[A-Z_]+)/g)].map((match) => match[1]!));
    used.delete('GLA_FACT_'); // built from GLA_FACTS
    for (const rendered of allRendered()) {
      const defined = new Set(
        [...rendered.parts.env.matchAll(/^(GLA_[A-Z0-9_]+)=/gm)].map((match) => match[1]!),
      );
      const facts = [...defined].filter((name) => name.startsWith('GLA_FACT_'));
      for (const fact of facts) defined.delete(fact);
      expect(
        [...used].filter((name) => !defined.has(name)),
        label(rendered),
      ).toEqual([]);
      expect(
        [...defined].filter((name) => !used.has(name)),
        label(rendered),
      ).toEqual([]);
      // What a fixed node's user data defines before it reads its settings, the script uses.
      const bootEnv = writeFiles(rendered.parts.document).find(
        (file) => file.path === '/etc/gitlab-aws/boot.env',
      )!;
      const early = [...bootEnv.content.matchAll(/^(GLA_[A-Z_]+)=/gm)].map((match) => match[1]!);
      expect(
        early.filter((name) => !used.has(name) && !name.startsWith('GLA_FACT_')),
        label(rendered),
      ).toEqual([]);
      const listed = (/^GLA_FACTS='(.*)'$/m.exec(rendered.parts.env)?.[1] ?? '').split(' ').filter(Boolean);
      expect(facts.sort()).toEqual(
        listed.map((name) => `GLA_FACT_${name.toUpperCase().replaceAll('-', '_')}`).sort(),
      );
    }
  });

  it('is the same text for the same inputs', () => {
    const plan = planFor({});
    const target = bootTargets(plan)[0]!;
    expect(renderUserData(plan, target, endpointsFor(target))).toBe(
      renderUserData(plan, target, endpointsFor(target)),
    );
  });

  it('contains no secret value: secret files hold names, SQL reads passwords from files', () => {
    for (const rendered of allRendered()) {
      const { parts, plan } = rendered;
      expect(parts.document).not.toContain(FAKE_SECRET);
      const secretsLine = /^GLA_SECRETS='(.*)'$/m.exec(parts.env)?.[1] ?? '';
      for (const entry of secretsLine.split(' ').filter(Boolean)) {
        const [id, name] = entry.split('|');
        const named = [
          ...plan.secrets,
          ...(plan.externalSecrets ?? []).map((secret) => ({ id: secret.id, name: secret.secret })),
          ...(plan.email ? [plan.email.credentialsSecret] : []),
        ];
        expect(named.find((secret) => secret.id === id)?.name, label(rendered)).toBe(name);
      }
      for (const step of parts.bootstrap) expect(step.sql).not.toMatch(/PASSWORD '[^']/);
    }
  });
});

describe('boot targets', () => {
  it('exactly one auto scaling group may migrate, and no other gitlab.rb migrates at reconfigure time than the 1k node', () => {
    const byPlan = new Map<string, ReturnType<typeof allRendered>>();
    for (const rendered of allRendered()) {
      const key = `${rendered.combination.size}/${rendered.combination.type}/${rendered.combination.availabilityZones}/${rendered.variant ?? ''}`;
      byPlan.set(key, [...(byPlan.get(key) ?? []), rendered]);
    }
    for (const [key, targets] of byPlan) {
      const linuxPackage = targets[0]!.plan.architecture.type === 'linux-package';
      const migrating = targets.filter((rendered) => rendered.parts.needs?.migrates);
      // The 1k node is the only user of its bundled database: it migrates at reconfigure, no lock.
      const single = targets[0]!.plan.deployNodes.singleNode;
      expect(migrating.length, key).toBe(linuxPackage && !single ? 1 : 0);
      if (linuxPackage && !single) expect(migrating[0]!.target.kind, key).toBe('group');
      for (const rendered of targets) {
        const rb = rendered.parts.gitlabRb;
        if (rendered.name === single) {
          expect(rb, key).not.toContain('auto_migrate');
          continue;
        }
        if (rb && !rb.includes("roles(['monitoring_role'])") && !rb.includes("praefect['enable'] = true")) {
          expect(rb, label(rendered)).toContain("gitlab_rails['auto_migrate'] = false");
        }
        expect(rb ?? '').not.toContain("gitlab_rails['auto_migrate'] = true");
      }
      const praefects = targets.filter((rendered) => rendered.name.startsWith('praefect-'));
      if (praefects.length > 0) {
        const deploy = praefects.filter((rendered) =>
          rendered.parts.gitlabRb!.includes("praefect['auto_migrate'] = true"),
        );
        expect(
          deploy.map((rendered) => rendered.name),
          key,
        ).toEqual(['praefect-1']);
      }
    }
  });

  it("migrates Praefect's database on the Plan's deploy node, whichever it is", () => {
    const resolved = planFor({ architecture: { size: '3k' } });
    const plan = { ...resolved, deployNodes: { ...resolved.deployNodes, praefect: 'praefect-2' } };
    const migrating = bootTargets(plan)
      .filter((target) => target.kind === 'node' && target.node.role === 'praefect')
      .filter((target) =>
        renderUserDataParts(plan, target, endpointsFor(target)).gitlabRb!.includes(
          "praefect['auto_migrate'] = true",
        ),
      )
      .map((target) => (target.kind === 'node' ? target.node.id : ''));
    expect(migrating).toEqual(['praefect-2']);
  });

  it('Praefect lists every Gitaly node of the Plan', () => {
    for (const rendered of allRendered().filter((entry) => entry.name.startsWith('praefect-'))) {
      const gitaly = rendered.plan.nodes.filter((node) => node.role === 'gitaly');
      expect(gitaly.length).toBeGreaterThanOrEqual(3);
      const rb = rendered.parts.gitlabRb!;
      for (const node of gitaly) {
        expect(rb, label(rendered)).toContain(`storage: '${node.gitalyStorage}'`);
        expect(rb, label(rendered)).toContain(`address: 'tcp://${node.privateDnsName}:8075'`);
      }
      expect(rb.match(/storage: '/g)?.length).toBe(gitaly.length);
      expect(rb).toContain(`default_replication_factor: ${Math.min(3, gitaly.length)}`);
    }
    const bigger = planFor({ gitaly: { mode: 'cluster', nodes: 5 } });
    const praefect = bootTargets(bigger).find(
      (target) => target.kind === 'node' && target.node.role === 'praefect',
    )!;
    const rb = renderUserDataParts(bigger, praefect, endpointsFor(praefect)).gitlabRb!;
    expect(rb.match(/storage: '/g)?.length).toBe(5);
    expect(rb).toContain('default_replication_factor: 3');
  });

  it('Rails and Sidekiq reach the one Gitaly, or the Praefect load balancer of a cluster', () => {
    for (const rendered of allRendered().filter((entry) =>
      ['rails', 'sidekiq', 'gitlab'].includes(entry.name),
    )) {
      const rb = rendered.parts.gitlabRb!;
      if (rendered.plan.architecture.gitalyMode === 'cluster') {
        expect(rb).toContain(
          "'gitaly_address' => ('tcp://' + File.read('/etc/gitlab/aws-node/praefect-host').strip + ':2305')",
        );
        expect(rb).toContain('praefect-external-token');
      } else {
        const gitaly = rendered.plan.nodes.find((node) => node.role === 'gitaly')!;
        expect(rb).toContain(`'gitaly_address' => 'tcp://${gitaly.privateDnsName}:8075'`);
      }
    }
  });

  /**
   * Secrets a boot script reads that the Plan does not (yet) let its role read. Each entry is a
   * request to the Plan's owner; the test fails once the Plan grants it, so the entry goes.
   * - gitaly / gitlab-secrets-json: Gitaly calls GitLab back with the GitLab Shell secret from
   *   gitlab-secrets.json (reference architectures, "Configure Gitaly").
   */
  const PLAN_READER_GAPS: readonly { role: RoleId; secret: SecretId }[] = [];

  it('reads only the secrets the Plan lets the role read', () => {
    const missing = new Set<string>();
    for (const rendered of allRendered()) {
      const role = rendered.target.kind === 'node' ? rendered.target.node.role : rendered.target.group.role;
      if (!rendered.parts.needs) continue;
      for (const id of secretsRead(rendered.parts.needs)) {
        const secret = [
          ...rendered.plan.secrets,
          ...(rendered.plan.externalSecrets ?? []),
          ...(rendered.plan.email ? [rendered.plan.email.credentialsSecret] : []),
        ].find((entry) => entry.id === id);
        expect(secret, `${label(rendered)} reads ${id}`).toBeDefined();
        if (!secret!.readers.includes(role)) missing.add(`${role}:${id}`);
      }
    }
    expect([...missing].sort()).toEqual(PLAN_READER_GAPS.map((gap) => `${gap.role}:${gap.secret}`).sort());
  });

  it('recognizes the first-boot placeholder the secrets are created with', () => {
    expect(BOOT_SCRIPT).toContain(`PLACEHOLDER='${FIRST_BOOT_SECRET_PLACEHOLDER}'`);
  });

  it('renderAllConfigs writes gitlab.rb and user data per target, and the scripts once', () => {
    const plan = planFor({ architecture: { size: '3k' } });
    const files = renderAllConfigs(plan, endpointsFor);
    const paths = files.map((file) => file.path);
    for (const name of ['rails', 'sidekiq', 'gitaly-1', 'gitaly-3', 'praefect-2', 'monitoring-1']) {
      expect(paths).toContain(`config/${name}/gitlab.rb`);
      expect(paths).toContain(`config/${name}/user-data.yaml`);
    }
    // A fixed node's settings file, which its user data leaves to a parameter, is shown beside it.
    expect(paths).toContain('config/praefect-2/boot.env');
    expect(paths).not.toContain('config/rails/boot.env');
    expect(paths.filter((path) => path.endsWith('/boot.env')).length).toBe(
      bootTargets(plan).filter((target) => target.kind === 'node').length,
    );
    expect(paths).toContain('config/boot/gitlab-aws-boot.sh');
    expect(new Set(paths).size).toBe(paths.length);
  });
});
