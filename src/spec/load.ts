/**
 * Reading and validating a spec: YAML text -> plain object -> zod -> Spec, turning every failure
 * into a SpecError that names the field, the line and the fix.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** Every name the spec is looked up under when none is given: YAML's two extensions. */
export const DEFAULT_SPEC_FILES = [DEFAULT_SPEC_FILE, 'gitlab-aws.yml'] as const;

/** A validated spec and where it came from. */
export interface LoadedSpec {
  readonly spec: Spec;
  readonly origin: { readonly kind: 'file'; readonly path: string } | { readonly kind: 'embedded-default' };
}

/** Overrides from command-line flags; applied before validation so they are validated too. */
export interface SpecOverrides {
  readonly size?: string;
  /** Peak load as the --rps flag writes it: `api=300,web=30,git=30`. */
  readonly rps?: string;
  readonly type?: string;
  readonly cpu?: string;
  readonly availabilityZones?: number;
}

/** The flag that sets each overridable field, so a bad value is blamed on the flag, not the file. */
const OVERRIDE_FLAGS: Readonly<Record<string, { key: keyof SpecOverrides; flag: string }>> = {
  'architecture.size': { key: 'size', flag: '--size' },
  'architecture.rps': { key: 'rps', flag: '--rps' },
  'architecture.type': { key: 'type', flag: '--type' },
  'architecture.cpu': { key: 'cpu', flag: '--cpu' },
  availabilityZones: { key: 'availabilityZones', flag: '--azs' },
};

/** Validates an in-memory spec object. Throws SpecError. */
export function parseSpec(input: unknown, source = 'spec'): Spec {
  return validate(input, source);
}

/**
 * Spec text from a file's bytes. Editors on Windows save UTF-16 with a byte order mark; the mark
 * says the encoding unambiguously, so such a file is read rather than refused.
 */
export function decodeSpecBytes(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    return swapped.swap16().toString('utf16le');
  }
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Parses YAML text and validates it. Throws SpecError with line numbers. */
export function parseSpecYaml(text: string, source: string, overrides: SpecOverrides = {}): Spec {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *defaults`) are a common YAML habit and mean one thing: accept them.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (document.errors.length > 0) {
    throw new SpecError(
      source,
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return {
          path: '',
          message:
            error.code === 'MULTIPLE_DOCS'
              ? 'the file holds more than one YAML document (a `---` line after the first one); a spec is one document: delete that line and what follows, or merge it into the first'
              : `invalid YAML: ${firstLine(error.message)}`,
          line: position.line,
          column: position.col,
        };
      }),
    );
  }
  let input: unknown;
  try {
    input = document.toJS() ?? {};
  } catch (error) {
    // The yaml library stops expanding aliases past a limit (a "billion laughs" file).
    throw new SpecError(source, [
      {
        path: '',
        message: `invalid YAML: ${firstLine((error as Error).message)}; the aliases (*name) expand to too much: write the values out instead`,
      },
    ]);
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SpecError(source, [
      { path: '', message: 'the spec must be a YAML mapping (name: ..., region: ...)' },
    ]);
  }
  const rawText = (path: readonly PropertyKey[]) => scalarSource(document, path);
  // A section whose fields are all commented out (`redis:` alone) reads as null: treat it as empty.
  // `$schema` points editors at the JSON Schema (`gitlab-aws schema`); it is not part of the spec.
  const sections = Object.fromEntries(
    Object.entries(input).filter(([key, value]) => value !== null && key !== '$schema'),
  );
  if (isRecord(sections.tags)) sections.tags = tagsAsText(sections.tags, rawText);
  return validate(
    applyOverrides(sections, overrides),
    source,
    (path) => locate(document, lineCounter, path),
    overrides,
    rawText,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tag values are text to AWS: `cost-center: 1234` means the text 1234, as written. */
function tagsAsText(
  tags: Record<string, unknown>,
  rawText: (path: readonly PropertyKey[]) => string | undefined,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(tags).map(([key, value]) => [
      key,
      typeof value === 'number' ? (rawText(['tags', key]) ?? String(value)) : value,
    ]),
  );
}

/**
 * Loads the spec for a command: the file named with -c, else `gitlab-aws.yaml` (or `.yml`) in the
 * working directory, else the embedded default (3k, 3 AZs).
 */
export function loadSpec(options: { path?: string; cwd: string; overrides?: SpecOverrides }): LoadedSpec {
  const overrides = options.overrides ?? {};
  const explicit = options.path !== undefined;
  const name = options.path ?? defaultSpecFile(options.cwd);
  if (name === undefined) {
    return {
      spec: validate(
        applyOverrides(structuredClone(EMBEDDED_DEFAULT_SPEC), overrides),
        'embedded default',
        undefined,
        overrides,
      ),
      origin: { kind: 'embedded-default' },
    };
  }
  const path = resolvePath(options.cwd, name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `file not found; check the path, write one with \`gitlab-aws init\`${explicit ? ', or omit -c to plan the embedded default' : ''}`
        : code === 'EISDIR'
          ? 'is a directory; name the spec file itself'
          : `cannot be read (${code ?? 'unknown error'})`;
    throw new SpecError(name, [{ path: '', message: reason }]);
  }
  return {
    spec: parseSpecYaml(decodeSpecBytes(bytes), name, overrides),
    origin: { kind: 'file', path },
  };
}

