import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specSchema } from '../../src/spec/index.js';
import { runBinary, runCli, tempDir } from './run-cli.js';

const spec = (extra = '') =>
  `name: gitlab-prod\nregion: eu-west-1\ndomain: { name: git.example.org, hostedZone: example.org }\n${extra}`;

describe('gitlab-aws plan', () => {
  it('plans the embedded default with no spec file and says so first', async () => {
    const result = await runCli(['plan']);
    expect(result.code).toBe(0);
    const [first] = result.stdout.split('\n');
    expect(first).toMatch(
      /^No spec file \(gitlab-aws\.yaml or gitlab-aws\.yml\) found: planning the embedded default \(3k linux-package, x86, 3 AZs in us-west-2\)/,
    );
    expect(result.stdout).toMatch(/rails\s+3\s+c5\.2xlarge\s+8\s+16\s+1\s+1\s+1\s+ASG min 3 \/ max 6/);
    expect(result.stdout).toContain('Checks: 0 errors, 1 warning');
  });

  it('reads gitlab-aws.yaml from the working directory, flags overriding it', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec('architecture: { size: 5k }\n'));
    const fromFile = await runCli(['plan'], { cwd });
    expect(fromFile.stdout.split('\n')[0]).toBe(
      `Planning ${join(cwd, 'gitlab-aws.yaml')} (5k linux-package, x86, 3 AZs in eu-west-1).`,
    );
    const overridden = await runCli(['plan', '--size', '10k', '--azs', '2', '--cpu', 'graviton'], { cwd });
    expect(overridden.stdout.split('\n')[0]).toContain('(10k linux-package, graviton, 2 AZs in eu-west-1)');
  });

  it('prints the Plan as JSON with the documented top-level shape', async () => {
    const result = await runCli(['plan', '--size', '50k', '--json']);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(Object.keys(plan)).toEqual([
      'schemaVersion',
      'spec',
      'specOrigin',
      'architecture',
      'gitlab',
      'region',
      'availabilityZones',
      'network',
      'privateDnsZone',
      'nodes',
      'autoScalingGroups',
      'services',
      'secrets',
      'email',
      'alarms',
      'statefulResources',
      'deployNodes',
      'scheduledBackup',
      'checks',
    ]);
    // The resolved spec round-trips through the schema: scripts can feed it back.
    expect(specSchema.parse(plan.spec)).toEqual(plan.spec);
    expect(plan.nodes[0]).toMatchObject({
      role: 'rails',
      instanceType: 'c5.9xlarge',
      availabilityZone: 'us-west-2a',
      subnet: 'private',
    });
    expect(plan.services.find((service: { kind: string }) => service.kind === 'rds')).toMatchObject({
      role: 'postgres',
      instanceClass: 'db.m6i.8xlarge',
      count: 2,
    });
    expect(plan.checks[0]).toHaveProperty('id');
  });

  it('exits 1 and prints the fix when a check finds an error', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec('database: { engine: aurora-postgresql }\n'));
    const result = await runCli(['plan'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /ERROR\s+GLA-DB-AURORA \(database\.engine\): .*Set database\.engine: postgres/,
    );
  });

  it('exits 2 with one clear line for a bad flag value', async () => {
    const result = await runCli(['plan', '--azs', 'three']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('--azs: availabilityZones: "three" is not a number; use 2 or 3\n');
  });
});

