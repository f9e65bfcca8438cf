// No aws-sdk-client-mock in this file: it exercises the SDK's real credential provider chain.
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.js';
import { CREDENTIALS_HINT, requireIdentity } from '../../src/lifecycle/aws.js';

describe('requireIdentity with the real credential chain and no credentials', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/config';
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/credentials';
    process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails fast with one line saying how to provide credentials', async () => {
    const started = Date.now();
    const error = await requireIdentity(new STSClient({ region: 'us-west-2' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`${CREDENTIALS_HINT} (none found)`);
    expect((error as UserError).message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
