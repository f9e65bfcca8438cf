export {
  describeService,
  renderChecks,
  renderNodes,
  renderOrigin,
  renderPlanText,
  renderServices,
  renderSummary,
} from './plan-text.js';
export { renderTable, type TableOptions } from './table.js';
