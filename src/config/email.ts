/**
 * GitLab's outbound e-mail through Amazon SES over SMTP, on the nodes that run GitLab's Rails code.
 * The settings are those of GitLab's SMTP page for Amazon SES (gitlabhq/omnibus-gitlab
 * 21edfc6a0a02500b7c6a905f0fc31852a2dca733, doc/settings/smtp.md, "Amazon Simple Email Service
 * (AWS SES)", STARTTLS on 587, LOGIN authentication) and the sender settings of the same page's
 * examples (gitlab_email_from, gitlab_email_display_name, gitlab_email_reply_to). The credential is
 * read from its secret file when gitlab.rb is evaluated: never part of the text.
 */
import type { RoleId } from '../catalog/types.js';
import type { Plan } from '../plan/types.js';
import { type GitlabRb, SesSmtpCredential } from './ruby.js';

/** Appends the SMTP settings for a role's nodes, when the Plan sends e-mail and the role sends it. */
export function emailSettingsFor(rb: GitlabRb, plan: Plan, role: RoleId): GitlabRb {
  const email = plan.email;
  if (!email?.credentialsSecret.readers.includes(role)) return rb;
  const { id } = email.credentialsSecret;
  return rb
    .comment(`E-mail: Amazon SES (${email.domain}, verified with DKIM), SMTP with STARTTLS`)
    .set('gitlab_rails', ['smtp_enable'], true)
    .set('gitlab_rails', ['smtp_address'], email.smtpHost)
    .set('gitlab_rails', ['smtp_port'], email.smtpPort)
    .set('gitlab_rails', ['smtp_user_name'], new SesSmtpCredential(id, 'user-name', plan.region))
    .set('gitlab_rails', ['smtp_password'], new SesSmtpCredential(id, 'password', plan.region))
    .set('gitlab_rails', ['smtp_domain'], email.domain)
    .set('gitlab_rails', ['smtp_authentication'], 'login')
    .set('gitlab_rails', ['smtp_enable_starttls_auto'], true)
    .set('gitlab_rails', ['gitlab_email_enabled'], true)
    .set('gitlab_rails', ['gitlab_email_from'], email.from)
    .set('gitlab_rails', ['gitlab_email_display_name'], email.displayName)
    .set('gitlab_rails', ['gitlab_email_reply_to'], email.replyTo);
}
