/**
 * cdk-nag's AwsSolutions pack over every size: no unacknowledged error, and every acknowledgement
 * carries a reason a reviewer can check.
 */
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { SPEC_SIZES } from '../../src/catalog/types.js';
import { createApp, environmentOf } from '../../src/infra/app.js';
import { planFor } from '../fixtures/plans.js';

/** A runner fleet rides along on some variants: its resources are checked at no extra synthesis. */
const RUNNERS = { runners: { enabled: true } } as const;
const variants = [
  ...SPEC_SIZES.map((size) => ({
    name: `${size} linux-package${size === '1k' ? ' with runners' : ''}`,
    overrides: { architecture: { size }, ...(size === '1k' ? RUNNERS : {}) },
  })),
  ...SPEC_SIZES.filter((size) => size !== 'poc' && size !== '1k').map((size) => ({
    name: `${size} cloud-native-hybrid${size === '3k' ? ' with runners' : ''}`,
    overrides: {
      architecture: { size, type: 'cloud-native-hybrid' as const },
      ...(size === '3k' ? RUNNERS : {}),
    },
  })),
  {
    name: '10k graviton with bastions and runners, 2 AZs',
    overrides: {
      ...RUNNERS,
      availabilityZones: 2 as const,
      architecture: { size: '10k' as const, cpu: 'graviton' as const },
      access: { admin: 'bastion' as const, sshAllowedCidrs: ['203.0.113.0/24'] },
      edge: { proxyProtocol: true },
    },
  },
];

function errorsOf(app: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations
    .filter((violation) => violation.severity === 'error')
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
}

describe('AwsSolutions', () => {
  it.each(variants)('$name has no unacknowledged error', ({ overrides }) => {
    const app = createApp(planFor(overrides));
    app.synth();
    expect(errorsOf(app)).toEqual([]);
  });

  it('reports what is not acknowledged (the check can fail)', () => {
    const app = createApp(planFor({}));
    const data = environmentOf(app).stacks.data;
    new s3.Bucket(data, 'Unlogged', { enforceSSL: false });
    app.synth();
    const errors = errorsOf(app);
    expect(errors.some((error) => error.startsWith('AwsSolutions-S1 at') && error.includes('Unlogged'))).toBe(
      true,
    );
    expect(
      errors.some((error) => error.startsWith('AwsSolutions-S10 at') && error.includes('Unlogged')),
    ).toBe(true);
  });

  it('gives every acknowledgement a reason of at least a sentence', () => {
    const app = createApp(planFor({ access: { admin: 'bastion' }, architecture: { size: '10k' } }));
    const reasons: [string, string][] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
            reasons.push([id, reason]);
        }
      }
      for (const child of node.node.children) visit(child);
    };
    visit(app);
    expect(reasons.length).toBeGreaterThan(10);
    for (const [id, reason] of reasons) expect(reason.length, id).toBeGreaterThanOrEqual(60);
  });
});
