import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Data flows one way: each layer imports only from layers to its left. Files at the root of src/
 * (the package entry, the shared error type) stand outside the layers.
 */
const LAYERS = ['spec', 'catalog', 'plan', 'cost', 'config', 'infra', 'report', 'lifecycle', 'cli'];
const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function layerOf(path: string): string | undefined {
  const [first, ...rest] = relative(SRC, path).split('/');
  return rest.length > 0 ? first : undefined;
}

/** Packages a layer may not load: CDK belongs to infra (and the toolkit to lifecycle), the SDK to lifecycle and cost refresh. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  spec: /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/|@aws-sdk\/)/,
  catalog: /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/|@aws-sdk\/)/,
  plan: /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/|@aws-sdk\/)/,
  config: /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/|@aws-sdk\/)/,
  report: /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/|@aws-sdk\/)/,
};

describe('layering', () => {
  const files = sourceFiles(SRC);
  const imports = files.flatMap((file) =>
    [
      ...readFileSync(file, 'utf8').matchAll(
        /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g,
      ),
    ].map((match) => ({ file, specifier: (match[1] ?? match[2])! })),
  );

  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(imports.length).toBeGreaterThan(50);
  });

  it('imports only from the same layer or layers to the left', () => {
    const violations = imports
      .filter(({ specifier }) => specifier.startsWith('.'))
      .flatMap(({ file, specifier }) => {
        const from = layerOf(file);
        const to = layerOf(resolve(file, '..', specifier));
        if (!from || !to) return [];
        return LAYERS.indexOf(to) > LAYERS.indexOf(from)
          ? [`${relative(SRC, file)} imports ${specifier}`]
          : [];
      });
    expect(violations).toEqual([]);
  });

  it('keeps CDK and the AWS SDK out of the pure layers', () => {
    const violations = imports.flatMap(({ file, specifier }) => {
      const layer = layerOf(file);
      const forbidden = layer ? FORBIDDEN_PACKAGES[layer] : undefined;
      return forbidden?.test(specifier) ? [`${relative(SRC, file)} imports ${specifier}`] : [];
    });
    expect(violations).toEqual([]);
  });
});
