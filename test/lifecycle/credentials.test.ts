// No aws-sdk-client-mock in this file: it exercises the SDK's real credential provider chain.

import { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.js';
import { CREDENTIALS_HINT, requireIdentity } from '../../src/lifecycle/aws.js';
import { withoutAwsCredentials } from '../fixtures/no-aws-credentials.js';

describe('requireIdentity with the real credential chain and no credentials', () => {
  withoutAwsCredentials();

  it('fails fast with one line saying how to provide credentials', async () => {
    const started = Date.now();
    const error = await requireIdentity(new STSClient({ region: 'us-west-2' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`${CREDENTIALS_HINT} (none found)`);
    expect((error as UserError).message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('says a profile named in AWS_PROFILE does not exist, rather than "no credentials"', async () => {
    process.env['AWS_PROFILE'] = 'nonexistent';
    const error = await requireIdentity(new STSClient({ region: 'us-west-2' })).catch((e: unknown) => e);
    expect((error as UserError).message).toBe(
      'AWS_PROFILE=nonexistent: no such profile in /nonexistent/config or /nonexistent/credentials; check the name (`aws configure list-profiles`), or set it up with `aws configure sso --profile nonexistent`',
    );
    const files: Record<string, string> = {
      '/nonexistent/config': '[default]\nregion = us-west-2\n[profile nonexistent]\nsso_session = x\n',
    };
    const defined = await requireIdentity(
      new STSClient({ region: 'us-west-2' }),
      process.env,
      (path) => files[path],
    ).catch((e: unknown) => e);
    expect((defined as UserError).message).toMatch(/^no AWS credentials found/);
  });
});
