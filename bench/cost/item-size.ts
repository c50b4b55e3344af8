/**
 * DynamoDB's size of an item, per its item-size rules (attribute names plus
 * values), whether the request carries wire-format AttributeValues
 * ({ S: "x" }, { N: "1" }, ...) or the plain values a DynamoDBDocumentClient
 * marshals later.
 */
export type Item = Record<string, unknown>;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const numberSize = (n: string): number => Math.ceil(n.replace(/^-/, '').replace(/^0+/, '').replace('.', '').length / 2) + 1;

/** A wire-format AttributeValue, as opposed to a plain value. */
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

/** A key attribute's value as text, whether wire-format ({ S: "x" }) or plain ("x"). */
export function plainScalar(v: unknown): string {
  const av = attributeValue(v);
  if (av) {
    const [k, x] = av;
    if (k === 'S' || k === 'N') return x as string;
    if (k === 'B') return Buffer.from(x as Uint8Array).toString('base64');
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}
