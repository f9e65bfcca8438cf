/**
 * Read access to secrets named by name rather than held by the data stack's GitLabSecrets: the
 * user's own (the Plan's `externalSecrets`, named in `gitlab.extraSettings`) and the SES SMTP
 * credential. Each role may read exactly the secrets its settings reference, and no other secret of
 * the account. Granting by name keeps the compute stack free of references to these secrets.
 *
 * A secret named by its name is matched with the six characters Secrets Manager appends to every
 * secret's ARN (`<name>-??????`), so a longer name that starts the same stays out of reach (Secrets
 * Manager User Guide, "Secret ARN", docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html).
 * No KMS permission is added: a secret encrypted with the account's `aws/secretsmanager` key is
 * decrypted through Secrets Manager under that key's own policy; a secret under a customer managed
 * key needs that key's policy to let the instance role decrypt it (the README says so).
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ExternalSecretPlan } from '../plan/types.js';
import type { InstanceRoles } from './roles.js';

export interface ExternalSecretGrantsProps {
  /** The roles granted to, one per GitLab role with instances. */
  readonly instanceRoles: InstanceRoles;
  /** The secrets, by name or ARN, each naming the roles that read it. */
  readonly secrets: readonly Pick<ExternalSecretPlan, 'secret' | 'readers'>[];
}

/** The ARNs IAM matches for a secret given by name or by ARN (with or without its suffix). */
export function externalSecretArns(scope: Construct, secret: string): string[] {
  if (secret.startsWith('arn:')) return [secret, `${secret}-??????`];
  return [
    Stack.of(scope).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secret}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  ];
}

/** Lets each role read the secrets that name it as a reader. */
export function grantExternalSecrets(scope: Construct, props: ExternalSecretGrantsProps): void {
  for (const secret of props.secrets) {
    for (const reader of secret.readers) {
      for (const role of props.instanceRoles.allOf(reader)) {
        iam.Grant.addToPrincipal({
          grantee: role,
          actions: ['secretsmanager:GetSecretValue'],
          resourceArns: externalSecretArns(scope, secret.secret),
        });
      }
    }
  }
}
