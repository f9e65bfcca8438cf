/** The Prometheus monitoring node of the reference architecture, when the spec keeps it. */
import { catalogRole } from '../../catalog/index.js';
import type { PlanNode } from '../types.js';
import type { BuildContext } from './context.js';
import { chooseInstanceType } from './machines.js';
import { spread } from './nodes.js';

export function planMonitoringNodes(context: BuildContext): PlanNode[] {
  const { spec, reference } = context;
  const monitoring = catalogRole(reference, 'monitoring');
  if (monitoring?.backing !== 'ec2' || !spec.monitoring.prometheus) return [];
  return spread(
    context,
    'monitoring',
    monitoring.nodes,
    chooseInstanceType(spec, monitoring),
    monitoring,
    () => ({}),
  );
}