describe('bad input through the real binary', () => {
  it('reports a malformed spec without a stack trace and exits 2', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec('redis:\n  nodeTipe: cache.m6g.large\n'));
    const result = runBinary(['plan'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'gitlab-aws.yaml:5:3: redis.nodeTipe: unknown field; did you mean "nodeType"?\n',
    );
    expect(result.stdout).toBe('');
  });

  it("refuses a credential written as text in the user's gitlab.rb settings, exit 2, never echoing it", () => {
    const cwd = tempDir();
    const settings = `gitlab:\n  extraSettings:\n    rails:\n      "gitlab_rails['ldap_servers']":\n        main: { password: Sup3r-Secret }\n`;
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec(settings));
    const refused = runBinary(['plan'], cwd);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(
      /^gitlab-aws\.yaml:8:\d+: gitlab\.extraSettings\.rails\.gitlab_rails\['ldap_servers'\]\.main\.password: looks like a credential written as text .*\{ secret: /,
    );
    expect(refused.stderr).not.toContain('Sup3r-Secret');
    expect(refused.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('refuses a gitlab.rb setting GitLab 19.3 does not have, naming it and the closest, exit 2', () => {
    const cwd = tempDir();
    const settings = `gitlab:\n  extraSettings:\n    all:\n      "gitlab_rails['time_zon']": Europe/Berlin\n`;
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec(settings));
    const refused = runBinary(['plan'], cwd);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(
      `${join(cwd, 'gitlab-aws.yaml')}: gitlab.extraSettings.all.gitlab_rails['time_zon']: gitlab_rails['time_zon'] is not a gitlab.rb setting of GitLab 19.3; did you mean gitlab_rails['time_zone']?\n`,
    );
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec(settings.replace('time_zon', 'time_zone')));
    expect(runBinary(['plan'], cwd).code).toBe(0);
  });

  it('reports a missing spec file named with -c and exits 2', () => {
    const result = runBinary(['plan', '-c', 'nope.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^nope\.yaml: file not found; /);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('refuses three AZs in a two-AZ region, naming the field and the fix, exit 2', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), spec().replace('eu-west-1', 'us-west-1'));
    const refused = runBinary(['plan'], cwd);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(
      /availabilityZones: us-west-1 has 2 Availability Zones .*set availabilityZones: 2/,
    );
    expect(refused.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(runBinary(['plan', '--azs', '2'], cwd).code).toBe(0);
  });

  it('refuses a certificate from another region, naming the field and the fix, exit 2', () => {
    const cwd = tempDir();
    const arn = (region: string) =>
      `domain: { name: git.example.org, certificateArn: "arn:aws:acm:${region}:123456789012:certificate/0a1b-2c3d" }\n`;
    const file = (region: string) => spec().replace(/domain: .*\n/, arn(region));
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), file('us-east-1'));
    const refused = runBinary(['plan'], cwd);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(
      /^gitlab-aws\.yaml:3:\d+: domain\.certificateArn: .* is in us-east-1, but region is eu-west-1: .*request or import it in eu-west-1/,
    );
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), file('eu-west-1'));
    expect(runBinary(['plan'], cwd).code).toBe(0);
  });

  it('rejects an unknown option and an unknown command with exit 2', () => {
    const option = runBinary(['plan', '--sise', '3k']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(
      /^error: unknown option '--sise'\n\(Did you mean --size\?\)\n\(see gitlab-aws plan --help\)\n$/,
    );
    const command = runBinary(['pln']);
    expect(command).toMatchObject({
      code: 2,
      stderr: 'error: unknown command "pln"; did you mean "plan"? (see gitlab-aws --help)\n',
    });
  });
});

describe('gitlab-aws init and schema', () => {
  it('writes a commented spec that plans as asked, and refuses to overwrite it', async () => {
    const cwd = tempDir();
    const result = await runCli(['init', '--size', '10k', '--type', 'cloud-native-hybrid'], { cwd });
    expect(result.code).toBe(0);
    const text = readFileSync(join(cwd, 'gitlab-aws.yaml'), 'utf8');
    expect(text).toContain('# poc | 1k | 2k');
    const planned = await runCli(['plan', '--json'], { cwd });
    expect(JSON.parse(planned.stdout).architecture).toMatchObject({
      size: '10k',
      type: 'cloud-native-hybrid',
    });
    const again = await runCli(['init'], { cwd });
    expect(again).toMatchObject({
      code: 1,
      stderr: 'error: gitlab-aws.yaml already exists; pass --force to overwrite it\n',
    });
  });

  it('prints a JSON Schema that names every top-level field', async () => {
    const result = await runCli(['schema']);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual(Object.keys(specSchema.shape));
    expect(schema.required).toEqual(['name', 'region', 'domain']);
    expect(schema.additionalProperties).toBe(false);
  });
});
