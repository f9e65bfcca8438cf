/** Praefect: the 3 or more nodes that route a Gitaly Cluster's traffic, none with a single Gitaly. */
import type { PlanNode } from '../types.js';
import { type BuildContext, documentedRole } from './context.js';
import { chooseInstanceType } from './machines.js';
import { spread } from './nodes.js';

export function planPraefectNodes(context: BuildContext): PlanNode[] {
  const { spec, gitalyMode } = context;
  if (gitalyMode === 'single') return [];
  const praefectRole = documentedRole(context, 'praefect');
  const praefectCount = spec.gitaly.praefectNodes ?? Math.max(praefectRole.nodes, 3);
  const praefectType = chooseInstanceType(spec, praefectRole);
  return spread(context, 'praefect', praefectCount, praefectType, praefectRole, () => ({}));
}
