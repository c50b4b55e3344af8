import { OUTBOX_ATTRIBUTE, OUTBOX_INDEX, TABLE_PARTITION_KEY, TABLE_SORT_KEY } from '../../lib/construct/table-schema';
import { itemSize, plainScalar, type Item } from './item-size';

/**
 * What the cost model needs to know about a table to bill its writes: its key
 * attributes and its global secondary indexes (each one bills its own writes).
 */
export interface GsiSpec {
  name: string;
  hashKey: string;
  rangeKey?: string;
  /** ALL, KEYS_ONLY, or the non-key attributes of an INCLUDE projection. */
  projection: 'ALL' | 'KEYS_ONLY' | { include: readonly string[] };
}

export interface TableSchema {
  partitionKey: string;
  sortKey?: string;
  indexes: readonly GsiSpec[];
}

/** immutrail's index table, as lib/local/provision-table.ts and lib/construct/index-table.ts create it. */
export const INDEX_TABLE_SCHEMA: TableSchema = {
  partitionKey: TABLE_PARTITION_KEY,
  sortKey: TABLE_SORT_KEY,
  indexes: [{ name: OUTBOX_INDEX, hashKey: OUTBOX_ATTRIBUTE, rangeKey: TABLE_SORT_KEY, projection: 'ALL' }],
};

/** A sparse index holds an item only when the item has every key attribute of the index. */
export function inIndex(item: Item | undefined, index: GsiSpec): boolean {
  if (!item) return false;
  const has = (a: string) => item[a] !== undefined && item[a] !== null;
  return has(index.hashKey) && (index.rangeKey === undefined || has(index.rangeKey));
}

/** The index entry of an item: its table keys, the index keys, and the projected attributes. */
export function projection(item: Item, index: GsiSpec, table: TableSchema): Item {
  if (index.projection === 'ALL') return item;
  const names = new Set([table.partitionKey, table.sortKey, index.hashKey, index.rangeKey].filter((n): n is string => n !== undefined));
  if (typeof index.projection === 'object') for (const n of index.projection.include) names.add(n);
  return Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k)));
}

const writeUnits = (size: number): number => Math.max(1, Math.ceil(size / 1024));
const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Write units one table write costs an index, per the DynamoDB developer guide
 * ("Provisioned throughput considerations for Global Secondary Indexes",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html):
 * an item entering the index is one write; leaving it, one write; a change of
 * an index key value, two (delete and put); a change of projected attributes
 * only, one; an item in neither state, none. Each write is per 1 KB of the
 * index entry, like a table write.
 */
export function indexWriteUnits(before: Item | undefined, after: Item | undefined, index: GsiSpec, table: TableSchema): number {
  const was = inIndex(before, index);
  const is = inIndex(after, index);
  const size = (i: Item) => writeUnits(itemSize(projection(i, index, table)));
  if (!was && !is) return 0;
  if (!was) return size(after!);
  if (!is) return size(before!);
  const keyChanged =
    !sameValue(before![index.hashKey], after![index.hashKey]) || (index.rangeKey !== undefined && !sameValue(before![index.rangeKey], after![index.rangeKey]));
  if (keyChanged) return size(before!) + size(after!);
  return sameValue(projection(before!, index, table), projection(after!, index, table)) ? 0 : size(after!);
}

/** The primary key of an item (or of a request's Key), as one string. */
export function itemKey(tableName: string, keyOrItem: Item, table: TableSchema): string {
  const sk = table.sortKey ? plainScalar(keyOrItem[table.sortKey]) : '';
  return `${tableName}\u0000${plainScalar(keyOrItem[table.partitionKey])}\u0000${sk}`;
}

export function partitionKeyValue(keyOrItem: Item | undefined, table: TableSchema): string | null {
  const v = keyOrItem?.[table.partitionKey];
  return v === undefined ? null : plainScalar(v);
}

/**
 * The items this run wrote, as far as the request counter saw them: what
 * DynamoDB bills an UpdateItem or DeleteItem by (the stored item) is not in the
 * request, so it is taken from the last write of the same key in the run.
 */
export class ItemLedger {
  readonly #items = new Map<string, Item>();

  get(key: string): Item | undefined {
    return this.#items.get(key);
  }

  set(key: string, item: Item): void {
    this.#items.set(key, item);
  }

  delete(key: string): void {
    this.#items.delete(key);
  }

  get size(): number {
    return this.#items.size;
  }
}

export interface UpdateInput {
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** Splits on commas outside parentheses (SET a = if_not_exists(a, :x), b = :y). */
function topLevelCommaSplit(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/**
 * The item after an UpdateItem, for sizing: `SET name = :value` and `REMOVE
 * name` are applied exactly; anything else (nested paths, arithmetic,
 * functions, ADD, DELETE) is approximated and reported as inexact.
 */
export function applyUpdate(before: Item, input: UpdateInput): { after: Item; exact: boolean } {
  const after: Item = { ...before };
  let exact = true;
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const name = (token: string): string | null => {
    const t = token.trim();
    if (!/^[#\w]+$/.test(t)) return null; // a nested path (a.b, a[0])
    return t.startsWith('#') ? (names[t] ?? null) : t;
  };
  const expr = input.UpdateExpression ?? '';
  const clauses = expr.split(/\b(SET|REMOVE|ADD|DELETE)\b/i).map((s) => s.trim());
  for (let i = 1; i < clauses.length; i += 2) {
    const action = clauses[i].toUpperCase();
    for (const part of topLevelCommaSplit(clauses[i + 1] ?? '')) {
      if (action === 'REMOVE') {
        const n = name(part);
        if (n) delete after[n];
        else exact = false;
        continue;
      }
      const [lhs, ...rest] = action === 'SET' ? part.split('=') : part.split(/\s+/);
      const rhs = rest.join(action === 'SET' ? '=' : ' ').trim();
      const n = name(lhs);
      const placeholder = /^:\w+$/.test(rhs) ? rhs : null;
      if (action === 'SET' && n && placeholder && placeholder in values) {
        after[n] = values[placeholder];
        continue;
      }
      exact = false;
      // Approximation: the attribute takes the size of the first value the action mentions.
      const first = /:\w+/.exec(rhs)?.[0];
      if (n && first && first in values && (action === 'SET' || after[n] === undefined)) after[n] = values[first];
    }
  }
  return { after, exact };
}
