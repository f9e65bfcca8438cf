import { beforeAll, describe, expect, it } from 'vitest';
import {
  isSecretReference,
  managedBy,
  normalisedSettingPath,
  parseSettingPath,
} from '../../src/spec/extra-settings.js';
import { parseSpecYaml, type Spec } from '../../src/spec/index.js';
import { emailEnabled } from '../../src/spec/schema.js';
import { specErrorOf } from '../fixtures/errors.js';

const base = 'name: gitlab-prod\nregion: us-west-2\ndomain: { name: gitlab.example.com }\n';
const withSettings = (section: string) => `${base}gitlab:\n  extraSettings:\n${section}`;

describe('gitlab.extraSettings', () => {
  let accepted: Spec;
  beforeAll(() => {
    accepted = parseSpecYaml(
      withSettings(
        [
          '    all:',
          `      "gitlab_rails['time_zone']": Europe/Berlin`,
          '    rails:',
          `      "gitlab_rails['omniauth_providers']":`,
          '        - name: openid_connect',
          '          args:',
          '            client_options:',
          '              identifier: gitlab',
          '              secret: { secret: gitlab/oidc, key: client_secret }',
          `      "gitlab_rails['ldap_servers']":`,
          '        main:',
          '          bind_dn: cn=gitlab',
          '          password: { secret: "arn:aws:secretsmanager:us-west-2:123456789012:secret:ldap-AbCdEf" }',
          '',
        ].join('\n'),
      ),
      's.yaml',
    );
  });

  it('keeps the settings per target as written, references included', () => {
    expect(accepted.gitlab.extraSettings?.all).toEqual({ "gitlab_rails['time_zone']": 'Europe/Berlin' });
    const providers = accepted.gitlab.extraSettings?.rails?.["gitlab_rails['omniauth_providers']"] as {
      args: { client_options: { secret: unknown } };
    }[];
    expect(providers[0]!.args.client_options.secret).toEqual({ secret: 'gitlab/oidc', key: 'client_secret' });
  });

  it('leaves the gitlab section as it was when there are none', () => {
    expect(parseSpecYaml(base, 's.yaml').gitlab).toEqual({ edition: 'ee', version: '19.3.0' });
  });

  it('refuses a credential written as text, naming the field and never echoing the value', () => {
    const error = specErrorOf(() =>
      parseSpecYaml(
        withSettings(
          `    sidekiq:\n      "gitlab_rails['ldap_servers']":\n        main: { password: hunter2-Secret }\n`,
        ),
        's.yaml',
      ),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe(
      "gitlab.extraSettings.sidekiq.gitlab_rails['ldap_servers'].main.password",
    );
    expect(error.issues[0]!.message).toContain('{ secret: "<secret name or ARN>"');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a setting whose own name says it is a credential', () => {
    const error = specErrorOf(() =>
      parseSpecYaml(withSettings(`    rails:\n      "gitlab_rails['smtp_password']": x\n`), 's.yaml'),
    );
    expect(error.issues[0]).toMatchObject({
      line: 7,
    });
    expect(error.issues[0]!.message).toMatch(/credential written as text \(smtp_password\)/);
  });

  it('accepts text under keys that only look alike (URLs, files) and empty strings', () => {
    const spec = parseSpecYaml(
      withSettings(
        `    rails:\n      "gitlab_rails['omniauth_providers']":\n        - { name: x, args: { token_url: /token, secret_file: /etc/x, password: "" } }\n`,
      ),
      's.yaml',
    );
    expect(spec.gitlab.extraSettings?.rails).toBeDefined();
  });

  it('refuses a setting gitlab-aws writes, naming the spec field that sets it', () => {
    const error = specErrorOf(() =>
      parseSpecYaml(withSettings(`    all:\n      "gitlab_rails['db_host']": db.example\n`), 's.yaml'),
    );
    expect(error.issues[0]!.path).toBe("gitlab.extraSettings.all.gitlab_rails['db_host']");
    expect(error.issues[0]!.message).toBe(
      'is written by gitlab-aws itself, from database (Amazon RDS); set that instead of overriding it here',
    );
  });

  it('refuses SMTP settings only while gitlab-aws sends e-mail through SES', () => {
    const smtp = `    rails:\n      "gitlab_rails['smtp_address']": smtp.example\n`;
    const withZone = withSettings(smtp).replace(
      'domain: { name: gitlab.example.com }',
      'domain: { name: gitlab.example.com, hostedZone: example.com }',
    );
    expect(specErrorOf(() => parseSpecYaml(withZone, 's.yaml')).issues[0]!.message).toMatch(
      /from email \(Amazon SES/,
    );
    expect(parseSpecYaml(`${withZone}email: { enabled: false }\n`, 's.yaml').email).toEqual({
      enabled: false,
    });
    expect(parseSpecYaml(withSettings(smtp), 's.yaml').email).toBeUndefined();
  });

  it('refuses malformed setting paths and references', () => {
    const error = specErrorOf(() =>
      parseSpecYaml(
        withSettings(
          [
            '    all:',
            '      "time zone": x',
            `      "gitlab_rails['a']": { secret: "bad name!" }`,
            `      "gitlab_rails['b']": { secret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x" }`,
            `      "gitlab_rails['c']": { secret: ok, key: "two words" }`,
            '',
          ].join('\n'),
        ),
        's.yaml',
      ),
    );
    const messages = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.message]));
    expect(messages['gitlab.extraSettings.all.time zone']).toMatch(/is not a gitlab.rb setting path/);
    expect(messages["gitlab.extraSettings.all.gitlab_rails['a']"]).toMatch(
      /secret must be a Secrets Manager secret name/,
    );
    expect(messages["gitlab.extraSettings.all.gitlab_rails['b']"]).toMatch(
      /in eu-west-1, but region is us-west-2/,
    );
    expect(messages["gitlab.extraSettings.all.gitlab_rails['c']"]).toMatch(/key must be the name of a key/);
  });

  it('refuses an unknown target with a suggestion', () => {
    const error = specErrorOf(() => parseSpecYaml(withSettings('    rail: {}\n'), 's.yaml'));
    expect(error.issues[0]!.message).toBe('unknown field; did you mean "rails"?');
  });
});

