import { emptyHead, type Batch, type ChainHead } from '../../../lib/core/chain';
import type { AuditRecord } from '../../../lib/core/record';
import { CommitConflictError, type RecordPointer } from '../../../lib/aws/chain-store';
import type { ArchivePort, ChainStorePort } from '../../../lib/ingest/commit';

/** A chain store and archive in memory, with the same compare-and-swap and exactly-once rules as DynamoDB's. */
export class MemoryChain implements ChainStorePort, ArchivePort {
  readonly heads = new Map<string, ChainHead & { time: string }>();
  readonly ids = new Map<string, RecordPointer>();
  readonly records: AuditRecord[] = [];

  async head(shard: string): Promise<ChainHead> {
    return this.heads.get(shard) ?? emptyHead(shard);
  }

  async existing(ids: readonly string[]): Promise<Map<string, RecordPointer>> {
    return new Map(ids.filter((id) => this.ids.has(id)).map((id) => [id, this.ids.get(id)!]));
  }

  async putBatch(): Promise<void> {}

  async commit(expected: ChainHead, batch: Batch): Promise<void> {
    const current = await this.head(batch.shard);
    if (current.seq !== expected.seq || current.hash !== expected.hash) throw new CommitConflictError(batch.shard, 'head-moved');
    if (batch.records.some((r) => this.ids.has(r.chain.id))) throw new CommitConflictError(batch.shard, 'duplicate-id');
    for (const r of batch.records) this.ids.set(r.chain.id, { id: r.chain.id, shard: r.chain.shard, seq: r.chain.seq, key: batch.key, kind: r.chain.kind });
    this.records.push(...batch.records);
    this.heads.set(batch.shard, { ...batch.newHead, time: batch.records[batch.records.length - 1].chain.time });
  }

  async shards(): Promise<string[]> {
    return [...this.heads.keys()].sort();
  }

  /** What the head items say about each shard's last commit, as ShardActivityReader reads it. */
  async activity(): Promise<{ shard: string; time: string | null }[]> {
    return [...this.heads.values()].map((h) => ({ shard: h.shard, time: h.time }));
  }
}
