/**
 * Which gitlab.rb a boot target gets: the role's module, picked from the Plan's role.
 */
import type { Plan } from '../plan/types.js';
import { backupNodeGitlabRb } from './backup-node.js';
import { targetRole } from './common.js';
import { emailSettingsFor } from './email.js';
import { extraSettingsFor } from './extra-settings.js';
import { gitalyGitlabRb } from './gitaly.js';
import { singleNodeGitlabRb } from './gitlab.js';
import { monitoringGitlabRb } from './monitoring.js';
import { praefectGitlabRb } from './praefect.js';
import { railsGitlabRb } from './rails.js';
import type { GitlabRb } from './ruby.js';
import { sidekiqGitlabRb } from './sidekiq.js';
import type { BootTarget, RuntimeEndpoints } from './types.js';

/**
 * The gitlab.rb builder for a target: the role's settings, e-mail, then the user's own. Throws
 * for roles that run no GitLab (bastion).
 */
export function gitlabRbFor(plan: Plan, target: BootTarget, endpoints: RuntimeEndpoints): GitlabRb {
  const role = targetRole(target);
  return extraSettingsFor(
    emailSettingsFor(generatedGitlabRb(plan, target, endpoints), plan, role),
    plan,
    role,
  );
}

function generatedGitlabRb(plan: Plan, target: BootTarget, endpoints: RuntimeEndpoints): GitlabRb {
  if (target.kind === 'group') {
    switch (target.group.role) {
      case 'rails':
        return railsGitlabRb(plan, target.group, endpoints);
      case 'sidekiq':
        return sidekiqGitlabRb(plan, target.group, endpoints);
      default:
        throw new Error(`no gitlab.rb for auto scaling group role ${target.group.role}`);
    }
  }
  switch (target.node.role) {
    case 'gitlab':
      return singleNodeGitlabRb(plan, target.node, endpoints);
    case 'gitaly':
      return gitalyGitlabRb(plan, target.node, endpoints);
    case 'praefect':
      return praefectGitlabRb(plan, target.node, endpoints);
    case 'monitoring':
      return monitoringGitlabRb(plan, target.node, endpoints);
    case 'backup':
      return backupNodeGitlabRb(plan, target.node, endpoints);
    default:
      throw new Error(`no gitlab.rb for node role ${target.node.role}`);
  }
}

/** gitlab.rb text for a target. */
export function renderGitlabRb(plan: Plan, target: BootTarget, endpoints: RuntimeEndpoints): string {
  return gitlabRbFor(plan, target, endpoints).render();
}
