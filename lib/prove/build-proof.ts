import { K } from '../aws/table-keys';
import { locateRecord, seqOfRecord, type LocateOptions } from './locate-record';
import { parseSignedCheckpoint, type SignedCheckpoint } from '../core/checkpoint';
import { inclusionProofFrom, inclusionRanges, leafHash, verifyInclusion } from '../core/merkle';
import { ProveError } from './errors';
import { IndexedSubtreeSource } from './indexed-subtree-source';
import type { IndexTable } from './index-table';
import type { InclusionProofFile } from './proof-file';
import { PROOF_FORMAT } from './proof-file';
import { recordLineAt } from './record-line';
import type { RequestMeter, RequestSummary } from './request-meter';
import { readTileCoverage } from './tile-reader';

export interface OnlineProveDeps {
  table: IndexTable;
  /** Batch objects (S3Source on the archive bucket). */
  objects: { get(key: string): Promise<Buffer> };
  /** Counts every request the table and the object store send (see meterAwsClient). */
  meter: RequestMeter;
}

export interface ProofResult {
  proof: InclusionProofFile;
  signed: SignedCheckpoint;
  /** Storage requests this proof took. */
  reads: RequestSummary;
  /** How the proof was built: from the index (few reads) or by rebuilding the shard (offline). */
  method: 'index' | 'rebuild';
}

async function latestCheckpoint(table: IndexTable): Promise<Buffer> {
  const item = await table.get(K.latestCheckpoint.pk, K.latestCheckpoint.sk);
  if (!item || typeof item.note !== 'string') throw new ProveError('NOT_SEALED', 'the archive has no checkpoint yet: nothing is sealed');
  return Buffer.from(item.note, 'base64');
}

/**
 * An inclusion proof for one record against the latest checkpoint, from the
 * index table and one object read: the latest checkpoint, the record's commit
 * from the id sets (one query per shard for the event's hour, see
 * locateRecord), the batch object, the tile progress, then a few range
 * queries for the path (see inclusionPathFromIndex). The proof is
 * checked against the checkpoint's root before it is returned, so a damaged
 * index gives an error, never a proof that does not verify.
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
  const coverage = await readTileCoverage(deps.table, pointer.shard, size);
  const line = recordLineAt(body, pointer.key, { id: recordId, shard: pointer.shard, seq: pointer.seq });

  const source = new IndexedSubtreeSource(deps.table, pointer.shard, size, coverage);
  await source.prefetch(inclusionRanges(pointer.seq, size));
  const path = await inclusionProofFrom(pointer.seq, size, source.getSubtreeRoot);
  if (!verifyInclusion(pointer.seq, size, leafHash(line), path, Buffer.from(state.root, 'hex'))) {
    throw new ProveError(
      'INDEX_MISMATCH',
      `record ${recordId}, the batch log or the tiles of shard ${pointer.shard} do not match the checkpoint of ${signed.checkpoint.time}: run immutrail verify, or prove from the bucket alone (without --table)`,
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
