#!/usr/bin/env node
// Speed figures, printed as ratios to a baseline measured in the same run so they compare across
// machines. Not a test: nothing here passes or fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/gitlab-aws.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const HAS_TIME = existsSync('/usr/bin/time');

/** Median wall time (ms) and peak RSS (MiB) of a command over RUNS runs. */
function measure(args) {
  const times = [];
  let peakKiB = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    // GNU time reports peak RSS; without it (not installed), only wall time is measured.
    const result = HAS_TIME
      ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8', cwd: root })
      : spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    const rss = Number(result.stderr.trim().split('\n').pop());
    if (Number.isFinite(rss)) peakKiB = Math.max(peakKiB, rss);
    if (result.status !== 0 && result.status !== 1)
      throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], peakMiB: peakKiB / 1024 };
}

const rows = [];
const baseline = measure(['-e', '0']);
rows.push(['bare node -e 0', baseline, 1]);
const plan = measure([cli, 'plan', '--size', '50k', '--json']);
rows.push(['gitlab-aws plan --size 50k --json', plan, plan.ms / baseline.ms]);

// Graviton: every 50k type is priced, so the whole bill of materials is computed.
const diagram = join(tmpdir(), 'gitlab-aws-bench.png');
const costed = measure([cli, 'plan', '--size', '50k', '--cpu', 'graviton', '--diagram', diagram]);
rows.push(['plan 50k graviton + cost + PNG diagram', costed, costed.ms / baseline.ms]);

console.log(`runs per figure: ${RUNS} (median wall time; peak RSS over runs)`);
for (const [name, figure, ratio] of rows) {
  console.log(
    `${name.padEnd(44)} ${figure.ms.toFixed(0).padStart(6)} ms  ${figure.peakMiB.toFixed(0).padStart(5)} MiB  x${ratio.toFixed(2)}`,
  );
}

process.env.JSII_DEPRECATED ??= 'quiet';
// First deploy, computed (not timed) from each size's synthesized templates and the Plan's boot
// order: the critical path over the slowest single resource (target: at most 1.3).
console.log('');
console.log('first deploy (estimated from the templates): critical path / slowest resource');
{
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { createApp } = await import('../dist/infra/app.js');
  const { resolvePlan } = await import('../dist/plan/index.js');
  const { planBootOrder } = await import('../dist/plan/boot-order.js');
  const { SPEC_SIZES } = await import('../dist/catalog/types.js');
  const { parseSpec } = await import('../dist/spec/index.js');
  const { estimateDeploy, readCloudAssembly } = await import('../dist/report/estimate.js');
  for (const size of SPEC_SIZES) {
    const plan = resolvePlan(
      parseSpec({
        name: 'bench',
        region: 'us-east-1',
        domain: { name: 'gitlab.example.com' },
        architecture: { size },
      }),
    );
    const outdir = mkdtempSync(join(tmpdir(), 'gitlab-aws-bench-deploy-'));
    try {
      createApp(plan, { outdir }).synth();
      const estimate = estimateDeploy(readCloudAssembly(outdir), { bootOrder: planBootOrder(plan) });
      const slowest = `${estimate.slowest.logicalId} ${estimate.slowest.minutes} min`;
      console.log(
        `${size.padEnd(5)} ${String(Math.ceil(estimate.minutes)).padStart(4)} min  slowest ${slowest.padEnd(36)} x${estimate.ratio.toFixed(2)}`,
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
}

// Synthesis has its own script (fresh processes for gitlab-aws synth and a bare CDK app).
console.log('');
spawnSync(process.execPath, [join(root, 'scripts/bench-synth.mjs'), '--runs', String(Math.min(RUNS, 3))], {
  stdio: 'inherit',
  cwd: root,
});
