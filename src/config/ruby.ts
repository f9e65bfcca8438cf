/**
 * A small typed builder for gitlab.rb: settings as data, rendered to Ruby with correct quoting.
 *
 * No renderer concatenates Ruby by hand. Values are strings (single-quoted, with `\` and `'`
 * escaped), numbers, booleans, nil, symbols, arrays and hashes with string or symbol keys. Two
 * values stand for things only the booting machine knows, and are read from root-only files when
 * `gitlab-ctl reconfigure` evaluates gitlab.rb, so that no secret is ever part of the text:
 * - `secret(id)`: the content of /etc/gitlab/aws-secrets/<id>, written by the boot script from
 *   Secrets Manager;
 * - `nodeFact(name)`: a fact of the instance (its private address, its account), written by the boot
 *   script from the instance metadata.
 * `urlEncodedSecret(id)` is a secret percent-encoded for a URL, and `joined(...)` glues literal text,
 * secrets and facts into one string (a Redis URL with its password), both when gitlab.rb is evaluated.
 */
import type { DataEndpointPlan } from '../plan/data-endpoints.js';
import type { SecretId } from '../plan/types.js';

/** Directory holding one root-only file per secret the node reads. */
export const SECRETS_DIR = '/etc/gitlab/aws-secrets';
/** Directory holding facts about the instance (private address, account...). */
export const NODE_FACTS_DIR = '/etc/gitlab/aws-node';

/**
 * Facts the boot script writes to files before reconfigure: the instance's private address and
 * account id (from the instance metadata), the deploy-time endpoints (from the user data's settings
 * file) and the data services' endpoints (from the parameters the data stack publishes them in,
 * which the boot script waits for). Reading endpoints from files keeps CloudFormation tokens out of
 * gitlab.rb, so that gitlab.rb can be compressed into the user data (EC2 allows 16 KiB).
 */
export type NodeFactName =
  | 'private-ipv4'
  | 'account-id'
  | 'redis-host'
  | 'redis-cache-host'
  | 'praefect-host';

