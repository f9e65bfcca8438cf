/** Machine sizes, node counts and storage that cannot work or fall short of the reference. */
import type { PlanRule } from './rule.js';
import { dbBurstable } from './sizing/db-burstable.js';
import { dbStorageBounds } from './sizing/db-storage-bounds.js';
import { ec2Burstable } from './sizing/ec2-burstable.js';
import { gitalyIops } from './sizing/gitaly-iops.js';
import { railsBounds } from './sizing/rails-bounds.js';
import { railsFewerNodes } from './sizing/rails-fewer-nodes.js';
import { redisBurstable } from './sizing/redis-burstable.js';
import { storageIops } from './sizing/storage-iops.js';
import { undersized } from './sizing/undersized.js';
import { unknownType } from './sizing/unknown-type.js';

export const SIZING_RULES: readonly PlanRule[] = [
  dbBurstable,
  redisBurstable,
  ec2Burstable,
  undersized,
  unknownType,
  railsFewerNodes,
  railsBounds,
  storageIops,
  gitalyIops,
  dbStorageBounds,
];
