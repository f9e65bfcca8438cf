/** Exposure a reviewer should see. */
import type { PlanRule } from './rule.js';
import { sshOpen } from './security/ssh-open.js';

export const SECURITY_RULES: readonly PlanRule[] = [sshOpen];
