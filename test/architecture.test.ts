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

/**
 * The lifecycle commands read the names they share with infra (tags, stack names, outputs) from
 * src/plan, so they never load aws-cdk-lib to get a string. Only these modules may load the
 * infrastructure layer or CDK itself, each for the reason given; `import type` is erased and free.
 */
const LIFECYCLE_INFRA_ALLOWLIST: Readonly<Record<string, readonly string[]>> = {
  // Synthesizes the environment's app for the CDK toolkit, loading infra on demand (`loadAppFactory`).
  'lifecycle/aws.ts': ['../infra/app.js'],
};

/** Whether a specifier loads the infrastructure layer or CDK's construct library. */
function loadsInfraOrCdk(file: string, specifier: string): boolean {
  if (specifier.startsWith('.')) return layerOf(resolve(file, '..', specifier)) === 'infra';
  return /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(specifier);
}

/** Imports that load a module at run time: static imports and re-exports other than `import type`/`export type`, and `import()`. */
function valueImports(source: string): string[] {
  return [
    ...source.matchAll(
      /(?:^|\n)\s*(?:import|export)(?!\s+type\s)[^'"]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\('([^']+)'\)/g,
    ),
  ].map((match) => (match[1] ?? match[2] ?? match[3])!);
}

describe('lifecycle', () => {
  const lifecycleFiles = sourceFiles(join(SRC, 'lifecycle'));
  const loads = lifecycleFiles.flatMap((file) =>
    valueImports(readFileSync(file, 'utf8'))
      .filter((specifier) => loadsInfraOrCdk(file, specifier))
      .map((specifier) => ({ file: relative(SRC, file), specifier })),
  );

  it('tells value imports from type imports', () => {
    expect(
      valueImports("import type { A } from '../infra/a.js';\nexport type { B } from '../infra/b.js';"),
    ).toEqual([]);
    expect(
      valueImports(
        "import { type A } from '../infra/a.js';\nexport { B } from 'aws-cdk-lib';\nimport '../infra/c.js';\nawait import('../infra/d.js');",
      ),
    ).toEqual(['../infra/a.js', 'aws-cdk-lib', '../infra/c.js', '../infra/d.js']);
  });

  it('loads infra and CDK only from the modules allowed to', () => {
    const violations = loads
      .filter(({ file, specifier }) => !LIFECYCLE_INFRA_ALLOWLIST[file]?.includes(specifier))
      .map(({ file, specifier }) => `${file} loads ${specifier}`);
    expect(violations).toEqual([]);
  });

  it('has no allowlist entry it no longer needs', () => {
    const stale = Object.entries(LIFECYCLE_INFRA_ALLOWLIST).flatMap(([file, specifiers]) =>
      specifiers
        .filter((specifier) => !loads.some((load) => load.file === file && load.specifier === specifier))
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(stale).toEqual([]);
  });
});
