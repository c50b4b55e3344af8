import type { TrustedKey } from '../core/checkpoint';
import { parseBatchKey, shardPrefix } from '../core/layout';
import { inclusionProofFrom, inclusionRanges, leafHash, verifyInclusion } from '../core/merkle';
import type { ArchiveSource } from '../core/archive-source';
import type { ProofResult } from './build-proof';
import { ProveError } from '../verify/prove-error';
import { newestCheckpoint } from './offline-proof';
import { PROOF_FORMAT } from './proof-file';
import { lineAt } from './record-line';
import { RequestMeter } from './request-meter';
import { TileTree, tileReaderOf } from './tile-tree';

export interface StaticProveOptions {
  /** Use only checkpoints signed by these keys. */
  keys?: readonly TrustedKey[];
  /** Where the source's reads are counted (see countingSource). */
  meter?: RequestMeter;
}

/**
 * An inclusion proof for record `seq` of `shard` from a static copy of the
 * bucket (a folder, an evidence bundle, a bucket without its table): the
 * newest checkpoint, one listing of the shard's keys (which name each
 * object's sequence range), the object holding the record and the C2SP tiles
 * of its path. No table and no other batch object is read. Where orphans
 * share the position, the committed one is the one whose leaf the signed
 * root includes.
 */
export async function buildInclusionProofAt(source: ArchiveSource, at: { shard: string; seq: number }, opts: StaticProveOptions = {}): Promise<ProofResult> {
  const meter = opts.meter ?? new RequestMeter();
  const before = meter.summary();
  const signed = await newestCheckpoint(source, opts.keys);
  const state = signed.checkpoint.shards.find((s) => s.shard === at.shard);
  if (!state || at.seq >= state.size)
    throw new ProveError('NOT_SEALED', `record ${at.shard}/${at.seq} is past the newest checkpoint (${state?.size ?? 0} records of shard ${at.shard})`);
  const candidates: { key: string; firstSeq: number }[] = [];
  for await (const o of source.list(shardPrefix(at.shard))) {
    const k = parseBatchKey(o.key);
    if (k && k.shard === at.shard && k.firstSeq <= at.seq && at.seq <= k.lastSeq) candidates.push({ key: o.key, firstSeq: k.firstSeq });
  }
  const tree = new TileTree(tileReaderOf(source), at.shard, state.size);
  await tree.prefetch(inclusionRanges(at.seq, state.size));
  const path = await inclusionProofFrom(at.seq, state.size, tree.getSubtreeRoot);
  const root = Buffer.from(state.root, 'hex');
  for (const c of candidates) {
    const line = Buffer.from(lineAt(await source.get(c.key), at.seq - c.firstSeq));
    if (!verifyInclusion(at.seq, state.size, leafHash(line), path, root)) continue;
    return {
      proof: {
        format: PROOF_FORMAT,
        record: line.toString('utf8'),
        shard: at.shard,
        seq: at.seq,
        treeSize: state.size,
        proof: path.map((h) => h.toString('hex')),
        checkpoint: signed.note.toString('utf8'),
      },
      signed,
      reads: meter.since(before),
      method: 'tiles',
    };
  }
  throw new ProveError(
    candidates.length === 0 ? 'ARCHIVE_INCOMPLETE' : 'INDEX_MISMATCH',
    candidates.length === 0
      ? `${source.describe()} holds no batch object with record ${at.shard}/${at.seq}`
      : `no object of ${source.describe()} holds a record ${at.shard}/${at.seq} that the tiles and the checkpoint of ${signed.checkpoint.time} include: run immutrail verify`,
  );
}
