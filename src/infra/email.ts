/**
 * Outbound e-mail through Amazon SES: the From domain as an SES identity with Easy DKIM and a custom
 * MAIL FROM domain, their DNS records in the public hosted zone, and the SMTP credential.
 *
 * Records are written by zone name, like the domain's own record (edge.ts), so no zone lookup is
 * needed at synth. The three DKIM CNAMEs are the tokens SES returns for the identity; the MAIL FROM
 * domain gets SES's feedback MX and an SPF record (SES Developer Guide, "Using a custom MAIL FROM
 * domain", docs.aws.amazon.com/ses/latest/dg/mail-from.html).
 *
 * The SMTP credential is an IAM user's access key that may send as the identity only. Its secret key
 * reaches Secrets Manager through CloudFormation (`Fn::GetAtt` of the key into the secret's value):
 * the template holds the reference, never the key, and nothing prints it. Each node derives the
 * SMTP password from it when gitlab.rb is evaluated (src/config/ruby.ts, SesSmtpCredential), because
 * the derivation is an HMAC chain no template function can compute. The secret is retained like
 * every secret (the Plan decides, src/plan/deletion.ts); user and key go with the stack, and a new
 * deploy makes new ones once `destroy --include-data` has freed the secret's name.
 */
import { SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { EmailPlan } from '../plan/types.js';
import { acknowledge } from './common.js';
import type { RemovalPolicyOf } from './removal-policy.js';

export interface GitLabEmailProps {
  /** The Plan's e-mail. */
  readonly email: EmailPlan;
  /** What deleting the stack does to the credential secret, by Plan id (`secret-smtp-credentials`). */
  readonly removalPolicyOf: RemovalPolicyOf;
}

export class GitLabEmail extends Construct {
  /** The verified domain identity GitLab sends as. */
  readonly identity: ses.EmailIdentity;
  /** The IAM user whose access key is the SMTP credential. */
  readonly smtpUser: iam.User;
  /** The secret holding that access key (`username`, `secretAccessKey`). */
  readonly credentials: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: GitLabEmailProps) {
    super(scope, id);
    const { email } = props;
    const region = Stack.of(this).region;
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: ses.Identity.domain(email.domain),
      mailFromDomain: email.mailFromDomain,
    });
    const record = (name: string, type: string, values: string[], recordId: string) =>
      new route53.CfnRecordSet(this, recordId, {
        hostedZoneName: `${email.hostedZone}.`,
        name,
        type,
        ttl: '1800',
        resourceRecords: values,
      });
    const identity = this.identity;
    record(identity.dkimDnsTokenName1, 'CNAME', [identity.dkimDnsTokenValue1], 'Dkim1');
    record(identity.dkimDnsTokenName2, 'CNAME', [identity.dkimDnsTokenValue2], 'Dkim2');
    record(identity.dkimDnsTokenName3, 'CNAME', [identity.dkimDnsTokenValue3], 'Dkim3');
    record(`${email.mailFromDomain}.`, 'MX', [`10 feedback-smtp.${region}.amazonses.com`], 'MailFromMx');
    record(`${email.mailFromDomain}.`, 'TXT', ['"v=spf1 include:amazonses.com ~all"'], 'MailFromSpf');

    // Named by CloudFormation: the name would be one more to free after a retained stack.
    this.smtpUser = new iam.User(this, 'SmtpUser');
    this.smtpUser.addToPolicy(
      new iam.PolicyStatement({ actions: ['ses:SendRawEmail'], resources: [identity.emailIdentityArn] }),
    );
    const key = new iam.AccessKey(this, 'SmtpKey', { user: this.smtpUser });
    this.credentials = new secretsmanager.Secret(this, 'SmtpCredentials', {
      secretName: email.credentialsSecret.name,
      description: `SES SMTP credential for ${email.domain}: an IAM access key; nodes derive the SMTP password from it`,
      secretObjectValue: {
        username: SecretValue.unsafePlainText(key.accessKeyId),
        secretAccessKey: key.secretAccessKey,
      },
      removalPolicy: props.removalPolicyOf(`secret-${email.credentialsSecret.id}`),
    });
    acknowledge(this, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'SES SMTP needs a long-lived IAM access key; rotating it means a new key, a new secret value and a reconfigure on every Rails and Sidekiq node, an operator runbook rather than a Lambda.',
      },
    ]);
  }

  /** Lets a principal read the SMTP credential. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.credentials.grantRead(grantee);
  }
}
