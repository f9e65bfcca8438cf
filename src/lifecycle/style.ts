/**
 * Terminal styling for lifecycle output. Colour only on a terminal: logs and CI output stay plain
 * text that greps and diffs cleanly.
 */

export interface Style {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
}

const ansi = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;

const COLOURED: Style = {
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  bold: ansi(1, 22),
  dim: ansi(2, 22),
};

const identity = (text: string) => text;
const PLAIN: Style = { red: identity, green: identity, yellow: identity, bold: identity, dim: identity };

/** Colours when `colour` is true, plain text otherwise. */
export function styleFor(colour: boolean): Style {
  return colour ? COLOURED : PLAIN;
}
