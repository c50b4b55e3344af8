import { K } from '../contract/table-keys';
import { locateRecord, seqOfRecord, type LocateOptions } from './locate-record';
import { parseSignedCheckpoint, type SignedCheckpoint } from '../core/checkpoint';
import { inclusionProofFrom, inclusionRanges, leafHash, verifyInclusion } from '../core/merkle';
import { ProveError } from '../verify/prove-error';
import type { IndexTable } from './index-table';
import type { InclusionProofFile } from './proof-file';
import { PROOF_FORMAT } from './proof-file';
import { recordLineAt } from './record-line';
import type { RequestMeter, RequestSummary } from './request-meter';
import { TileTree, tileReaderOf } from './tile-tree';

export interface OnlineProveDeps {
  /** Finds the record (latest checkpoint pointer, id sets); the proof itself reads no item. */
  table: IndexTable;
  /** The archive bucket (S3Source): the batch object and the shard's tiles. */
  objects: { get(key: string): Promise<Buffer> };
  /** Counts every request the table and the object store send (see meterAwsClient). */
  meter: RequestMeter;
}

export interface ProofResult {
  proof: InclusionProofFile;
  signed: SignedCheckpoint;
  /** Storage requests this proof took. */
  reads: RequestSummary;
  /** How the proof was built: located by the index (few reads), from a copy's tiles by position, or by rebuilding the shard (offline). */
  method: 'index' | 'rebuild' | 'tiles';
}

async function latestCheckpoint(table: IndexTable): Promise<Buffer> {
  const item = await table.get(K.latestCheckpoint.pk, K.latestCheckpoint.sk);
  if (!item || typeof item.note !== 'string') throw new ProveError('NOT_SEALED', 'the archive has no checkpoint yet: nothing is sealed');
  return Buffer.from(item.note, 'base64');
}

/**
 * An inclusion proof for one record against the latest checkpoint: the
 * latest checkpoint and the record's commit from the index table (the id
 * sets: one query per shard for the event's hour, see locateRecord), then
 * from the bucket only: the batch object and the C2SP tiles the path needs
 * (at most two per tile level, read in parallel). The proof is checked
 * against the checkpoint's root before it is returned, so a damaged index or
 * tile gives an error, never a proof that does not verify.
 */
export async function buildInclusionProof(deps: OnlineProveDeps, recordId: string, opts: LocateOptions = {}): Promise<ProofResult> {
  const before = deps.meter.summary();
  const note = await latestCheckpoint(deps.table);
  const signed = parseSignedCheckpoint(note);
  const located = await locateRecord(
    deps.table,
    recordId,
    signed.checkpoint.shards.map((s) => s.shard),
    { from: signed.checkpoint.time, ...opts },
  );
  // The id sets name the commit: its object says where in it the record is.
  const body = await deps.objects.get(located.key);
  const pointer = located.seq >= 0 ? located : { ...located, seq: seqOfRecord(body, located.key, recordId) };
  const state = signed.checkpoint.shards.find((s) => s.shard === pointer.shard);
  if (!state || pointer.seq >= state.size) {
    throw new ProveError(
      'NOT_SEALED',
      `record ${recordId} (shard ${pointer.shard}, seq ${pointer.seq}) is committed but not sealed yet: the latest checkpoint (${signed.checkpoint.time}) holds ${state?.size ?? 0} records of shard ${pointer.shard}`,
    );
  }
  const size = state.size;
  const line = recordLineAt(body, pointer.key, { id: recordId, shard: pointer.shard, seq: pointer.seq });

  const tree = new TileTree(tileReaderOf(deps.objects), pointer.shard, size);
  await tree.prefetch(inclusionRanges(pointer.seq, size));
  const path = await inclusionProofFrom(pointer.seq, size, tree.getSubtreeRoot);
  if (!verifyInclusion(pointer.seq, size, leafHash(line), path, Buffer.from(state.root, 'hex'))) {
    throw new ProveError(
      'INDEX_MISMATCH',
      `record ${recordId} or the tiles of shard ${pointer.shard} do not match the checkpoint of ${signed.checkpoint.time}: run immutrail verify, or prove from the bucket alone (without --table)`,
    );
  }
  return {
    proof: {
      format: PROOF_FORMAT,
      record: line.toString('utf8'),
      shard: pointer.shard,
      seq: pointer.seq,
      treeSize: size,
      proof: path.map((h) => Buffer.from(h).toString('hex')),
      checkpoint: note.toString('utf8'),
    },
    signed,
    reads: deps.meter.since(before),
    method: 'index',
  };
}
