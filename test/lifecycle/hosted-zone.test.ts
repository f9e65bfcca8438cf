import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { Route53HostedZoneFinder, requireHostedZoneId } from '../../src/lifecycle/hosted-zone.js';
import { planFor } from '../fixtures/plans.js';

describe('requireHostedZoneId', () => {
  const route53 = mockClient(Route53Client);
  const finder = new Route53HostedZoneFinder(new Route53Client({ region: 'us-east-1' }));
  beforeEach(() => route53.reset());

  it("finds the public zone of the domain's parent, skipping a private zone of the same name", async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [
        {
          Id: '/hostedzone/ZPRIVATE',
          Name: 'example.org.',
          CallerReference: 'a',
          Config: { PrivateZone: true },
        },
        {
          Id: '/hostedzone/ZPUBLIC',
          Name: 'example.org.',
          CallerReference: 'b',
          Config: { PrivateZone: false },
        },
        { Id: '/hostedzone/ZOTHER', Name: 'example.org.uk.', CallerReference: 'c' },
      ],
    });
    expect(
      await requireHostedZoneId(
        planFor({ domain: { name: 'git.example.org', hostedZone: undefined } }),
        finder,
      ),
    ).toBe('ZPUBLIC');
    expect(route53.commandCalls(ListHostedZonesByNameCommand)[0]!.args[0].input.DNSName).toBe('example.org.');
  });

  it('looks up the zone the spec names', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [{ Id: '/hostedzone/ZSUB', Name: 'dev.example.org.', CallerReference: 'a' }],
    });
    const plan = planFor({ domain: { name: 'git.team.dev.example.org', hostedZone: 'dev.example.org' } });
    expect(await requireHostedZoneId(plan, finder)).toBe('ZSUB');
    expect(route53.commandCalls(ListHostedZonesByNameCommand)[0]!.args[0].input.DNSName).toBe(
      'dev.example.org.',
    );
  });

  it('refuses in one line when the account has no such zone', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [{ Id: '/hostedzone/ZNEXT', Name: 'example.com.', CallerReference: 'a' }],
    });
    const attempt = requireHostedZoneId(
      planFor({ domain: { name: 'git.example.org', hostedZone: undefined } }),
      finder,
    );
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toThrow(
      /^deploy refused: no public Route 53 hosted zone example\.org in this account;[^\n]*$/,
    );
  });
});
