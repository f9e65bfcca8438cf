import { beforeAll, describe, expect, it } from 'vitest';
import { recordedPaths, targetRoles } from '../../src/plan/resolve/extra-settings.js';
import type { Plan } from '../../src/plan/types.js';
import { specErrorOf } from '../fixtures/errors.js';
import { EXTRA_SETTINGS_OVERRIDES, LDAP_SECRET_ARN, OIDC_SECRET } from '../fixtures/extra-settings.js';
import { planFor } from '../fixtures/plans.js';

describe('extra settings in the Plan', () => {
  let plan3k: Plan;
  let plan1k: Plan;
  let plain: Plan;
  beforeAll(() => {
    plan3k = planFor({ ...EXTRA_SETTINGS_OVERRIDES, architecture: { size: '3k' } });
    plan1k = planFor({ ...EXTRA_SETTINGS_OVERRIDES, architecture: { size: '1k' } });
    plain = planFor({});
  });

  it('sends each section to the roles it names, `all` first', () => {
    const rolesOf = (plan: Plan, path: string) =>
      plan.extraSettings!.filter((s) => s.path === path).map((s) => s.roles);
    expect(plan3k.extraSettings![0]).toMatchObject({
      path: "logging['logrotate_frequency']",
      field: 'gitlab.extraSettings.all',
    });
    expect(rolesOf(plan3k, "logging['logrotate_frequency']")).toEqual([
      ['rails', 'sidekiq', 'gitaly', 'praefect', 'monitoring'],
    ]);
    expect(rolesOf(plan3k, "gitlab_rails['ldap_enabled']")).toEqual([['rails']]);
    expect(rolesOf(plan3k, "sidekiq['log_format']")).toEqual([['sidekiq']]);
    // The 1k node serves the web and runs Sidekiq: it gets both sections.
    expect(rolesOf(plan1k, "gitlab_rails['ldap_enabled']")).toEqual([['gitlab']]);
    expect(rolesOf(plan1k, "sidekiq['log_format']")).toEqual([['gitlab']]);
    expect(rolesOf(plan1k, "logging['logrotate_rotate']")).toEqual([[]]);
  });

  it('names each referenced secret once, readable by every role that uses it', () => {
    expect(plan3k.externalSecrets).toEqual([
      { id: 'user-1', secret: OIDC_SECRET, key: 'client_secret', readers: ['rails'] },
      { id: 'user-2', secret: LDAP_SECRET_ARN, readers: ['rails', 'sidekiq'] },
    ]);
  });

  it('leaves a Plan without extra settings as it was', () => {
    expect(plain.extraSettings).toBeUndefined();
    expect(plain.externalSecrets).toBeUndefined();
    expect(Object.keys(plain)).not.toContain('extraSettings');
  });

  it('refuses a setting GitLab 19.3 does not have, suggesting the closest', () => {
    const error = specErrorOf(() =>
      planFor({ gitlab: { extraSettings: { rails: { "gitlab_rails['time_zon']": 'UTC' } } } }),
    );
    expect(error.source).toBe('gitlab-aws.yaml');
    expect(error.issues).toEqual([
      {
        path: "gitlab.extraSettings.rails.gitlab_rails['time_zon']",
        message:
          "gitlab_rails['time_zon'] is not a gitlab.rb setting of GitLab 19.3; did you mean gitlab_rails['time_zone']?",
      },
    ]);
  });

  it('refuses deprecated settings and unknown nested keys, with what to use', () => {
    const error = specErrorOf(() =>
      planFor({
        gitlab: {
          extraSettings: {
            all: { "nginx['client_max_body_size']": '0' },
            rails: { "gitlab_rails['ldap_servers']": { main: { hots: 'ldap.example.com' } } },
          },
        },
      }),
    );
    expect(error.issues.map((issue) => issue.message)).toEqual([
      "nginx['client_max_body_size'] is deprecated, use gitlab_rails['nginx']['client_max_body_size']",
      "gitlab_rails['ldap_servers']['main']['hots']: not a known key of gitlab_rails['ldap_servers']",
    ]);
  });

  it("accepts any key under an OmniAuth provider's args, and label and icon beside them", () => {
    const plan = planFor({
      gitlab: {
        extraSettings: {
          rails: {
            "gitlab_rails['omniauth_providers']": [
              { name: 'saml', icon: 'x.png', args: { idp_sso_target_url: 'u' } },
            ],
          },
        },
      },
    });
    expect(plan.extraSettings).toHaveLength(1);
    expect(() =>
      planFor({
        gitlab: { extraSettings: { rails: { "gitlab_rails['omniauth_providers']": [{ nam: 'saml' }] } } },
      }),
    ).toThrow(/\['nam'\]: not a known key/);
  });
});

describe('recorded paths', () => {
  it('walks hashes and hashes in arrays as Ruby records them, stopping at secret references', () => {
    expect(
      recordedPaths("a['b']", { c: [{ d: 1 }, 'x'], e: { secret: 's' } }).map((entry) => entry.path),
    ).toEqual(["a['b']", "a['b']['c']", "a['b']['c'][]['d']", "a['b']['e']"]);
  });

  it('sends sidekiq settings to the web nodes when they run Sidekiq', () => {
    expect(targetRoles('sidekiq', new Set(['rails', 'gitaly']))).toEqual(['rails']);
    expect(targetRoles('sidekiq', new Set(['rails', 'sidekiq']))).toEqual(['sidekiq']);
    expect(targetRoles('praefect', new Set(['rails']))).toEqual([]);
  });
});
