/**
 * The scan's fast path over a record's chain header as immutrail writes it
 * (FORMAT.md 2.2: seven members in RFC 8785 order), read field by field in
 * the object's buffer without JSON.parse and without allocating. It runs on
 * every record, so fields are compared four bytes at a time through a
 * DataView: Buffer#compare and Buffer#indexOf validate their arguments on
 * every call, and a view per line costs an allocation, both more than these
 * short fields. A header in any other form goes to scan-batch.ts's readHeader,
 * which says what is wrong with it.
 */

/** One object's bytes, with a DataView over the same memory. */
export interface ObjectBytes {
  readonly buf: Buffer;
  readonly view: DataView;
}

export const objectBytes = (buf: Buffer): ObjectBytes => ({ buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength) });

/** A literal's bytes, and its first bytes again as little-endian 32-bit words. */
export interface Literal {
  readonly bytes: Buffer;
  readonly words: Int32Array;
}

export function literal(text: string): Literal {
  const bytes = Buffer.from(text);
  const words = new Int32Array(bytes.length >> 2);
  for (let k = 0; k < words.length; k++) words[k] = bytes.readInt32LE(4 * k);
  return { bytes, words };
}

/** Whether buf[at, at + length) holds the literal, within buf[.., to). */
export function matches(o: ObjectBytes, at: number, lit: Literal, to: number): boolean {
  const { bytes, words } = lit;
  if (at < 0 || at + bytes.length > to) return false;
  for (let k = 0; k < words.length; k++) if (o.view.getInt32(at + 4 * k, true) !== words[k]) return false;
  for (let i = 4 * words.length; i < bytes.length; i++) if (o.buf[at + i] !== bytes[i]) return false;
  return true;
}

/** Where the fields of a canonical header sit in the object's buffer; reused from line to line. */
export interface HeaderSpans {
  seq: number;
  prevStart: number;
  shardStart: number;
  shardEnd: number;
  kindStart: number;
  kindEnd: number;
  idEnd: number;
}

export const emptySpans = (): HeaderSpans => ({ seq: 0, prevStart: 0, shardStart: 0, shardEnd: 0, kindStart: 0, kindEnd: 0, idEnd: 0 });

export const KINDS = ['genesis', 'event', 'quarantine', 'alert', 'attestation', 'coverage'];
const KIND_LITERALS = KINDS.map(literal);

const P_ID = literal('{"chain":{"id":');
const P_KIND = literal(',"kind":"');
const P_PREV = literal('","prev":"');
const P_SEQ = literal('","seq":');
const P_SHARD = literal(',"shard":"');
const P_TIME = literal('","time":"');
const P_TAIL = literal('","v":1},"data":{');
const TIME_LENGTH = 24;

/** End (index after the closing quote) of the JSON string starting at `at` (an opening quote), or -1. */
function stringEnd(buf: Buffer, at: number, to: number): number {
  if (buf[at] !== 0x22) return -1;
  for (let i = at + 1; i < to; i++) {
    const c = buf[i];
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/** Index of the first '"' in buf[at, to), or -1. */
function quoteAt(buf: Buffer, at: number, to: number): number {
  for (let i = at; i < to; i++) if (buf[i] === 0x22) return i;
  return -1;
}

function isKind(o: ObjectBytes, from: number, to: number): boolean {
  for (const k of KIND_LITERALS) if (k.bytes.length === to - from && matches(o, from, k, to)) return true;
  return false;
}

/** The header of the line buf[from, to) exactly as immutrail writes it, into `out`; false when it is not in that form. */
export function canonicalSpans(o: ObjectBytes, from: number, to: number, out: HeaderSpans): boolean {
  const buf = o.buf;
  if (!matches(o, from, P_ID, to)) return false;
  const idEnd = stringEnd(buf, from + P_ID.bytes.length, to);
  if (idEnd < 0 || !matches(o, idEnd, P_KIND, to)) return false;
  const kindStart = idEnd + P_KIND.bytes.length;
  const kindEnd = quoteAt(buf, kindStart, to);
  if (kindEnd < 0 || !matches(o, kindEnd, P_PREV, to)) return false;
  const prevStart = kindEnd + P_PREV.bytes.length;
  if (!matches(o, prevStart + 64, P_SEQ, to)) return false;
  let i = prevStart + 64 + P_SEQ.bytes.length;
  let seq = 0;
  const seqStart = i;
  while (i < to && buf[i] >= 0x30 && buf[i] <= 0x39) seq = seq * 10 + (buf[i++] - 0x30);
  if (i === seqStart || (buf[seqStart] === 0x30 && i - seqStart > 1) || !matches(o, i, P_SHARD, to)) return false;
  const shardStart = i + P_SHARD.bytes.length;
  const shardEnd = quoteAt(buf, shardStart, to);
  if (shardEnd < 0) return false;
  if (!matches(o, shardEnd, P_TIME, to) || !matches(o, shardEnd + P_TIME.bytes.length + TIME_LENGTH, P_TAIL, to)) return false;
  if (!isKind(o, kindStart, kindEnd)) return false;
  out.seq = seq;
  out.prevStart = prevStart;
  out.shardStart = shardStart;
  out.shardEnd = shardEnd;
  out.kindStart = kindStart;
  out.kindEnd = kindEnd;
  out.idEnd = idEnd;
  return true;
}

/** The record's id, from the line starting at `from` whose header canonicalSpans read. */
export function idOf(buf: Buffer, from: number, idEnd: number): string {
  const idRaw = buf.toString('utf8', from + P_ID.bytes.length, idEnd);
  // Ids almost never hold escapes; when they do, JSON decides what they mean.
  return idRaw.includes('\\') ? (JSON.parse(idRaw) as string) : idRaw.slice(1, -1);
}

// HEX_PAIRS[b]: the two lower-case hex digits of b as one little-endian 16-bit word.
const HEX_DIGITS = Buffer.from('0123456789abcdef');
const HEX_PAIRS = Uint16Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4] | (HEX_DIGITS[b & 15] << 8));

/** Whether the 64 characters at `at` are the lower-case hex of the 32 bytes at `leaves[off]`, without building either string. */
export function hexEquals(o: ObjectBytes, at: number, leaves: Buffer, off: number): boolean {
  for (let j = 0; j < 32; j++) if (o.view.getUint16(at + 2 * j, true) !== HEX_PAIRS[leaves[off + j]]) return false;
  return true;
}
