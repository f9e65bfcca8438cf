/**
 * Spec problems, phrased for a person: each names the field (dotted path, and the line in the
 * file when known) and says what to write instead.
 */
export interface SpecIssue {
  /** Dotted field path, e.g. `database.instanceClass`; empty for the whole document. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** 1-based line and column in the spec file, when the problem can be located. */
  readonly line?: number;
  readonly column?: number;
  /** Where the value came from when not the spec file, e.g. the `--size` flag that overrode it. */
  readonly source?: string;
}

export class SpecError extends Error {
  constructor(
    /** File the spec was read from, or a description such as `embedded default`. */
    readonly source: string,
    readonly issues: readonly SpecIssue[],
  ) {
    super(issues.map((issue) => formatSpecIssue(source, issue)).join('\n'));
    this.name = 'SpecError';
  }
}

export function formatSpecIssue(source: string, issue: SpecIssue): string {
  const from = issue.source ?? source;
  const where = issue.line === undefined ? from : `${from}:${issue.line}:${issue.column ?? 1}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Edit distance, for "did you mean" suggestions on misspelt fields and values. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}
