/** The summary `gitlab-aws plan` prints first: where users find GitLab and its container registry. */
import { describe, expect, it } from 'vitest';
import { externalLoadBalancer } from '../../src/plan/query.js';
import { describeService, renderNodes, renderSummary } from '../../src/report/plan-text.js';
import { planFor } from '../fixtures/plans.js';

describe('the plan summary', () => {
  it('names the container registry URL, on the GitLab domain, and says which optional parts run', () => {
    const plan = planFor({ domain: { name: 'git.example.org', hostedZone: 'example.org' } });
    const summary = renderSummary(plan);
    expect(plan.gitlab.registryUrl).toBe('https://git.example.org:5050');
    expect(summary).toContain(`container registry at ${plan.gitlab.registryUrl}`);
    expect(summary).toContain('KAS on every Rails node');
    expect(summary).toContain('GitLab Pages off');
  });

  it('says where KAS runs: on the Rails nodes, or in the chart with Cloud Native Hybrid', () => {
    const hybrid = planFor({ architecture: { size: '2k', type: 'cloud-native-hybrid' } });
    expect(renderSummary(hybrid)).toContain("KAS in the GitLab chart's pods");
    expect(renderSummary(hybrid)).not.toContain('KAS on every Rails node');
  });

  it('says what backs the environment up and when: the snapshots, and gitlab-backup where a node can run it', () => {
    const single = planFor({ architecture: { size: '1k' }, backups: { schedule: 'cron(15 20 ? * SUN *)' } });
    expect(renderSummary(single).split('\n').at(-1)).toBe(
      '  backups: AWS Backup snapshots cron(15 20 ? * SUN *); gitlab-backup cron(15 8 ? * SUN *) on gitlab-1',
    );
    const cluster = planFor({ architecture: { size: '3k' } });
    expect(renderSummary(cluster).split('\n').at(-1)).toBe(
      '  backups: AWS Backup snapshots cron(0 2 * * ? *); gitlab-backup cron(0 14 * * ? *) on backup-1, repositories streamed by each Gitaly node',
    );
    const hybrid = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    expect(renderSummary(hybrid).split('\n').at(-1)).toBe(
      '  backups: AWS Backup snapshots cron(0 2 * * ? *); gitlab-backup on demand only (no persistent Rails node to schedule it on), repositories streamed by each Gitaly node',
    );
  });

  it('lists the backup node with its archive staging volume, and the Gitaly nodes with their data volumes', () => {
    const rows = renderNodes(planFor({ architecture: { size: '3k' }, database: { storageGiB: 240 } })).split(
      '\n',
    );
    const row = (role: string) => rows.find((line) => line.trimStart().startsWith(`${role} `));
    expect(row('backup')).toMatch(
      /^ {2}backup +1 +m5\.xlarge +4 +16 +1 +0 +0 +240 GiB gp3 archive staging volume each$/,
    );
    expect(row('gitaly')).toContain('500 GiB gp3 data volume each');
  });

  it("shows the hybrid edge as SSH to GitLab Shell's pool and HTTP(S) through the ALB to each host", () => {
    const hybrid = planFor({ architecture: { size: '2k', type: 'cloud-native-hybrid' } });
    const { what, detail } = describeService(externalLoadBalancer(hybrid)!);
    expect(what).toBe('NLB internet-facing + ALB');
    const domain = hybrid.spec.domain.name;
    expect(detail).toBe(
      `22/tcp -> supporting-pool; 80/tcp, 443/tcp -> ALB -> ${domain}, registry.${domain}, kas.${domain}`,
    );
    expect(renderSummary(hybrid)).toContain(`container registry at https://registry.${domain}`);
    const linux = describeService(externalLoadBalancer(planFor({}))!);
    expect(linux.detail).toMatch(/^22\/tcp, 80\/tcp, 443\/tls, 5050\/tls -> \S+ \(/);
  });
});
