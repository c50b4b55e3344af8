import type { RequestObservation } from '../../lib/aws/request-counter';

/**
 * DynamoDB on-demand capacity units of one request, from the items it wrote or
 * read (AttributeValue maps as they travel on the wire). Per the DynamoDB
 * developer guide: a write unit covers 1 KB of an item, a read unit 4 KB of a
 * strongly consistent read (half for eventually consistent), transactions cost
 * twice; a read of a missing item still costs the minimum; a failed
 * conditional write still consumes its units.
 */
export interface CapacityUnits {
  wru: number;
  rru: number;
}

type Item = Record<string, unknown>;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const numberSize = (n: string): number => Math.ceil(n.replace(/^-/, '').replace(/^0+/, '').replace('.', '').length / 2) + 1;

/** A wire-format AttributeValue ({ S: "x" }, { N: "1" }, ...), as opposed to a plain value. */
function attributeValue(v: unknown): [string, unknown] | null {
  if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  const [k] = keys;
  const x = (v as Record<string, unknown>)[k];
  const ok =
    (k === 'S' && typeof x === 'string') ||
    (k === 'N' && typeof x === 'string') ||
    (k === 'B' && x instanceof Uint8Array) ||
    (k === 'BOOL' && typeof x === 'boolean') ||
    (k === 'NULL' && x === true) ||
    (k === 'M' && typeof x === 'object' && x !== null && !Array.isArray(x)) ||
    ((k === 'L' || k === 'SS' || k === 'NS' || k === 'BS') && Array.isArray(x));
  return ok ? [k, x] : null;
}

/**
 * DynamoDB's size of a value (per its item-size rules), whether the request
 * carries wire-format AttributeValues or the plain values the
 * DynamoDBDocumentClient marshals later.
 */
function valueSize(v: unknown): number {
  const av = attributeValue(v);
  if (av) {
    const [k, x] = av;
    if (k === 'S') return utf8(x as string);
    if (k === 'N') return numberSize(x as string);
    if (k === 'B') return (x as Uint8Array).length;
    if (k === 'BOOL' || k === 'NULL') return 1;
    if (k === 'SS') return (x as string[]).reduce((n, s) => n + utf8(s), 0);
    if (k === 'NS') return (x as string[]).reduce((n, s) => n + numberSize(s), 0);
    if (k === 'BS') return (x as Uint8Array[]).reduce((n, b) => n + b.length, 0);
    if (k === 'M') return 3 + Object.entries(x as Item).reduce((n, [name, y]) => n + utf8(name) + valueSize(y) + 1, 0);
    return 3 + (x as unknown[]).reduce((n: number, y) => n + valueSize(y) + 1, 0);
  }
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberSize(String(v));
  if (v instanceof Uint8Array) return v.length;
  if (typeof v === 'boolean' || v === null) return 1;
  if (v instanceof Set) return [...v].reduce((n: number, y) => n + valueSize(y), 0);
  if (Array.isArray(v)) return 3 + v.reduce((n: number, y) => n + valueSize(y) + 1, 0);
  if (typeof v === 'object') return 3 + Object.entries(v as Item).reduce((n, [name, y]) => n + utf8(name) + valueSize(y) + 1, 0);
  return 0;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [k, v]) => n + utf8(k) + valueSize(v), 0);
}

const writeUnits = (item: Item | undefined): number => Math.max(1, Math.ceil(itemSize(item) / 1024));
const readUnits = (bytes: number, consistent: boolean): number => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

export function capacityUnits(o: RequestObservation): CapacityUnits {
  const input = (o.input ?? {}) as Record<string, any>;
  const output = (o.output ?? {}) as Record<string, any>;
  switch (o.operation) {
    case 'PutItem':
      return { wru: writeUnits(input.Item), rru: 0 };
    case 'UpdateItem':
    case 'DeleteItem':
      // The stored item's size is not in the request; immutrail's updated items are under 1 KB.
      return { wru: 1, rru: 0 };
    case 'BatchWriteItem': {
      let wru = 0;
      for (const requests of Object.values(input.RequestItems ?? {}) as any[][]) {
        for (const r of requests) wru += r.PutRequest ? writeUnits(r.PutRequest.Item) : 1;
      }
      // Unprocessed items are sent again (and counted) by the caller's retry.
      for (const requests of Object.values(output.UnprocessedItems ?? {}) as any[][]) {
        for (const r of requests) wru -= r.PutRequest ? writeUnits(r.PutRequest.Item) : 1;
      }
      return { wru, rru: 0 };
    }
    case 'TransactWriteItems': {
      let wru = 0;
      for (const t of input.TransactItems ?? []) wru += 2 * (t.Put ? writeUnits(t.Put.Item) : 1);
      return { wru, rru: 0 };
    }
    case 'GetItem':
      return { wru: 0, rru: readUnits(itemSize(output.Item), Boolean(input.ConsistentRead)) };
    case 'BatchGetItem': {
      let rru = 0;
      for (const [table, req] of Object.entries(input.RequestItems ?? {}) as [string, any][]) {
        const found: Item[] = output.Responses?.[table] ?? [];
        const unprocessed = output.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
        const missing = Math.max(0, (req.Keys?.length ?? 0) - found.length - unprocessed);
        for (const item of found) rru += readUnits(itemSize(item), Boolean(req.ConsistentRead));
        rru += missing * readUnits(0, Boolean(req.ConsistentRead));
      }
      return { wru: 0, rru };
    }
    case 'Query':
    case 'Scan': {
      const bytes = ((output.Items ?? []) as Item[]).reduce((n, i) => n + itemSize(i), 0);
      return { wru: 0, rru: readUnits(bytes, Boolean(input.ConsistentRead)) };
    }
    case 'TransactGetItems':
      return { wru: 0, rru: ((output.Responses ?? []) as { Item?: Item }[]).reduce((n, r) => n + 2 * readUnits(itemSize(r.Item), true), 0) };
    default:
      return { wru: 0, rru: 0 };
  }
}
