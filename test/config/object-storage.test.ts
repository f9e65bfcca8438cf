/**
 * Object storage coherence, for every size x type x AZ count: every object type GitLab 19.3 writes
 * with the features the rendered gitlab.rb turns on has a bucket in the Plan, configured where
 * GitLab reads it, and every bucket of the Plan serves such a type. A bucket for a feature that is
 * off (GitLab Pages) or a type without a bucket (a new one in 19.3) both fail.
 *
 * The object types GitLab 19.3 has, and their settings: gitlabhq/omnibus-gitlab
 * 8bae586ed153bd3598bf6f11dc4cfeaefd693a72 (tag 19.3.0+ee.0), files/gitlab-cookbooks/gitlab/attributes/default.rb
 * (consolidated `object_store` objects), files/gitlab-cookbooks/gitlab/libraries/registry.rb (the
 * registry's own storage) and the `backup_upload_*` settings of the template.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketNameOnNode } from '../../src/config/common.js';
import { gitlabRbFor } from '../../src/config/render.js';
import type { GitlabRb, RubyValue } from '../../src/config/ruby.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans } from '../fixtures/plans.js';
import { called, entries, hasSetting, setting } from './rb-query.js';
import { endpointsFor, webTarget } from './support.js';

/** The consolidated object types of the 19.3 package. */
const CONSOLIDATED_TYPES_19_3 = [
  'artifacts',
  'external_diffs',
  'lfs',
  'uploads',
  'packages',
  'dependency_proxy',
  'terraform_state',
  'ci_secure_files',
  'agent_plan_content',
  'pages',
] as const;

const calls = (rb: GitlabRb, name: string) =>
  rb.list().some((entry) => entry.kind === 'call' && entry.name === name);
const isTrue = (rb: GitlabRb, name: string, ...keys: string[]) =>
  hasSetting(rb, name, ...keys) && setting(rb, name, ...keys) === true;

/** Whether GitLab, as this gitlab.rb configures it, writes objects of a type. */
function writes(rb: GitlabRb, type: string): boolean {
  switch (type) {
    case 'pages':
      return calls(rb, 'pages_external_url') || isTrue(rb, 'gitlab_pages', 'enable');
    case 'external_diffs':
      return isTrue(rb, 'gitlab_rails', 'external_diffs_enabled');
    case 'registry':
      return calls(rb, 'registry_external_url') || isTrue(rb, 'gitlab_rails', 'registry_enabled');
    default:
      // On by default in 19.3, and nothing here turns them off.
      return !hasSetting(rb, 'gitlab_rails', 'object_store', 'objects', type, 'enabled');
  }
}

/** The bucket GitLab is told to use for a type, if any. */
function configuredBucket(rb: GitlabRb, type: string): RubyValue | undefined {
  if (type === 'registry') {
    if (!hasSetting(rb, 'registry', 'storage')) return undefined;
    const s3 = entries(setting(rb, 'registry', 'storage')).s3;
    return s3 === undefined ? undefined : entries(s3).bucket;
  }
  if (type === 'backups') {
    return hasSetting(rb, 'gitlab_rails', 'backup_upload_remote_directory')
      ? setting(rb, 'gitlab_rails', 'backup_upload_remote_directory')
      : undefined;
  }
  return hasSetting(rb, 'gitlab_rails', 'object_store', 'objects', type, 'bucket')
    ? setting(rb, 'gitlab_rails', 'object_store', 'objects', type, 'bucket')
    : undefined;
}

function bucketsOf(plan: Plan) {
  return plan.services.flatMap((service) => (service.kind === 's3' ? service.buckets : []));
}

describe('object storage of every size x type x AZ count', () => {
  let plans: { name: string; plan: Plan; type: string; size: string }[] = [];
  beforeAll(() => {
    plans = allPlans().map(({ combination, plan }) => ({
      name: `${combination.size} ${combination.type} ${combination.availabilityZones}az`,
      plan,
      type: combination.type,
      size: combination.size,
    }));
  });

  it('gives every object type the web nodes write one bucket, configured, and no bucket to anything else', () => {
    const problems: string[] = [];
    for (const { name, plan } of plans.filter(({ type }) => type === 'linux-package')) {
      const web = webTarget(plan);
      const rb = gitlabRbFor(plan, web, endpointsFor(web));
      expect(called(rb, 'external_url')).toBe(plan.gitlab.externalUrl);
      const written = [...CONSOLIDATED_TYPES_19_3, 'registry', 'backups'].filter(
        (type) => type === 'backups' || writes(rb, type),
      );
      const buckets = bucketsOf(plan);
      for (const type of written) {
        const bucket = buckets.filter((candidate) => candidate.purpose === type);
        if (bucket.length !== 1)
          problems.push(`${name}: ${type} is written and has ${bucket.length} buckets`);
        else if (
          JSON.stringify(configuredBucket(rb, type)) !==
          JSON.stringify(bucketNameOnNode(bucket[0]!.bucketName))
        )
          problems.push(`${name}: ${type} is not told its bucket ${bucket[0]!.bucketName}`);
      }
      for (const bucket of buckets) {
        if (!written.includes(bucket.purpose))
          problems.push(
            `${name}: bucket ${bucket.bucketName} serves ${bucket.purpose}, which is not written`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives Cloud Native Hybrid the same buckets as the Linux package at the same size', () => {
    const purposes = (plan: Plan) => bucketsOf(plan).map((bucket) => bucket.purpose);
    for (const hybrid of plans.filter(({ type }) => type === 'cloud-native-hybrid')) {
      const linux = plans.find(({ type, size }) => type === 'linux-package' && size === hybrid.size)!;
      expect(purposes(hybrid.plan), hybrid.name).toEqual(purposes(linux.plan));
    }
  });
});
