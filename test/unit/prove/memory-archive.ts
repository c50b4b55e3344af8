import { randomBytes } from 'node:crypto';
import { idSetItems } from '../../../lib/aws/id-sets';
import { K } from '../../../lib/contract/table-keys';
import { buildBatch, emptyHead, genesisDraft, type ChainHead } from '../../../lib/core/chain';
import { makeCheckpoint, noteHash, type SignedCheckpoint } from '../../../lib/core/checkpoint';
import { checkpointKey } from '../../../lib/core/layout';
import type { ArchiveSource } from '../../../lib/core/archive-source';
import { LocalSigner } from '../../../lib/core/local-signer';
import type { RecordDraft } from '../../../lib/core/record';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { RequestMeter } from '../../../lib/prove/request-meter';
import { readLeaves } from '../../../lib/prove/batch-log';
import { shardState, signCheckpoint } from '../../../lib/seal/seal';
import { buildTiles, type ShardTileReport, type TileStore } from '../../../lib/seal/tiles';

/** What S3 throws for an absent key (the provers tell it from other failures by name). */
function noSuchKey(key: string): Error {
  const err = new Error(`NoSuchKey: ${key}`);
  err.name = 'NoSuchKey';
  return err;
}

/**
 * Seeds a shard's batch log as ChainStore.commit writes it, from leaf hashes
 * alone (no records): enough for tiles and paths, at any size.
 */
export function seedBatchLog(table: MemoryIndexTable, shard: string, leaves: readonly Buffer[], batchSize: (firstSeq: number) => number, from = 0): void {
  for (let first = from; first < leaves.length;) {
    const last = Math.min(leaves.length, first + Math.max(1, batchSize(first))) - 1;
    table.seed({
      ...K.batch(shard, first),
      key: `records/shard=${shard}/dt=2026-11-20/${first}-${last}.ndjson`,
      firstSeq: first,
      lastSeq: last,
      leaves: Buffer.concat(leaves.slice(first, last + 1)),
    });
    first = last + 1;
  }
}

/** A bucket of tiles in memory: write-once like LockedObjects (same bytes again is fine), reads and puts counted as S3. */
export function memoryTileBucket(meter = new RequestMeter()) {
  const objects = new Map<string, Buffer>();
  const store: TileStore = {
    get: async (key) => {
      meter.record('S3.GetObject', 1);
      return objects.get(key) ?? null;
    },
    put: async (key, body) => {
      meter.record('S3.PutObject', 1);
      const stored = objects.get(key);
      if (stored && !stored.equals(body)) throw new Error(`${key} exists with other bytes`);
      objects.set(key, body);
    },
  };
  return { objects, store, meter };
}

/** n random leaf hashes (fast: one randomBytes call). */
export function randomLeaves(n: number): Buffer[] {
  const all = randomBytes(32 * n);
  return Array.from({ length: n }, (_, i) => all.subarray(i * 32, i * 32 + 32));
}

/**
 * A whole archive in memory, written the way the ingest path writes it (real
 * records from buildBatch, the commit's items, objects by key) and sealed with
 * a local key: the online prover runs against it unchanged.
 */
export class MemoryArchive {
  readonly meter = new RequestMeter();
  readonly table = new MemoryIndexTable(this.meter);
  readonly objects = new Map<string, Buffer>();
  readonly heads = new Map<string, ChainHead>();
  readonly signer: LocalSigner;
  private prevHash: string | null = null;
  private tick = 0;

  constructor(
    readonly origin = 'immutrail.test/memory',
    /** Index the records as the format before the id sets did (an `id#` item each). */
    readonly legacyIdItems = false,
  ) {
    this.signer = new LocalSigner(origin);
  }

  /** Object reads, counted like S3 GetObject. */
  readonly objectStore = {
    get: async (key: string): Promise<Buffer> => {
      this.meter.record('S3.GetObject', 1);
      const body = this.objects.get(key);
      if (!body) throw noSuchKey(key);
      return body;
    },
  };

