import { canonicalize } from './canonical';
import type { JsonValue } from './json';
import { batchKey } from './layout';
import { Frontier, leafHash, leafHashOfPrefixed } from './merkle';
import { claimOf, type IdClaim } from './id-claims';
import { FORMAT_VERSION, ZERO_HASH, type AuditRecord, type RecordDraft } from './record';

/**
 * A shard's head: the last committed record and the Merkle frontier over all of
 * the shard's records. It lives in DynamoDB and moves only by compare-and-swap.
 */
export interface ChainHead {
  shard: string;
  /** Sequence of the last committed record; -1 for a shard with no records yet. */
  seq: number;
  /** Record hash of that record; ZERO_HASH for an empty shard. */
  hash: string;
  frontier: { size: number; hashes: string[] };
}

/** A batch ready to be written as one S3 object and then committed. */
export interface Batch {
  shard: string;
  key: string;
  records: AuditRecord[];
  /** Record hash of each record, hex, in order. */
  hashes: string[];
  /** The object body: each record's canonical bytes followed by "\n". */
  body: Buffer;
  firstSeq: number;
  lastSeq: number;
  newHead: ChainHead;
  /** Every id the commit claims, with its hour: each record's own, then the extra claims of its draft. */
  claims: IdClaim[];
}

export function emptyHead(shard: string): ChainHead {
  return { shard, seq: -1, hash: ZERO_HASH, frontier: Frontier.empty().toJSON() };
}

/** The hash that chains records and forms the Merkle leaves: SHA-256(0x00 || canonical bytes). */
export function recordHash(canonical: Uint8Array): Buffer {
  return leafHash(canonical);
}

export function genesisDraft(shard: string, origin: string): RecordDraft {
  return { kind: 'genesis', id: `genesis:${shard}`, data: { origin } };
}

/**
 * Places drafts after `head` in its shard. A shard's first batch starts with its
 * genesis record, which the caller includes (see genesisDraft). Pure: the same
 * head, drafts and time always give the same bytes and key.
 */
export function buildBatch(head: ChainHead, drafts: readonly RecordDraft[], time: Date): Batch {
  if (drafts.length === 0) throw new Error('a batch needs at least one record');
  if (head.seq === -1 && drafts[0].kind !== 'genesis') throw new Error(`shard ${head.shard} must start with a genesis record`);
  if (head.frontier.size !== head.seq + 1) {
    throw new Error(`head of shard ${head.shard} is inconsistent: seq ${head.seq}, frontier size ${head.frontier.size}`);
  }
  const iso = time.toISOString();
  const frontier = Frontier.fromJSON(head.frontier);
  const records: AuditRecord[] = [];
  const claims: IdClaim[] = [];
  const hashes: string[] = [];
  const parts: Buffer[] = [];
  let prev = head.hash;
  let seq = head.seq;
  for (const d of drafts) {
    seq += 1;
    // Members in canonical order, so canonicalization finds them sorted and skips the sort.
    const record = {
      chain: { id: d.id, kind: d.kind, prev, seq, shard: head.shard, time: iso, v: FORMAT_VERSION },
      data: d.data,
    } as AuditRecord;
    // 0x00 || canonical bytes: the leaf hash input, from which the line is a view.
    const prefixed = Buffer.from('\u0000' + canonicalize(record as unknown as JsonValue), 'utf8');
    const h = leafHashOfPrefixed(prefixed);
    frontier.append(h);
    prev = h.toString('hex');
    records.push(record);
    claims.push(claimOf(d), ...(d.alsoClaims ?? []));
    hashes.push(prev);
    parts.push(prefixed.subarray(1), NEWLINE);
  }
  const firstSeq = head.seq + 1;
  return {
    shard: head.shard,
    key: batchKey({ shard: head.shard, date: iso.slice(0, 10), firstSeq, lastSeq: seq, batchId: prev.slice(0, 16) }),
    records,
    hashes,
    body: Buffer.concat(parts),
    firstSeq,
    lastSeq: seq,
    newHead: { shard: head.shard, seq, hash: prev, frontier: frontier.toJSON() },
    claims,
  };
}

const NEWLINE = Buffer.from('\n');

/** Appends more drafts to a batch that is not yet written, as if they had been in it from the start. */
export function extendBatch(batch: Batch, drafts: readonly RecordDraft[], time: Date): Batch {
  if (drafts.length === 0) return batch;
  const tail = buildBatch(batch.newHead, drafts, time);
  return {
    ...tail,
    key: batchKey({
      shard: batch.shard,
      date: batch.key.match(/dt=(\d{4}-\d{2}-\d{2})/)![1],
      firstSeq: batch.firstSeq,
      lastSeq: tail.lastSeq,
      batchId: tail.newHead.hash.slice(0, 16),
    }),
    records: [...batch.records, ...tail.records],
    claims: [...batch.claims, ...tail.claims],
    hashes: [...batch.hashes, ...tail.hashes],
    body: Buffer.concat([batch.body, tail.body]),
    firstSeq: batch.firstSeq,
  };
}