export class RubySymbol {
  constructor(readonly name: string) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain Ruby symbol: ${name}`);
  }
}

/** A secret, read at reconfigure time from its file. */
export class SecretValue {
  constructor(readonly id: SecretId) {}
}

/**
 * Amazon SES SMTP credentials, read at reconfigure time from a secret file holding the IAM access
 * key as JSON (`username`, `secretAccessKey`): the user name is the key id; the password is derived
 * from the secret key with the SES SMTP signature (SES Developer Guide, "Obtaining Amazon SES SMTP
 * credentials", docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html: HMAC-SHA256 over the date
 * 11111111, the region, `ses`, `aws4_request` and `SendRawEmail`, starting from `AWS4` + the secret
 * key; version byte 4 before the signature, base64).
 */
export class SesSmtpCredential {
  constructor(
    readonly id: SecretId,
    readonly part: 'user-name' | 'password',
    readonly region: string,
  ) {
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new Error(`not an AWS region: ${region}`);
  }
}

/** Where the boot script finds a data service's endpoint: its parameter, and which half of `host:port`. */
export interface DataEndpointSource {
  readonly endpoint: Pick<DataEndpointPlan, 'id' | 'kind' | 'parameterName'>;
  readonly part: 'host' | 'port';
}

/**
 * A fact, read at reconfigure time, with optional text before and after it. `value` is what the
 * boot script writes to the fact's file (an endpoint, possibly a CloudFormation token); `source`
 * names the data endpoint parameter the boot script reads it from once the service exists; facts
 * the instance finds out itself have neither.
 */
export class NodeFact {
  constructor(
    readonly name: NodeFactName,
    readonly prefix = '',
    readonly suffix = '',
    readonly value?: string,
    readonly source?: DataEndpointSource,
  ) {}
}

/**
 * A secret percent-encoded for the user information of a URL: every byte but the RFC 3986
 * unreserved characters becomes `%XX`. It is encoded as the Linux package encodes the Redis password
 * of the URL it builds itself, with `ERB::Util.url_encode` (`RedisHelper.encode_redis_credential`,
 * gitlabhq/omnibus-gitlab 19.3.0+ee.0 = 8bae586ed153bd3598bf6f11dc4cfeaefd693a72,
 * files/gitlab-cookbooks/package/libraries/helpers/redis_helper.rb, which requires `erb`; the package's
 * libraries are loaded before its config recipe reads gitlab.rb, package/recipes/config.rb).
 * GitLab's client decodes it again (`CGI.unescape`), so a `+` must be encoded too.
 */
export class UrlEncodedSecret {
  constructor(readonly id: SecretId) {}
}

/** One part of a joined text. */
export type JoinedPart = string | SecretValue | UrlEncodedSecret | NodeFact;

/** Text joined, when gitlab.rb is evaluated, from literal parts, secrets and facts. */
export class JoinedText {
  constructor(readonly parts: readonly JoinedPart[]) {
    if (parts.length === 0) throw new Error('a joined text needs at least one part');
  }
}

/** A hash; each key is a string (`'key' =>`) or a symbol (`key:`). */
export class RubyHash {
  constructor(readonly entries: readonly (readonly [string | RubySymbol, RubyValue])[]) {}
}

/** A data endpoint gitlab.rb reads, and the facts its host and port are written to. */
export interface DataEndpointRead {
  readonly endpoint: DataEndpointSource['endpoint'];
  readonly hostFact?: NodeFactName;
  readonly portFact?: NodeFactName;
}

export type RubyValue =
  | string
  | number
  | boolean
  | null
  | RubySymbol
  | SecretValue
  | SesSmtpCredential
  | NodeFact
  | UrlEncodedSecret
  | JoinedText
  | RubyHash
  | readonly RubyValue[];

/** `:name` */
export const sym = (name: string) => new RubySymbol(name);
/** The secret's value, read from its root-only file when gitlab.rb is evaluated. */
export const secret = (id: SecretId) => new SecretValue(id);
/** An instance fact (`prefix` + fact + `suffix`), read when gitlab.rb is evaluated. */
export const nodeFact = (name: NodeFactName, prefix = '', suffix = '') => new NodeFact(name, prefix, suffix);
/** A deploy-time endpoint value, read from its fact file when gitlab.rb is evaluated. */
export const endpointFact = (name: NodeFactName, value: string, prefix = '', suffix = '') =>
  new NodeFact(name, prefix, suffix, value);
/** Part of a data service's endpoint, which the boot script reads from its parameter when the service exists. */
export const dataEndpointFact = (
  name: NodeFactName,
  endpoint: DataEndpointSource['endpoint'],
  part: DataEndpointSource['part'],
  prefix = '',
  suffix = '',
) => new NodeFact(name, prefix, suffix, undefined, { endpoint, part });
/** The secret, percent-encoded for a URL, read when gitlab.rb is evaluated. */
export const urlEncodedSecret = (id: SecretId) => new UrlEncodedSecret(id);
/** Literal text, secrets and facts joined into one string when gitlab.rb is evaluated. */
export const joined = (...parts: JoinedPart[]) => new JoinedText(parts);
/** A hash with string keys: `{ 'key' => value }`. */
export const strHash = (entries: Record<string, RubyValue | undefined>) =>
  new RubyHash(definedEntries(entries));
/** A hash with symbol keys: `{ key: value }`. */
export const symHash = (entries: Record<string, RubyValue | undefined>) =>
  new RubyHash(definedEntries(entries).map(([key, value]) => [sym(key), value] as const));

function definedEntries(entries: Record<string, RubyValue | undefined>): (readonly [string, RubyValue])[] {
  return Object.entries(entries).filter((entry): entry is [string, RubyValue] => entry[1] !== undefined);
}

/** A Ruby single-quoted string literal. */
export function rubyString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

const fileRead = (path: string) => `File.read(${rubyString(path)}).strip`;

/** Renders a value as Ruby source; nested hashes and arrays of hashes go over several lines. */
export function renderValue(value: RubyValue, indent = ''): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return rubyString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (value instanceof RubySymbol) return `:${value.name}`;
  if (value instanceof SecretValue) return fileRead(`${SECRETS_DIR}/${value.id}`);
  if (value instanceof SesSmtpCredential) {
    const json = `(require 'json'; JSON.parse(File.read(${rubyString(`${SECRETS_DIR}/${value.id}`)})))`;
    if (value.part === 'user-name') return `${json}['username']`;
    const steps = `%w[11111111 ${value.region} ses aws4_request SendRawEmail]`;
    return `(require 'openssl'; [[4].pack('C') + ${steps}.reduce('AWS4' + ${json}['secretAccessKey']) { |key, data| OpenSSL::HMAC.digest('SHA256', key, data) }].pack('m0'))`;
  }
  if (value instanceof NodeFact) {
    const parts = [
      ...(value.prefix ? [rubyString(value.prefix)] : []),
      fileRead(`${NODE_FACTS_DIR}/${value.name}`),
      ...(value.suffix ? [rubyString(value.suffix)] : []),
    ];
    return parts.length === 1 ? parts[0]! : `(${parts.join(' + ')})`;
  }
  if (value instanceof UrlEncodedSecret)
    return `ERB::Util.url_encode(${fileRead(`${SECRETS_DIR}/${value.id}`)})`;
  if (value instanceof JoinedText) {
    const parts = value.parts.map((part) => renderValue(part));
    return parts.length === 1 ? parts[0]! : `(${parts.join(' + ')})`;
  }
  const inner = `${indent}  `;
  if (value instanceof RubyHash) {
    if (value.entries.length === 0) return '{}';
    const lines = value.entries.map(([key, entry]) => {
      const renderedKey = key instanceof RubySymbol ? `${key.name}:` : `${rubyString(key)} =>`;
      return `${inner}${renderedKey} ${renderValue(entry, inner)},`;
    });
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    const items = value as readonly RubyValue[];
    if (items.length === 0) return '[]';
    const simple = items.every((item) => !(item instanceof RubyHash) && !Array.isArray(item));
    if (simple) return `[${items.map((item) => renderValue(item)).join(', ')}]`;
    return `[\n${items.map((item) => `${inner}${renderValue(item, inner)},`).join('\n')}\n${indent}]`;
  }
  throw new Error(`cannot render ${String(value)} as Ruby`);
}

/** One line (or block) of gitlab.rb. */
export type GitlabRbEntry =
  /** `name['k1']['k2'] = value` */
  | {
      readonly kind: 'assign';
      readonly name: string;
      readonly keys: readonly string[];
      readonly value: RubyValue;
    }
  /** `name value`, e.g. `external_url 'https://...'` and `roles [...]` */
  | { readonly kind: 'call'; readonly name: string; readonly value: RubyValue }
  /** `## text`, a heading above a group of settings. */
  | { readonly kind: 'comment'; readonly text: string };

const TOP_LEVEL_NAME = /^[a-z_][a-z0-9_]*$/;

/** Accumulates gitlab.rb entries in order and renders them. */
export class GitlabRb {
  private readonly entries: GitlabRbEntry[] = [];

