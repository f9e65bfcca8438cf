import { describe, expect, it } from 'vitest';
import { bootTargets, renderGitlabRb } from '../../src/config/index.js';
import { endpointsFor } from '../config/support.js';
import { specErrorOf } from '../fixtures/errors.js';
import { planFor } from '../fixtures/plans.js';

describe('e-mail through Amazon SES', () => {
  it('is on by default when the spec names its hosted zone, sending as the GitLab domain', () => {
    const plan = planFor({});
    expect(plan.email).toEqual({
      domain: 'gitlab.example.com',
      hostedZone: 'example.com',
      mailFromDomain: 'bounce.gitlab.example.com',
      from: 'gitlab@gitlab.example.com',
      displayName: 'GitLab',
      replyTo: 'noreply@gitlab.example.com',
      smtpHost: 'email-smtp.us-west-2.amazonaws.com',
      smtpPort: 587,
      credentialsSecret: {
        id: 'smtp-credentials',
        name: 'gitlab-test/smtp-credentials',
        readers: ['rails', 'sidekiq'],
      },
    });
  });

  it('is off without a hosted zone or when turned off, and on when asked for', () => {
    expect(planFor({ domain: { name: 'gitlab.example.com', hostedZone: undefined } }).email).toBeUndefined();
    expect(planFor({ email: { enabled: false } }).email).toBeUndefined();
    expect(
      planFor({ domain: { name: 'gitlab.example.com', hostedZone: undefined }, email: { enabled: true } })
        .email?.hostedZone,
    ).toBe('example.com');
  });

  it('sends from the address asked for, whose domain is verified', () => {
    const email = planFor({
      email: { from: 'git@mail.example.com', displayName: 'Our Git', replyTo: 'help@example.com' },
    }).email!;
    expect(email).toMatchObject({
      domain: 'mail.example.com',
      mailFromDomain: 'bounce.mail.example.com',
      from: 'git@mail.example.com',
      displayName: 'Our Git',
      replyTo: 'help@example.com',
    });
  });

  it('refuses a From address outside the hosted zone, where its DKIM records cannot go', () => {
    const error = specErrorOf(() => planFor({ email: { from: 'git@example.org' } }));
    expect(error.issues[0]).toMatchObject({ path: 'email.from' });
    expect(error.issues[0]!.message).toMatch(/is not in the hosted zone example\.com/);
    expect(planFor({ email: { enabled: false, from: 'git@example.org' } }).email).toBeUndefined();
  });

  it('gives the Rails-code nodes SMTP settings read from the credentials secret, no other node', () => {
    const plan = planFor({ architecture: { size: '3k' } });
    for (const target of bootTargets(plan)) {
      const rb = renderGitlabRb(plan, target, endpointsFor(target));
      const role = target.kind === 'group' ? target.group.role : target.node.role;
      if (role === 'rails' || role === 'sidekiq') {
        expect(rb).toContain("gitlab_rails['smtp_address'] = 'email-smtp.us-west-2.amazonaws.com'");
        expect(rb).toContain("gitlab_rails['smtp_port'] = 587");
        expect(rb).toContain("gitlab_rails['smtp_authentication'] = 'login'");
        expect(rb).toContain("gitlab_rails['gitlab_email_from'] = 'gitlab@gitlab.example.com'");
        expect(rb).toMatch(
          /gitlab_rails\['smtp_password'\] = \(require 'openssl'; .*File\.read\('\/etc\/gitlab\/aws-secrets\/smtp-credentials'\)/,
        );
      } else {
        expect(rb).not.toContain('smtp_');
      }
    }
  });
});
