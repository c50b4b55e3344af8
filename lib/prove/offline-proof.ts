import { CHECKPOINTS_PREFIX, RECORDS_PREFIX, isCheckpointKey, shardPrefix } from '../core/layout';
import { mapLimit } from '../core/map-limit';
import { CheckpointError, parseSignedCheckpoint, verifyCheckpoint, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { inclusionProof, leafHash, verifyInclusion } from '../core/merkle';
import { assembleShard, scanBatch, type ArchiveSource, type ScannedBatch } from '../verify';
import type { ProofResult } from './build-proof';
import { ProveError } from '../verify/prove-error';
import { PROOF_FORMAT } from './proof-file';
import { recordLineAt } from './record-line';
import { RequestMeter } from './request-meter';

export interface OfflineProveOptions {
  /** Use only checkpoints signed by these keys (default: the newest checkpoint that parses; the verifier checks the signature). */
  keys?: readonly TrustedKey[];
  /** Read only this shard's objects, when the record's shard is known. */
  shard?: string;
  concurrency?: number;
  /** Where the source's reads are counted (an S3Source's client metered with meterAwsClient, or a countingSource). */
  meter?: RequestMeter;
}

/** Counts the reads of a source that is not an AWS client (a local copy). */
export function countingSource(source: ArchiveSource, meter: RequestMeter, service = 'File'): ArchiveSource {
  return {
    async *list(prefix) {
      let n = 0;
      try {
        for await (const o of source.list(prefix)) {
          n++;
          yield o;
        }
      } finally {
        meter.record(`${service}.List`, n);
      }
    },
    async get(key) {
      const body = await source.get(key);
      meter.record(`${service}.Get`, 1);
      return body;
    },
    describe: () => source.describe(),
  };
}

/** The newest checkpoint (keys sort by total size, then time) that parses and, with keys, verifies. */
export async function newestCheckpoint(source: ArchiveSource, keys?: readonly TrustedKey[]): Promise<SignedCheckpoint> {
  const listed: string[] = [];
  for await (const o of source.list(CHECKPOINTS_PREFIX)) if (isCheckpointKey(o.key)) listed.push(o.key);
  for (const key of listed.sort().reverse()) {
    try {
      const signed = parseSignedCheckpoint(await source.get(key));
      if (keys) verifyCheckpoint(signed, keys);
      return signed;
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
    }
  }
  throw new ProveError('NOT_SEALED', `${source.describe()} holds no ${keys ? 'checkpoint signed by the trusted key' : 'valid checkpoint'}`);
}

/**
 * An inclusion proof from the archive alone (a local copy, or a bucket
 * without its table): reads every batch object to find the record and rebuild
 * its shard's chain as the verifier does, then computes the path from the
 * leaves. Correct, but the reads grow with the archive: the online path
 * (buildInclusionProof) is the short one.
 */
export async function buildInclusionProofOffline(source: ArchiveSource, recordId: string, opts: OfflineProveOptions = {}): Promise<ProofResult> {
  const meter = opts.meter ?? new RequestMeter();
  const before = meter.summary();
  const signed = await newestCheckpoint(source, opts.keys);

  const objects: string[] = [];
  for await (const o of source.list(opts.shard ? shardPrefix(opts.shard) : RECORDS_PREFIX)) objects.push(o.key);
  const byShard = new Map<string, ScannedBatch[]>();
  const holding = new Set<ScannedBatch>();
  await mapLimit(objects, opts.concurrency ?? 16, async (key) => {
    const scanned = scanBatch(key, await source.get(key), { collectIds: true });
    if (Array.isArray(scanned)) return;
    if (scanned.ids?.includes(recordId)) holding.add(scanned);
    else scanned.ids = undefined; // only the batches holding the record keep their ids
    const list = byShard.get(scanned.parsed.shard) ?? [];
    list.push(scanned);
    byShard.set(scanned.parsed.shard, list);
  });

  for (const shard of new Set([...holding].map((b) => b.parsed.shard))) {
    const state = signed.checkpoint.shards.find((s) => s.shard === shard);
    const anchors = state ? [{ size: state.size, head: state.head }] : [];
    const assembled = assembleShard(shard, byShard.get(shard) ?? [], anchors, new Set(state ? [state.size] : []));
    const batch = assembled.chain.find((b) => holding.has(b));
    if (!batch) continue; // only in objects that were never committed (orphans)
    const seq = batch.firstSeq + batch.ids!.indexOf(recordId);
    if (!state || seq >= state.size) {
      throw new ProveError('NOT_SEALED', `record ${recordId} (shard ${shard}, seq ${seq}) is not sealed by the newest checkpoint (${signed.checkpoint.time})`);
    }
    if (assembled.length < state.size) {
      throw new ProveError(
        'ARCHIVE_INCOMPLETE',
        `shard ${shard}: the checkpoint of ${signed.checkpoint.time} holds ${state.size} records, the archive's chain only ${assembled.length}`,
      );
    }
    const leaves: Buffer[] = [];
    for (const b of assembled.chain) {
      for (let i = 0; i < b.count && leaves.length < state.size; i++) leaves.push(b.leaves.subarray(i * 32, i * 32 + 32));
    }
    const path = inclusionProof(seq, leaves);
    const line = recordLineAt(await source.get(batch.key), batch.key, { id: recordId, shard, seq });
    if (!verifyInclusion(seq, state.size, leafHash(line), path, Buffer.from(state.root, 'hex'))) {
      throw new ProveError(
        'INDEX_MISMATCH',
        `shard ${shard} in ${source.describe()} does not match the checkpoint of ${signed.checkpoint.time}: run immutrail verify`,
      );
    }
    return {
      proof: {
        format: PROOF_FORMAT,
        record: line.toString('utf8'),
        shard,
        seq,
        treeSize: state.size,
        proof: path.map((h) => h.toString('hex')),
        checkpoint: signed.note.toString('utf8'),
      },
      signed,
      reads: meter.since(before),
      method: 'rebuild',
    };
  }
  throw new ProveError('NOT_FOUND', `no committed record with id ${recordId} in ${source.describe()}`);
}
