import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIZE, decideSize } from '../../src/plan/resolve/size.js';
import type { Plan } from '../../src/plan/types.js';
import { rpsReasoning } from '../../src/report/plan-text.js';
import { specErrorOf } from '../fixtures/errors.js';
import { planFor, specFor } from '../fixtures/plans.js';

const RPS_5K = { api: 80, web: 5, git: 3 };

describe('which size a spec asks for', () => {
  let byRps: Plan;
  let smallest: Plan;
  beforeAll(() => {
    byRps = planFor({ architecture: { rps: RPS_5K } });
    smallest = planFor({ architecture: { rps: { api: 1, web: 1, git: 1 } } });
  });

  it('is the size given, else 3k', () => {
    expect(decideSize(specFor({ architecture: { size: '10k' } }), 'f')).toEqual({ size: '10k' });
    expect(decideSize(specFor(), 'f')).toEqual({ size: '3k' });
    expect(DEFAULT_SIZE).toBe('3k');
  });

  it('is the smallest size covering the peak load, with the reasoning kept in the Plan', () => {
    expect(byRps.architecture.size).toBe('5k');
    expect(byRps.architecture.rpsSizing).toEqual({
      rps: RPS_5K,
      smaller: {
        size: '3k',
        targetLoad: { apiRps: 60, webRps: 6, gitPullRps: 6, gitPushRps: 1 },
        uncovered: ['api'],
      },
    });
    expect(rpsReasoning(byRps.architecture.rpsSizing!, byRps.architecture)).toBe(
      'sized by peak load (architecture.rps): API 80, Web 5, Git 3 requests/s; 3k is tested to API 60, Web 6, Git (pull) 6, below API 80; 5k to API 100, Web 10, Git (pull) 10',
    );
    expect(smallest.architecture.size).toBe('1k');
    expect(rpsReasoning(smallest.architecture.rpsSizing!, smallest.architecture)).toBe(
      'sized by peak load (architecture.rps): API 1, Web 1, Git 1 requests/s; 1k, the smallest, is tested to API 20, Web 2, Git (pull) 2',
    );
  });

  it('accepts a size that agrees with the load, and refuses one that does not, naming both fields', () => {
    expect(decideSize(specFor({ architecture: { size: '5k', rps: RPS_5K } }), 'f').size).toBe('5k');
    const error = specErrorOf(() =>
      decideSize(specFor({ architecture: { size: '3k', rps: RPS_5K } }), 'gitlab-aws.yaml'),
    );
    expect(error.message).toBe(
      'gitlab-aws.yaml: architecture.size: is 3k, but architecture.rps (api 80, web 5, git 3) sizes 5k: give one of architecture.size and architecture.rps, or make them agree',
    );
  });

  it('names every peak above the largest architecture, with its target', () => {
    const error = specErrorOf(() =>
      decideSize(specFor({ architecture: { rps: { api: 2000, web: 1, git: 200 } } }), 'f'),
    );
    expect(error.message).toContain('(50k: API 2000 > 1000, Git 200 > 100)');
  });

  it('refuses a load above the largest architecture, saying which peak and by how much', () => {
    const error = specErrorOf(() =>
      decideSize(
        specFor({ architecture: { type: 'cloud-native-hybrid', rps: { api: 10, web: 101, git: 1 } } }),
        'f',
      ),
    );
    expect(error.message).toBe(
      "f: architecture.rps: is more than the largest cloud-native-hybrid reference architecture is tested at (50k: Web 101 > 100); plan 50k with architecture.size and scale it out, with GitLab's guidance on scaling beyond the reference architectures",
    );
  });
});
