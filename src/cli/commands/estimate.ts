import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { planBootOrder } from '../../plan/boot-order.js';
import {
  estimateDeploy,
  readCloudAssembly,
  renderEstimate,
  type StackTemplate,
} from '../../report/estimate.js';
import type { CliCommand, CliInvocation } from '../command.js';
import { planFromArgs } from '../spec-args.js';

/** First-deploy time from synthesized templates (synthesizes the plan without --templates). */
async function estimate(invocation: CliInvocation): Promise<number> {
  const { values, io } = invocation;
  const dir = values.templates as string | undefined;
  let stacks: StackTemplate[];
  // The boot order of the spec's Plan: which boots wait for what (for --templates, the spec they were synthesized from).
  const plan = planFromArgs(invocation);
  if (dir !== undefined) {
    stacks = readCloudAssembly(resolve(io.cwd, dir));
  } else {
    // CDK is loaded only here: synthesizing takes seconds, which `plan` must not pay for.
    const { createApp } = await import('../../infra/app.js');
    const outdir = mkdtempSync(join(tmpdir(), 'gitlab-aws-estimate-'));
    try {
      createApp(plan, { outdir }).synth();
      stacks = readCloudAssembly(outdir);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  io.out(`${renderEstimate(estimateDeploy(stacks, { bootOrder: planBootOrder(plan) }))}\n`);
  return 0;
}

export const command: CliCommand = {
  name: 'estimate',
  run: estimate,
};
