/**
 * The archive's key layout: the one source of truth used by the ingest writer,
 * the verifier, the Glue table's partition projection and the local query engine.
 *
 *   records/shard=<shard>/dt=<YYYY-MM-DD>/<firstSeq>-<lastSeq>-<batchId>.ndjson
 *   checkpoints/<size>-<time>-<hash16>.note   (size = total records, zero padded)
 *   checkpoints/shards/<shard>/<size>-<hash16>.note   (one shard's C2SP checkpoint, size zero padded)
 *   checkpoints/shards/<shard>/<size>-<hash16>.add-checkpoint   (the witness request for it)
 *   cosignatures/<witness key name>/<shard>/<size>-<hash16>.note   (a witness's cosigned copy)
 *
 * Sequence numbers are zero padded to SEQ_DIGITS so a listing sorts by sequence
 * within a day. batchId is the first 16 hex digits of the batch's last record hash,
 * so two writers racing for the same sequence range never collide on a key
 * (the loser's object is an orphan, not an overwrite).
 */
export const RECORDS_PREFIX = 'records/';
export const CHECKPOINTS_PREFIX = 'checkpoints/';
export const SHARD_CHECKPOINTS_PREFIX = 'checkpoints/shards/';
/** Beside each shard note, with the same stem: the C2SP tlog-witness add-checkpoint request for it. */
export const ADD_CHECKPOINT_SUFFIX = '.add-checkpoint';
/** Where witnesses leave their cosigned copies: `cosignatures/<witness key name>/<shard>/<stem>.note`. */
export const COSIGNATURES_PREFIX = 'cosignatures/';

/** The add-checkpoint request's key for a shard note's key (same stem). */
export function addCheckpointKey(noteKey: string): string {
  if (!noteKey.endsWith('.note')) throw new Error(`not a shard note key: ${noteKey}`);
  return noteKey.slice(0, -'.note'.length) + ADD_CHECKPOINT_SUFFIX;
}
export const SEQ_DIGITS = 16;
export const SHARD_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Partition keys in key order, as Athena projects them. */
export const PARTITION_KEYS = [
  { name: 'shard', type: 'string' },
  { name: 'dt', type: 'date', format: 'yyyy-MM-dd' },
] as const;

export interface BatchKey {
  shard: string;
  /** UTC date of the commit, YYYY-MM-DD. */
  date: string;
  firstSeq: number;
  lastSeq: number;
  batchId: string;
}

const pad = (n: number): string => String(n).padStart(SEQ_DIGITS, '0');

export function assertShard(shard: string): void {
  if (!SHARD_PATTERN.test(shard)) {
    throw new Error(`invalid shard id "${shard}": use 1-32 of a-z, 0-9 and -, starting with a letter or digit`);
  }
}

export function shardPrefix(shard: string): string {
  assertShard(shard);
  return `${RECORDS_PREFIX}shard=${shard}/`;
}

export function batchKey(k: BatchKey): string {
  assertShard(k.shard);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(k.date)) throw new Error(`invalid date "${k.date}"`);
  if (!/^[0-9a-f]{16}$/.test(k.batchId)) throw new Error(`invalid batch id "${k.batchId}"`);
  return `${shardPrefix(k.shard)}dt=${k.date}/${pad(k.firstSeq)}-${pad(k.lastSeq)}-${k.batchId}.ndjson`;
}

const BATCH_KEY_RE = new RegExp(
  `^${RECORDS_PREFIX}shard=([a-z0-9][a-z0-9-]{0,31})/dt=(\\d{4}-\\d{2}-\\d{2})/(\\d{${SEQ_DIGITS}})-(\\d{${SEQ_DIGITS}})-([0-9a-f]{16})\\.ndjson$`,
);

/** Parses a batch object key; null when the key is not one (the verifier reports it as foreign). */
export function parseBatchKey(key: string): BatchKey | null {
  const m = BATCH_KEY_RE.exec(key);
  if (!m) return null;
  return { shard: m[1], date: m[2], firstSeq: Number(m[3]), lastSeq: Number(m[4]), batchId: m[5] };
}

export function checkpointKey(totalSize: number, time: string, hashHex: string): string {
  const t = time.replace(/[-:.]/g, '');
  return `${CHECKPOINTS_PREFIX}${pad(totalSize)}-${t}-${hashHex.slice(0, 16)}.note`;
}

/** An archive-wide checkpoint's key: directly under checkpoints/ (shard checkpoints live one folder down). */
export function isCheckpointKey(key: string): boolean {
  return key.startsWith(CHECKPOINTS_PREFIX) && !key.slice(CHECKPOINTS_PREFIX.length).includes('/') && key.endsWith('.note');
}

export function shardCheckpointKey(shard: string, size: number, hashHex: string): string {
  assertShard(shard);
  if (!/^[0-9a-f]{16,}$/.test(hashHex)) throw new Error(`invalid note hash "${hashHex}"`);
  return `${SHARD_CHECKPOINTS_PREFIX}${shard}/${pad(size)}-${hashHex.slice(0, 16)}.note`;
}

const SHARD_CHECKPOINT_KEY_RE = new RegExp(`^${SHARD_CHECKPOINTS_PREFIX}([a-z0-9][a-z0-9-]{0,31})/(\\d{${SEQ_DIGITS}})-([0-9a-f]{16})\\.note$`);

/** Parses a shard checkpoint's key; null when the key is not one. */
export function parseShardCheckpointKey(key: string): { shard: string; size: number; hash16: string } | null {
  const m = SHARD_CHECKPOINT_KEY_RE.exec(key);
  return m ? { shard: m[1], size: Number(m[2]), hash16: m[3] } : null;
}
