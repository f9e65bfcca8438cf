/** Plain-text tables for terminal output: columns padded to their widest cell. */
export interface TableOptions {
  /** Columns (by index) aligned right, such as counts and prices. */
  readonly alignRight?: readonly number[];
  /** Spaces before each line. */
  readonly indent?: number;
}

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const right = new Set(options.alignRight ?? []);
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const indent = ' '.repeat(options.indent ?? 0);
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
