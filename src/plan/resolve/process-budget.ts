/**
 * How a node that runs Puma and Sidekiq together (the 1k node, the poc's Rails nodes) shares its
 * memory, decided once here and read by the config layer (`puma['worker_processes']`,
 * `sidekiq['queue_groups']`, `sidekiq['concurrency']`) and by `plan`, which prints it.
 *
 * Why a budget: Sidekiq nodes run one Sidekiq process per vCPU (3k page), and a web node runs as
 * many Puma workers as it has vCPUs. Both at once on one node would be two processes per vCPU, each
 * near 1 GB, more than the node's memory. Sources (GitLab documentation):
 * - Puma: workers are the lesser of the CPU count and what fits in memory after 1.5 GB kept for
 *   other processes at about 1 GB per worker, and never fewer than two
 *   (skratsch-solutions/gitlabhq 6b44ecb6758d227fa7d0035f8b4171e000fad78f,
 *   doc/administration/operations/puma.md, "Tuning memory use" and "Worker and thread sizing").
 * - Sidekiq: each process needs at least 200 MB and grows under load; above 10,000 users GitLab
 *   asks for 1 GB per process (skratsch-solutions/gitlabhq 0d6fd50f0869ff70d700a97bbd16fc9c9a8581c4,
 *   doc/install/requirements.md, "Sidekiq"). The budget allows the larger figure, so growth under
 *   load still fits. Its thread count stays the package's default of 20 (gitlab.rb template,
 *   omnibus-gitlab 440b1f835eb205885d22933ac074cc11c1148609).
 *
 * gitlab-aws's own choices (not GitLab figures): a quarter of the vCPUs, at least one, go to Sidekiq
 * processes and the rest to Puma; and on the 1k node a quarter of the memory is kept for the bundled
 * PostgreSQL, Redis, Gitaly and Prometheus, the share PostgreSQL's shared buffers commonly take.
 */
import type { ProcessBudgetPlan } from '../types.js';

/** Kept for the operating system and GitLab's other processes (puma.md). */
export const SYSTEM_RESERVE_GIB = 1.5;
/** Memory a Puma worker takes (puma.md). */
export const PUMA_WORKER_GIB = 1;
/** Memory allowed per Sidekiq process (requirements.md, the figure for large environments). */
export const SIDEKIQ_PROCESS_GIB = 1;
/** Threads per Sidekiq process: the Linux package's default. */
export const SIDEKIQ_DEFAULT_CONCURRENCY = 20;
/** Share of the memory kept for the bundled data services on a node that runs them all (gitlab-aws's allowance). */
export const BUNDLED_SERVICES_SHARE = 0.25;
/** GitLab's floor for Puma workers (the web editor needs two). */
export const MIN_PUMA_WORKERS = 2;

/**
 * The budget of a node with `vcpu` and `memoryGiB` that runs Puma and Sidekiq, and, when
 * `bundledServices`, PostgreSQL, Redis, Gitaly and Prometheus as well.
 */
export function processBudget(vcpu: number, memoryGiB: number, bundledServices: boolean): ProcessBudgetPlan {
  const bundledServicesGiB = bundledServices ? memoryGiB * BUNDLED_SERVICES_SHARE : 0;
  const sidekiqProcesses = Math.max(1, Math.floor(vcpu / 4));
  const left = memoryGiB - SYSTEM_RESERVE_GIB - bundledServicesGiB - sidekiqProcesses * SIDEKIQ_PROCESS_GIB;
  const fitInMemory = Math.floor(left / PUMA_WORKER_GIB);
  const pumaWorkers = Math.max(MIN_PUMA_WORKERS, Math.min(vcpu - sidekiqProcesses, fitInMemory));
  return {
    memoryGiB,
    systemGiB: SYSTEM_RESERVE_GIB,
    bundledServicesGiB,
    pumaWorkers,
    pumaWorkerGiB: PUMA_WORKER_GIB,
    sidekiqProcesses,
    sidekiqProcessGiB: SIDEKIQ_PROCESS_GIB,
    sidekiqConcurrency: SIDEKIQ_DEFAULT_CONCURRENCY,
  };
}

/** Memory the budget spends: what it keeps plus its processes. */
export function budgetedGiB(budget: ProcessBudgetPlan): number {
  return (
    budget.systemGiB +
    budget.bundledServicesGiB +
    budget.pumaWorkers * budget.pumaWorkerGiB +
    budget.sidekiqProcesses * budget.sidekiqProcessGiB
  );
}
