import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { K } from '../../lib/contract/table-keys';
import { ANY_KEY_NAME, parseSignedCheckpoint, trustedKeyFromPem, type SignedCheckpoint } from '../../lib/core/checkpoint';
import { claimsOfRecords, idSetItems } from '../../lib/aws/id-sets';
import type { AuditRecord } from '../../lib/core/record';
import { buildInclusionProof } from '../../lib/prove/build-proof';
import { MemoryIndexTable } from '../../lib/prove/memory-index-table';
import { parseProofFile, serializeProofFile } from '../../lib/prove/proof-file';
import { RequestMeter } from '../../lib/prove/request-meter';
import { verifyProofFile } from '../../lib/prove/verify-proof';
import { readLeaves } from '../../lib/prove/batch-log';
import { buildTiles, type TileStore } from '../../lib/seal/tiles';
import { DirSource } from '../../lib/verify/dir-source';
import type { ArchiveManifest, ShardLog } from '../archive/generate';
import { median, round, timed } from './measure';

export class ProofBenchError extends Error {
  constructor(
    readonly code: 'NO_CHECKPOINT' | 'PROOF_INVALID',
    message: string,
  ) {
    super(message);
  }
}

/** The index as ChainStore.commit leaves it: one batch-log item per committed batch (key, range, leaf hashes). */
function seedBatchLog(table: MemoryIndexTable, cacheDir: string, log: ShardLog): void {
  const leaves = readFileSync(join(cacheDir, log.leavesFile));
  for (const b of log.batches) {
    table.seed({
      ...K.batch(log.shard, b.firstSeq),
      key: b.key,
      firstSeq: b.firstSeq,
      lastSeq: b.lastSeq,
      leaves: leaves.subarray(b.firstSeq * 32, (b.lastSeq + 1) * 32),
    });
  }
}

async function latestCheckpoint(source: DirSource): Promise<SignedCheckpoint> {
  const all: SignedCheckpoint[] = [];
  for await (const o of source.list('checkpoints/')) all.push(parseSignedCheckpoint(await source.get(o.key)));
  const latest = all.sort((a, b) => a.checkpoint.size - b.checkpoint.size || (a.checkpoint.time < b.checkpoint.time ? -1 : 1)).at(-1);
  if (!latest) throw new ProofBenchError('NO_CHECKPOINT', 'the archive holds no checkpoint');
  return latest;
}

/**
 * The id-set items ChainStore.commit writes for the batch holding `seq` (read
 * from its batch object), and the record's id and event time: what a user
 * gives `immutrail prove ID --time T`.
 */
async function seedRecordId(table: MemoryIndexTable, source: DirSource, log: ShardLog, seq: number): Promise<{ id: string; time?: string }> {
  let lo = 0;
  let hi = log.batches.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (log.batches[mid].firstSeq <= seq) lo = mid;
    else hi = mid - 1;
  }
  const b = log.batches[lo];
  const records = (await source.get(b.key))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
  for (const item of idSetItems(log.shard, b.firstSeq, claimsOfRecords(records))) table.seed({ ...item, d: Buffer.from(item.d) });
  const r = records[seq - b.firstSeq];
  return { id: r.chain.id, time: r.chain.kind === 'event' ? (r.data as { event: { eventTime: string } }).event.eventTime : undefined };
}

/**
 * An inclusion proof for records of the largest shard of the generated
 * archive, built by lib/prove: the record located through an in-memory index
 * table that pages and counts like DynamoDB (the batch log of a million
 * records is too many writes for the emulator), then the batch object and the
 * C2SP tiles read as S3 GetObject (tiles built by the seal's tile step into
 * memory, batch objects from the archive folder); then verified with the
 * public key alone.
 */
export async function proofTask(m: ArchiveManifest, verifyRepeats: number) {
  const source = new DirSource(m.archiveDir);
  const meter = new RequestMeter();
  const table = new MemoryIndexTable(meter);
  for (const log of m.shards) seedBatchLog(table, m.cacheDir, log);
  const signed = await latestCheckpoint(source);
  table.seed({ ...K.latestCheckpoint, note: signed.note.toString('base64') });

  // The tile step as the seal runs it, here from an empty bucket to the checkpoint at once.
  const tileObjects = new Map<string, Buffer>();
  const tileStore: TileStore = {
    get: async (key) => tileObjects.get(key) ?? null,
    put: async (key, body) => {
      meter.record('S3.PutObject', 1);
      tileObjects.set(key, body);
    },
  };
  const grown = signed.checkpoint.shards.map((s) => ({ shard: s.shard, previousSize: 0, size: s.size }));
  const tilesBefore = meter.summary();
  const tiles = await timed(() => buildTiles(tileStore, (shard, from, to) => readLeaves(table, shard, from, to, { consistent: true }), grown));
  const tileWrites = meter.since(tilesBefore);

  const shard = [...m.shards].sort((a, b) => b.records - a.records)[0];
  const size = signed.checkpoint.shards.find((s) => s.shard === shard.shard)!.size;
  const objects = {
    get: async (key: string) => {
      meter.record('S3.GetObject', 1);
      return tileObjects.get(key) ?? source.get(key);
    },
  };
  const keys = [trustedKeyFromPem(ANY_KEY_NAME, m.publicKeyPem)];
  const proofs = [];
  for (const seq of [1, Math.floor(size / 2), size - 1]) {
    const { id, time } = await seedRecordId(table, source, shard, seq);
    const built = await timed(() => buildInclusionProof({ table, objects, meter }, id, time ? { time } : {}));
    const file = serializeProofFile(built.value.proof);
    const verifyMs: number[] = [];
    for (let i = 0; i < verifyRepeats; i++) {
      const t0 = performance.now();
      const verdict = verifyProofFile(parseProofFile(file), keys);
      verifyMs.push(performance.now() - t0);
      if (!verdict.ok) throw new ProofBenchError('PROOF_INVALID', `proof of ${id} did not verify: ${verdict.failed}`);
    }
    proofs.push({
      seq,
      reads: built.value.reads.reads,
      by_operation: built.value.reads.byOperation,
      items_read: built.value.reads.items,
      prove_ms: round(built.timing.wallMs, 2),
      verify_ms: round(median(verifyMs), 3),
      proof_bytes: Buffer.byteLength(file),
      path_hashes: built.value.proof.proof.length,
    });
  }
  const worst = proofs.reduce((a, b) => (b.reads > a.reads ? b : a));
  return {
    archive_records: m.records,
    shard: shard.shard,
    tree_size: size,
    // The tile step from an empty bucket: batch-log queries for the leaves, one S3 PutObject per tile.
    tile_build: { ms: round(tiles.timing.wallMs), requests: tileWrites.requests, by_operation: tileWrites.byOperation },
    proof_storage_reads: worst.reads,
    proof_ms: round(median(proofs.map((p) => p.prove_ms)), 2),
    proof_verify_ms: round(median(proofs.map((p) => p.verify_ms)), 3),
    proofs,
  };
}
