/**
 * Every gitlab.rb gitlab-aws can render (every size x type x AZ count, every boot target) is valid
 * Ruby and names only settings GitLab 19.3 accepts; secrets are read from the node's secret files.
 */
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GitlabRb,
  integerOf,
  nodeFact,
  renderValue,
  rubyString,
  secret,
  strHash,
  sym,
  symHash,
} from '../../src/config/ruby.js';
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
const hasRuby = requireTool('ruby');

/** Records the settings of many files in one Ruby process. */
function record(paths: readonly string[]): Map<string, RecordedSetting[]> {
  const output = run('ruby', [RECORDER, ...paths], { ...process.env, GLA_FAKE_SECRET: FAKE_SECRET });
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
    expect([...roles].sort()).toEqual(['gitaly', 'gitlab', 'monitoring', 'praefect', 'rails', 'sidekiq']);
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
      .set('i', ['j'], integerOf(nodeFact('database-port')));
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
        "i['j'] = Integer(File.read('/etc/gitlab/aws-node/database-port').strip, 10)",
        '',
      ].join('\n'),
    );
    expect(rb.secrets()).toEqual(['gitaly-token']);
  });

  it('refuses what it cannot render safely', () => {
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
