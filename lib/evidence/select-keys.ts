import { CHECKPOINTS_PREFIX, RECORDS_PREFIX, isCheckpointKey, parseBatchKey } from '../core/layout';
import type { ArchiveSource } from '../core/archive-source';

export interface BundlePeriod {
  from: string;
  to: string;
}

/** Batch objects committed on the period's days, chosen by their key's dt= as `verify --from/--to` chooses them. */
export async function periodBatchKeys(source: ArchiveSource, period: BundlePeriod): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of source.list(RECORDS_PREFIX)) {
    const k = parseBatchKey(o.key);
    if (k && k.date >= period.from && k.date <= period.to) keys.push(o.key);
  }
  return keys;
}

/** The UTC day in a checkpoint key (`<size>-<YYYYMMDD>T<time>Z-<hash>.note`), as YYYY-MM-DD; null when the key has none. */
export function checkpointKeyDay(key: string): string | null {
  const m = /^\d+-(\d{4})(\d{2})(\d{2})T/.exec(key.slice(CHECKPOINTS_PREFIX.length));
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/**
 * The checkpoints that cover the period: from the first one signed on or after
 * its first day up to the newest, and the one before them. That one anchors the
 * chain: offline, the oldest checkpoint of a bundle names a previous one that is
 * not there, and only a checkpoint dated before the period may do so (see
 * verify-bundle), so removing any checkpoint of the bundle shows.
 */
export async function coveringCheckpointKeys(source: ArchiveSource, period: BundlePeriod): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of source.list(CHECKPOINTS_PREFIX)) if (isCheckpointKey(o.key)) keys.push(o.key);
  // Keys sort by size (zero padded), which is the order the chain grows in.
  const first = keys.findIndex((k) => (checkpointKeyDay(k) ?? '') >= period.from);
  const start = first === -1 ? keys.length - 1 : Math.max(first - 1, 0);
  return keys.slice(Math.max(start, 0));
}
