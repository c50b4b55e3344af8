import { DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { claimHour, ID_DIGEST_BYTES, idDigest, type IdClaim } from '../core/id-claims';
import type { AuditRecord, RecordDraft } from '../core/record';

/** The claims of records read back from a batch object (their drafts' extra claims are not in them). */
export const claimsOfRecords = (records: readonly AuditRecord[]): IdClaim[] =>
  records.map((r) => ({ id: r.chain.id, hour: claimHour({ kind: r.chain.kind, id: r.chain.id, data: r.data } as RecordDraft) }));
import { K } from '../contract/table-keys';

/** One id-set item: the digests of the ids a commit claimed in one hour of one shard. */
export interface IdSetItem {
  pk: string;
  sk: string;
  /** ID_DIGEST_BYTES per record id, in sequence order. */
  d: Uint8Array;
}

/** The id-set items a batch's commit writes: one per hour its claims fall in. */
export function idSetItems(shard: string, firstSeq: number, claims: readonly IdClaim[]): IdSetItem[] {
  const byHour = new Map<string, Buffer[]>();
  for (const c of claims) {
    const list = byHour.get(c.hour) ?? [];
    list.push(idDigest(c.id));
    byHour.set(c.hour, list);
  }
  return [...byHour].map(([hour, digests]) => ({ ...K.idSet(shard, hour, firstSeq), d: Buffer.concat(digests) }));
}

interface CachedSet {
  digests: Set<string>;
  /** Largest sort key read: later commits always have larger ones (the head's CAS orders them). */
  lastSk: string | null;
}

/** Digests kept in memory across invocations of a warm container, beyond which the oldest sets are dropped. */
const MAX_CACHED_DIGESTS = 2_000_000;

/**
 * Reads a shard's id sets for the hours a batch touches. A warm container keeps
 * what it read and asks only for items written since (sort key = the commit's
 * first sequence, which only grows), so checking a 500-event log file costs a
 * few reads, not 500, and re-reading an hour costs only its new commits.
 * Reads are strongly consistent: read after the head, they include every
 * commit up to it.
 */
export class IdSetReader {
  private readonly doc: DynamoDBDocumentClient;
  private readonly cache = new Map<string, CachedSet>();
  private cached = 0;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /** The ids among `claims` already committed in `shard`. */
  async committed(shard: string, claims: readonly IdClaim[]): Promise<Set<string>> {
    const found = new Set<string>();
    const hours = [...new Set(claims.map((c) => c.hour))];
    const sets = new Map(await Promise.all(hours.map(async (h) => [h, await this.refresh(K.idSetPk(shard, h))] as const)));
    for (const c of claims) {
      if (sets.get(c.hour)!.has(idDigest(c.id).toString('latin1'))) found.add(c.id);
    }
    return found;
  }

  private async refresh(pk: string): Promise<Set<string>> {
    let entry = this.cache.get(pk);
    if (!entry) {
      entry = { digests: new Set(), lastSk: null };
      this.cache.set(pk, entry);
    } else {
      // Most recently used last, so eviction drops the set not used for longest.
      this.cache.delete(pk);
      this.cache.set(pk, entry);
    }
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: entry.lastSk === null ? 'pk = :pk' : 'pk = :pk AND sk > :sk',
          ExpressionAttributeValues: entry.lastSk === null ? { ':pk': pk } : { ':pk': pk, ':sk': entry.lastSk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) this.add(entry, item as IdSetItem);
      start = out.LastEvaluatedKey;
    } while (start);
    this.evict(pk);
    return entry.digests;
  }

  private add(entry: CachedSet, item: IdSetItem): void {
    const d = Buffer.from(item.d);
    for (let at = 0; at + ID_DIGEST_BYTES <= d.length; at += ID_DIGEST_BYTES) {
      const key = d.toString('latin1', at, at + ID_DIGEST_BYTES);
      if (!entry.digests.has(key)) {
        entry.digests.add(key);
        this.cached++;
      }
    }
    if (entry.lastSk === null || item.sk > entry.lastSk) entry.lastSk = item.sk;
  }

  private evict(keep: string): void {
    for (const [pk, entry] of this.cache) {
      if (this.cached <= MAX_CACHED_DIGESTS) return;
      if (pk === keep) continue;
      this.cached -= entry.digests.size;
      this.cache.delete(pk);
    }
  }
}
