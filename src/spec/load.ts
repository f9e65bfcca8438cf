/**
 * Reading and validating a spec: YAML text -> plain object -> zod -> Spec, turning every failure
 * into a SpecError that names the field, the line and the fix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import { z } from 'zod';
import { EMBEDDED_DEFAULT_SPEC } from './defaults.js';
import { closest, SpecError, type SpecIssue } from './errors.js';
import { type Spec, type SpecInput, specSchema } from './schema.js';

/**
 * The YAML parser, loaded on first use: `plan` with no spec file never needs it, and it is a
 * third of the CLI's start-up time.
 */
let yamlModule: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}

/** Default spec file name, looked up in the working directory. */
export const DEFAULT_SPEC_FILE = 'gitlab-aws.yaml';

/** A validated spec and where it came from. */
export interface LoadedSpec {
  readonly spec: Spec;
  readonly origin: { readonly kind: 'file'; readonly path: string } | { readonly kind: 'embedded-default' };
}

/** Overrides from command-line flags; applied before validation so they are validated too. */
export interface SpecOverrides {
  readonly size?: string;
  readonly type?: string;
  readonly cpu?: string;
  readonly availabilityZones?: number;
}

/** Validates an in-memory spec object. Throws SpecError. */
export function parseSpec(input: unknown, source = 'spec'): Spec {
  return validate(input, source);
}

/** Parses YAML text and validates it. Throws SpecError with line numbers. */
export function parseSpecYaml(text: string, source: string, overrides: SpecOverrides = {}): Spec {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new SpecError(
      source,
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return {
          path: '',
          message: `invalid YAML: ${firstLine(error.message)}`,
          line: position.line,
          column: position.col,
        };
      }),
    );
  }
  const input = document.toJS() ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new SpecError(source, [
      { path: '', message: 'the spec must be a YAML mapping (name: ..., region: ...)' },
    ]);
  }
  // A section whose fields are all commented out (`redis:` alone) reads as null: treat it as empty.
  const sections = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));
  return validate(applyOverrides(sections, overrides), source, (path) => locate(document, lineCounter, path));
}

/**
 * Loads the spec for a command: the file named with -c, else `gitlab-aws.yaml` in the working
 * directory, else the embedded default (3k, 3 AZs).
 */
export function loadSpec(options: { path?: string; cwd: string; overrides?: SpecOverrides }): LoadedSpec {
  const overrides = options.overrides ?? {};
  const explicit = options.path !== undefined;
  const path = resolvePath(options.cwd, options.path ?? DEFAULT_SPEC_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) {
      return {
        spec: validate(applyOverrides(structuredClone(EMBEDDED_DEFAULT_SPEC), overrides), 'embedded default'),
        origin: { kind: 'embedded-default' },
      };
    }
    const reason =
      code === 'ENOENT'
        ? 'file not found; check the path, write one with `gitlab-aws init`, or omit -c to plan the embedded default'
        : code === 'EISDIR'
          ? 'is a directory; name the spec file itself'
          : `cannot be read (${code ?? 'unknown error'})`;
    throw new SpecError(options.path!, [{ path: '', message: reason }]);
  }
  return {
    spec: parseSpecYaml(text, options.path ?? DEFAULT_SPEC_FILE, overrides),
    origin: { kind: 'file', path },
  };
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
}

function applyOverrides(input: Record<string, unknown>, overrides: SpecOverrides): Record<string, unknown> {
  const result: Record<string, unknown> = { ...input };
  const architecture = { ...((input.architecture as Record<string, unknown> | undefined) ?? {}) };
  if (overrides.size !== undefined) architecture.size = overrides.size;
  if (overrides.type !== undefined) architecture.type = overrides.type;
  if (overrides.cpu !== undefined) architecture.cpu = overrides.cpu;
  if (overrides.size !== undefined || overrides.type !== undefined || overrides.cpu !== undefined) {
    result.architecture = architecture;
  }
  if (overrides.availabilityZones !== undefined) result.availabilityZones = overrides.availabilityZones;
  return result;
}

type Locator = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

function validate(input: unknown, source: string, locateField: Locator = () => undefined): Spec {
  const result = specSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue) => describeIssue(issue, input, locateField));
  throw new SpecError(source, issues);
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, locateField: Locator): SpecIssue[] {
  const at = (path: readonly PropertyKey[]) => {
    const position = locateField(path);
    return position ? { line: position.line, column: position.column } : {};
  };
  const dotted = (path: readonly PropertyKey[]) => path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue.path);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      const hint = suggestion ? `did you mean "${suggestion}"?` : `valid fields here: ${known.join(', ')}`;
      return {
        path: dotted([...issue.path, key]),
        message: `unknown field; ${hint}`,
        ...at([...issue.path, key]),
      };
    });
  }
  const value = valueAt(input, issue.path);
  let message: string;
  if (issue.code === 'invalid_type' && value === undefined) {
    message = `required field is missing; ${requiredHint(dotted(issue.path))}`;
  } else if (issue.code === 'invalid_type') {
    message = `expected ${issue.expected}, got ${describeValue(value)}`;
  } else if (issue.code === 'invalid_value') {
    const options = issue.values.map((option) => JSON.stringify(option));
    const suggestion = typeof value === 'string' ? closest(value, issue.values.map(String)) : undefined;
    message = `${describeValue(value)} is not allowed; use ${options.length > 1 ? 'one of ' : ''}${options.join(', ')}${
      suggestion ? ` (did you mean "${suggestion}"?)` : ''
    }`;
  } else if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = issue.code === 'too_small' ? 'at least' : 'at most';
    const limit =
      (issue as { minimum?: unknown; maximum?: unknown }).minimum ?? (issue as { maximum?: unknown }).maximum;
    message =
      Array.isArray(value) || issue.message.startsWith('must')
        ? issue.message
        : `${describeValue(value)} is out of range; use a value ${bound} ${String(limit)}`;
  } else if (issue.code === 'custom' && issue.params?.withoutValue) {
    // The value may be a credential written as text: never echo it.
    message = issue.message;
  } else {
    message = `${describeValue(value)} ${issue.message}`;
  }
  return [{ path: dotted(issue.path), message, ...at(issue.path) }];
}

const REQUIRED_HINTS: Record<string, string> = {
  name: 'add e.g. `name: gitlab-prod` (prefix for every resource name)',
  region: 'add e.g. `region: us-west-2`',
  domain: 'add e.g. `domain: { name: gitlab.example.com, hostedZone: example.com }`',
  'domain.name': 'add the GitLab host name, e.g. `name: gitlab.example.com`',
};

function requiredHint(path: string): string {
  return REQUIRED_HINTS[path] ?? 'add it (see `gitlab-aws init` for a commented example)';
}

/** Field names the schema allows at a path, for suggestions. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = specSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.ZodType>)[String(key)];
      if (!next) return [];
      schema = next;
    } else {
      return [];
    }
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    const inner = (current as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
    if (!inner) return current;
    current = inner;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

function locate(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): { line: number; column: number } | undefined {
  const { isMap, isScalar } = yaml();
  let node: unknown = document.contents;
  let position: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
    if (!pair) break;
    position = (pair.key as { range?: [number] }).range?.[0] ?? position;
    node = pair.value;
  }
  if (position === undefined) return undefined;
  const { line, col } = lineCounter.linePos(position);
  return { line, column: col };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export type { SpecInput };
