import * as crypto from 'node:crypto';
import { CompactRange } from '../core/merkle/compact-range';
import { parseBatchKey, type BatchKey } from '../core/layout';
import type { ChainHeader } from '../core/record';
import {
  canonicalSpans,
  emptySpans,
  hexEquals,
  idOf,
  KINDS,
  literal,
  matches,
  objectBytes,
  type HeaderSpans,
  type Literal,
  type ObjectBytes,
} from './canonical-header';
import type { Problem } from './problems';

/** What the verifier keeps of one batch object: links, the compact range and, when asked, the leaf hashes; never the records. */
export interface ScannedBatch {
  key: string;
  parsed: BatchKey;
  firstSeq: number;
  lastSeq: number;
  /** prev of the first record. */
  firstPrev: string;
  /** Hash of the last record, hex. */
  lastHash: string;
  /**
   * Record hashes (= Merkle leaves), 32 bytes each, concatenated, in an
   * ArrayBuffer of their own (a pool thread transfers it). Empty when the
   * scan was told not to keep them (ScanFlags): `range`, `firstPrev` and
   * `lastHash` then stand for them.
   */
  leaves: Buffer;
  /**
   * The compact range over the leaves, as if they sat at firstSeq onwards
   * (CompactRange.bytes()): a chain whose objects sit where their keys say
   * gets its roots from these, without hashing its leaves again.
   */
  range: Buffer;
  count: number;
  bytes: number;
  /** Ids of the records, when the caller asked for them (duplicate detection). */
  ids?: string[];
  /** The first record's kind (genesis check). */
  firstKind: string;
  /** For an object starting with a genesis record at seq 0: its data.origin (null when that is not a string). */
  genesisOrigin?: string | null;
  /** chain.time of the last record ('' when it cannot be read). */
  lastTime: string;
  /** Problems inside the object; a batch with any is not placed on the chain. */
  problems: Problem[];
}

const PREFIX = Buffer.from('{"chain":{');

// One-shot hashing (Node >= 20.12) costs about half of createHash().update().digest()
// per 2.5 KB record, and a string result (one byte per char) skips allocating a Buffer per hash.
const hashOnce = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string }).hash;
const LEAF_PREFIX = Buffer.from([0]);
const leafBinary = (withPrefix: Buffer): string =>
  hashOnce ? hashOnce('sha256', withPrefix, 'latin1') : crypto.createHash('sha256').update(withPrefix).digest('binary');

interface Header {
  seq: number;
  prev: string;
  shard: string;
  kind: string;
  id: string;
  time: string;
  /** Why the header is not the seven-member header of FORMAT.md 2.2, if it is not. */
  shapeError?: string;
}

const TIME_FORM = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const HEADER_MEMBERS = ['id', 'kind', 'prev', 'seq', 'shard', 'time', 'v'];

/**
 * Finds the end of the chain header, which is a flat object of strings and
 * numbers at the start of every record; returns the index of its "}".
 */
function headerEnd(line: Buffer): number {
  let inString = false;
  for (let i = PREFIX.length; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7d) return i;
    else if (c === 0x7b || c === 0x5b) return -1;
  }
  return -1;
}

/** Any header that is valid JSON but not in canonical form (a tampered line is still reported by its fields). */
function readHeader(line: Buffer): Header | null {
  if (line.length < PREFIX.length || !line.subarray(0, PREFIX.length).equals(PREFIX)) return null;
  const end = headerEnd(line);
  if (end < 0) return null;
  try {
    const h = JSON.parse(line.toString('utf8', PREFIX.length - 1, end + 1)) as ChainHeader;
    if (typeof h.seq !== 'number' || typeof h.prev !== 'string' || typeof h.shard !== 'string' || typeof h.id !== 'string') return null;
    return {
      seq: h.seq,
      prev: h.prev,
      shard: h.shard,
      kind: String(h.kind),
      id: h.id,
      time: typeof h.time === 'string' ? h.time : '',
      shapeError: shapeError(h),
    };
  } catch {
    return null;
  }
}

