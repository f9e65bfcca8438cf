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
});
