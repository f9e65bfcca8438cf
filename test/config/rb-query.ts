/**
 * Reads settings back out of a GitlabRb builder, so unit tests of one role can assert what GitLab
 * would be told (a value, a secret reference, a node fact) without rendering and parsing Ruby.
 */
import { expect } from 'vitest';
import { type GitlabRb, RubyHash, RubySymbol, type RubyValue } from '../../src/config/ruby.js';

/** The value assigned to `name[keys...]`; fails the test when the file never assigns it. */
export function setting(rb: GitlabRb, name: string, ...keys: string[]): RubyValue {
  const found = rb
    .list()
    .filter(
      (entry) => entry.kind === 'assign' && entry.name === name && entry.keys.join('/') === keys.join('/'),
    );
  expect(found, `${name}[${keys.join('][')}] assigned once`).toHaveLength(1);
  const entry = found[0]!;
  if (entry.kind !== 'assign') throw new Error('unreachable');
  return entry.value;
}

/** Whether the file assigns `name[keys...]` at all. */
export function hasSetting(rb: GitlabRb, name: string, ...keys: string[]): boolean {
  return rb
    .list()
    .some(
      (entry) => entry.kind === 'assign' && entry.name === name && entry.keys.join('/') === keys.join('/'),
    );
}

/** Every top-level name the file assigns under `name` (the keys' first element). */
export function keysOf(rb: GitlabRb, name: string): string[] {
  return rb
    .list()
    .flatMap((entry) => (entry.kind === 'assign' && entry.name === name ? [entry.keys.join('/')] : []));
}

/** The value of a `call` line (`roles(...)`, `external_url ...`). */
export function called(rb: GitlabRb, name: string): RubyValue {
  const found = rb.list().filter((entry) => entry.kind === 'call' && entry.name === name);
  expect(found, `${name} called once`).toHaveLength(1);
  const entry = found[0]!;
  if (entry.kind !== 'call') throw new Error('unreachable');
  return entry.value;
}

/** A hash as a plain object keyed by its key names (symbol or string), values left as they are. */
export function entries(value: RubyValue): Record<string, RubyValue> {
  expect(value).toBeInstanceOf(RubyHash);
  const hash = value as RubyHash;
  return Object.fromEntries(
    hash.entries.map(([key, item]) => [key instanceof RubySymbol ? key.name : key, item] as const),
  );
}

/** Whether a hash's keys are Ruby symbols (Gitaly and Praefect read `configuration` with symbol keys). */
export function symbolKeyed(value: RubyValue): boolean {
  return value instanceof RubyHash && value.entries.every(([key]) => key instanceof RubySymbol);
}

/** The `## heading` lines of the file. */
export function comments(rb: GitlabRb): string[] {
  return rb.list().flatMap((entry) => (entry.kind === 'comment' ? [entry.text] : []));
}