/** What makes a parsed header other than the seven members of FORMAT.md 2.2, or undefined when nothing does. */
function shapeError(h: ChainHeader): string | undefined {
  const members = Object.keys(h).sort();
  if (members.join() !== HEADER_MEMBERS.join()) return `members are ${members.join(', ')}, not ${HEADER_MEMBERS.join(', ')}`;
  if ((h as { v: unknown }).v !== 1) return `v is ${JSON.stringify((h as { v: unknown }).v)}, not 1`;
  if (!Number.isSafeInteger(h.seq) || h.seq < 0) return `seq ${h.seq} is not a whole number`;
  if (!/^[0-9a-f]{64}$/.test(h.prev)) return 'prev is not 64 lowercase hex digits';
  if (h.id === '') return 'id is empty';
  if (!KINDS.includes(String(h.kind))) return `kind ${JSON.stringify(h.kind)} is not one of ${KINDS.join(', ')}`;
  if (typeof h.time !== 'string' || !TIME_FORM.test(h.time)) return `time ${JSON.stringify(h.time)} is not ISO 8601 UTC with milliseconds`;
  return undefined;
}

// Objects are copied here behind a spare byte when the caller's buffer has none (see scanPrefixed).
let scratch = Buffer.allocUnsafe(1 << 16);

/** What a scan keeps besides links and the compact range. */
export interface ScanFlags {
  /** Each record's id (duplicate detection). */
  collectIds?: boolean;
  /**
   * Every record hash (`leaves`): 32 bytes a record, which the verifier holds
   * until the end. Without them the roots come from the compact ranges, and a
   * chain that needs a leaf inside an object is scanned again with them.
   * @default true
   */
  keepLeaves?: boolean;
}

/**
 * A check needed a record hash that the scan did not keep (ScanFlags): never a
 * finding, and never seen outside verifyArchive, which then scans again with
 * every leaf kept.
 */
export class LeavesNotKept extends Error {
  constructor(what: string) {
    super(`the scan did not keep the record hashes: ${what}`);
    this.name = 'LeavesNotKept';
  }
}

/**
 * Hashes every record of one batch object and checks what can be checked
 * inside it: record framing, header, shard, sequence and links, and that the
 * key matches the contents. Cross-object links are the assembler's job.
 */
export function scanBatch(key: string, body: Buffer, opts: ScanFlags = {}): ScannedBatch | Problem[] {
  if (scratch.length < body.length + 1) scratch = Buffer.allocUnsafe(Math.max(body.length + 1, 2 * scratch.length));
  body.copy(scratch, 1);
  return scanPrefixed(key, scratch.subarray(0, body.length + 1), opts);
}

/**
 * scanBatch over `buf`, whose first byte is spare and whose rest is the
 * object. The leaf hash is SHA-256(0x00 || line): the byte before each line
 * (the spare byte, then the previous line's newline) is overwritten with 0x00
 * so that each leaf is one hash call over bytes in place. `buf` is changed;
 * nothing returned refers to it.
 */
export function scanPrefixed(key: string, buf: Buffer, opts: ScanFlags = {}): ScannedBatch | Problem[] {
  const parsed = parseBatchKey(key);
  if (!parsed) return [{ code: 'FOREIGN_OBJECT', message: `object ${key} is not a batch object`, key }];
  const body = buf.subarray(1);
  const s = newScan(key, parsed, buf, opts);
  if (body.length === 0 || body[body.length - 1] !== 0x0a) {
    addProblem(s, { code: 'PARSE', message: 'object does not end with a newline (truncated or altered)' });
  }
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    buf[start] = LEAF_PREFIX[0];
    scanLine(s, start, end);
    start = end + 1;
  }
  return scanned(s, body);
}

