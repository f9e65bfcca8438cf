import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, parseSpecYaml } from '../../src/spec/index.js';
import { specErrorOf } from '../fixtures/errors.js';

const base = 'name: gitlab-prod\nregion: us-west-2\ndomain: { name: gitlab.example.com }\n';

describe('parseSpecYaml', () => {
  it('applies the defaults a minimal spec leaves out', () => {
    const spec = parseSpecYaml(base, 'gitlab-aws.yaml');
    expect(spec.availabilityZones).toBe(3);
    expect(spec.architecture).toEqual({ size: '3k', type: 'linux-package', cpu: 'x86' });
    expect(spec.gitlab).toEqual({ edition: 'ee', version: '19.3.0' });
    expect(spec.access.admin).toBe('ssm');
    // Bastions stay closed until the operator names who may reach them.
    expect(spec.access.bastionSshAllowedCidrs).toEqual([]);
    expect(spec.objectStorage.bucketPrefix).toBe('gl-');
  });

  it('names an unknown field with its line and suggests the closest valid one', () => {
    const error = specErrorOf(() =>
      parseSpecYaml(`${base}database:\n  instanceClas: db.m6i.large\n`, 'gitlab-aws.yaml'),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: 'database.instanceClas', line: 5, column: 3 });
    expect(error.message).toBe(
      'gitlab-aws.yaml:5:3: database.instanceClas: unknown field; did you mean "instanceClass"?',
    );
  });

  it('lists the valid fields when nothing is close to an unknown one', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}redis: { zzzzzzzzzz: 1 }\n`, 's.yaml'));
    expect(error.issues[0]!.message).toContain('valid fields here: nodeType, clusterMode, serverless');
  });

  it('reports invalid YAML with line and column', () => {
    const error = specErrorOf(() => parseSpecYaml('name: gitlab-prod\nregion: [us-west-2\n', 'bad.yaml'));
    expect(error.issues[0]!.message).toMatch(/^invalid YAML: /);
    expect(error.issues[0]!.line).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/^bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it('rejects a value outside an enum, listing the choices and the nearest one', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}architecture:\n  size: 5ks\n`, 's.yaml'));
    expect(error.issues[0]!.path).toBe('architecture.size');
    expect(error.issues[0]!.message).toContain('"poc", "1k", "2k", "3k", "5k", "10k", "25k", "50k"');
    expect(error.issues[0]!.message).toContain('did you mean "5k"?');
  });

  it('rejects a wrong type, saying what was expected', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}database: { storageGiB: big }\n`, 's.yaml'));
    expect(error.issues[0]).toMatchObject({
      path: 'database.storageGiB',
      message: 'expected number, got "big"',
    });
  });

  it('rejects an out-of-range value with the bound', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}database: { storageGiB: 5 }\n`, 's.yaml'));
    expect(error.issues[0]).toMatchObject({
      path: 'database.storageGiB',
      message: 'number 5 is out of range; use a value at least 20',
    });
  });

  it('keeps the bastion SSH ranges apart from the Git SSH ranges, and checks them as CIDR blocks', () => {
    const spec = parseSpecYaml(
      `${base}access: { admin: bastion, sshAllowedCidrs: [0.0.0.0/0], bastionSshAllowedCidrs: [192.0.2.0/28] }\n`,
      's.yaml',
    );
    expect(spec.access.sshAllowedCidrs).toEqual(['0.0.0.0/0']);
    expect(spec.access.bastionSshAllowedCidrs).toEqual(['192.0.2.0/28']);
    const error = specErrorOf(() =>
      parseSpecYaml(`${base}access: { bastionSshAllowedCidrs: [192.0.2.300/28] }\n`, 's.yaml'),
    );
    expect(error.issues[0]!.path).toBe('access.bastionSshAllowedCidrs.0');
  });

  it('takes an IAM role ARN as the cluster admin, and names the field and an example when it is not one', () => {
    const role = 'arn:aws:iam::123456789012:role/gitlab-admins';
    expect(
      parseSpecYaml(`${base}access: { clusterAdminRoleArn: "${role}" }\n`, 's.yaml').access
        .clusterAdminRoleArn,
    ).toBe(role);
    for (const wrong of [
      'arn:aws:iam::123456789012:user/alice',
      'gitlab-admins',
      'arn:aws:iam::1234:role/x',
    ]) {
      const error = specErrorOf(() =>
        parseSpecYaml(`${base}access: { clusterAdminRoleArn: "${wrong}" }\n`, 's.yaml'),
      );
      expect(error.issues[0], wrong).toMatchObject({
        path: 'access.clusterAdminRoleArn',
        message: `"${wrong}" must be an IAM role ARN such as arn:aws:iam::123456789012:role/gitlab-admins`,
      });
    }
  });

  it('rejects 4 availability zones', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}availabilityZones: 4\n`, 's.yaml'));
    expect(error.issues[0]).toMatchObject({ path: 'availabilityZones', message: 'number 4 must be 2 or 3' });
  });

  it('says how to add a missing required field', () => {
    const error = specErrorOf(() => parseSpecYaml('region: us-west-2\n', 's.yaml'));
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.message]));
    expect(byPath.name).toMatch(/^required field is missing; add e\.g\. `name: gitlab-prod`/);
    expect(byPath.domain).toMatch(/^required field is missing/);
  });

  it('treats a section with every field commented out as empty', () => {
    const spec = parseSpecYaml(`${base}redis:\n  # nodeType: cache.m7g.large\n`, 's.yaml');
    expect(spec.redis).toEqual({ clusterMode: false, serverless: false });
  });

  it('validates flag overrides like file values', () => {
    const error = specErrorOf(() => parseSpecYaml(base, 's.yaml', { size: '7k' }));
    expect(error.issues[0]!.path).toBe('architecture.size');
    expect(parseSpecYaml(base, 's.yaml', { size: '10k', availabilityZones: 2 })).toMatchObject({
      availabilityZones: 2,
      architecture: { size: '10k' },
    });
  });
});

describe('loadSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gla-spec-'));

  it('falls back to the embedded default when there is no spec file and none was named', () => {
    const loaded = loadSpec({ cwd: dir });
    expect(loaded.origin).toEqual({ kind: 'embedded-default' });
    expect(loaded.spec).toMatchObject({
      availabilityZones: 3,
      region: 'us-west-2',
      architecture: { size: '3k' },
    });
    expect(loaded.spec.domain.name).toBe('gitlab.example.com');
  });

  it('reads gitlab-aws.yaml from the working directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), `${base}architecture: { size: 10k }\n`);
    const loaded = loadSpec({ cwd });
    expect(loaded.origin).toEqual({ kind: 'file', path: join(cwd, 'gitlab-aws.yaml') });
    expect(loaded.spec.architecture.size).toBe('10k');
  });

  it('refuses a named spec file that does not exist, saying what to do', () => {
    const error = specErrorOf(() => loadSpec({ cwd: dir, path: 'missing.yaml' }));
    expect(error.message).toMatch(/^missing\.yaml: file not found; .*gitlab-aws init/);
  });
});
