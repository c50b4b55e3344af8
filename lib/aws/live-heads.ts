import type { ChainStore } from './chain-store';

/** Every shard's committed head from the index, for online verification. */
export async function liveHeads(store: ChainStore): Promise<Map<string, { seq: number; hash: string }>> {
  const heads = new Map<string, { seq: number; hash: string }>();
  for (const shard of await store.shards()) {
    const h = await store.head(shard);
    heads.set(shard, { seq: h.seq, hash: h.hash });
  }
  return heads;
}