/** What scanning one object carries from line to line. One per object, mutated in place: the loop allocates nothing per line. */
interface ScanState {
  readonly key: string;
  readonly parsed: BatchKey;
  /** The object behind its spare byte (scanPrefixed's `buf`). */
  readonly bytes: ObjectBytes;
  readonly shard: Literal;
  readonly spans: HeaderSpans;
  readonly problems: Problem[];
  readonly keepLeaves: boolean;
  /** Leaf hashes, 32 bytes each; sized from the key, grown if the object holds more lines than its key says; never from Node's shared pool. */
  leaves: Buffer;
  count: number;
  /** The leaves' compact range, from the key's first sequence. */
  readonly range: CompactRange;
  /** The leaf of the last record with a readable header: the one the next record's prev must name. */
  prevAt: number;
  expectSeq: number;
  readonly ids: string[] | undefined;
  firstPrev: string;
  firstKind: string;
  genesisOrigin: string | null | undefined;
  /** The last line with a readable header, whose time the object reports. */
  lastStart: number;
  lastEnd: number;
}

function newScan(key: string, parsed: BatchKey, buf: Buffer, opts: ScanFlags): ScanState {
  const bodyLength = buf.length - 1;
  const leafBytes = 32 * Math.max(1, Math.min(parsed.lastSeq - parsed.firstSeq + 1, 1 + (bodyLength >> 6)));
  const keepLeaves = opts.keepLeaves !== false;
  return {
    key,
    parsed,
    bytes: objectBytes(buf),
    shard: literal(parsed.shard),
    spans: emptySpans(),
    problems: [],
    keepLeaves,
    // Leaves not kept are still written (the next record's prev is checked against them), in a buffer reused from object to object.
    leaves: keepLeaves ? Buffer.allocUnsafeSlow(leafBytes) : reusedLeaves(leafBytes),
    count: 0,
    range: objectRange(parsed.firstSeq),
    prevAt: -1,
    expectSeq: parsed.firstSeq,
    ids: opts.collectIds ? [] : undefined,
    firstPrev: '',
    firstKind: '',
    genesisOrigin: undefined,
    lastStart: 0,
    lastEnd: 0,
  };
}

// Leaves not kept, written over from object to object on this thread.
let dropped = Buffer.allocUnsafeSlow(32 * 4096);
function reusedLeaves(bytes: number): Buffer {
  if (dropped.length < bytes) dropped = Buffer.allocUnsafeSlow(bytes);
  return dropped;
}

// One range per thread, reset for each object: scans are synchronous, and its buffers are reused.
const shared = new CompactRange();
function objectRange(firstSeq: number): CompactRange {
  shared.reset(firstSeq);
  return shared;
}

function addProblem(s: ScanState, p: Omit<Problem, 'key' | 'shard'>): void {
  s.problems.push({ ...p, key: s.key, shard: s.parsed.shard });
}

