import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject, JsonValue } from '../../../lib/core/json';

/** Event fixtures (see test/fixtures/events/PROVENANCE.md for where each line comes from). */
export const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'events');

const cache = new Map<string, JsonValue[]>();

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .sort();
}

/** Every event of one fixture file, parsed afresh for each call's caller to own. */
export function events(file: string): JsonValue[] {
  let parsed = cache.get(file);
  if (parsed === undefined) {
    parsed = readFileSync(join(FIXTURE_DIR, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as JsonValue);
    cache.set(file, parsed);
  }
  return structuredClone(parsed);
}

/** One event by its 1-based line number, as PROVENANCE.md numbers them. */
export function fixture(file: string, line: number): JsonObject {
  const e = events(file)[line - 1];
  if (e === undefined || typeof e !== 'object' || e === null || Array.isArray(e)) throw new Error(`no object at ${file}:${line}`);
  return e;
}

/** Recursively freezes a value, so a test fails if the code under test writes to its input. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