/** The spec file in `cwd` under one of the default names; both present is ambiguous and refused. */
function defaultSpecFile(cwd: string): string | undefined {
  const present = DEFAULT_SPEC_FILES.filter((name) => existsSync(resolvePath(cwd, name)));
  if (present.length > 1) {
    throw new SpecError(present.join(' and '), [
      {
        path: '',
        message: `both exist, and either could be the spec: delete or rename one, or name it with -c ${present[0]}`,
      },
    ]);
  }
  return present[0];
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
}

/**
 * `api=300,web=30,git=30` as the spec's `architecture.rps`. A figure that is not a number is kept as
 * written, so that validation names the field; a malformed list is refused here, naming the flag.
 */
export function parseRpsFlag(text: string): Record<string, unknown> {
  const rps: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*(\S+)\s*$/.exec(part);
    if (!match) {
      throw new SpecError('--rps', [
        {
          path: 'architecture.rps',
          message: `"${text}" is not a list of peaks; write it as api=N,web=N,git=N (requests per second)`,
        },
      ]);
    }
    const value = match[2]!;
    rps[match[1]!] = /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return rps;
}

function applyOverrides(input: Record<string, unknown>, overrides: SpecOverrides): Record<string, unknown> {
  const result: Record<string, unknown> = { ...input };
  const architecture = { ...((input.architecture as Record<string, unknown> | undefined) ?? {}) };
  // A flag that sizes the environment replaces the file's way of sizing it (size or rps).
  if (overrides.size !== undefined && overrides.rps === undefined) delete architecture.rps;
  if (overrides.rps !== undefined && overrides.size === undefined) delete architecture.size;
  if (overrides.size !== undefined) architecture.size = overrides.size;
  if (overrides.rps !== undefined) architecture.rps = parseRpsFlag(overrides.rps);
  if (overrides.type !== undefined) architecture.type = overrides.type;
  if (overrides.cpu !== undefined) architecture.cpu = overrides.cpu;
  if (Object.values({ ...overrides, availabilityZones: undefined }).some((value) => value !== undefined)) {
    result.architecture = architecture;
  }
  if (overrides.availabilityZones !== undefined) result.availabilityZones = overrides.availabilityZones;
  return result;
}

type Locator = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;
type RawText = (path: readonly PropertyKey[]) => string | undefined;

function validate(
  input: unknown,
  source: string,
  locateField: Locator = () => undefined,
  overrides: SpecOverrides = {},
  rawText: RawText = () => undefined,
): Spec {
  const result = specSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues
    .flatMap((issue) => describeIssue(issue, input, locateField, rawText))
    .map((issue) => blameFlag(issue, overrides));
  throw new SpecError(source, issues);
}

/** An issue with a value a flag set names the flag: the file's line did not cause it. */
function blameFlag(issue: SpecIssue, overrides: SpecOverrides): SpecIssue {
  const field = Object.keys(OVERRIDE_FLAGS).find(
    (path) => issue.path === path || issue.path.startsWith(`${path}.`),
  );
  const override = field === undefined ? undefined : OVERRIDE_FLAGS[field];
  if (!override || overrides[override.key] === undefined) return issue;
  return { path: issue.path, message: issue.message, source: override.flag };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  locateField: Locator,
  rawText: RawText,
): SpecIssue[] {
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
    message = `expected ${issue.expected}, got ${describeValue(value)}${yamlTypeHint(issue.expected, value, rawText(issue.path), issue.path)}`;
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

/**
 * How to write a value YAML read as another type than meant: YAML 1.2 reads `yes` as text and an
 * unquoted `19.3` as a number.
 */
function yamlTypeHint(
  expected: string,
  value: unknown,
  raw: string | undefined,
  path: readonly PropertyKey[],
): string {
  if (expected === 'boolean' && typeof value === 'string' && /^(yes|no|y|n|on|off)$/i.test(value)) {
    return `; YAML reads ${value} as text: write true or false`;
  }
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    const written = raw ?? String(value);
    const versionLike = path[path.length - 1] === 'version' && /^\d+\.\d+$/.test(written);
    return `; ${written} is a ${typeof value} in YAML: quote it, "${versionLike ? `${written}.0` : written}"`;
  }
  return '';
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

/** The text a scalar was written as in the file (`19.30`, not the number 19.3). */
function scalarSource(document: Document, path: readonly PropertyKey[]): string | undefined {
  const node = document.getIn(path, true) as { source?: unknown } | undefined;
  return typeof node?.source === 'string' ? node.source : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export type { SpecInput };
