/**
 * DOT -> SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz), SVG -> PNG with resvg
 * (@resvg/resvg-js): no system binary needed. Loaded only by `plan --diagram`, so a plain `plan`
 * never pays for the WebAssembly start-up.
 */
import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { DIAGRAM_FONT, planToDot } from './diagram.js';

export const DIAGRAM_FORMATS = ['.svg', '.png'] as const;

/** Lays the DOT source out and returns the SVG. */
export async function dotToSvg(dot: string): Promise<string> {
  const graphviz = await Graphviz.load();
  // Viewers without DejaVu Sans get Verdana (the same widths), then any sans-serif font.
  return graphviz
    .dot(dot, 'svg')
    .replaceAll(`font-family="${DIAGRAM_FONT}"`, `font-family="${DIAGRAM_FONT},Verdana,sans-serif"`);
}

/**
 * The SVG as PNG. resvg draws text only with fonts it loads: the system's. The labels were measured
 * with DejaVu Sans metrics (installed on Debian and most Linux distributions); a narrower fallback
 * such as Helvetica still fits the boxes.
 */
export async function svgToPng(svg: string, width = 1800): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: 'white',
    font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans', defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** The Plan's diagram in the format named by the file's extension. */
export async function renderDiagram(plan: Plan, format: (typeof DIAGRAM_FORMATS)[number]): Promise<Buffer> {
  const svg = await dotToSvg(planToDot(plan));
  return format === '.svg' ? Buffer.from(svg) : svgToPng(svg);
}

/** Writes the diagram to `file` (resolved against `cwd`) and returns the absolute path. */
export async function writeDiagram(plan: Plan, file: string, cwd: string): Promise<string> {
  const format = extname(file).toLowerCase();
  if (!(DIAGRAM_FORMATS as readonly string[]).includes(format)) {
    throw new UserError(`--diagram ${file}: use a file name ending in .svg or .png`, 2);
  }
  const path = resolve(cwd, file);
  await writeFile(path, await renderDiagram(plan, format as (typeof DIAGRAM_FORMATS)[number]));
  return path;
}
