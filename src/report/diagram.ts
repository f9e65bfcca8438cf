/**
 * Plan -> Graphviz DOT of the planned environment, drawn like the diagram in GitLab's AWS guide: the
 * VPC with one column per AZ (public subnet above private subnet), the NLBs, bastions or Session
 * Manager, Rails and Sidekiq groups, Gitaly and Praefect, RDS and ElastiCache members, S3, and the
 * traffic arrows. Pure: the layout engine runs elsewhere (diagram-render.ts).
 *
 * Identical nodes of a role in one AZ are one box, "4 x c5.9xlarge", so a 50k plan stays readable.
 */
import { ROLE_IDS, type RoleId } from '../catalog/types.js';
import { externalLoadBalancer, internalLoadBalancer, servicesOf } from '../plan/query.js';
import type { ElastiCacheService, Plan, PlanNode, RdsService, ServiceMemberPlan } from '../plan/types.js';

/** Graphviz has DejaVu Sans metrics built in; the SVG falls back to Verdana (same widths) elsewhere. */
export const DIAGRAM_FONT = 'DejaVu Sans';
const FONT = DIAGRAM_FONT;
const COLORS = {
  vpc: '#8c4fff',
  publicSubnet: '#e9f3e6',
  privateSubnet: '#e6f2f8',
  compute: '#fff4e5',
  data: '#ebe5fb',
  edge: '#f9e6ea',
  external: '#f5f5f5',
} as const;

/** What a box is, for its colour. */
type BoxKind = keyof Pick<typeof COLORS, 'compute' | 'data' | 'edge' | 'external'>;

interface Box {
  readonly id: string;
  readonly lines: readonly string[];
  readonly kind: BoxKind;
  readonly shape?: 'box' | 'cylinder' | 'ellipse';
}

