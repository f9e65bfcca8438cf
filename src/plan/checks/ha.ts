/** Layouts that lose availability: quorums, single nodes, AZ spread. */

import { gitalyCluster2az } from './ha/gitaly-cluster-2az.js';
import { gitalyEven } from './ha/gitaly-even.js';
import { gitalyQuorum } from './ha/gitaly-quorum.js';
import { gitalySingleAtScale } from './ha/gitaly-single-at-scale.js';
import { notHa } from './ha/not-ha.js';
import { praefectQuorum } from './ha/praefect-quorum.js';
import { railsSingle } from './ha/rails-single.js';
import type { PlanRule } from './rule.js';

export const HA_RULES: readonly PlanRule[] = [
  praefectQuorum,
  gitalyQuorum,
  gitalyEven,
  gitalySingleAtScale,
  gitalyCluster2az,
  notHa,
  railsSingle,
];
