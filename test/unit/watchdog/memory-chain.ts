import { emptyHead, type Batch, type ChainHead } from '../../../lib/core/chain';
import type { AuditRecord } from '../../../lib/core/record';
import { CommitConflictError } from '../../../lib/aws/chain-store';
import type { IdClaim } from '../../../lib/core/id-claims';
import type { ArchivePort, ChainStorePort } from '../../../lib/commit/commit';

/** A chain store and archive in memory, with the same compare-and-swap and exactly-once rules as DynamoDB's. */
export class MemoryChain implements ChainStorePort, ArchivePort {
  readonly heads = new Map<string, ChainHead & { time: string }>();
  /** Committed record ids by shard, as the id sets hold them. */
  readonly ids = new Map<string, { shard: string; seq: number; key: string }>();
  readonly records: AuditRecord[] = [];

  async head(shard: string): Promise<ChainHead> {
    return this.heads.get(shard) ?? emptyHead(shard);
  }

  async committed(shard: string, claims: readonly IdClaim[]): Promise<Set<string>> {
    return new Set(claims.filter((c) => this.ids.get(c.id)?.shard === shard).map((c) => c.id));
  }

  async putBatch(): Promise<void> {}

  async commit(expected: ChainHead, batch: Batch): Promise<void> {
    const current = await this.head(batch.shard);
    if (current.seq !== expected.seq || current.hash !== expected.hash) throw new CommitConflictError(batch.shard, 'head-moved');
    for (const r of batch.records) this.ids.set(r.chain.id, { shard: r.chain.shard, seq: r.chain.seq, key: batch.key });
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
