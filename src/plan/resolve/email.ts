/**
 * Outbound e-mail through Amazon SES, the e-mail service GitLab's SMTP page lists for AWS
 * (gitlabhq/omnibus-gitlab 21edfc6a0a02500b7c6a905f0fc31852a2dca733, doc/settings/smtp.md,
 * "Amazon Simple Email Service (AWS SES)": the regional `email-smtp` endpoint, port 587 with
 * STARTTLS, LOGIN authentication, and egress on 587 allowed).
 *
 * On when `email.enabled` says so, else when the spec names its hosted zone (the DKIM records need
 * one). The From domain is verified with Easy DKIM; a MAIL FROM subdomain (`bounce.`) makes the
 * envelope sender the user's own domain, so SPF aligns too. The SMTP credential is an IAM user's
 * access key: its id is the SMTP user name and the password is derived from its secret key
 * (SES Developer Guide, "Obtaining Amazon SES SMTP credentials",
 * docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html), on each node, at reconfigure.
 */
import type { RoleId } from '../../catalog/types.js';
import { emailEnabled, type Spec } from '../../spec/schema.js';
import type { EmailPlan } from '../types.js';
import { RAILS_CODE_ROLES } from './context.js';

/** Roles that send mail: those running GitLab's Rails code on EC2. */
const SENDING_ROLES: readonly RoleId[] = RAILS_CODE_ROLES.filter((role) => !role.endsWith('-pool'));

/** The Plan's e-mail, or undefined when it is off. */
export function planEmail(spec: Spec, roles: ReadonlySet<RoleId>): EmailPlan | undefined {
  if (!emailEnabled(spec)) return undefined;
  const from = spec.email?.from ?? `gitlab@${spec.domain.name}`;
  const domain = from.split('@')[1]!;
  return {
    domain,
    hostedZone: spec.domain.hostedZone ?? spec.domain.name.split('.').slice(1).join('.'),
    mailFromDomain: `bounce.${domain}`,
    from,
    displayName: spec.email?.displayName ?? 'GitLab',
    replyTo: spec.email?.replyTo ?? `noreply@${spec.domain.name}`,
    smtpHost: `email-smtp.${spec.region}.amazonaws.com`,
    smtpPort: 587,
    credentialsSecret: {
      id: 'smtp-credentials',
      name: `${spec.name}/smtp-credentials`,
      readers: SENDING_ROLES.filter((role) => roles.has(role)),
    },
  };
}