/** Hashes the line at buf[start+1 .. end] (buf[start] already 0x00) and checks its header, sequence, link and shard. */
function scanLine(s: ScanState, start: number, end: number): void {
  const buf = s.bytes.buf;
  const from = start + 1;
  const to = end + 1;
  if (s.leaves.length < 32 * (s.count + 1)) {
    const grown = Buffer.allocUnsafeSlow(2 * s.leaves.length);
    s.leaves.copy(grown);
    s.leaves = grown;
    if (!s.keepLeaves) dropped = grown;
  }
  s.leaves.write(leafBinary(buf.subarray(start, to)), 32 * s.count, 'latin1');
  s.range.appendLeaf(s.leaves, 32 * s.count);
  s.count++;
  const { spans, leaves, prevAt } = s;
  let seq: number;
  let linked: boolean;
  let shard: string | null;
  let header: Header | null = null;
  if (canonicalSpans(s.bytes, from, to, spans)) {
    seq = spans.seq;
    linked = prevAt >= 0 && hexEquals(s.bytes, spans.prevStart, leaves, 32 * prevAt);
    // Compared as bytes; the name is only decoded to report a mismatch.
    shard =
      spans.shardEnd - spans.shardStart === s.shard.bytes.length && matches(s.bytes, spans.shardStart, s.shard, to)
        ? null
        : buf.toString('latin1', spans.shardStart, spans.shardEnd);
  } else {
    header = readHeader(buf.subarray(from, to));
    if (!header) {
      addProblem(s, { code: 'PARSE', message: `line ${s.count} is not an immutrail record`, seq: s.expectSeq });
      s.expectSeq++;
      return;
    }
    seq = header.seq;
    if (header.shapeError) addProblem(s, { code: 'HEADER', message: `record ${seq}: the chain header is malformed: ${header.shapeError}`, seq });
    linked = prevAt >= 0 && header.prev === leaves.toString('hex', 32 * prevAt, 32 * prevAt + 32);
    shard = header.shard === s.parsed.shard ? null : header.shard;
  }
  if (s.count === 1) {
    s.firstPrev = header ? header.prev : buf.toString('latin1', spans.prevStart, spans.prevStart + 64);
    s.firstKind = header ? header.kind : buf.toString('latin1', spans.kindStart, spans.kindEnd);
    if (seq === 0 && s.firstKind === 'genesis') s.genesisOrigin = originOf(buf.subarray(from, to));
  } else if (!linked) {
    addProblem(s, { code: 'LINK', message: `record ${seq}: prev does not match the hash of record ${seq - 1}`, seq });
  }
  if (seq !== s.expectSeq) addProblem(s, { code: 'SEQUENCE', message: `expected sequence ${s.expectSeq}, found ${seq}`, seq });
  if (shard !== null) addProblem(s, { code: 'SHARD_MISMATCH', message: `record ${seq} belongs to shard ${shard}, not ${s.parsed.shard}`, seq });
  s.ids?.push(header ? header.id : idOf(buf, from, spans.idEnd));
  s.lastStart = start;
  s.lastEnd = end;
  s.prevAt = s.count - 1;
  s.expectSeq++;
}

/** The object as scanned, after checking its key against what it holds (count of records, batch id). */
function scanned(s: ScanState, body: Buffer): ScannedBatch {
  const { parsed, count, prevAt } = s;
  const prevHash = prevAt < 0 ? '' : s.leaves.toString('hex', 32 * prevAt, 32 * prevAt + 32);
  const lastSeq = parsed.firstSeq + count - 1;
  if (lastSeq !== parsed.lastSeq) {
    addProblem(s, { code: 'KEY_MISMATCH', message: `key says sequences ${parsed.firstSeq}-${parsed.lastSeq}, object holds ${count} records` });
  }
  if (count > 0 && prevHash.slice(0, 16) !== parsed.batchId) {
    addProblem(s, { code: 'KEY_MISMATCH', message: `batch id ${parsed.batchId} does not match the last record's hash ${prevHash.slice(0, 16)}` });
  }
  return {
    key: s.key,
    parsed,
    firstSeq: parsed.firstSeq,
    lastSeq,
    firstPrev: s.firstPrev,
    lastHash: prevHash,
    leaves: s.keepLeaves ? s.leaves.subarray(0, 32 * count) : Buffer.alloc(0),
    range: s.range.bytes(),
    count,
    bytes: body.length,
    ids: s.ids,
    firstKind: s.firstKind,
    genesisOrigin: s.genesisOrigin,
    lastTime: prevAt < 0 ? '' : (readHeader(body.subarray(s.lastStart, s.lastEnd))?.time ?? ''),
    problems: s.problems,
  };
}

/** data.origin of a genesis record, or null when the line does not hold one as a string. */
function originOf(line: Buffer): string | null {
  try {
    const origin = (JSON.parse(line.toString('utf8')) as { data?: { origin?: unknown } }).data?.origin;
    return typeof origin === 'string' ? origin : null;
  } catch {
    return null;
  }
}
