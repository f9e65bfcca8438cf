/**
 * Every gitlab.rb gitlab-aws can render (every size x type x AZ count, every boot target) is valid
 * Ruby and names only settings GitLab 19.3 accepts; secrets are read from the node's secret files.
 */
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  endpointFact,
  GitlabRb,
  joined,
  NodeFact,
  nodeFact,
  renderValue,
  rubyString,
  secret,
  strHash,
  sym,
  symHash,
  urlEncodedSecret,
} from '../../src/config/ruby.js';
import { nameInAccount } from '../../src/plan/contracts.js';
import { serviceOf } from '../../src/plan/query.js';
import { type RecordedSetting, SettingsReference } from './settings-reference.js';
import {
  allRendered,
  FAKE_SECRET,
  label,
  referenceDir,
  requireTool,
  run,
  sh,
  tempDir,
  writeDistinct,
} from './support.js';

/**
 * The SES SMTP password of a secret access key, as the SES Developer Guide derives it ("Obtaining
 * Amazon SES SMTP credentials"): HMAC-SHA256 chained over 11111111, the region, ses, aws4_request
 * and SendRawEmail from AWS4 + key, then version byte 4 and base64. Here in Node, so that the Ruby
 * gitlab.rb evaluates is checked against a second implementation.
 */
function sesSmtpPassword(secretKey: string, region: string): string {
  let key = Buffer.from(`AWS4${secretKey}`, 'utf8');
  for (const data of ['11111111', region, 'ses', 'aws4_request', 'SendRawEmail']) {
    key = createHmac('sha256', key).update(data).digest();
  }
  return Buffer.concat([Buffer.from([4]), key]).toString('base64');
}

const RECORDER = join(import.meta.dirname, 'record-settings.rb');
/** The account id the recorder's instance reads from its identity document. */
const FAKE_ACCOUNT = '210987654321';
const hasRuby = requireTool('ruby');

/** Records the settings of many files in one Ruby process. */
function record(paths: readonly string[]): Map<string, RecordedSetting[]> {
  const output = run('ruby', [RECORDER, ...paths], {
    ...process.env,
    GLA_FAKE_SECRET: FAKE_SECRET,
    GLA_FAKE_ACCOUNT: FAKE_ACCOUNT,
  });
  const result = new Map<string, RecordedSetting[]>();
  for (const line of output.trim().split('\n')) {
    const parsed = JSON.parse(line) as { file: string; settings: RecordedSetting[] };
    result.set(parsed.file, parsed.settings);
  }
  return result;
}

