import { environmentToolkit, loadAppFactory } from '../../lifecycle/aws.js';
import { renderDiffReport } from '../../lifecycle/diff-report.js';
import { Route53HostedZoneFinder, requireHostedZoneId } from '../../lifecycle/hosted-zone.js';
import { findExportChanges, findStatefulChanges } from '../../lifecycle/stateful-changes.js';
import { connect, lifecycleOutput } from '../aws-context.js';
import type { CliCommand } from '../command.js';
import { planFromArgs } from '../spec-args.js';

export const command: CliCommand = {
  name: 'diff',
  async run(invocation) {
    const plan = planFromArgs(invocation);
    const output = lifecycleOutput(invocation.io, { ci: invocation.values.ci === true });
    const { clients } = await connect(plan);
    // The same app deploy builds, so the diff shows what deploy would change.
    const hostedZoneId = await requireHostedZoneId(plan, new Route53HostedZoneFinder(clients.route53));
    const toolkit = await environmentToolkit(plan, output.ioHost, await loadAppFactory(), { hostedZoneId });
    const stacks = await toolkit.listStacks();
    const diffs = await toolkit.diff(stacks.map((stack) => stack.name));
    const allowReplace = (invocation.values['allow-replace'] as string[] | undefined) ?? [];
    const statefulChanges = findStatefulChanges(diffs);
    const exportChanges = findExportChanges(diffs);
    for (const line of renderDiffReport({
      diffs,
      statefulChanges,
      allowReplace,
      exportChanges,
      style: output.style,
    }))
      output.line(line);
    return 0;
  },
};
