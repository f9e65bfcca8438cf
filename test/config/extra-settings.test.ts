import { beforeAll, describe, expect, it } from 'vitest';
import { rubyValueOf } from '../../src/config/extra-settings.js';
import { bootTargets, renderUserDataParts, targetName, type UserDataParts } from '../../src/config/index.js';
import { RubyHash, renderValue } from '../../src/config/ruby.js';
import type { Plan } from '../../src/plan/types.js';
import { EXTRA_SETTINGS_OVERRIDES, LDAP_SECRET_ARN, OIDC_SECRET } from '../fixtures/extra-settings.js';
import { planFor } from '../fixtures/plans.js';
import { endpointsFor } from './support.js';

describe("the user's own gitlab.rb settings", () => {
  let plan: Plan;
  let parts: Map<string, UserDataParts>;
  beforeAll(() => {
    plan = planFor({ ...EXTRA_SETTINGS_OVERRIDES, architecture: { size: '3k' } });
    parts = new Map(
      bootTargets(plan).map((target) => [
        targetName(target),
        renderUserDataParts(plan, target, endpointsFor(target)),
      ]),
    );
  });

  it("come after the generated settings, under their heading, the role's after `all`", () => {
    const rb = parts.get('rails')!.gitlabRb!;
    const heading = rb.indexOf('## Your own settings (spec gitlab.extraSettings)');
    expect(heading).toBeGreaterThan(rb.indexOf("gitlab_rails['db_host']"));
    expect(heading).toBeGreaterThan(rb.indexOf("nginx['status']"));
    expect(rb.indexOf("logging['logrotate_frequency'] = 'weekly'")).toBeGreaterThan(heading);
    expect(rb.indexOf("gitlab_rails['ldap_enabled'] = true")).toBeGreaterThan(
      rb.indexOf("logging['logrotate_frequency']"),
    );
  });

  it('go to the nodes of their role only', () => {
    expect(parts.get('sidekiq')!.gitlabRb).toContain("sidekiq['log_format'] = 'text'");
    expect(parts.get('rails')!.gitlabRb).not.toContain("sidekiq['log_format']");
    expect(parts.get('gitaly-1')!.gitlabRb).toContain("gitaly['env'] = {\n  'TZ' => 'Europe/Berlin',\n}");
    expect(parts.get('praefect-1')!.gitlabRb).toContain("logging['logrotate_rotate'] = 14");
    expect(parts.get('monitoring-1')!.gitlabRb).toContain("prometheus['scrape_interval'] = 30");
    expect(parts.get('gitaly-1')!.gitlabRb).not.toContain('Your own settings\n## ');
  });

  it('read referenced secrets from the files the boot script writes from Secrets Manager', () => {
    const rails = parts.get('rails')!;
    expect(rails.gitlabRb).toContain("'secret' => File.read('/etc/gitlab/aws-secrets/user-1').strip");
    expect(rails.gitlabRb).toContain("'password' => File.read('/etc/gitlab/aws-secrets/user-2').strip");
    const secrets = /^GLA_SECRETS='(.*)'$/m.exec(rails.env)![1]!.split(' ');
    expect(secrets).toContain(`user-1|${OIDC_SECRET}|client_secret`);
    expect(secrets).toContain(`user-2|${LDAP_SECRET_ARN}|-`);
    // Sidekiq reads the LDAP secret it uses, not the SSO one.
    const sidekiq = /^GLA_SECRETS='(.*)'$/m.exec(parts.get('sidekiq')!.env)![1]!;
    expect(sidekiq).toContain(`user-2|${LDAP_SECRET_ARN}|-`);
    expect(sidekiq).not.toContain('user-1');
  });

  it('turn JSON into Ruby values', () => {
    const value = rubyValueOf({ a: [1, true, null, 'x'], b: { c: 2 } }, []);
    expect(value).toBeInstanceOf(RubyHash);
    expect(renderValue(value)).toBe("{\n  'a' => [1, true, nil, 'x'],\n  'b' => {\n    'c' => 2,\n  },\n}");
    expect(() => rubyValueOf({ secret: 'unknown' }, [])).toThrow(/no external secret unknown/);
  });
});
