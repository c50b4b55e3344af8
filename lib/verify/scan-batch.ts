import { createHash } from 'node:crypto';
import { parseBatchKey, type BatchKey } from '../core/layout';
import type { ChainHeader } from '../core/record';
import type { Problem } from './problems';

/** What the verifier keeps of one batch object: links and leaf hashes, never the records. */
export interface ScannedBatch {
  key: string;
  parsed: BatchKey;
  firstSeq: number;
  lastSeq: number;
  /** prev of the first record. */
  firstPrev: string;
  /** Hash of the last record, hex. */
  lastHash: string;
  /** Record hashes (= Merkle leaves), 32 bytes each, concatenated. */
  leaves: Buffer;
  count: number;
  bytes: number;
  /** Ids of the records, when the caller asked for them (duplicate detection). */
  ids?: string[];
  /** The first record's kind (genesis check). */
  firstKind: string;
  /** Problems inside the object; a batch with any is not placed on the chain. */
  problems: Problem[];
}

const PREFIX = Buffer.from('{"chain":{');
const LEAF_PREFIX = Buffer.from([0]);


interface Header {
  seq: number;
  prev: string;
  shard: string;
  kind: string;
  id: string;
}

// The canonical header of every record: members in RFC 8785 order, so a record
// written by immutrail can be read field by field without JSON.parse.
const P_ID = Buffer.from('{"chain":{"id":');
const P_KIND = Buffer.from(',"kind":"');
const P_PREV = Buffer.from('","prev":"');
const P_SEQ = Buffer.from('","seq":');
const P_SHARD = Buffer.from(',"shard":"');

const startsAt = (line: Buffer, at: number, lit: Buffer): boolean => line.compare(lit, 0, lit.length, at, at + lit.length) === 0;

/** End (index after the closing quote) of the JSON string starting at `at` (an opening quote), or -1. */
function stringEnd(line: Buffer, at: number): number {
  if (line[at] !== 0x22) return -1;
  for (let i = at + 1; i < line.length; i++) {
    const c = line[i];
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/** The fast path: the header exactly as immutrail writes it; null when the line is not in that form. */
function readCanonicalHeader(line: Buffer): Header | null {
  if (!startsAt(line, 0, P_ID)) return null;
  const idEnd = stringEnd(line, P_ID.length);
  if (idEnd < 0 || !startsAt(line, idEnd, P_KIND)) return null;
  const kindStart = idEnd + P_KIND.length;
  const kindEnd = line.indexOf(0x22, kindStart);
  if (kindEnd < 0 || !startsAt(line, kindEnd, P_PREV)) return null;
  const prevStart = kindEnd + P_PREV.length;
  if (!startsAt(line, prevStart + 64, P_SEQ)) return null;
  let i = prevStart + 64 + P_SEQ.length;
  let seq = 0;
  const seqStart = i;
  while (i < line.length && line[i] >= 0x30 && line[i] <= 0x39) seq = seq * 10 + (line[i++] - 0x30);
  if (i === seqStart || (line[seqStart] === 0x30 && i - seqStart > 1) || !startsAt(line, i, P_SHARD)) return null;
  const shardStart = i + P_SHARD.length;
  const shardEnd = line.indexOf(0x22, shardStart);
  if (shardEnd < 0) return null;
  const idRaw = line.toString('utf8', P_ID.length, idEnd);
  return {
    seq,
    prev: line.toString('latin1', prevStart, prevStart + 64),
    shard: line.toString('latin1', shardStart, shardEnd),
    kind: line.toString('latin1', kindStart, kindEnd),
    // Ids almost never hold escapes; when they do, JSON decides what they mean.
    id: idRaw.includes('\\') ? (JSON.parse(idRaw) as string) : idRaw.slice(1, -1),
  };
}

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

/** Any header that is valid JSON, canonical or not (a tampered line is still reported by its fields). */
function readHeader(line: Buffer): Header | null {
  const fast = readCanonicalHeader(line);
  if (fast) return fast;
  if (line.length < PREFIX.length || !line.subarray(0, PREFIX.length).equals(PREFIX)) return null;
  const end = headerEnd(line);
  if (end < 0) return null;
  try {
    const h = JSON.parse(line.toString('utf8', PREFIX.length - 1, end + 1)) as ChainHeader;
    if (typeof h.seq !== 'number' || typeof h.prev !== 'string' || typeof h.shard !== 'string' || typeof h.id !== 'string') return null;
    return { seq: h.seq, prev: h.prev, shard: h.shard, kind: String(h.kind), id: h.id };
  } catch {
    return null;
  }
}

/**
 * Hashes every record of one batch object and checks what can be checked
 * inside it: record framing, header, shard, sequence and links, and that the
 * key matches the contents. Cross-object links are the assembler's job.
 */
export function scanBatch(key: string, body: Buffer, opts: { collectIds?: boolean } = {}): ScannedBatch | Problem[] {
  const parsed = parseBatchKey(key);
  if (!parsed) return [{ code: 'FOREIGN_OBJECT', message: `object ${key} is not a batch object`, key }];
  const problems: Problem[] = [];
  const add = (p: Omit<Problem, 'key' | 'shard'>) => problems.push({ ...p, key, shard: parsed.shard });
  if (body.length === 0 || body[body.length - 1] !== 0x0a) {
    add({ code: 'PARSE', message: 'object does not end with a newline (truncated or altered)' });
  }
  const leaves: Buffer[] = [];
  const ids: string[] | undefined = opts.collectIds ? [] : undefined;
  let firstPrev = '';
  let firstKind = '';
  let prevHash = '';
  let expectSeq = parsed.firstSeq;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    const line = body.subarray(start, end);
    start = end + 1;
    const hash = createHash('sha256').update(LEAF_PREFIX).update(line).digest();
    const header = readHeader(line);
    if (!header) {
      add({ code: 'PARSE', message: `line ${leaves.length + 1} is not an immutrail record`, seq: expectSeq });
      leaves.push(hash);
      expectSeq++;
      continue;
    }
    if (leaves.length === 0) {
      firstPrev = header.prev;
      firstKind = header.kind;
    } else if (header.prev !== prevHash) {
      add({ code: 'LINK', message: `record ${header.seq}: prev does not match the hash of record ${header.seq - 1}`, seq: header.seq });
    }
    if (header.seq !== expectSeq) {
      add({ code: 'SEQUENCE', message: `expected sequence ${expectSeq}, found ${header.seq}`, seq: header.seq });
    }
    if (header.shard !== parsed.shard) {
      add({ code: 'SHARD_MISMATCH', message: `record ${header.seq} belongs to shard ${header.shard}, not ${parsed.shard}`, seq: header.seq });
    }
    ids?.push(header.id);
    prevHash = hash.toString('hex');
    leaves.push(hash);
    expectSeq++;
  }
  const lastSeq = parsed.firstSeq + leaves.length - 1;
  if (lastSeq !== parsed.lastSeq) {
    add({ code: 'KEY_MISMATCH', message: `key says sequences ${parsed.firstSeq}-${parsed.lastSeq}, object holds ${leaves.length} records` });
  }
  if (leaves.length > 0 && prevHash.slice(0, 16) !== parsed.batchId) {
    add({ code: 'KEY_MISMATCH', message: `batch id ${parsed.batchId} does not match the last record's hash ${prevHash.slice(0, 16)}` });
  }
  return {
    key,
    parsed,
    firstSeq: parsed.firstSeq,
    lastSeq,
    firstPrev,
    lastHash: prevHash,
    leaves: Buffer.concat(leaves),
    count: leaves.length,
    bytes: body.length,
    ids,
    firstKind,
    problems,
  };
}
