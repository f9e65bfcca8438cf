#!/usr/bin/env node
/**
 * Synth benchmark: wall time of `gitlab-aws synth --size 50k` against a bare one-bucket CDK app,
 * each a fresh node process as a user runs them, printed as a ratio (target: under 1.5x), plus
 * the peak memory of each. Also the in-process time of a warm 50k synthesis, which is the part
 * gitlab-aws itself controls.
 *
 * Usage: npm run build && node scripts/bench-synth.mjs [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const [mode, outdir] = process.argv.slice(2);

/** Child: one synthesis, then its own peak RSS and in-process time on stdout. */
async function child() {
  const start = performance.now();
  if (mode === '--bare') {
    const { App, Stack } = await import('aws-cdk-lib');
    const s3 = await import('aws-cdk-lib/aws-s3');
    const app = new App({ outdir });
    new s3.Bucket(new Stack(app, 'Bare'), 'Bucket');
    app.synth();
  } else {
    const { command } = await import('../dist/cli/commands/synth.js');
    const io = {
      out: () => {},
      err: (text) => process.stderr.write(text),
      cwd: outdir,
      env: {},
      isTTY: false,
    };
    const code = await command.run({ values: { size: '50k', out: 'cdk.out' }, positionals: [], io });
    if (code !== 0) process.exit(code);
  }
  process.stdout.write(
    `${JSON.stringify({ ms: performance.now() - start, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
  );
  if (mode === '--gitlab') {
    // A second, warm synthesis after the measured one: what gitlab-aws's own constructs cost once
    // modules are loaded and the validator is initialized.
    const { createApp } = await import('../dist/infra/app.js');
    const { resolvePlan } = await import('../dist/plan/index.js');
    const { parseSpec } = await import('../dist/spec/index.js');
    const plan = resolvePlan(
      parseSpec({
        name: 'bench',
        region: 'us-east-1',
        domain: { name: 'gitlab.example.com' },
        architecture: { size: '50k' },
      }),
    );
    const warmStart = performance.now();
    createApp(plan, { outdir: join(outdir, 'warm') }).synth();
    process.stdout.write(`${JSON.stringify({ warmMs: performance.now() - warmStart })}\n`);
  }
}

/** Runs a child; its wall time ends when it reports its first synthesis, before the warm extra. */
function run(flag, env) {
  const directory = mkdtempSync(join(tmpdir(), 'gitlab-aws-bench-'));
  const start = performance.now();
  const result = spawnSync(process.execPath, [self, flag, directory], {
    encoding: 'utf8',
    env: { ...process.env, JSII_DEPRECATED: 'quiet', ...env },
  });
  rmSync(directory, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`${flag} failed:\n${result.stderr}`);
  const reports = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const report = Object.assign({}, ...reports);
  // Wall time minus the warm extra synthesis, which a real `gitlab-aws synth` does not do.
  return { ...report, wallMs: performance.now() - start - (report.warmMs ?? 0) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

if (mode === '--bare' || mode === '--gitlab') {
  await child();
} else {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
  const wall = (results) => median(results.map((result) => result.wallMs));
  const mib = (results) => (Math.max(...results.map((result) => result.maxRssKiB)) / 1024).toFixed(0);
  console.log(`synth benchmark, median of ${runs} runs, each a fresh node process`);
  // CDK's built-in template validator (a WebAssembly engine) costs about a second to start and
  // grows with template size; it runs in both apps by default, and both skip it with CDK_VALIDATION=false.
  for (const [label, env] of [
    ['with CDK template validation (default)', {}],
    ['without (CDK_VALIDATION=false)', { CDK_VALIDATION: 'false' }],
  ]) {
    const bare = [];
    const gitlab = [];
    for (let index = 0; index < runs; index++) {
      bare.push(run('--bare', env));
      gitlab.push(run('--gitlab', env));
    }
    console.log(` ${label}`);
    console.log(
      `  gitlab-aws synth --size 50k   ${wall(gitlab).toFixed(0)} ms wall, peak RSS ${mib(gitlab)} MiB`,
    );
    console.log(
      `  bare one-bucket CDK app       ${wall(bare).toFixed(0)} ms wall, peak RSS ${mib(bare)} MiB`,
    );
    console.log(`  ratio                         ${(wall(gitlab) / wall(bare)).toFixed(2)}x (target < 1.5x)`);
    console.log(
      `  warm 50k synthesis in-process ${median(gitlab.map((result) => result.warmMs)).toFixed(0)} ms`,
    );
  }
}
