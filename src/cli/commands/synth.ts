import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RuntimeEndpoints } from '../../config/types.js';
import { planBootOrder } from '../../plan/boot-order.js';
import type { Plan } from '../../plan/index.js';
import { hasErrors } from '../../plan/index.js';
import { stackName } from '../../plan/stacks.js';
import { estimateDeploy, readCloudAssembly, renderEstimate } from '../../report/estimate.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../errors.js';
import { planFromArgs } from '../spec-args.js';
import { userOutputDirectory } from '../user-files.js';

export const DEFAULT_OUT_DIR = 'cdk.out';

export const command: CliCommand = {
  name: 'synth',
  async run(invocation) {
    const { io, values } = invocation;
    const plan = planFromArgs(invocation);
    if (hasErrors(plan)) {
      const errors = plan.checks.filter((check) => check.level === 'error');
      throw new UserError(
        `the spec has ${errors.length} error(s); run gitlab-aws plan to see them:\n${errors.map((check) => `  ${check.id}: ${check.message}`).join('\n')}`,
      );
    }
    const outdir = userOutputDirectory(
      '--out',
      (values.out as string | undefined) ?? DEFAULT_OUT_DIR,
      io.cwd,
    );
    const hostedZoneId = values['hosted-zone-id'] as string | undefined;
    // Loaded here, not at the top: only synth and the lifecycle commands pay for aws-cdk-lib.
    const { synthesizeToDirectory } = await import('../../infra/synthesize.js');
    const result = synthesizeToDirectory(plan, outdir, hostedZoneId ? { hostedZoneId } : {});
    const width = Math.max(...result.stacks.map((stack) => stack.stackName.length));
    io.out(`Cloud assembly written to ${result.directory}\n\n`);
    for (const stack of result.stacks) {
      io.out(
        `  ${stack.stackName.padEnd(width)}  ${String(stack.resourceCount).padStart(4)} resources  ${stack.templateFile}\n`,
      );
    }
    // The rendered configs next to the assembly, for review. Endpoints only exist once AWS has
    // created the services, so the review copies name where each value comes from.
    const { renderAllConfigs, targetName } = await import('../../config/index.js');
    const configDir = join(outdir, 'config');
    const { renderChartFiles } = await import('../../config/helm/index.js');
    const chartFiles = renderChartFiles(plan);
    const files = [
      ...renderAllConfigs(plan, (target) => reviewEndpoints(plan, targetName(target))),
      ...chartFiles,
    ];
    for (const file of files) {
      mkdirSync(dirname(join(outdir, file.path)), { recursive: true });
      writeFileSync(join(outdir, file.path), file.content);
    }
    const total = result.stacks.reduce((sum, stack) => sum + stack.resourceCount, 0);
    io.out(`  ${'total'.padEnd(width)}  ${String(total).padStart(4)} resources\n\n`);
    io.out(
      `GitLab configs written to ${configDir} (${files.length} files: gitlab.rb and user data per role${chartFiles.length > 0 ? ", the Helm chart's values and secrets manifests" : ''})\n\n`,
    );
    // The templates are at hand, so say how long a first deploy takes and what it waits on.
    const estimate = estimateDeploy(readCloudAssembly(result.directory), { bootOrder: planBootOrder(plan) });
    io.out(`${renderEstimate(estimate).split('\n').slice(0, 2).join('\n')}\n`);
    return 0;
  },
};

/**
 * Endpoints for the review copies: each names the stack output the deployed value comes from. The
 * data services' endpoints need none: the settings name the parameters the boot script reads them from.
 */
function reviewEndpoints(plan: Plan, target: string): RuntimeEndpoints {
  return {
    ...(plan.architecture.gitalyMode === 'cluster'
      ? { praefectLoadBalancerHost: `<Praefect load balancer, ${stackName(plan, 'compute')}>` }
      : {}),
    signal: { stackName: stackName(plan, 'compute'), logicalId: `<${target} resource>` },
  };
}
