import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSpecBytes, loadSpec, parseSpecYaml } from '../../src/spec/index.js';
import { parseRpsFlag } from '../../src/spec/load.js';
import { specErrorOf } from '../fixtures/errors.js';

const base = 'name: gitlab-prod\nregion: us-west-2\ndomain: { name: gitlab.example.com }\n';

describe('parseSpecYaml', () => {
  it('applies the defaults a minimal spec leaves out', () => {
    const spec = parseSpecYaml(base, 'gitlab-aws.yaml');
    expect(spec.availabilityZones).toBe(3);
    // The size is left to the plan: architecture.rps may size it instead (3k when neither is given).
    expect(spec.architecture).toEqual({ type: 'linux-package', cpu: 'x86' });
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

describe('YAML habits', () => {
  it('says to write true or false for yes and no', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}database: { proxy: yes }\n`, 's.yaml'));
    expect(error.issues[0]).toMatchObject({
      path: 'database.proxy',
      message: 'expected boolean, got "yes"; YAML reads yes as text: write true or false',
    });
    expect(
      specErrorOf(() => parseSpecYaml(`${base}database: { proxy: 'maybe' }\n`, 's.yaml')).message,
    ).not.toContain('write true or false');
  });

  it('says to quote an unquoted version, as written (19.10 is not 19.1), with its patch level', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}gitlab: { version: 19.10 }\n`, 's.yaml'));
    expect(error.issues[0]!.message).toBe(
      'expected string, got number 19.1; 19.10 is a number in YAML: quote it, "19.10.0"',
    );
    const name = specErrorOf(() => parseSpecYaml(base.replace('gitlab-prod', '1234'), 's.yaml'));
    expect(name.issues[0]!.message).toBe(
      'expected string, got number 1234; 1234 is a number in YAML: quote it, "1234"',
    );
  });

  it('reads numeric tag values as the text written, merge keys, and ignores a $schema key', () => {
    const spec = parseSpecYaml(
      `$schema: ./gitlab-aws.schema.json\n${base}tags:\n  <<: &common { owner: platform }\n  cost-center: 1.10\n  team: 42\n`,
      's.yaml',
    );
    expect(spec.tags).toEqual({ owner: 'platform', 'cost-center': '1.10', team: '42' });
  });

  it('refuses a second YAML document, saying how to fix it', () => {
    const error = specErrorOf(() => parseSpecYaml(`${base}---\nname: other\n`, 's.yaml'));
    expect(error.message).toMatch(
      /^s\.yaml:4:1: the file holds more than one YAML document .*delete that line/,
    );
    expect(parseSpecYaml(`---\n${base}`, 's.yaml').name).toBe('gitlab-prod');
  });

  it('refuses an alias bomb as invalid YAML instead of expanding it', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n${base}`;
    const error = specErrorOf(() => parseSpecYaml(bomb, 'bomb.yaml'));
    expect(error.message).toMatch(
      /^bomb\.yaml: invalid YAML: Excessive alias count.*write the values out instead$/,
    );
  });

  it('reads UTF-16 files (either byte order) and UTF-8 with a byte order mark', () => {
    const text = `${base}architecture: { size: 5k }\n`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const bytes of [le, be, utf8, Buffer.from(text)]) expect(decodeSpecBytes(bytes)).toBe(text);
    const dir = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    writeFileSync(join(dir, 'gitlab-aws.yaml'), le);
    expect(loadSpec({ cwd: dir }).spec.architecture.size).toBe('5k');
  });
});

describe('flags and architecture', () => {
  const fileWith = (extra: string) =>
    `${base}architecture: { size: 5k, cpu: x86 }\navailabilityZones: 3\n${extra}`;

  it('blames a bad --size, --cpu or --azs on the flag, and the same value in the file on its line', () => {
    const bySize = specErrorOf(() => parseSpecYaml(fileWith(''), 's.yaml', { size: '3x' }));
    expect(bySize.message).toMatch(/^--size: architecture\.size: "3x" is not allowed/);
    const byCpu = specErrorOf(() => parseSpecYaml(fileWith(''), 's.yaml', { cpu: 'arm' }));
    expect(byCpu.message).toMatch(/^--cpu: architecture\.cpu: "arm" is not allowed/);
    const byAzs = specErrorOf(() => parseSpecYaml(fileWith(''), 's.yaml', { availabilityZones: 5 }));
    expect(byAzs.message).toMatch(/^--azs: availabilityZones: number 5 must be 2 or 3$/);
    const inFile = specErrorOf(() =>
      parseSpecYaml(fileWith('').replace('5k', '3x'), 's.yaml', { cpu: 'x86' }),
    );
    expect(inFile.message).toMatch(/^s\.yaml:4:\d+: architecture\.size: "3x"/);
  });

  it.each(['poc', '1k'])('refuses a Cloud Native Hybrid at %s, saying hybrids start at 2k', (size) => {
    const error = specErrorOf(() =>
      parseSpecYaml(`${base}architecture: { size: ${size}, type: cloud-native-hybrid }\n`, 's.yaml'),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.message).toMatch(
      new RegExp(
        `^s\\.yaml:4:\\d+: architecture\\.type: "cloud-native-hybrid" is not available at architecture\\.size ${size}: .*set architecture\\.size to 2k or larger, or architecture\\.type to linux-package$`,
      ),
    );
    expect(
      parseSpecYaml(`${base}architecture: { size: 2k, type: cloud-native-hybrid }\n`, 's.yaml').architecture
        .size,
    ).toBe('2k');
    expect(parseSpecYaml(`${base}architecture: { size: ${size} }\n`, 's.yaml').architecture.type).toBe(
      'linux-package',
    );
  });
});

describe('finding the spec file', () => {
  it('reads gitlab-aws.yml when there is no gitlab-aws.yaml', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    writeFileSync(join(cwd, 'gitlab-aws.yml'), base);
    expect(loadSpec({ cwd }).origin).toEqual({ kind: 'file', path: join(cwd, 'gitlab-aws.yml') });
  });

  it('refuses both names side by side, naming both and the way out', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    writeFileSync(join(cwd, 'gitlab-aws.yml'), base);
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), base);
    expect(specErrorOf(() => loadSpec({ cwd })).message).toBe(
      'gitlab-aws.yaml and gitlab-aws.yml: both exist, and either could be the spec: delete or rename one, or name it with -c gitlab-aws.yaml',
    );
    expect(loadSpec({ cwd, path: 'gitlab-aws.yml' }).origin).toEqual({
      kind: 'file',
      path: join(cwd, 'gitlab-aws.yml'),
    });
  });

  it('names a directory given as the spec, and blames the embedded default on the flag that broke it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    expect(specErrorOf(() => loadSpec({ cwd, path: '.' })).message).toBe(
      '.: is a directory; name the spec file itself',
    );
    expect(specErrorOf(() => loadSpec({ cwd, overrides: { size: '7k' } })).message).toMatch(
      /^--size: architecture\.size/,
    );
  });
});

describe('sizing by peak load (architecture.rps and --rps)', () => {
  const rpsFile = `${base}architecture: { rps: { api: 80, web: 5, git: 3 } }\n`;
  const sizeFile = `${base}architecture: { size: 10k }\n`;
  const dir = (text: string) => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-rps-'));
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), text);
    return cwd;
  };

  it('reads the peaks of the file, each a number of requests per second', () => {
    expect(parseSpecYaml(rpsFile, 'gitlab-aws.yaml').architecture.rps).toEqual({ api: 80, web: 5, git: 3 });
    const error = specErrorOf(() =>
      parseSpecYaml(`${base}architecture: { rps: { api: -1, web: 5, git: 3 } }\n`, 'gitlab-aws.yaml'),
    );
    expect(error.message).toBe(
      'gitlab-aws.yaml:4:24: architecture.rps.api: must be 0 or more requests per second',
    );
  });

  it('parses the flag, keeping a figure that is not a number for validation to name', () => {
    expect(parseRpsFlag('api=80,web=5.5, git=3')).toEqual({ api: 80, web: 5.5, git: 3 });
    expect(parseRpsFlag('api=lots')).toEqual({ api: 'lots' });
    const error = specErrorOf(() => parseRpsFlag('80'));
    expect(error.message).toBe(
      '--rps: architecture.rps: "80" is not a list of peaks; write it as api=N,web=N,git=N (requests per second)',
    );
  });

  it('blames a bad figure given with --rps on the flag, not on the file', () => {
    const error = specErrorOf(() =>
      loadSpec({ cwd: dir(sizeFile), overrides: { rps: 'api=x,web=1,git=1' } }),
    );
    expect(error.message).toBe('--rps: architecture.rps.api: expected number, got "x"');
  });

  it("a sizing flag replaces the file's way of sizing: --rps its size, --size its rps", () => {
    const byRps = loadSpec({ cwd: dir(sizeFile), overrides: { rps: 'api=80,web=5,git=3' } }).spec
      .architecture;
    expect([byRps.size, byRps.rps]).toEqual([undefined, { api: 80, web: 5, git: 3 }]);
    const bySize = loadSpec({ cwd: dir(rpsFile), overrides: { size: '2k' } }).spec.architecture;
    expect([bySize.size, bySize.rps]).toEqual(['2k', undefined]);
    const both = loadSpec({ cwd: dir(rpsFile), overrides: { size: '2k', rps: 'api=1,web=1,git=1' } });
    expect(both.spec.architecture).toMatchObject({ size: '2k', rps: { api: 1, web: 1, git: 1 } });
  });
});

describe('how each kind of mistake is phrased', () => {
  const messageOf = (text: string) =>
    specErrorOf(() => parseSpecYaml(text, 'f.yaml')).issues.map((issue) => `${issue.path}: ${issue.message}`);

  it('refuses a file that is not a mapping', () => {
    for (const text of ['- a\n- b\n', 'hello\n']) {
      expect(messageOf(text)).toEqual([': the spec must be a YAML mapping (name: ..., region: ...)']);
    }
  });

  it('lists the choices of an enum, suggesting the closest to a mistyped one', () => {
    const sizes = '"poc", "1k", "2k", "3k", "5k", "10k", "25k", "50k"';
    expect(messageOf(`${base}architecture: { size: 3x }\n`)).toEqual([
      `architecture.size: "3x" is not allowed; use one of ${sizes} (did you mean "3k"?)`,
    ]);
    expect(messageOf(`${base}architecture: { size: 7 }\n`)).toEqual([
      `architecture.size: number 7 is not allowed; use one of ${sizes}`,
    ]);
  });

  it('gives the bound a number is outside of, either way', () => {
    expect(messageOf(`${base}database: { backupRetentionDays: 40 }\n`)).toEqual([
      'database.backupRetentionDays: number 40 is out of range; use a value at most 35',
    ]);
    expect(messageOf(`${base}database: { backupRetentionDays: 0 }\n`)).toEqual([
      'database.backupRetentionDays: number 0 is out of range; use a value at least 1',
    ]);
  });

  it('says how to write a value YAML read as another type, and only then', () => {
    expect(messageOf(`${base}database: { proxy: maybe }\n`)).toEqual([
      'database.proxy: expected boolean, got "maybe"',
    ]);
    expect(messageOf(`${base}edge: { proxyProtocol: 3 }\n`)).toEqual([
      'edge.proxyProtocol: expected boolean, got number 3',
    ]);
    expect(messageOf(`${base}gitlab: { version: 19 }\n`)).toEqual([
      'gitlab.version: expected string, got number 19; 19 is a number in YAML: quote it, "19"',
    ]);
    expect(messageOf(`${base}objectStorage: { bucketPrefix: 12.5 }\n`)).toEqual([
      'objectStorage.bucketPrefix: expected string, got number 12.5; 12.5 is a number in YAML: quote it, "12.5"',
    ]);
    expect(messageOf(`${base}objectStorage: { bucketPrefix: true }\n`)).toEqual([
      'objectStorage.bucketPrefix: expected string, got boolean true; true is a boolean in YAML: quote it, "true"',
    ]);
    expect(messageOf(`${base}objectStorage: { bucketPrefix: [a] }\n`)).toEqual([
      'objectStorage.bucketPrefix: expected string, got a list',
    ]);
  });

  it('says what to add for each required field', () => {
    expect(messageOf('name: gitlab-prod\n')).toEqual([
      'region: required field is missing; add e.g. `region: us-west-2`',
      'domain: required field is missing; add e.g. `domain: { name: gitlab.example.com, hostedZone: example.com }`',
    ]);
    expect(messageOf('region: us-west-2\ndomain: { hostedZone: example.com }\n')).toEqual([
      'name: required field is missing; add e.g. `name: gitlab-prod` (prefix for every resource name)',
      'domain.name: required field is missing; add the GitLab host name, e.g. `name: gitlab.example.com`',
    ]);
  });

  it('lists the valid fields when no known one is close to an unknown one', () => {
    expect(messageOf(`${base}runners: { manager: { zzzzzz: 1 } }\n`)).toEqual([
      'runners.manager.zzzzzz: unknown field; valid fields here: instanceType, spot',
    ]);
  });
});

describe('where the spec file is looked up', () => {
  it('reads an absolute -c path as it is, and a working directory with a trailing slash', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-path-'));
    writeFileSync(join(cwd, 'gitlab-aws.yaml'), `${base}architecture: { size: 2k }\n`);
    expect(loadSpec({ cwd: `${cwd}/` }).spec.architecture.size).toBe('2k');
    expect(loadSpec({ cwd: '/nonexistent', path: join(cwd, 'gitlab-aws.yaml') }).spec.architecture.size).toBe(
      '2k',
    );
  });
});

describe('the --rps flag and the other overrides, in detail', () => {
  it('allows spaces around names and values, and reads decimals', () => {
    expect(parseRpsFlag(' api = 80 ,web=1.25 ')).toEqual({ api: 80, web: 1.25 });
  });

  it('refuses anything around a name=value pair', () => {
    for (const text of ['1api=80', 'api=80 x', 'api=']) {
      expect(() => parseRpsFlag(text), text).toThrow('is not a list of peaks');
    }
  });

  it('keeps a figure that only contains a number as written', () => {
    expect(parseRpsFlag('api=x80,web=80x,git=1.5.2')).toEqual({ api: 'x80', web: '80x', git: '1.5.2' });
  });

  it("changes only what a flag names, keeping the file's other architecture fields", () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-over-'));
    writeFileSync(
      join(cwd, 'gitlab-aws.yaml'),
      `${base}architecture: { type: cloud-native-hybrid, cpu: graviton, rps: { api: 80, web: 5, git: 3 } }\n`,
    );
    expect(loadSpec({ cwd, overrides: { cpu: 'x86' } }).spec.architecture).toEqual({
      type: 'cloud-native-hybrid',
      cpu: 'x86',
      rps: { api: 80, web: 5, git: 3 },
    });
    expect(loadSpec({ cwd, overrides: { type: 'linux-package' } }).spec.architecture).toEqual({
      type: 'linux-package',
      cpu: 'graviton',
      rps: { api: 80, web: 5, git: 3 },
    });
  });
});

describe('what a spec error says, field by field', () => {
  const issuesOf = (text: string, overrides = {}) =>
    specErrorOf(() => parseSpecYaml(text, 's.yaml', overrides)).issues.map((issue) => ({ ...issue }));

  it('names every required field of an empty file, and refuses a file that is not a mapping', () => {
    expect(issuesOf('')).toEqual([
      {
        path: 'name',
        message: 'required field is missing; add e.g. `name: gitlab-prod` (prefix for every resource name)',
      },
      { path: 'region', message: 'required field is missing; add e.g. `region: us-west-2`' },
      {
        path: 'domain',
        message:
          'required field is missing; add e.g. `domain: { name: gitlab.example.com, hostedZone: example.com }`',
      },
    ]);
    for (const text of ['- name: gitlab-prod\n', 'gitlab-prod\n']) {
      expect(issuesOf(text), text).toEqual([
        { path: '', message: 'the spec must be a YAML mapping (name: ..., region: ...)' },
      ]);
    }
  });

  it('says how to add the domain name, and points at the section that lacks it', () => {
    expect(issuesOf('name: gitlab-prod\nregion: us-west-2\ndomain: { hostedZone: example.com }\n')).toEqual([
      {
        path: 'domain.name',
        message: 'required field is missing; add the GitLab host name, e.g. `name: gitlab.example.com`',
        line: 3,
        column: 1,
      },
    ]);
  });

  it('describes the value it got: null, a list, a mapping, a number, a boolean', () => {
    const got = (value: string) => issuesOf(`${base}edge: { proxyProtocol: ${value} }\n`)[0]!.message;
    expect(got('null')).toBe('expected boolean, got null');
    expect(got('[1]')).toBe('expected boolean, got a list');
    expect(got('{ a: 1 }')).toBe('expected boolean, got a mapping');
    expect(got('5')).toBe('expected boolean, got number 5');
    expect(issuesOf(base.replace('gitlab-prod', 'true'))[0]).toEqual({
      path: 'name',
      message: 'expected string, got boolean true; true is a boolean in YAML: quote it, "true"',
      line: 1,
      column: 1,
    });
  });

  it('takes every spelling YAML 1.1 read as a boolean, in any case', () => {
    for (const word of ['no', 'y', 'n', 'ON', 'Off', 'YES']) {
      expect(issuesOf(`${base}database: { proxy: ${word} }\n`)[0]!.message, word).toBe(
        `expected boolean, got "${word}"; YAML reads ${word} as text: write true or false`,
      );
    }
    expect(issuesOf(`${base}database: { proxy: yess }\n`)[0]!.message).toBe('expected boolean, got "yess"');
    expect(issuesOf(`${base}database: { proxy: button }\n`)[0]!.message).toBe(
      'expected boolean, got "button"',
    );
    // Only a boolean field gets the boolean hint, and only a string field the quoting hint.
    expect(issuesOf(`${base}database: { storageGiB: yes }\n`)[0]!.message).toBe('expected number, got "yes"');
    expect(issuesOf(base.replace('gitlab-prod', '[gitlab-prod]'))[0]!.message).toBe(
      'expected string, got a list',
    );
  });

  it('adds a patch level only to a version written as major.minor', () => {
    expect(issuesOf(`${base}gitlab: { version: 19 }\n`)[0]!.message).toBe(
      'expected string, got number 19; 19 is a number in YAML: quote it, "19"',
    );
    expect(issuesOf(`${base}database: { instanceClass: 19.3 }\n`)[0]!.message).toBe(
      'expected string, got number 19.3; 19.3 is a number in YAML: quote it, "19.3"',
    );
  });

  it('gives both bounds of a range, and a list rule in its own words', () => {
    expect(issuesOf(`${base}database: { storageGiB: 70000 }\n`)[0]).toEqual({
      path: 'database.storageGiB',
      message: 'number 70000 is out of range; use a value at most 65536',
      line: 4,
      column: 13,
    });
    expect(issuesOf(`${base}access: { sshAllowedCidrs: [] }\n`)[0]!.message).toBe(
      'must list at least one CIDR block',
    );
    expect(issuesOf(`${base}runners: { enabled: true, maxInstances: 0 }\n`)[0]!.message).toBe(
      'must be at least 1: a fleet of 0 instances runs no job; set enabled: false instead',
    );
  });

  it('names the value a rule refused, and never a credential written as text', () => {
    expect(issuesOf(`${base}objectStorage: { bucketPrefix: UPPER }\n`)[0]!.message).toBe(
      '"UPPER" must be up to 20 lower-case letters, digits or dashes',
    );
    const credential = issuesOf(
      `${base}gitlab:\n  extraSettings:\n    rails:\n      "gitlab_rails['smtp_password']": hunter2\n`,
    )[0]!;
    expect(credential).toMatchObject({ line: 7, column: 7 });
    expect(credential.message).toMatch(
      /^looks like a credential written as text \(smtp_password\); store it/,
    );
    expect(credential.message).not.toContain('hunter2');
  });

  it('says "use" a single allowed value without "one of", and suggests only close ones', () => {
    expect(issuesOf(`${base}access: { admin: ssh }\n`)[0]!.message).toBe(
      '"ssh" is not allowed; use one of "ssm", "bastion" (did you mean "ssm"?)',
    );
    expect(issuesOf(`${base}access: { admin: console }\n`)[0]!.message).toBe(
      '"console" is not allowed; use one of "ssm", "bastion"',
    );
    expect(issuesOf(`${base}access: { admin: 7 }\n`)[0]!.message).toBe(
      'number 7 is not allowed; use one of "ssm", "bastion"',
    );
  });

  it('lists the fields of a nested section, and none under a field that has no fields', () => {
    expect(issuesOf(`${base}access: { foo: 1 }\n`)[0]).toEqual({
      path: 'access.foo',
      message:
        'unknown field; valid fields here: admin, sshAllowedCidrs, bastionSshAllowedCidrs, clusterAdminRoleArn',
      line: 4,
      column: 11,
    });
    expect(issuesOf(`${base}runners: { manager: { instanceTyp: t3.micro } }\n`)[0]!.message).toMatch(
      /^unknown field; did you mean "instanceType"\?$/,
    );
  });

  it('points at the nested key a problem is about, on the line it is written', () => {
    expect(issuesOf('name: gitlab-prod\nregion: us-west-2\ndomain:\n  name: 7\n')[0]).toMatchObject({
      path: 'domain.name',
      line: 4,
      column: 3,
    });
    expect(issuesOf(`${base}database:\n  # a comment\n  instanceClass: 5\n`)[0]).toMatchObject({
      line: 6,
      column: 3,
    });
  });

  it('blames a bad --type on the flag', () => {
    expect(specErrorOf(() => parseSpecYaml(base, 's.yaml', { type: 'hybrid' })).message).toBe(
      '--type: architecture.type: "hybrid" is not allowed; use one of "linux-package", "cloud-native-hybrid"',
    );
    expect(
      parseSpecYaml(base, 's.yaml', { type: 'cloud-native-hybrid', cpu: 'graviton' }).architecture,
    ).toEqual({
      // No size: the plan picks it (3k unless architecture.rps says otherwise).
      type: 'cloud-native-hybrid',
      cpu: 'graviton',
    });
  });

  it('refuses a field written twice, naming the line of the second', () => {
    const issues = issuesOf(`${base}region: eu-west-1\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '', line: 4 });
    expect(issues[0]!.message).toMatch(/^invalid YAML: Map keys must be unique/);
  });

  it('reads a numeric tag value brought in by a merge key as text too', () => {
    expect(parseSpecYaml(`${base}tags:\n  <<: { team: 7 }\n  floor: 8\n`, 's.yaml').tags).toEqual({
      team: '7',
      floor: '8',
    });
  });
});

describe('reading the spec file', () => {
  it('says how to fix a missing named file, and names a file it cannot read with the reason', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    expect(specErrorOf(() => loadSpec({ cwd, path: 'missing.yaml' })).message).toBe(
      'missing.yaml: file not found; check the path, write one with `gitlab-aws init`, or omit -c to plan the embedded default',
    );
    symlinkSync('loop.yaml', join(cwd, 'loop.yaml'));
    expect(specErrorOf(() => loadSpec({ cwd, path: 'loop.yaml' })).message).toBe(
      'loop.yaml: cannot be read (ELOOP)',
    );
  });

  it('reads an absolute path as it is, and a relative one from the working directory with or without a slash', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    writeFileSync(join(cwd, 'prod.yaml'), base);
    const path = join(cwd, 'prod.yaml');
    expect(loadSpec({ cwd: '/nonexistent', path }).origin).toEqual({ kind: 'file', path });
    expect(loadSpec({ cwd: `${cwd}/`, path: 'prod.yaml' }).origin).toEqual({ kind: 'file', path });
    expect(loadSpec({ cwd, path: 'prod.yaml', overrides: { size: '5k' } }).spec.architecture.size).toBe('5k');
  });

  it('applies flags to the embedded default', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gla-spec-'));
    expect(loadSpec({ cwd, overrides: { availabilityZones: 2, cpu: 'graviton' } }).spec).toMatchObject({
      availabilityZones: 2,
      architecture: { size: '3k', cpu: 'graviton' },
    });
  });
});
