/**
 * What `gitlab-aws` starts the chart's build with for each operation, and the install's settings
 * the build script reads: pure, from the Plan (the script itself runs in helm-install.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HELM, KUBECTL } from '../../src/catalog/gitlab-chart.js';
import { backupsBucketName } from '../../src/config/backup.js';
import {
  HELM_TIMEOUT_MINUTES,
  INSTALL_BUILD_TIMEOUT_MINUTES,
  INSTALL_WAIT_SECONDS,
  installBuildSpec,
  installScript,
  installSettings,
  OPERATION_TIMEOUT_MINUTES,
  operationEnvironment,
  RAILS_SECRETS_SUFFIX,
  railsSecretName,
} from '../../src/config/helm/install.js';
import { backupUtilityArgs } from '../../src/config/helm/toolbox-backups.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';

const ACCOUNT = '123456789012';
const ID = '1767225600_2026_01_01_19.3.0-ee';

describe("the chart build's operations", () => {
  let plan: Plan;
  beforeAll(() => {
    plan = planFor({ architecture: { size: '5k', type: 'cloud-native-hybrid' } });
  });

  it('backs up and restores one backup id in the backups bucket, with the toolbox arguments of the schedule', () => {
    for (const kind of ['backup', 'restore'] as const) {
      expect(operationEnvironment(plan, { kind, backupId: ID, account: ACCOUNT })).toEqual({
        OPERATION: kind,
        BACKUP_ID: ID,
        BACKUP_BUCKET: backupsBucketName(plan, ACCOUNT),
        BACKUP_UTILITY_ARGS: backupUtilityArgs(plan).join(' '),
        RAILS_SECRETS_SUFFIX: '_rails-secrets.yml',
      });
    }
    expect(RAILS_SECRETS_SUFFIX).toBe('_rails-secrets.yml');
    // backup-utility keeps archives at the bucket's root: a Plan that says otherwise is refused.
    const prefixed = {
      ...plan,
      scheduledBackup: {
        ...plan.scheduledBackup,
        archives: { ...plan.scheduledBackup.archives, prefix: 'gitlab-backup/' },
      },
    };
    expect(() => operationEnvironment(prefixed, { kind: 'backup', backupId: ID, account: ACCOUNT })).toThrow(
      /at the bucket's root, not under gitlab-backup\//,
    );
  });

  it('upgrades to the chart release of the target GitLab, and refuses a version no chart maps to', () => {
    expect(operationEnvironment(plan, { kind: 'upgrade', gitlabVersion: '19.4.1' })).toEqual({
      OPERATION: 'upgrade',
      TARGET_CHART_VERSION: '10.4.1',
      TARGET_GITLAB_VERSION: '19.4.1',
    });
    expect(() => operationEnvironment(plan, { kind: 'upgrade', gitlabVersion: '9.5.0' })).toThrow(
      /no GitLab chart maps to GitLab 9\.5\.0/,
    );
    expect(operationEnvironment(plan, { kind: 'background-migrations' })).toEqual({
      OPERATION: 'background-migrations',
    });
  });

  it('lets a backup or restore run for hours, an upgrade as long as an install, a count a few minutes', () => {
    expect(OPERATION_TIMEOUT_MINUTES).toEqual({
      backup: 480,
      restore: 480,
      upgrade: INSTALL_BUILD_TIMEOUT_MINUTES,
      'background-migrations': 15,
    });
  });

  it("gives the script the chart's Rails secret and checked Helm and kubectl releases", () => {
    const settings = installSettings(plan);
    expect(railsSecretName(plan)).toBe('gitlab-rails-secret');
    expect(settings).toMatchObject({
      RAILS_SECRET: 'gitlab-rails-secret',
      HELM_VERSION: HELM.version,
      HELM_SHA256: HELM.linuxAmd64Sha256,
      KUBECTL_VERSION: KUBECTL.version,
      KUBECTL_SHA256: KUBECTL.linuxAmd64Sha256,
      GITLAB_VERSION: '10.3.0',
    });
    const spec = installBuildSpec() as { phases: { build: { commands: string[] } } };
    const [command] = spec.phases.build.commands;
    expect(spec).toMatchObject({ version: '0.2', env: { shell: 'bash' } });
    const lines = command!.split('\n');
    expect(lines.at(-1)).toBe('bash /tmp/gitlab-chart-build.sh');
    // The script as it is, with its shebang first and no blank line before the end marker.
    expect(lines[1]).toBe('#!/bin/bash');
    expect(lines.at(-2)).toBe('GITLAB_AWS_INSTALL_SCRIPT');
    expect(lines.at(-3)).toBe('esac');
    expect(installScript()).toContain('case "$OPERATION" in');
    expect(settings.HELM_TIMEOUT).toBe(`${HELM_TIMEOUT_MINUTES}m`);
    // Helm waits less than the build may run, and CloudFormation longer than both.
    expect(INSTALL_BUILD_TIMEOUT_MINUTES).toBeGreaterThan(HELM_TIMEOUT_MINUTES);
    expect(INSTALL_WAIT_SECONDS).toBeGreaterThan(INSTALL_BUILD_TIMEOUT_MINUTES * 60);
    expect(INSTALL_WAIT_SECONDS).toBeLessThan(12 * 3600);
    expect(command!.split('\n')[0]).toBe("cat >/tmp/gitlab-chart-build.sh <<'GITLAB_AWS_INSTALL_SCRIPT'");
  });
});
