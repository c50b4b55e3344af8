import { CommitConflictError } from '../../lib/aws/chain-store';
import { idSetItems } from '../../lib/aws/id-sets';
import { K } from '../../lib/contract/table-keys';
import { emptyHead, type Batch, type ChainHead } from '../../lib/core/chain';
import { idDigest, type IdClaim } from '../../lib/core/id-claims';
import type { ArchivePort, ChainStorePort } from '../../lib/commit/commit';
import { itemSize } from '../cost/item-size';
import type { Meter } from './meter';

/** Round trips (p50, docs/DESIGN.md section 2.4), in simulated milliseconds. */
export const LATENCY_MS = { getItem: 8, query: 8, transact: 25, s3Put: 45, s3Get: 30 } as const;

/** A transactional write costs two write units per started KB of each item. */
export const transactWru = (bytes: number): number => 2 * Math.ceil(bytes / 1024);

type Sleep = (ms: number) => Promise<void>;

/**
 * The chain table in memory, as DynamoDB behaves for the commit path: the head
 * moves only by a conditional write against the head the writer read (state is
 * read and changed when the round trip completes, so racing writers see each
 * other as they would), and the (shard, hour) id sets are written in the same
 * transaction. It meters what DynamoDB would bill and where.
 */
export class SimChainStore implements ChainStorePort {
  private readonly heads = new Map<string, ChainHead>();
  private readonly idSets = new Map<string, Set<string>>();

  constructor(
    private readonly sleep: Sleep,
    private readonly meter: Meter,
  ) {}

  async head(shard: string): Promise<ChainHead> {
    await this.sleep(LATENCY_MS.getItem);
    this.meter.add('ddb.GetItem');
    this.meter.add('ddb.rru');
    return this.heads.get(shard) ?? emptyHead(shard);
  }

  /** One Query per (shard, hour), as IdSetReader makes them (its cache makes later ones read only new items). */
  async committed(shard: string, claims: readonly IdClaim[]): Promise<Set<string>> {
    await this.sleep(LATENCY_MS.query);
    const hours = new Set(claims.map((c) => c.hour));
    this.meter.add('ddb.Query', hours.size);
    this.meter.add('ddb.rru', hours.size);
    const found = new Set<string>();
    for (const c of claims) if (this.idSets.get(K.idSetPk(shard, c.hour))?.has(idDigest(c.id).toString('latin1'))) found.add(c.id);
    return found;
  }

  async commit(expected: ChainHead, batch: Batch, alertSeqs: readonly number[] = []): Promise<void> {
    const h = batch.newHead;
    const headItem = {
      ...K.head(h.shard),
      seq: h.seq,
      hash: h.hash,
      frontier: h.frontier,
      key: batch.key,
      time: batch.records[batch.records.length - 1].chain.time,
    };
    const logItem = {
      ...K.batch(h.shard, batch.firstSeq),
      key: batch.key,
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      leaves: Buffer.concat(batch.hashes.map((x) => Buffer.from(x, 'hex'))),
    };
    const idItems = idSetItems(h.shard, batch.firstSeq, batch.claims);
    const items = [
      headItem,
      logItem,
      ...idItems,
      ...(expected.seq === -1 ? [K.shard(h.shard)] : []),
      ...(alertSeqs.length > 0 ? [K.outboxBatch(h.shard, batch.firstSeq)] : []),
    ];
    await this.sleep(LATENCY_MS.transact);
    this.meter.add('ddb.TransactWriteItems');
    this.meter.tick('cas', h.shard);
    const current = this.heads.get(h.shard) ?? emptyHead(h.shard);
    // A cancelled transaction is billed too (DynamoDB charges the attempted writes).
    this.bill(items);
    if (current.seq !== expected.seq || current.hash !== expected.hash) {
      this.meter.add('ddb.casConflicts');
      this.meter.tick('conflict', h.shard);
      throw new CommitConflictError(h.shard, 'head-moved');
    }
    for (const it of idItems) {
      const set = this.idSets.get(it.pk) ?? new Set<string>();
      for (let i = 0; i < it.d.length; i += 16) set.add(Buffer.from(it.d.subarray(i, i + 16)).toString('latin1'));
      this.idSets.set(it.pk, set);
    }
    this.heads.set(h.shard, h);
    this.meter.add('commits');
    this.meter.add('committedRecords', batch.records.length);
    this.meter.tick('commit', h.shard);
    this.meter.tick('records', h.shard, batch.records.length);
    if (this.meter.counting) this.noteTransaction(items.length, batch.records.length, itemSize(headItem));
  }

  readonly shape = { maxItemsPerTransaction: 0, maxRecordsPerCommit: 0, maxHeadItemBytes: 0 };

  private noteTransaction(items: number, records: number, headBytes: number): void {
    this.shape.maxItemsPerTransaction = Math.max(this.shape.maxItemsPerTransaction, items);
    this.shape.maxRecordsPerCommit = Math.max(this.shape.maxRecordsPerCommit, records);
    this.shape.maxHeadItemBytes = Math.max(this.shape.maxHeadItemBytes, headBytes);
  }

  private bill(items: readonly Record<string, unknown>[]): void {
    for (const it of items) {
      const wru = transactWru(itemSize(it));
      this.meter.add('ddb.wru', wru);
      this.meter.tick('wru', String(it.pk), wru);
    }
  }
}

/** The archive bucket in memory: counts PUTs and bytes per key prefix (records/shard=<s>/dt=<d>/). */
export class SimArchive implements ArchivePort {
  constructor(
    private readonly sleep: Sleep,
    private readonly meter: Meter,
  ) {}

  async putBatch(batch: Batch): Promise<void> {
    await this.sleep(LATENCY_MS.s3Put);
    this.meter.add('s3.PutObject');
    this.meter.add('s3.archiveBytes', batch.body.length);
    this.meter.tick('put', batch.key.slice(0, batch.key.lastIndexOf('/') + 1));
  }
}