  /** `name['k1']...['kn'] = value` */
  set(name: string, keys: readonly string[], value: RubyValue): this {
    if (!TOP_LEVEL_NAME.test(name)) throw new Error(`not a gitlab.rb top-level name: ${name}`);
    if (keys.length === 0) throw new Error(`${name} needs at least one key`);
    this.entries.push({ kind: 'assign', name, keys, value });
    return this;
  }

  /** `name value` (external_url, roles). */
  call(name: string, value: RubyValue): this {
    if (!TOP_LEVEL_NAME.test(name)) throw new Error(`not a gitlab.rb top-level name: ${name}`);
    this.entries.push({ kind: 'call', name, value });
    return this;
  }

  /** A `## heading` line before the next settings. */
  comment(text: string): this {
    for (const line of text.split('\n')) this.entries.push({ kind: 'comment', text: line });
    return this;
  }

  /** The entries so far. */
  list(): readonly GitlabRbEntry[] {
    return this.entries;
  }

  /** Every secret the settings read, in first-use order. */
  secrets(): SecretId[] {
    const found = new Set<SecretId>();
    this.walk((value) => {
      if (
        value instanceof SecretValue ||
        value instanceof UrlEncodedSecret ||
        value instanceof SesSmtpCredential
      )
        found.add(value.id);
    });
    return [...found];
  }

  /** Every fact the settings read that has a value to write (the endpoints), by name. */
  facts(): Map<NodeFactName, string> {
    const found = new Map<NodeFactName, string>();
    this.walk((value) => {
      if (value instanceof NodeFact && value.value !== undefined) {
        const known = found.get(value.name);
        if (known !== undefined && known !== value.value)
          throw new Error(`two values for fact ${value.name}`);
        found.set(value.name, value.value);
      }
    });
    return found;
  }

  /**
   * The data endpoints the settings read, in first-use order: each parameter once, with the facts
   * its host and port go to.
   */
  dataEndpoints(): DataEndpointRead[] {
    const found = new Map<string, DataEndpointRead>();
    this.walk((value) => {
      if (!(value instanceof NodeFact) || !value.source) return;
      const { endpoint, part } = value.source;
      const known = found.get(endpoint.parameterName) ?? { endpoint };
      const fact = part === 'host' ? known.hostFact : known.portFact;
      if (fact !== undefined && fact !== value.name)
        throw new Error(`two facts for the ${part} of ${endpoint.parameterName}`);
      found.set(endpoint.parameterName, {
        ...known,
        [part === 'host' ? 'hostFact' : 'portFact']: value.name,
      });
    });
    return [...found.values()];
  }

  private walk(visit: (value: RubyValue) => void): void {
    const walk = (value: RubyValue): void => {
      visit(value);
      if (value instanceof JoinedText) for (const part of value.parts) walk(part);
      else if (value instanceof RubyHash) for (const [, entry] of value.entries) walk(entry);
      else if (Array.isArray(value)) for (const item of value as readonly RubyValue[]) walk(item);
    };
    for (const entry of this.entries) if (entry.kind !== 'comment') walk(entry.value);
  }

  render(): string {
    const lines = this.entries.map((entry): string => {
      if (entry.kind === 'comment') return entry.text === '' ? '' : `## ${entry.text}`;
      if (entry.kind === 'call') {
        // `external_url 'https://...'` as GitLab writes it; `roles([...])` with parentheses, which
        // Ruby reads without an ambiguity warning.
        return typeof entry.value === 'string'
          ? `${entry.name} ${renderValue(entry.value)}`
          : `${entry.name}(${renderValue(entry.value)})`;
      }
      return `${entry.name}${entry.keys.map((key) => `[${rubyString(key)}]`).join('')} = ${renderValue(entry.value)}`;
    });
    return `${lines.join('\n')}\n`;
  }
}
