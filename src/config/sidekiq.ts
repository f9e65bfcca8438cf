/**
 * gitlab.rb of a Sidekiq node: the Sidekiq role only, with the same data stores as Rails.
 *
 * Source: "Configure Sidekiq", skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 * doc/administration/reference_architectures/3k_users.md: one Sidekiq process per vCPU
 * (`queue_groups` of `'*'` repeated), the listener on all addresses for the monitoring node, and
 * the concurrency left at the package's default (the page does not change it).
 */
import { EXPORTER_PORTS } from '../catalog/ports.js';
import type { AutoScalingGroupPlan, Plan, ProcessBudgetPlan } from '../plan/types.js';
import { groupVcpu, nodeExporterSettings, railsCodeSettings, registryClientSettings } from './common.js';
import { GitlabRb } from './ruby.js';
import type { RuntimeEndpoints } from './types.js';

/** Sidekiq process layout: `processes` processes (one per vCPU on Sidekiq nodes), each processing every queue. */
export function sidekiqProcessSettings(rb: GitlabRb, processes: number): void {
  rb.set(
    'sidekiq',
    ['queue_groups'],
    Array.from({ length: processes }, () => '*'),
  )
    .set('sidekiq', ['listen_address'], '0.0.0.0')
    .set('sidekiq', ['listen_port'], EXPORTER_PORTS.sidekiq);
}

/**
 * Puma and Sidekiq on one node, as the Plan's budget sizes them: the workers and processes that fit
 * its memory next to each other (and next to the bundled services on the 1k node).
 */
export function combinedProcessSettings(rb: GitlabRb, budget: ProcessBudgetPlan): void {
  rb.comment(
    `Puma ${budget.pumaWorkers} workers and Sidekiq ${budget.sidekiqProcesses} x ${budget.sidekiqConcurrency} threads: the memory budget of ${budget.memoryGiB} GiB (gitlab-aws plan)`,
  )
    .set('puma', ['worker_processes'], budget.pumaWorkers)
    .set('sidekiq', ['concurrency'], budget.sidekiqConcurrency);
  sidekiqProcessSettings(rb, budget.sidekiqProcesses);
}

/** Renders gitlab.rb for the members of the Sidekiq group. */
export function sidekiqGitlabRb(
  plan: Plan,
  group: AutoScalingGroupPlan,
  endpoints: RuntimeEndpoints,
): GitlabRb {
  if (group.role !== 'sidekiq') throw new Error(`renderSidekiq renders the sidekiq group, not ${group.role}`);
  const rb = new GitlabRb();
  rb.comment(
    `GitLab ${plan.gitlab.edition.toUpperCase()} ${plan.gitlab.version}, ${plan.spec.name}: ${group.id} nodes (written by gitlab-aws; edits are lost on the next boot)`,
  );
  rb.comment('Roles: Sidekiq only').call('roles', ['sidekiq_role']);
  railsCodeSettings(rb, plan, endpoints);
  registryClientSettings(rb, plan);
  rb.comment(`Sidekiq: one process per vCPU (${groupVcpu(plan, group.id)} on ${group.instanceType})`);
  sidekiqProcessSettings(rb, Math.max(1, Math.floor(groupVcpu(plan, group.id))));
  rb.comment('Exporters, listening where the monitoring node can scrape them');
  nodeExporterSettings(rb);
  return rb;
}

/** Renders the gitlab.rb text. */
export function renderSidekiq(plan: Plan, group: AutoScalingGroupPlan, endpoints: RuntimeEndpoints): string {
  return sidekiqGitlabRb(plan, group, endpoints).render();
}
