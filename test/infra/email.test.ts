/**
 * E-mail through Amazon SES in the templates: the identity with Easy DKIM and its records in the
 * hosted zone, an SMTP user that may send as the identity only, and its key reaching Secrets
 * Manager by reference, never as text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../fixtures/plans.js';
import { type Json, resourcesOf, type Synthesized, synthesize } from './synth.js';

describe('e-mail through Amazon SES', () => {
  let synth: Synthesized;
  let without: Synthesized;
  beforeAll(() => {
    synth = synthesize(planFor({ architecture: { size: '3k' } }));
    without = synthesize(planFor({ architecture: { size: '3k' }, email: { enabled: false } }));
  });

  it('verifies the From domain with Easy DKIM and a MAIL FROM domain', () => {
    const [[, identity]] = resourcesOf(synth.json.data, 'AWS::SES::EmailIdentity') as [[string, Json]];
    expect(identity.Properties.EmailIdentity).toBe('gitlab.example.com');
    expect(identity.Properties.MailFromAttributes).toMatchObject({
      MailFromDomain: 'bounce.gitlab.example.com',
    });
  });

  it('writes three DKIM CNAMEs from the identity and the MAIL FROM MX and SPF into the hosted zone', () => {
    // The public zone's records (the private zone's name the databases).
    const records = resourcesOf(synth.json.data, 'AWS::Route53::RecordSet')
      .map(([, record]) => record.Properties as Json)
      .filter((record) => record.HostedZoneId === undefined);
    for (const record of records) expect(record.HostedZoneName).toBe('example.com.');
    const cnames = records.filter((record) => record.Type === 'CNAME');
    expect(cnames.map((record) => record.Name['Fn::GetAtt'][1]).sort()).toEqual([
      'DkimDNSTokenName1',
      'DkimDNSTokenName2',
      'DkimDNSTokenName3',
    ]);
    expect(records.find((record) => record.Type === 'MX')).toMatchObject({
      Name: 'bounce.gitlab.example.com.',
      ResourceRecords: ['10 feedback-smtp.us-west-2.amazonses.com'],
    });
    expect(records.find((record) => record.Type === 'TXT')?.ResourceRecords).toEqual([
      '"v=spf1 include:amazonses.com ~all"',
    ]);
  });

  it('lets the SMTP user send as the identity and do nothing else', () => {
    const policies = resourcesOf(synth.json.data, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('EmailSmtpUser'),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties as Json).PolicyDocument.Statement as Json[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: 'ses:SendRawEmail', Effect: 'Allow' });
    // arn:<partition>:ses:<region>:<account>:identity/<the identity's Ref>
    const resource = JSON.stringify(statements[0].Resource);
    expect(resource).toContain(':identity/');
    expect(resource).toMatch(/\{"Ref":"EmailIdentity[0-9A-F]+"\}/);
  });

  it('stores the access key in Secrets Manager by reference only, retained like every secret', () => {
    const [, secret] = resourcesOf(synth.json.data, 'AWS::SecretsManager::Secret').find(
      ([, candidate]) => candidate.Properties!.Name === 'gitlab-test/smtp-credentials',
    )!;
    const value = JSON.stringify(secret.Properties!.SecretString);
    expect(value).toMatch(/"Fn::GetAtt":\["EmailSmtpKey[0-9A-F]+","SecretAccessKey"\]/);
    expect(value).toMatch(/"Ref":"EmailSmtpKey[0-9A-F]+"/);
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(
      synth.plan.statefulResources.find((resource) => resource.id === 'secret-smtp-credentials'),
    ).toMatchObject({
      onStackDelete: 'retain',
      physicalName: 'gitlab-test/smtp-credentials',
    });
    // No output or other resource carries the key.
    for (const json of Object.values(synth.json)) {
      for (const output of Object.values(json.Outputs ?? {}))
        expect(JSON.stringify(output)).not.toContain('SecretAccessKey');
    }
  });

  it('creates none of it when e-mail is off', () => {
    expect(resourcesOf(without.json.data, 'AWS::SES::EmailIdentity')).toEqual([]);
    expect(resourcesOf(without.json.data, 'AWS::IAM::User')).toEqual([]);
  });
});