describe('setting paths', () => {
  it('splits a path into its name and keys, with either quote', () => {
    expect(parseSettingPath(`gitlab_rails["nginx"]['listen_port']`)).toEqual({
      name: 'gitlab_rails',
      keys: ['nginx', 'listen_port'],
    });
    expect(parseSettingPath('registry_external_url')).toEqual({ name: 'registry_external_url', keys: [] });
    expect(parseSettingPath("gitlab_rails['a'")).toBeUndefined();
    expect(parseSettingPath("Gitlab_rails['a']")).toBeUndefined();
    expect(normalisedSettingPath('gitlab_rails', ['nginx', 'x'])).toBe("gitlab_rails['nginx']['x']");
  });

  it('counts a parent of a managed setting as managed, and enable switches', () => {
    expect(managedBy("gitaly['configuration']", false)).toBe('gitaly.mode');
    expect(managedBy("gitaly['configuration']['concurrency']", false)).toBeUndefined();
    expect(managedBy("sidekiq['enable']", false)).toMatch(/^architecture/);
    expect(managedBy("gitlab_rails['gitlab_email_from']", true)).toBe('email.from');
    expect(managedBy("gitlab_rails['gitlab_email_from']", false)).toBeUndefined();
  });

  it('reads only { secret, key? } objects as references', () => {
    expect(isSecretReference({ secret: 'a' })).toBe(true);
    expect(isSecretReference({ secret: 'a', key: 'b' })).toBe(true);
    expect(isSecretReference({ secret: 'a', other: 1 })).toBe(false);
    expect(isSecretReference({ key: 'b' })).toBe(false);
    expect(isSecretReference(['secret'])).toBe(false);
    expect(isSecretReference(null)).toBe(false);
  });

  it('turns e-mail on by default only when a hosted zone is given', () => {
    expect(emailEnabled({ domain: { name: 'g.example.com', hostedZone: 'example.com' } })).toBe(true);
    expect(emailEnabled({ domain: { name: 'g.example.com' } })).toBe(false);
    expect(
      emailEnabled({
        domain: { name: 'g.example.com', hostedZone: 'example.com' },
        email: { enabled: false },
      }),
    ).toBe(false);
  });
});
