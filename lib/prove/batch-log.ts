import { K } from '../contract/table-keys';
import { HASH_SIZE } from '../core/merkle';
import { ProveError } from '../verify/prove-error';
import type { IndexItem, IndexTable } from './index-table';

/** A committed batch as the commit logged it (see ChainStore.commit). */
export interface LoggedBatch {
  key: string;
  firstSeq: number;
  lastSeq: number;
  leaves: Buffer;
}

function logged(shard: string, item: IndexItem): LoggedBatch {
  const { key, firstSeq, lastSeq, leaves } = item;
  const ok =
    typeof key === 'string' &&
    Number.isSafeInteger(firstSeq) &&
    Number.isSafeInteger(lastSeq) &&
    (lastSeq as number) >= (firstSeq as number) &&
    item.sk === K.batch(shard, firstSeq as number).sk &&
    leaves instanceof Uint8Array &&
    leaves.length === ((lastSeq as number) - (firstSeq as number) + 1) * HASH_SIZE;
  if (!ok) throw new ProveError('BATCH_LOG_CORRUPT', `batch log item ${item.pk} / ${item.sk} is not a committed batch`);
  return { key: key as string, firstSeq: firstSeq as number, lastSeq: lastSeq as number, leaves: Buffer.from(leaves as Uint8Array) };
}

/**
 * How far before `from` the first range query reaches for the batch holding
 * it. Small batches are found in that one query; a batch that starts earlier
 * (commits of thousands of records) costs one more query, of one item.
 */
const REACH_BACK = 96;

/**
 * Leaf hashes [from, to) of a shard from its batch log, usually in one range
 * query (see REACH_BACK), at most two. Returns one 32-byte view per leaf.
 */
export async function readLeaves(table: IndexTable, shard: string, from: number, to: number, opts: { consistent?: boolean } = {}): Promise<Buffer[]> {
  if (to <= from) return [];
  const pk = K.batchPk(shard);
  const sk = (seq: number) => K.batch(shard, seq).sk;
  const lowest = Math.max(0, from - REACH_BACK + 1);
  let batches = (await table.query({ pk, from: sk(lowest), to: sk(to - 1), consistent: opts.consistent })).map((i) => logged(shard, i));
  if (!batches.some((b) => b.firstSeq <= from && from <= b.lastSeq)) {
    // A large batch starts before the window: find the one holding `from` directly.
    const before = await table.query({ pk, from: sk(0), to: sk(from), descending: true, limit: 1, consistent: opts.consistent });
    batches = [...before.map((i) => logged(shard, i)), ...batches];
  }
  const leaves: Buffer[] = [];
  let next = from;
  for (const b of batches) {
    if (b.lastSeq < next) continue;
    if (b.firstSeq > next) break;
    const last = Math.min(b.lastSeq, to - 1);
    for (let seq = next; seq <= last; seq++) {
      const at = (seq - b.firstSeq) * HASH_SIZE;
      leaves.push(b.leaves.subarray(at, at + HASH_SIZE));
    }
    next = last + 1;
    if (next >= to) break;
  }
  if (next < to) throw new ProveError('BATCH_LOG_GAP', `shard ${shard}: the batch log does not cover sequences ${next}-${to - 1}`);
  return leaves;
}