  /** Tiles are objects of the bucket, like the seal writes them (puts counted as S3 PutObject). */
  readonly tileStore: TileStore = {
    get: async (key) => this.objects.get(key) ?? null,
    put: async (key, body) => {
      this.meter.record('S3.PutObject', 1);
      const stored = this.objects.get(key);
      if (stored && !stored.equals(body)) throw new Error(`tile ${key} exists with other bytes`);
      this.objects.set(key, body);
    },
  };

  private readonly tiled = new Map<string, number>();

  /** The seal's tile step: each shard from the size tiled last to the checkpoint's (the batch log gives the new leaves). */
  async tile(checkpoint: Pick<SignedCheckpoint['checkpoint'], 'shards'>): Promise<ShardTileReport[]> {
    const grown = checkpoint.shards.map((s) => ({ shard: s.shard, previousSize: this.tiled.get(s.shard) ?? 0, size: s.size }));
    const reports = await buildTiles(this.tileStore, (shard, from, to) => readLeaves(this.table, shard, from, to, { consistent: true }), grown);
    for (const s of checkpoint.shards) this.tiled.set(s.shard, Math.max(s.size, this.tiled.get(s.shard) ?? 0));
    return reports;
  }

  /** The bucket alone, as an offline prover or verifier sees it (reads not counted). */
  source(): ArchiveSource {
    const objects = this.objects;
    return {
      async *list(prefix) {
        for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield { key, size: objects.get(key)!.length };
      },
      async get(key) {
        const body = objects.get(key);
        if (!body) throw noSuchKey(key);
        return body;
      },
      describe: () => 'memory://archive',
    };
  }

  commit(shard: string, drafts: readonly RecordDraft[]): { firstSeq: number; lastSeq: number; key: string } {
    const head = this.heads.get(shard) ?? emptyHead(shard);
    const all = head.seq === -1 ? [genesisDraft(shard, this.origin), ...drafts] : [...drafts];
    const batch = buildBatch(head, all, new Date(Date.UTC(2026, 10, 20, 10, 0, this.tick++)));
    this.objects.set(batch.key, batch.body);
    this.table.seed({
      ...K.batch(shard, batch.firstSeq),
      key: batch.key,
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      leaves: Buffer.concat(batch.hashes.map((h) => Buffer.from(h, 'hex'))),
    });
    if (this.legacyIdItems) {
      // What versions before the id sets wrote: one item per record id.
      for (const r of batch.records)
        this.table.seed({ ...K.id(r.chain.id), rid: r.chain.id, shard, seq: r.chain.seq, key: batch.key, kind: r.chain.kind, time: r.chain.time });
    } else {
      for (const item of idSetItems(shard, batch.firstSeq, batch.claims)) this.table.seed({ ...item, d: Buffer.from(item.d) });
    }
    this.heads.set(shard, batch.newHead);
    return { firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, key: batch.key };
  }

  /** Signs a checkpoint over every head and, as the seal runtime does after it, extends the tiles (unless `tile: false`). */
  async seal(opts: { tile?: boolean } = {}): Promise<SignedCheckpoint> {
    const states = [...this.heads.values()].filter((h) => h.seq >= 0).map(shardState);
    const signed = await signCheckpoint(this.signer, makeCheckpoint(this.origin, states, this.prevHash, new Date(Date.UTC(2026, 10, 20, 12, 0, this.tick++))));
    this.table.seed({ ...K.latestCheckpoint, note: signed.note.toString('base64') });
    this.objects.set(checkpointKey(signed.checkpoint.size, signed.checkpoint.time, noteHash(signed.note)), signed.note);
    this.prevHash = noteHash(signed.note);
    if (opts.tile !== false) await this.tile(signed.checkpoint);
    return signed;
  }
}

/** Simple non-event drafts with distinct ids (their content does not matter to the tree). */
export function coverageDrafts(prefix: string, n: number): RecordDraft[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'coverage' as const,
    id: `${prefix}-${i}`,
    data: { logFile: `s3://trail/${prefix}/${i}.json.gz`, total: i, archived: i, recovered: 0, skipped: 0, digestSha256: null },
  }));
}
