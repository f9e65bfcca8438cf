import { hasErrors } from '../../plan/index.js';
import { renderPlanText } from '../../report/index.js';
import type { CliCommand } from '../command.js';
import { planFromArgs, SPEC_OPTIONS, SPEC_USAGE } from '../spec-args.js';

export const command: CliCommand = {
  name: 'plan',
  summary: 'Validate the spec and show the planned environment, its checks and what it will cost',
  usage: `gitlab-aws plan [-c FILE] [--size SIZE] [--type TYPE] [--cpu CPU] [--azs N] [--json]\n${SPEC_USAGE}\n      --json          print the Plan as JSON (the format is documented in docs/plan-format.md)`,
  options: { ...SPEC_OPTIONS, json: { type: 'boolean' } },
  async run(invocation) {
    const plan = planFromArgs(invocation);
    if (invocation.values.json) {
      invocation.io.out(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      invocation.io.out(`${renderPlanText(plan)}\n`);
    }
    // Error-level checks are choices that cannot work or that GitLab does not support: fail loudly.
    return hasErrors(plan) ? 1 : 0;
  },
};
