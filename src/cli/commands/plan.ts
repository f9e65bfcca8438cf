import { billOfMaterials } from '../../cost/bom.js';
import { loadPriceTable, MissingPriceError, priceTableAgeWarning } from '../../cost/prices.js';
import { hasErrors, type Plan } from '../../plan/index.js';
import { renderBom } from '../../report/bom.js';
import { renderPlanText } from '../../report/index.js';
import type { CliCommand } from '../command.js';
import { planFromArgs } from '../spec-args.js';
import { userOutputFile } from '../user-files.js';

/** The bill of materials, or one line saying which price is missing: the plan itself is still shown. */
function costSection(plan: Plan): string {
  try {
    return renderBom(billOfMaterials(plan, loadPriceTable()));
  } catch (error) {
    if (error instanceof MissingPriceError) return `Bill of materials: not available. ${error.message}`;
    throw error;
  }
}

export const command: CliCommand = {
  name: 'plan',
  async run(invocation) {
    const diagramFile = invocation.values.diagram as string | undefined;
    // A diagram that cannot be written is said before the plan is worked out.
    if (diagramFile !== undefined) userOutputFile('--diagram', diagramFile, invocation.io.cwd);
    const plan = planFromArgs(invocation, { announce: invocation.values.json === true });
    let diagramLine: string | undefined;
    if (diagramFile !== undefined) {
      // Imported here so that a plain `plan` never loads the layout engine.
      const { writeDiagram } = await import('../../report/diagram-render.js');
      diagramLine = `Diagram written to ${await writeDiagram(plan, diagramFile, invocation.io.cwd)}`;
    }
    if (invocation.values.json) {
      invocation.io.out(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      const sections = [costSection(plan), ...(diagramLine ? [diagramLine] : [])];
      invocation.io.out(`${renderPlanText(plan, sections)}\n`);
    }
    const stale = priceTableAgeWarning(loadPriceTable(), new Date().toISOString().slice(0, 10), plan.region);
    if (stale) invocation.io.err(`${stale}\n`);
    // Error-level checks are choices that cannot work or that GitLab does not support: fail loudly.
    return hasErrors(plan) ? 1 : 0;
  },
};
