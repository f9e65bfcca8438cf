import { describe, expect, it } from 'vitest';
import { planToDot } from '../../src/report/diagram.js';
import { dotToSvg, svgToPng } from '../../src/report/diagram-render.js';
import { boxZones } from '../fixtures/diagram.js';
import { allPlans, planFor } from '../fixtures/plans.js';

/** Every role and service of a plan, as the diagram must name them. */
function namesOf(plan: ReturnType<typeof planFor>): string[] {
  const roles = new Set<string>(plan.nodes.map((node) => node.role));
  for (const service of plan.services) {
    if (service.kind === 'eks') for (const group of service.nodeGroups) roles.add(group.role);
    else roles.add(service.role);
  }
  return [...roles, ...plan.availabilityZones];
}

describe('architecture diagram', () => {
  it('names every role and AZ of every size, type and AZ count', async () => {
    for (const { combination, plan } of allPlans()) {
      // Graphviz writes '-' as a character reference in text.
      const svg = (await dotToSvg(planToDot(plan))).replaceAll('&#45;', '-');
      const label = `${combination.size} ${combination.type} ${combination.availabilityZones} AZs`;
      expect(svg, label).toMatch(/^<\?xml|<svg/);
      for (const name of namesOf(plan)) expect(svg, `${label}: ${name}`).toContain(name);
    }
  }, 60_000);

  it('labels each EKS pool with its bounds and what the chart runs there, and the control plane with its add-ons', () => {
    const plan = planFor({ architecture: { size: '3k', type: 'cloud-native-hybrid' } });
    const eks = plan.services.find((service) => service.kind === 'eks')!;
    const dot = planToDot(plan);
    if (eks.kind !== 'eks') throw new Error('no EKS');
    for (const group of eks.nodeGroups) {
      expect(dot).toContain(`${group.role} (EKS node group, ${group.minSize}-${group.maxSize} nodes)`);
    }
    const web = eks.nodeGroups.find((group) => group.role === 'webservice-pool')!;
    expect(dot).toContain(
      `webservice-pool (EKS node group, ${web.minSize}-${web.maxSize} nodes)\\nGitLab webservice (Puma, Workhorse)`,
    );
    expect(dot).toMatch(/sidekiq-pool \(EKS node group, \d+-\d+ nodes\)\\nGitLab Sidekiq\\n/);
    expect(dot).toContain('add-ons: vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver');
    expect(dot).toContain('Helm: aws-load-balancer-controller, cluster-autoscaler, metrics-server');
    // The VMs beside the cluster keep their own boxes.
    expect(dot).toContain('gitaly-1\\nm5.xlarge');
    expect(dot).toContain('praefect-1\\nc5.large');
  });

  it('draws every EKS pool of every hybrid Plan at its instance type and desired count, spread over the AZs', () => {
    const hybrid = allPlans().filter(({ plan }) => plan.architecture.type === 'cloud-native-hybrid');
    expect(hybrid.length).toBeGreaterThan(0);
    for (const { combination, plan } of hybrid) {
      const name = `${combination.size} in ${combination.availabilityZones} AZs`;
      const dot = planToDot(plan);
      const zones = boxZones(dot);
      // Each box as the reader sees it: its label's lines, and the AZ column it is drawn in.
      const boxes = [...dot.matchAll(/^\s+(\w+) \[label="((?:[^"\\]|\\.)*)"/gm)].map(([, id, label]) => ({
        zone: zones.get(id!) ?? null,
        lines: label!.split('\\n'),
      }));
      const eks = plan.services.find((service) => service.kind === 'eks');
      if (eks?.kind !== 'eks') throw new Error(`${name}: no EKS`);
      expect(eks.nodeGroups.length, name).toBe(3);
      for (const group of eks.nodeGroups) {
        const drawn = boxes.filter((box) => box.lines[0]!.startsWith(`${group.role} (EKS node group`));
        // One box per AZ the pool has nodes in, in an AZ column, each `n x <type>` (or the type alone for one).
        const counts = drawn.map((box) => {
          const match = /^(?:(\d+) x )?(\S+)$/.exec(box.lines.at(-1)!);
          expect(match?.[2], `${name} ${group.role}: ${box.lines.join(' / ')}`).toBe(group.instanceType);
          expect(box.zone, `${name} ${group.role}`).not.toBeNull();
          return Number(match?.[1] ?? 1);
        });
        expect(new Set(drawn.map((box) => box.zone)).size, `${name} ${group.role}`).toBe(drawn.length);
        expect(
          counts.reduce((sum, count) => sum + count, 0),
          `${name} ${group.role}`,
        ).toBe(group.desiredSize);
        expect(drawn.length, `${name} ${group.role}`).toBe(
          Math.min(group.desiredSize, plan.availabilityZones.length),
        );
        expect(Math.max(...counts) - Math.min(...counts), `${name} ${group.role}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('groups identical nodes of an AZ into one box with a count', () => {
    // 50k: 12 Rails c5.9xlarge over 3 AZs -> one box of 4 per AZ, not 12 boxes.
    const dot = planToDot(planFor({ architecture: { size: '50k' } }));
    expect(dot.match(/rails \(auto scaling group\)\\n4 x c5\.9xlarge/g)).toHaveLength(3);
    expect(dot).not.toContain('rails-12');
  });

  it('draws bastions in public subnets, the Multi-AZ database as AWS places it, and the traffic arrows', () => {
    const dot = planToDot(planFor({ architecture: { size: '3k' }, access: { admin: 'bastion' } }));
    expect(dot).toMatch(/subgraph cluster_public_us_west_2a \{[^}]*bastion-1/);
    // CloudFormation cannot pin a Multi-AZ instance's AZ: the diagram must not claim one.
    expect(dot).toMatch(
      /rds_postgres_primary \[label="RDS postgres primary \+ standby[^"]*AZs chosen by AWS: standby in another AZ/,
    );
    expect(dot).toContain('rails_us_west_2a_c5_2xlarge -> rds_postgres_primary');
    expect(dot).not.toContain('SSM Session Manager');
    expect(dot).toContain('users -> nlb_external');
    expect(dot).toContain('nlb_external -> rails_us_west_2a_c5_2xlarge');
    expect(dot).toContain('rails_us_west_2a_c5_2xlarge -> nlb_internal');
    expect(dot).toContain('rails_us_west_2a_c5_2xlarge -> s3');
    expect(dot).toContain('nlb_internal -> praefect_us_west_2a_c5_large');
    // Praefect's own Multi-AZ instance, reached by Praefect only.
    expect(dot).toMatch(
      /rds_praefect_postgres_primary \[label="RDS praefect-postgres primary \+ standby[^"]*AZs chosen by AWS[^"]*db\.m6i\.large/,
    );
    expect(dot).toContain('praefect_us_west_2a_c5_large -> rds_praefect_postgres_primary');
    expect(dot).not.toContain('rails_us_west_2a_c5_2xlarge -> rds_praefect_postgres_primary');
    const single = planToDot(planFor({ architecture: { size: '2k' } }));
    expect(single).not.toContain('rds_praefect_postgres_primary');
    // The backup node reaches the database, the repositories and S3; nothing reaches it.
    expect(dot).toMatch(
      /backup_us_west_2a_m5_xlarge \[label="backup-1\\nm5\.xlarge\\n100 GiB gp3 backup-staging"/,
    );
    for (const target of ['nlb_internal', 'rds_postgres_primary', 's3'])
      expect(dot).toContain(`backup_us_west_2a_m5_xlarge -> ${target}`);
    expect(single).toContain('backup_us_west_2a_m5_xlarge -> gitaly_us_west_2a_m5_xlarge');
    // Only the invisible edges that stack the boxes of a column end at it.
    expect(
      dot.split('\n').filter((line) => /-> backup_/.test(line) && !line.includes('style=invis')),
    ).toEqual([]);
  });

  it.each(
    allPlans()
      .filter(({ plan }) => plan.services.some((service) => service.kind === 'rds'))
      .map(({ combination, plan }) => ({ ...combination, plan })),
  )(
    'places RDS and ElastiCache members where the Plan does: $size $type $availabilityZones AZs',
    ({ plan }) => {
      const zoneOf = boxZones(planToDot(plan));
      const members = plan.services.flatMap((service) =>
        service.kind === 'rds'
          ? service.members.map((member) => ({ member, box: `rds_${member.id}` }))
          : service.kind === 'elasticache'
            ? service.members.map((member) => ({ member, box: `cache_${member.id}` }))
            : [],
      );
      expect(members.length).toBeGreaterThan(0);
      for (const { member, box } of members) {
        const id = box.replace(/[^A-Za-z0-9_]/g, '_');
        if (member.placement === 'pinned')
          expect(zoneOf.get(id), member.id).toBe(member.availabilityZone?.replace(/[^A-Za-z0-9_]/g, '_'));
        // AWS chooses the AZ: the member is drawn (in its primary's box) outside every AZ column.
        else if (member.role === 'primary') expect(zoneOf.get(id), member.id).toBe(null);
        else expect(zoneOf.has(id), member.id).toBe(false);
      }
    },
  );

  it('draws the 1k node with its bundled data services, and no RDS or ElastiCache', () => {
    const plan = planFor({ architecture: { size: '1k' } });
    const dot = planToDot(plan);
    const node = plan.nodes[0]!;
    const box = dot.split('\n').find((line) => line.includes(`label="${node.id}\\n`));
    expect(box).toContain('bundled PostgreSQL, Redis, Gitaly');
    expect(box).toContain(`${node.volumes[1]!.sizeGiB} GiB gp3 gitlab-data`);
    expect(dot).not.toMatch(/\brds_|\bcache_/);
    expect(dot).toContain(`nlb_external -> ${node.role}_`);
  });

  it('renders a PNG', async () => {
    const png = await svgToPng(await dotToSvg(planToDot(planFor({ architecture: { size: 'poc' } }))), 600);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(600);
  });
});
