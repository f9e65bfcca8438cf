import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLED_SERVICES_SHARE,
  budgetedGiB,
  MIN_PUMA_WORKERS,
  PUMA_WORKER_GIB,
  processBudget,
  SIDEKIQ_DEFAULT_CONCURRENCY,
  SIDEKIQ_PROCESS_GIB,
  SYSTEM_RESERVE_GIB,
} from '../../src/plan/resolve/process-budget.js';
import type { ProcessBudgetPlan } from '../../src/plan/types.js';

describe('processBudget', () => {
  let oneK: ProcessBudgetPlan;
  let poc: ProcessBudgetPlan;
  beforeAll(() => {
    oneK = processBudget(8, 16, true);
    poc = processBudget(8, 16, false);
  });

  it('gives a quarter of the vCPUs to Sidekiq and the rest to Puma on the 1k node (8 vCPU, 16 GiB)', () => {
    expect(oneK).toEqual({
      memoryGiB: 16,
      systemGiB: SYSTEM_RESERVE_GIB,
      bundledServicesGiB: 16 * BUNDLED_SERVICES_SHARE,
      pumaWorkers: 6,
      pumaWorkerGiB: PUMA_WORKER_GIB,
      sidekiqProcesses: 2,
      sidekiqProcessGiB: SIDEKIQ_PROCESS_GIB,
      sidekiqConcurrency: SIDEKIQ_DEFAULT_CONCURRENCY,
    });
    expect(budgetedGiB(oneK)).toBe(1.5 + 4 + 6 + 2);
  });

  it('adds up what a budget keeps and what its processes take, each at its own size', () => {
    const budget: ProcessBudgetPlan = {
      ...oneK,
      systemGiB: 1,
      bundledServicesGiB: 3,
      pumaWorkers: 4,
      pumaWorkerGiB: 1.5,
      sidekiqProcesses: 3,
      sidekiqProcessGiB: 2,
    };
    expect(budgetedGiB(budget)).toBe(1 + 3 + 4 * 1.5 + 3 * 2);
  });

  it('keeps nothing for bundled services where they run elsewhere', () => {
    expect(poc.bundledServicesGiB).toBe(0);
    expect(budgetedGiB(poc)).toBe(1.5 + 6 + 2);
  });

  it('always fits the node and never runs more processes than vCPUs', () => {
    for (const [vcpu, memory] of [
      [4, 16],
      [8, 16],
      [8, 32],
      [16, 32],
      [16, 64],
      [32, 64],
    ] as const) {
      for (const bundled of [true, false]) {
        const budget = processBudget(vcpu, memory, bundled);
        expect(budgetedGiB(budget), `${vcpu}/${memory}/${bundled}`).toBeLessThanOrEqual(memory);
        expect(budget.pumaWorkers + budget.sidekiqProcesses).toBeLessThanOrEqual(vcpu);
      }
    }
  });

  it('lets memory, not vCPUs, bound Puma on a node short of memory, but never below two workers', () => {
    // 8 vCPU and 8 GiB: 8 - 1.5 - 2 bundled - 2 Sidekiq = 2.5 GiB leaves 2 workers.
    expect(processBudget(8, 8, true)).toMatchObject({ pumaWorkers: 2, sidekiqProcesses: 2 });
    // 8 vCPU and 12 GiB without bundled services: 12 - 1.5 - 2 = 8.5, so the 6 left by the vCPUs.
    expect(processBudget(8, 12, false).pumaWorkers).toBe(6);
    // 16 vCPU and 12 GiB: 12 - 1.5 - 4 = 6.5, so memory allows 6 of the 12 vCPUs left.
    expect(processBudget(16, 12, false)).toMatchObject({ pumaWorkers: 6, sidekiqProcesses: 4 });
    // 2 vCPU: one Sidekiq process, and still the floor of two Puma workers.
    expect(processBudget(2, 4, false)).toMatchObject({ pumaWorkers: MIN_PUMA_WORKERS, sidekiqProcesses: 1 });
  });
});