/** Roles drawn first (top) in each private subnet; the rest follow in ROLE_IDS order. */
const PRIVATE_ROLE_ORDER: readonly RoleId[] = [
  'rails',
  'gitlab',
  'webservice-pool',
  'sidekiq',
  'sidekiq-pool',
  'supporting-pool',
  'praefect',
  'gitaly',
  'monitoring',
];

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function dotId(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

function renderBox(box: Box, indent: string): string {
  const label = box.lines.map((text) => text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')).join('\\n');
  const shape = box.shape ?? 'box';
  const style = shape === 'box' ? 'rounded,filled' : 'filled';
  return `${indent}${box.id} [label="${label}", shape=${shape}, style="${style}", fillcolor="${COLORS[box.kind]}"];`;
}

/** Count and type of a set of identical machines, e.g. "4 x c5.9xlarge". */
function countLabel(count: number, instanceType: string): string {
  return count === 1 ? instanceType : `${count} x ${instanceType}`;
}

function nodeBoxes(plan: Plan, zone: string, subnet: 'public' | 'private'): Box[] {
  const here = plan.nodes.filter((node) => node.availabilityZone === zone && node.subnet === subnet);
  const order = [...PRIVATE_ROLE_ORDER, ...ROLE_IDS.filter((role) => !PRIVATE_ROLE_ORDER.includes(role))];
  const boxes: Box[] = [];
  for (const role of order) {
    const nodes = here.filter((node) => node.role === role);
    const byType = new Map<string, PlanNode[]>();
    for (const node of nodes) byType.set(node.instanceType, [...(byType.get(node.instanceType) ?? []), node]);
    for (const [instanceType, members] of byType) {
      const first = members[0]!;
      const title = first.autoScalingGroup
        ? `${role} (auto scaling group)`
        : members.length <= 2
          ? members.map((member) => member.id).join(', ')
          : role;
      const volume = first.volumes.find((candidate) => candidate.purpose !== 'root');
      boxes.push({
        id: dotId(role, zone, instanceType),
        lines: [
          title,
          countLabel(members.length, instanceType),
          ...(volume ? [`${volume.sizeGiB} GiB ${volume.type} ${volume.purpose}`] : []),
          ...(first.processBudget && first.processBudget.bundledServicesGiB > 0
            ? ['bundled PostgreSQL, Redis, Gitaly']
            : []),
        ],
        kind: 'compute',
      });
    }
  }
  return boxes;
}

/** What the GitLab chart runs on each pool (the reference architectures' Cloud Native Hybrid tables). */
const POOL_WORKLOADS: Readonly<Record<string, string>> = {
  'webservice-pool': 'GitLab webservice (Puma, Workhorse)',
  'sidekiq-pool': 'GitLab Sidekiq',
  'supporting-pool': 'NGINX ingress, GitLab Shell, KAS, registry, add-ons',
};

/** EKS node groups spread evenly over the AZs, as managed node groups place them. */
function nodeGroupBoxes(plan: Plan, zoneIndex: number): Box[] {
  const zone = plan.availabilityZones[zoneIndex]!;
  const zones = plan.availabilityZones.length;
  return servicesOf(plan, 'eks').flatMap((service) =>
    service.nodeGroups.flatMap((group) => {
      const count = Math.floor(group.desiredSize / zones) + (zoneIndex < group.desiredSize % zones ? 1 : 0);
      return count === 0
        ? []
        : [
            {
              id: dotId(group.role, zone),
              lines: [
                `${group.role} (EKS node group, ${group.minSize}-${group.maxSize} nodes)`,
                POOL_WORKLOADS[group.role] ?? group.role,
                countLabel(count, group.instanceType),
              ],
              kind: 'compute' as const,
            },
          ];
    }),
  );
}

/**
 * RDS and ElastiCache members where the Plan places them: pinned members in their AZ's private
 * subnet; members whose AZ AWS chooses (a Multi-AZ instance's primary and standby) in one box
 * outside the AZ columns that says so, never in an AZ the templates do not pin.
 */
function memberBoxes(plan: Plan): { byZone: Map<string, Box[]>; unplaced: Box[] } {
  const byZone = new Map<string, Box[]>();
  const unplaced: Box[] = [];
  const place = (member: ServiceMemberPlan, box: Box) => {
    if (member.availabilityZone === undefined) unplaced.push(box);
    else byZone.set(member.availabilityZone, [...(byZone.get(member.availabilityZone) ?? []), box]);
  };
  for (const service of plan.services) {
    const boxes =
      service.kind === 'rds'
        ? databaseMemberBoxes(service)
        : service.kind === 'elasticache'
          ? cacheMemberBoxes(service)
          : [];
    for (const [member, box] of boxes) place(member, box);
  }
  return { byZone, unplaced };
}

function databaseMemberBoxes(rds: RdsService): [ServiceMemberPlan, Box][] {
  const chosen = rds.members.filter((member) => member.placement === 'chosen-by-aws');
  const primary = rds.members.find((member) => member.role === 'primary');
  const boxes: [ServiceMemberPlan, Box][] = [];
  if (primary && chosen.includes(primary)) {
    const standby = chosen.some((member) => member.role === 'standby');
    boxes.push([
      primary,
      {
        id: dotId('rds', primary.id),
        lines: [
          standby ? `RDS ${rds.role} primary + standby (sync, Multi-AZ)` : `RDS ${rds.role} primary`,
          standby ? 'AZs chosen by AWS: standby in another AZ' : 'AZ chosen by AWS',
          rds.instanceClass,
        ],
        kind: 'data',
        shape: 'cylinder',
      },
    ]);
  }
  for (const member of rds.members.filter((candidate) => !chosen.includes(candidate))) {
    const title =
      member.role === 'read-replica'
        ? `read replica ${rds.members.filter((m) => m.role === 'read-replica').indexOf(member) + 1}`
        : member.role;
    boxes.push([
      member,
      {
        id: dotId('rds', member.id),
        lines: [`RDS ${rds.role} ${title}`, rds.instanceClass],
        kind: 'data',
        shape: 'cylinder',
      },
    ]);
  }
  return boxes;
}

function cacheMemberBoxes(cache: ElastiCacheService): [ServiceMemberPlan, Box][] {
  let replica = 0;
  return cache.members.map((member) => [
    member,
    {
      id: dotId('cache', member.id),
      lines: [
        `ElastiCache ${cache.role} ${member.role === 'primary' ? 'primary' : `replica ${++replica}`}`,
        ...(member.availabilityZone === undefined ? ['AZ chosen by AWS'] : []),
        cache.nodeType,
      ],
      kind: 'data',
      shape: 'cylinder',
    },
  ]);
}

/** The DOT source of the Plan's diagram. */
export function planToDot(plan: Plan): string {
  const out: string[] = [];
  const emit = (text: string) => out.push(text);
  const { size, type, cpu } = plan.architecture;
  emit('digraph gitlab {');
  emit(
    `  graph [fontname="${FONT}", fontsize=13, rankdir=TB, newrank=true, mclimit=0.01, nodesep=0.25, ranksep=0.45, ` +
      `labelloc=t, label=${quote(`${plan.spec.name}: GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${size} ${type}, ${cpu}, ${plan.region}`)}];`,
  );
  emit(`  node [fontname="${FONT}", fontsize=11, margin="0.15,0.06", penwidth=1.2];`);
  emit(`  edge [fontname="${FONT}", fontsize=10, color="#555555", arrowsize=0.7];`);

  const externalNlb = externalLoadBalancer(plan);
  const internalNlb = internalLoadBalancer(plan);
  const s3 = servicesOf(plan, 's3')[0];
  const eks = servicesOf(plan, 'eks')[0];

  emit(
    renderBox(
      { id: 'users', lines: ['Users', 'HTTPS and Git over SSH'], kind: 'external', shape: 'ellipse' },
      '  ',
    ),
  );

  const { byZone: dataByZone, unplaced: unplacedData } = memberBoxes(plan);

  emit('  subgraph cluster_region {');
  emit(`    label=${quote(`AWS region ${plan.region}`)}; style="rounded"; color="#999999";`);
  emit(`    subgraph cluster_vpc {`);
  emit(
    `      label=${quote(`VPC ${plan.network.vpcCidr}`)}; style="rounded"; color="${COLORS.vpc}"; penwidth=1.5;`,
  );
  if (externalNlb) {
    const ports = externalNlb.listeners
      .map((l) => `${l.port}${l.protocol === 'TLS' ? ' TLS' : ''}`)
      .join(', ');
    emit(
      renderBox(
        { id: 'nlb_external', lines: [externalNlb.role, `NLB internet-facing, ${ports}`], kind: 'edge' },
        '      ',
      ),
    );
  }
  const columns: { zone: string; top: string[]; bottom: string[] }[] = [];
  plan.availabilityZones.forEach((zone, zoneIndex) => {
    const publicSubnet = plan.network.subnets.find((s) => s.availabilityZone === zone && s.tier === 'public');
    const privateSubnet = plan.network.subnets.find(
      (s) => s.availabilityZone === zone && s.tier === 'private',
    );
    const publicBoxes: Box[] = [
      ...(zoneIndex < plan.network.natGateways
        ? [{ id: dotId('nat', zone), lines: ['NAT gateway'], kind: 'edge' as const }]
        : []),
      ...nodeBoxes(plan, zone, 'public'),
    ];
    const privateBoxes = [
      ...nodeBoxes(plan, zone, 'private'),
      ...nodeGroupBoxes(plan, zoneIndex),
      ...(dataByZone.get(zone) ?? []),
    ];
    emit(`      subgraph ${dotId('cluster_az', zone)} {`);
    emit(`        label=${quote(zone)}; style="rounded,dashed"; color="#4a90c2";`);
    emit(`        subgraph ${dotId('cluster_public', zone)} {`);
    emit(
      `          label=${quote(`public subnet ${publicSubnet?.cidr ?? ''}`)}; style="filled"; fillcolor="${COLORS.publicSubnet}"; color="#7aa116";`,
    );
    for (const box of publicBoxes) emit(renderBox(box, '          '));
    emit('        }');
    emit(`        subgraph ${dotId('cluster_private', zone)} {`);
    emit(
      `          label=${quote(`private subnet ${privateSubnet?.cidr ?? ''}`)}; style="filled"; fillcolor="${COLORS.privateSubnet}"; color="#147eba";`,
    );
    for (const box of privateBoxes) emit(renderBox(box, '          '));
    emit('        }');
    // Stack the column top to bottom in a fixed order, without drawing anything.
    const stack = [...publicBoxes, ...privateBoxes].map((box) => box.id);
    for (let index = 1; index < stack.length; index++) {
      emit(`        ${stack[index - 1]} -> ${stack[index]} [style=invis];`);
    }
    emit('      }');
    columns.push({ zone, top: publicBoxes.map((b) => b.id), bottom: privateBoxes.map((b) => b.id) });
  });
  // Columns left to right in AZ order: their top boxes share a rank, chained by invisible edges.
  const tops = columns.map((column) => column.top[0] ?? column.bottom[0]).filter(Boolean);
  if (tops.length > 1) {
    emit(`      { rank=same; ${tops.join('; ')}; }`);
    emit(`      ${tops.join(' -> ')} [style=invis, weight=10];`);
  }
  for (const box of unplacedData) emit(renderBox(box, '      '));
  const runners = plan.runners;
  if (runners) {
    emit(
      renderBox(
        {
          id: 'runner_manager',
          lines: ['runner manager', `${runners.manager.instanceType} on demand, group of 1, all AZs`],
          kind: 'compute',
        },
        '      ',
      ),
    );
    emit(
      renderBox(
        {
          id: 'runner_fleet',
          lines: [
            'runner job instances',
            `0-${runners.fleet.maxCapacity} ${runners.fleet.onDemandPercentageAboveBase === 100 ? 'on demand' : 'Spot'}, ${runners.fleet.instanceTypes.length} types, all AZs`,
          ],
          kind: 'compute',
        },
        '      ',
      ),
    );
  }
  if (internalNlb) {
    emit(
      renderBox(
        {
          id: 'nlb_internal',
          lines: [internalNlb.role, `NLB internal, ${internalNlb.listeners.map((l) => l.port).join(', ')}`],
          kind: 'edge',
        },
        '      ',
      ),
    );
  }
  emit('    }');
  const outside: Box[] = [];
  if (s3) {
    outside.push({
      id: 's3',
      lines: [
        s3.role,
        `S3, ${s3.buckets.length} buckets (${plan.spec.objectStorage.bucketPrefix}${plan.spec.name}-*)`,
      ],
      kind: 'data',
      shape: 'cylinder',
    });
  }
  outside.push({
    id: 'secrets',
    lines: ['Secrets Manager', `${plan.secrets.length} secrets`],
    kind: 'external',
  });
  if (plan.spec.access.admin === 'ssm') {
    outside.push({
      id: 'ssm',
      lines: ['admin access', 'SSM Session Manager (no bastions)'],
      kind: 'external',
    });
  }
  if (eks) {
    outside.push({
      id: 'eks',
      lines: [
        'kubernetes',
        `EKS ${eks.kubernetesVersion} control plane`,
        `add-ons: ${eks.addOns.map((addOn) => addOn.name).join(', ')}`,
        `Helm: ${eks.addOnReleases.map((release) => release.name).join(', ')}`,
      ],
      kind: 'external',
    });
  }
  if (runners) {
    outside.push({
      id: 'runner_cache',
      lines: ['runner cache', 'S3, 1 bucket'],
      kind: 'data',
      shape: 'cylinder',
    });
  }
  for (const box of outside) emit(renderBox(box, '    '));
  emit('  }');
  if (runners) {
    // The manager asks GitLab for jobs at its URL, scales the job group and runs jobs over SSH.
    if (externalNlb) emit('  runner_manager -> nlb_external [color="#7b42bc", label="jobs"];');
    emit('  runner_manager -> runner_fleet [color="#7b42bc", label="SSH, scale"];');
    emit('  runner_fleet -> runner_cache [color="#3f8624"];');
  }

  // Traffic: users -> NLB -> web tier -> Praefect/Gitaly, RDS, Redis, S3.
  const webRoles = ['rails', 'gitlab', 'webservice-pool'];
  const boxIdsOf = (prefix: string, zone: string) =>
    columns.find((c) => c.zone === zone)!.bottom.filter((id) => id.startsWith(dotId(prefix, zone)));
  const web = plan.availabilityZones.flatMap((zone) => webRoles.flatMap((role) => boxIdsOf(role, zone)));
  const firstOf = (predicate: (id: string) => boolean) => columns.flatMap((c) => c.bottom).find(predicate);
  const primaryOf = (role: RdsService['role']) =>
    plan.services.flatMap((s) =>
      s.kind === 'rds' && s.role === role
        ? s.members.filter((m) => m.role === 'primary').map((m) => dotId('rds', m.id))
        : [],
    )[0];
  const primaryDb = primaryOf('postgres');
  const praefectDb = primaryOf('praefect-postgres');
  const primaryCaches = plan.services.flatMap((s) =>
    s.kind === 'elasticache'
      ? s.members.filter((m) => m.role === 'primary').map((m) => dotId('cache', m.id))
      : [],
  );
  if (externalNlb) {
    emit('  users -> nlb_external [penwidth=1.5];');
    for (const id of web) emit(`  nlb_external -> ${id};`);
  }
  for (const id of web) {
    if (internalNlb) emit(`  ${id} -> nlb_internal [color="#d45b07"];`);
    else {
      const gitaly = firstOf((candidate) => candidate.startsWith('gitaly_'));
      if (gitaly) emit(`  ${id} -> ${gitaly} [color="#d45b07"];`);
    }
    if (primaryDb) emit(`  ${id} -> ${primaryDb} [color="#3b48cc"];`);
    for (const cache of primaryCaches) emit(`  ${id} -> ${cache} [color="#c7131f"];`);
    if (s3) emit(`  ${id} -> s3 [color="#3f8624"];`);
  }
  // The backup node dumps the database, has Gitaly (or Praefect) stream the repositories, and puts
  // its archives in S3; it takes no traffic, so nothing points at it.
  for (const id of plan.availabilityZones.flatMap((zone) => boxIdsOf('backup', zone))) {
    const repositories = internalNlb
      ? 'nlb_internal'
      : firstOf((candidate) => candidate.startsWith('gitaly_'));
    if (repositories) emit(`  ${id} -> ${repositories} [color="#d45b07", style=dashed];`);
    if (primaryDb) emit(`  ${id} -> ${primaryDb} [color="#3b48cc", style=dashed];`);
    if (s3) emit(`  ${id} -> s3 [color="#3f8624", style=dashed, label="archives"];`);
  }
  if (internalNlb) {
    for (const zone of plan.availabilityZones) {
      for (const id of boxIdsOf('praefect', zone)) emit(`  nlb_internal -> ${id} [color="#d45b07"];`);
    }
    // Each Praefect reaches every Gitaly node; one arrow per AZ keeps the drawing legible.
    for (const zone of plan.availabilityZones) {
      const praefect = boxIdsOf('praefect', zone)[0];
      const gitaly = boxIdsOf('gitaly', zone)[0];
      if (praefect && gitaly) emit(`  ${praefect} -> ${gitaly} [color="#d45b07"];`);
    }
  }
  // Praefect's own database, which only Praefect uses.
  if (praefectDb) {
    for (const zone of plan.availabilityZones) {
      for (const id of boxIdsOf('praefect', zone)) emit(`  ${id} -> ${praefectDb} [color="#3b48cc"];`);
    }
  }
  emit('}');
  return `${out.join('\n')}\n`;
}
