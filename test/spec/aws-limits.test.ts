import { describe, expect, it } from 'vitest';
import { parseSpecYaml, SpecError } from '../../src/spec/index.js';

const base = 'name: gitlab-prod\nregion: us-west-2\n';
const domain = 'domain: { name: gitlab.example.com, hostedZone: example.com }\n';

function issuesOf(yaml: string): { path: string; message: string }[] {
  try {
    parseSpecYaml(yaml, 'gitlab-aws.yaml');
  } catch (error) {
    if (error instanceof SpecError) return [...error.issues];
    throw error;
  }
  return [];
}

const tags = (count: number) =>
  `tags:\n${Array.from({ length: count }, (_, index) => `  team${index}: gitlab\n`).join('')}`;

/** For each AWS limit on a single field: a spec AWS would refuse and one it accepts. */
const CASES: Record<string, { path: string; refused: string; accepted: string; fix: RegExp }> = {
  'a VPC range larger than /16': {
    path: 'network.vpcCidr',
    refused: `${base}${domain}network: { vpcCidr: 10.0.0.0/15 }\n`,
    accepted: `${base}${domain}network: { vpcCidr: 10.0.0.0/16 }\n`,
    fix: /use a \/16/,
  },
  'more than 50 tags': {
    path: 'tags',
    refused: base + domain + tags(51),
    accepted: base + domain + tags(50),
    fix: /remove 1/,
  },
  'a tag key with the aws: prefix': {
    path: 'tags',
    refused: `${base}${domain}tags: { "AWS:team": gitlab }\n`,
    accepted: `${base}${domain}tags: { "team:aws": gitlab }\n`,
    fix: /rename it/,
  },
  'a tag key over 128 characters': {
    path: 'tags',
    refused: `${base}${domain}tags: { ${'k'.repeat(129)}: gitlab }\n`,
    accepted: `${base}${domain}tags: { ${'k'.repeat(128)}: gitlab }\n`,
    fix: /shorten it/,
  },
  'a tag value over 256 characters': {
    path: 'tags',
    refused: `${base}${domain}tags: { team: ${'v'.repeat(257)} }\n`,
    accepted: `${base}${domain}tags: { team: ${'v'.repeat(256)} }\n`,
    fix: /shorten it/,
  },
  'a backup cron with five fields': {
    path: 'backups.schedule',
    refused: `${base}${domain}backups: { schedule: "cron(0 2 * * ?)" }\n`,
    accepted: `${base}${domain}backups: { schedule: "cron(0 2 * * ? *)" }\n`,
    fix: /needs 6/,
  },
  'a backup cron with both day fields set': {
    path: 'backups.schedule',
    refused: `${base}${domain}backups: { schedule: "cron(0 2 * * MON *)" }\n`,
    accepted: `${base}${domain}backups: { schedule: "cron(0 2 ? * MON *)" }\n`,
    fix: /\? in exactly one/,
  },
  'a backup cron more often than hourly': {
    path: 'backups.schedule',
    refused: `${base}${domain}backups: { schedule: "cron(0/30 * * * ? *)" }\n`,
    accepted: `${base}${domain}backups: { schedule: "cron(30 * * * ? *)" }\n`,
    fix: /one number 0-59/,
  },
  'a certificate from another region': {
    path: 'domain.certificateArn',
    refused: `${base}domain: { name: gitlab.example.com, certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b-2c3d" }\n`,
    accepted: `${base}domain: { name: gitlab.example.com, certificateArn: "arn:aws:acm:us-west-2:123456789012:certificate/0a1b-2c3d" }\n`,
    fix: /request or import it in us-west-2/,
  },
  'a hosted zone that is not a parent of the domain': {
    path: 'domain.hostedZone',
    refused: `${base}domain: { name: gitlab.example.com, hostedZone: example.org }\n`,
    accepted: `${base}domain: { name: gitlab.example.com, hostedZone: gitlab.example.com }\n`,
    fix: /use the zone the name ends with \(e\.g\. example\.com\)/,
  },
};

describe('AWS limits on a single field are spec errors', () => {
  it.each(Object.entries(CASES))('%s', (_, { path, refused, accepted, fix }) => {
    const issues = issuesOf(refused);
    expect(issues.map((issue) => issue.path)).toEqual([path]);
    expect(issues[0]!.message).toMatch(fix);
    expect(issuesOf(accepted)).toEqual([]);
  });

  it('does not take a zone that merely ends with the same letters for a parent', () => {
    expect(issuesOf(`${base}domain: { name: gitlab.example.com, hostedZone: ample.com }\n`)).toHaveLength(1);
  });
});
