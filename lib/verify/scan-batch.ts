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

function readHeader(line: Buffer): ChainHeader | null {
  if (line.length < PREFIX.length || !line.subarray(0, PREFIX.length).equals(PREFIX)) return null;
  const end = headerEnd(line);
  if (end < 0) return null;
  try {
    const h = JSON.parse(line.toString('utf8', PREFIX.length - 1, end + 1)) as ChainHeader;
    if (typeof h.seq !== 'number' || typeof h.prev !== 'string' || typeof h.shard !== 'string' || typeof h.id !== 'string') return null;
    return h;
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