describe.runIf(hasRuby)('every rendered gitlab.rb', () => {
  const reference = new SettingsReference(referenceDir);
  let files: { path: string; labels: string[] }[] = [];
  let recorded = new Map<string, RecordedSetting[]>();

  beforeAll(() => {
    const items = allRendered()
      .filter((rendered) => rendered.parts.gitlabRb !== undefined)
      .map((rendered) => ({ label: label(rendered), content: rendered.parts.gitlabRb! }));
    files = writeDistinct('gitlab-rb', items, '.rb');
    recorded = record(files.map((file) => file.path));
  });

  it('covers every size, type and role', () => {
    const roles = new Set(allRendered().map((rendered) => rendered.name.replace(/-\d+$/, '')));
    expect([...roles].sort()).toEqual([
      'backup',
      'gitaly',
      'gitlab',
      'monitoring',
      'praefect',
      'rails',
      'sidekiq',
    ]);
    // Distinct files: plans of the same shape render the same gitlab.rb.
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) expect(recorded.get(file.path)?.length, file.labels[0]).toBeGreaterThan(5);
  });

  it('passes ruby -c', () => {
    // One shell, Ruby processes in parallel: ruby -c checks one file per run.
    const list = files.map((file) => file.path).join('\0');
    const result = sh('xargs -0 -n1 -P8 ruby -c >/dev/null', list);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('uses only settings listed in the shared reference', () => {
    const problems = files.flatMap((file) =>
      reference.check(recorded.get(file.path) ?? []).map((problem) => `${file.labels[0]}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it('never holds a secret: every secret setting reads its file', () => {
    for (const file of files) {
      const settings = recorded.get(file.path)!;
      const secretPaths = settings.filter((entry) => entry.value === FAKE_SECRET).map((entry) => entry.path);
      const text = allRendered().find((rendered) => label(rendered) === file.labels[0])!.parts.gitlabRb!;
      expect(text).not.toContain(FAKE_SECRET);
      for (const path of secretPaths) {
        expect(path).toMatch(/password|token|secret|smtp_user_name/);
      }
      // Any setting named like a secret must get its value from a secret file.
      const named = settings.filter((entry) =>
        /(password|token)'?\]?$/.test(entry.path.replace(/\[\]$/, '')),
      );
      for (const entry of named) {
        // The SES SMTP password is derived from the secret key when gitlab.rb is evaluated.
        const expected =
          entry.path === "gitlab_rails['smtp_password']"
            ? sesSmtpPassword(FAKE_SECRET, 'us-west-2')
            : FAKE_SECRET;
        expect(entry.value, `${file.labels[0]} ${entry.path}`).toBe(expected);
      }
    }
  });

  it("names every bucket in the instance's own account", () => {
    let checked = 0;
    for (const rendered of allRendered().filter((candidate) => candidate.parts.gitlabRb !== undefined)) {
      const file = files.find((candidate) => candidate.labels.includes(label(rendered)))!;
      const settings = recorded.get(file.path)!;
      const bucketOf = (purpose: string) =>
        nameInAccount(
          serviceOf(rendered.plan, 's3').buckets.find((bucket) => bucket.purpose === purpose)!.bucketName,
          FAKE_ACCOUNT,
        );
      for (const entry of settings) {
        const object = /^gitlab_rails\['object_store'\]\['objects'\]\['(\w+)'\]\['bucket'\]$/.exec(
          entry.path,
        );
        if (object) expect(entry.value, label(rendered)).toBe(bucketOf(object[1]!));
        if (entry.path === "gitlab_rails['backup_upload_remote_directory']")
          expect(entry.value, label(rendered)).toBe(bucketOf('backups'));
        if (object) checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe.runIf(hasRuby)('the settings checker', () => {
  const reference = new SettingsReference(referenceDir);
  const dir = tempDir('checker');

  function problemsOf(source: string): string[] {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.rb`);
    writeFileSync(path, source);
    return reference.check(record([path]).get(path)!);
  }

  it('accepts real settings, nested keys included', () => {
    expect(
      problemsOf(
        [
          "external_url 'https://gitlab.example.com'",
          "gitlab_rails['db_host'] = 'db'",
          "gitlab_rails['nginx']['listen_port'] = 80",
          "nginx['status']['options']['allow'] = ['127.0.0.0/8']",
          "gitaly['configuration'] = { listen_addr: '0.0.0.0:8075', storage: [{ name: 'default', path: '/x' }] }",
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('fails on a misspelt setting', () => {
    expect(problemsOf("gitlab_rails['db_hots'] = 'db'")).toEqual([
      "gitlab_rails['db_hots']: not a gitlab.rb setting",
    ]);
  });

  it('fails on a misspelt nested key', () => {
    expect(problemsOf("gitaly['configuration'] = { listen_adr: '0.0.0.0:8075' }")).toEqual([
      "gitaly['configuration'][:listen_adr]: not a known key of gitaly['configuration']",
    ]);
  });

  it('fails on deprecated and removed settings', () => {
    expect(problemsOf("nginx['real_ip_trusted_addresses'] = ['10.0.0.0/16']")[0]).toMatch(/deprecated/);
    expect(problemsOf("git_data_dirs({ 'default' => { 'path' => '/x' } })")[0]).toMatch(/removed/);
    expect(problemsOf("gitlab_rails['managed_settings']['settings'] = {}")[0]).toMatch(/19\.4/);
  });
});

describe('the Ruby builder', () => {
  it('quotes strings so that any text survives', () => {
    expect(rubyString("it's a \\ path")).toBe("'it\\'s a \\\\ path'");
  });

  it('renders every kind of value', () => {
    const rb = new GitlabRb()
      .comment('heading')
      .call('external_url', 'https://x')
      .call('roles', ['application_role'])
      .set('a', ['b', 'c'], [1, true, null, sym('d')])
      .set('e', ['f'], symHash({ g: strHash({ h: secret('gitaly-token') }) }))
      .set('i', ['j'], nodeFact('private-ipv4', '', ':9236'));
    expect(rb.render()).toBe(
      [
        '## heading',
        "external_url 'https://x'",
        "roles(['application_role'])",
        "a['b']['c'] = [1, true, nil, :d]",
        "e['f'] = {",
        '  g: {',
        "    'h' => File.read('/etc/gitlab/aws-secrets/gitaly-token').strip,",
        '  },',
        '}',
        "i['j'] = (File.read('/etc/gitlab/aws-node/private-ipv4').strip + ':9236')",
        '',
      ].join('\n'),
    );
    expect(rb.secrets()).toEqual(['gitaly-token']);
  });

  it('joins text, URL-encoded secrets and facts into one string read at reconfigure time', () => {
    const rb = new GitlabRb().set(
      'gitlab_rails',
      ['redis_cache_instance'],
      joined(
        'rediss://:',
        urlEncodedSecret('redis-auth-token'),
        '@',
        endpointFact('redis-cache-host', 'cache.example'),
        ':6379',
      ),
    );
    expect(rb.render()).toBe(
      `gitlab_rails['redis_cache_instance'] = ('rediss://:' + ERB::Util.url_encode(File.read('/etc/gitlab/aws-secrets/redis-auth-token').strip) + '@' + File.read('/etc/gitlab/aws-node/redis-cache-host').strip + ':6379')\n`,
    );
    expect(rb.secrets()).toEqual(['redis-auth-token']);
    expect([...rb.facts()]).toEqual([['redis-cache-host', 'cache.example']]);
    expect(renderValue(joined('only'))).toBe("'only'");
    expect(() => joined()).toThrow();
  });

  it.runIf(hasRuby)('URL-encodes a secret so that every byte survives the trip through a URL', () => {
    // Every printable ASCII character, a space and a multi-byte one. GitLab's client takes the
    // password out of the URL with CGI.unescape.
    const secretText = `${Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join('')} é`;
    const dir = tempDir('url-encode');
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, secretText);
    const expression = renderValue(urlEncodedSecret('redis-auth-token')).replace(
      '/etc/gitlab/aws-secrets/redis-auth-token',
      secretFile,
    );
    const script = ["require 'cgi'", "require 'erb'", `print(${expression})`].join('\n');
    const encoded = run('ruby', ['-e', script]);
    // Only RFC 3986 unreserved characters and %XX escapes: nothing a URL parser could split on.
    expect(encoded).toMatch(/^([0-9A-Za-z_.~-]|%[0-9A-F]{2})+$/);
    expect(run('ruby', ['-rcgi', '-e', 'print(CGI.unescape(ARGV[0]))', encoded])).toBe(secretText);
  });

  it('renders empty and nested collections, and facts with text around them', () => {
    expect(renderValue(strHash({}))).toBe('{}');
    expect(renderValue([])).toBe('[]');
    expect(renderValue(strHash({ kept: 1, dropped: undefined }))).toBe("{\n  'kept' => 1,\n}");
    expect(renderValue([strHash({ a: 1 }), [2]])).toBe("[\n  {\n    'a' => 1,\n  },\n  [2],\n]");
    expect(renderValue([1, [2]])).toBe('[\n  1,\n  [2],\n]');
    expect(renderValue(new NodeFact('private-ipv4'))).toBe(
      "File.read('/etc/gitlab/aws-node/private-ipv4').strip",
    );
    expect(renderValue(nodeFact('private-ipv4', 'tcp://', ':8075'))).toBe(
      "('tcp://' + File.read('/etc/gitlab/aws-node/private-ipv4').strip + ':8075')",
    );
    expect(new GitlabRb().comment('one\n\ntwo').render()).toBe('## one\n\n## two\n');
  });

  it('finds secrets and facts wherever a value holds them, and refuses two values for one fact', () => {
    const rb = new GitlabRb()
      .comment('heading')
      .set('a', ['b'], [secret('gitaly-token')])
      .set('c', ['d'], [endpointFact('praefect-host', 'praefect.internal')]);
    expect(rb.list()).toHaveLength(3);
    expect(rb.secrets()).toEqual(['gitaly-token']);
    expect([...rb.facts()]).toEqual([['praefect-host', 'praefect.internal']]);
    rb.set('e', ['f'], endpointFact('praefect-host', 'praefect.internal'));
    expect([...rb.facts()]).toEqual([['praefect-host', 'praefect.internal']]);
    rb.set('g', ['h'], endpointFact('praefect-host', 'other.internal'));
    expect(() => rb.facts()).toThrow('two values for fact praefect-host');
  });

  it('refuses what it cannot render safely', () => {
    expect(() => sym('not a symbol')).toThrow('not a plain Ruby symbol: not a symbol');
    expect(() => renderValue(Number.POSITIVE_INFINITY)).toThrow('not a finite number: Infinity');
    expect(() => new GitlabRb().set('gitlab-rails', ['x'], 1)).toThrow('not a gitlab.rb top-level name');
    expect(() => new GitlabRb().call('external-url', 'x')).toThrow('not a gitlab.rb top-level name');
    expect(() => new GitlabRb().set('gitlab_rails', [], 1)).toThrow('gitlab_rails needs at least one key');
    expect(() => joined()).toThrow('a joined text needs at least one part');
    expect(() => renderValue(undefined as unknown as string)).toThrow('cannot render undefined as Ruby');
    expect(() => sym('not a symbol')).toThrow();
    expect(() => renderValue(Number.NaN)).toThrow();
    expect(() => new GitlabRb().set('Bad-Name', ['x'], 1)).toThrow();
  });

  it.runIf(hasRuby)('round-trips awkward strings through Ruby', () => {
    const text = "quote ' backslash \\ hash #{not_interpolated} newline\nend";
    const output = run('ruby', ['-e', `print(${rubyString(text)})`]);
    expect(output).toBe(text);
  });
});
