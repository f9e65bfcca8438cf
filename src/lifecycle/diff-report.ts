/**
 * `gitlab-aws diff` output: per stack, each changed resource with what CloudFormation will do to
 * it, stateful replacements and deletions in red with what they hold.
 */
import type { ExportChange, StatefulChange, TemplateDiffView } from './stateful-changes.js';
import type { Style } from './style.js';

/** How each change impact reads, and whether it is worth a colour. */
const IMPACT_LABELS: Readonly<Record<string, { readonly symbol: string; readonly label: string }>> = {
  WILL_CREATE: { symbol: '+', label: 'create' },
  WILL_UPDATE: { symbol: '~', label: 'update' },
  WILL_REPLACE: { symbol: '-/+', label: 'replace' },
  MAY_REPLACE: { symbol: '~?', label: 'may replace' },
  WILL_DESTROY: { symbol: '-', label: 'delete' },
  WILL_ORPHAN: { symbol: '-', label: 'remove from stack, keep resource' },
  WILL_IMPORT: { symbol: '<-', label: 'import' },
};

export interface DiffReportProps {
  /** Template diff per stack name, in deploy order. */
  readonly diffs: Readonly<Record<string, TemplateDiffView>>;
  /** The stateful changes found in `diffs`. */
  readonly statefulChanges: readonly StatefulChange[];
  /** Logical ids the user allowed with `--allow-replace`. */
  readonly allowReplace: readonly string[];
  /** Exports the diffs remove or change while deployed stacks import them (`findExportChanges`). */
  readonly exportChanges?: readonly ExportChange[];
  readonly style: Style;
}

/** Renders the diff report as lines. */
export function renderDiffReport(props: DiffReportProps): string[] {
  const { style } = props;
  const lines: string[] = [];
  for (const [stackName, diff] of Object.entries(props.diffs)) {
    const changes = Object.entries(diff.resources.changes).filter(([, c]) => IMPACT_LABELS[c.changeImpact]);
    lines.push(style.bold(`Stack ${stackName}`) + (changes.length === 0 ? ': no changes' : ''));
    for (const [logicalId, change] of changes) {
      const impact = IMPACT_LABELS[change.changeImpact]!;
      const type = change.newResourceType ?? change.oldResourceType ?? '';
      const stateful = props.statefulChanges.find(
        (s) => s.stackName === stackName && s.logicalId === logicalId,
      );
      const line = `  [${impact.symbol}] ${type} ${logicalId}: ${impact.label}`;
      if (!stateful) {
        lines.push(line);
        continue;
      }
      const allowed = stateful.action !== 'move' && props.allowReplace.includes(logicalId);
      const note = stateful.from
        ? `moves from ${stateful.from.stackName} ${stateful.from.logicalId}, which CloudFormation cannot do in place; holds ${stateful.holds}`
        : allowed
          ? 'allowed by --allow-replace'
          : `holds ${stateful.holds}`;
      lines.push(style.red(`${line} -- DATA LOSS: ${note}`));
    }
  }
  const exportChanges = props.exportChanges ?? [];
  if (exportChanges.length > 0) lines.push('');
  for (const change of exportChanges) {
    const importers = change.importedBy.length > 0 ? change.importedBy.join(', ') : 'a deployed stack';
    lines.push(
      style.red(
        `Stack ${change.stackName}: export ${change.exportName} would be ${change.action === 'remove' ? 'removed' : 'changed'} while ${importers} imports it; CloudFormation refuses that and rolls the deploy back. Reference it weakly (Fn::GetStackOutput) for a release first.`,
      ),
    );
  }
  const blocked = props.statefulChanges.filter(
    (s) => s.action !== 'move' && !props.allowReplace.includes(s.logicalId),
  );
  const moves = props.statefulChanges.filter((s) => s.action === 'move');
  if (moves.length > 0) {
    lines.push('');
    lines.push(
      style.red(
        `${moves.length} stateful resource(s) would move between stacks; deploy refuses that whatever the flags: ${moves.map((s) => s.logicalId).join(' ')}`,
      ),
    );
  }
  if (blocked.length > 0) {
    lines.push('');
    lines.push(
      style.red(
        `${blocked.length} change(s) would replace or delete stateful resources; deploy refuses them unless named: ` +
          blocked.map((s) => `--allow-replace ${s.logicalId}`).join(' '),
      ),
    );
  }
  return lines;
}
