/**
 * `upgrade --to --dry-run` prints the steps the executor runs, from the same list, with their
 * checks and waits; given --from it needs no AWS account.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command as upgrade } from '../../src/cli/commands/upgrade.js';
import { HYBRID_DOWNTIME, planHybridUpgrade } from '../../src/lifecycle/hybrid-upgrade.js';
import { planUpgrade, renderUpgradePlan } from '../../src/lifecycle/upgrade.js';
import { resolvePlan } from '../../src/plan/index.js';
import { loadSpec } from '../../src/spec/index.js';
import { withoutAwsCredentials } from '../fixtures/no-aws-credentials.js';

describe('upgrade --to --dry-run', () => {
  withoutAwsCredentials();

  it('prints the plan the executor runs, gates and waits included, without AWS when --from is given', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-upgrade-'));
    writeFileSync(
      join(cwd, 'gitlab-aws.yaml'),
      'name: gl-prod\nregion: us-west-2\ndomain:\n  name: gitlab.example.com\n  hostedZone: example.com\n',
    );
    let text = '';
    const io = {
      out: (t: string) => (text += t),
      // Standard error says which spec the command uses.
      err: () => {},
      cwd,
      env: {},
      isTTY: false,
    };
    const values = { to: '19.4.1', from: '19.3.0', 'dry-run': true };
    expect(await upgrade.run({ values: values as never, positionals: [], io })).toBe(0);
    const loaded = loadSpec({ cwd });
    const plan = resolvePlan(loaded.spec, { origin: loaded.origin });
    const steps = planUpgrade(plan, { from: '19.3.0', to: '19.4.1', backup: true });
    expect(text).toBe(`${renderUpgradePlan(steps).join('\n')}\n`);
    expect(text).toContain('     gate: GitLab on the node answers /-/readiness');
  });

  it('prints the Cloud Native Hybrid plan, VMs then the chart, saying GitLab is briefly down, without AWS', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-upgrade-'));
    writeFileSync(
      join(cwd, 'gitlab-aws.yaml'),
      'name: gl-prod\nregion: us-west-2\ndomain:\n  name: gitlab.example.com\n  hostedZone: example.com\n',
    );
    let text = '';
    const io = { out: (t: string) => (text += t), err: () => {}, cwd, env: {}, isTTY: false };
    // No --from: the running version is the spec's, which deploy keeps the environment at.
    const values = { to: '19.4.1', 'dry-run': true, type: 'cloud-native-hybrid', size: '10k' };
    expect(await upgrade.run({ values: values as never, positionals: [], io })).toBe(0);
    const loaded = loadSpec({ cwd });
    const plan = resolvePlan(
      {
        ...loaded.spec,
        architecture: { ...loaded.spec.architecture, type: 'cloud-native-hybrid', size: '10k' },
      },
      { origin: loaded.origin },
    );
    const steps = planHybridUpgrade(plan, { from: plan.gitlab.version, to: '19.4.1', backup: true });
    expect(text).toBe(`${[HYBRID_DOWNTIME, ...renderUpgradePlan(steps)].join('\n')}\n`);
    expect(text).toMatch(/Upgrade Gitaly on [\s\S]*Upgrade GitLab's chart to 10\.4\.1/);
  });
});
