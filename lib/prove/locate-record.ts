import { K } from '../contract/table-keys';
import { hourOf, ID_DIGEST_BYTES, idDigest, logFileHour, TIMELESS_HOUR } from '../core/id-claims';
import { parseBatchKey } from '../core/layout';
import { ProveError } from '../verify/prove-error';
import type { IndexTable } from './index-table';

/** Where a committed record lives. */
export interface RecordPointer {
  shard: string;
  /** -1 when only the object is known (the id sets name the commit, not the position). */
  seq: number;
  key: string;
}

export interface LocateOptions {
  /** The record's event time (a CloudTrail eventTime): its id set is read for that hour only. */
  time?: string;
  /** Without a time: hours searched backwards from `from`. @default 24 */
  searchHours?: number;
  /** Where the search without a time starts (the checkpoint's time). */
  from?: string;
}

export const DEFAULT_SEARCH_HOURS = 24;

/** The hour a minted id is claimed under, when the id alone says it. */
function hourOfMintedId(id: string): string | null {
  if (id.startsWith('genesis:') || id.startsWith('quarantine:')) return TIMELESS_HOUR;
  if (id.startsWith('coverage:')) return logFileHour(id);
  return null;
}

function hoursBack(from: string, n: number): string[] {
  const start = Date.parse(from);
  if (Number.isNaN(start)) return [];
  return Array.from({ length: n }, (_, i) => hourOf(new Date(start - i * 3_600_000).toISOString()));
}

/** The first sequence of the commit whose id set (one item of the hour) holds the digest, or null. */
function commitHolding(items: readonly { sk: string; d?: unknown }[], digest: Buffer): number | null {
  for (const item of items) {
    if (!(item.d instanceof Uint8Array)) continue;
    const d = Buffer.from(item.d);
    for (let at = 0; at + ID_DIGEST_BYTES <= d.length; at += ID_DIGEST_BYTES) {
      if (d.compare(digest, 0, ID_DIGEST_BYTES, at, at + ID_DIGEST_BYTES) === 0) return Number(item.sk);
    }
  }
  return null;
}

/**
 * Finds a record through the id sets: one query per shard for the record's
 * hour (the shards in parallel), then the batch log item of the commit that
 * claimed it, then the object. Without a time, hours are searched backwards,
 * one query per shard per hour. An archive written before the id sets has an
 * `id#` item per record; it is read first, in the same round trip.
 */
export async function locateRecord(table: IndexTable, recordId: string, shards: readonly string[], opts: LocateOptions = {}): Promise<RecordPointer> {
  const legacy = await table.get(K.id(recordId).pk, K.id(recordId).sk);
  if (legacy && typeof legacy.shard === 'string' && Number.isSafeInteger(legacy.seq) && typeof legacy.key === 'string') {
    return { shard: legacy.shard, seq: legacy.seq as number, key: legacy.key };
  }
  const fixed = hourOfMintedId(recordId);
  // Without a time, the timeless set first (ids minted without a time, few), then hour by hour backwards.
  const hours =
    opts.time !== undefined
      ? [hourOf(opts.time)]
      : fixed !== null
        ? [fixed]
        : [TIMELESS_HOUR, ...hoursBack(opts.from ?? new Date().toISOString(), opts.searchHours ?? DEFAULT_SEARCH_HOURS)];
  const digest = idDigest(recordId);
  for (const hour of hours) {
    const found = await Promise.all(
      shards.map(async (shard) => {
        const items = await table.query({ pk: K.idSetPk(shard, hour), from: '0', to: '9' });
        const firstSeq = commitHolding(items as { sk: string; d?: unknown }[], digest);
        return firstSeq === null ? null : { shard, firstSeq };
      }),
    );
    const hit = found.find((f) => f !== null);
    if (hit) return readPointer(table, hit.shard, hit.firstSeq);
  }
  const where =
    opts.time !== undefined
      ? `in the id sets of hour ${hourOf(opts.time)}`
      : fixed !== null
        ? 'in its id set'
        : `in the last ${hours.length - 1} hours of id sets (give --time with the event's time to look in its hour)`;
  throw new ProveError('NOT_FOUND', `no record with id ${recordId} is committed ${where}`);
}

/** The commit's object, from its batch log item; the record's sequence is found in the object (seq -1 until then). */
async function readPointer(table: IndexTable, shard: string, firstSeq: number): Promise<RecordPointer> {
  const log = await table.get(K.batch(shard, firstSeq).pk, K.batch(shard, firstSeq).sk);
  const key = log?.key;
  if (typeof key !== 'string' || !parseBatchKey(key)) {
    throw new ProveError('BATCH_LOG_CORRUPT', `the id set of shard ${shard} names the commit at ${firstSeq}, whose batch log item is missing or damaged`);
  }
  return { shard, seq: -1, key };
}

/** Finds the line holding `recordId` in a batch object: its sequence. */
export function seqOfRecord(body: Buffer, key: string, recordId: string): number {
  const parsed = parseBatchKey(key)!;
  const needle = Buffer.from(`{"chain":{"id":${JSON.stringify(recordId)},`, 'utf8');
  let start = 0;
  for (let seq = parsed.firstSeq; seq <= parsed.lastSeq && start < body.length; seq++) {
    if (body.compare(needle, 0, needle.length, start, Math.min(body.length, start + needle.length)) === 0) return seq;
    const nl = body.indexOf(0x0a, start);
    if (nl < 0) break;
    start = nl + 1;
  }
  throw new ProveError('RECORD_MISMATCH', `object ${key} does not hold record ${recordId}, though the id set says its commit claimed it`);
}
