import type { RequestObservation } from './request-counter';
import { itemSize, plainScalar, type Item } from './item-size';
import { applyUpdate, indexWriteUnits, INDEX_TABLE_SCHEMA, ItemLedger, itemKey, partitionKeyValue, type TableSchema } from './table-model';

/**
 * DynamoDB on-demand capacity units of the requests of a run, from the items
 * they wrote or read (as they travel on the wire). Per the DynamoDB developer
 * guide: a write unit covers 1 KB of an item, a read unit 4 KB of a strongly
 * consistent read (half for eventually consistent); transactional reads and
 * writes cost twice; a read of a missing item still costs the minimum; a failed
 * conditional write still consumes its units. A write that replaces or updates
 * an item is billed by the larger of the item before and after, and a delete by
 * the deleted item; both are taken from the run's own earlier writes of the
 * same key (ItemLedger). Every global secondary index bills its own writes when
 * an item enters, changes in, or leaves it (table-model.ts, indexWriteUnits).
 */
export interface CapacityUnits {
  wru: number;
  rru: number;
}

/** Key prefix, in a by-operation map of units, of the writes a global secondary index bills. */
export const GSI_PREFIX = 'GSI ';

/** One item's (or one query's) share of a request's bill. */
export interface Charge {
  /** null: the table itself; otherwise the global secondary index this write (or query) went to. */
  index: string | null;
  wru: number;
  rru: number;
  /** Partition key value of the item, or of a Query's key condition; null when unknown. */
  pk: string | null;
  /** The item as stored before and after the write, as far as the run saw it (reads: `after` is the item read). */
  before?: Item;
  after?: Item;
  /** Set when the units are an estimate rather than what DynamoDB bills. */
  estimate?: 'stored-item-unknown' | 'update-expression-approximated';
}

type Req = Record<string, any>;
type WriteKind = 'put' | 'update' | 'delete' | 'check';

const writeUnits = (size: number): number => Math.max(1, Math.ceil(size / 1024));
const readUnits = (bytes: number, consistent: boolean): number => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** Index writes that a transaction causes are billed like standard writes (see `writeAction`). */
const TRANSACTIONAL = 2;

export class DynamoBilling {
  constructor(
    readonly schema: TableSchema = INDEX_TABLE_SCHEMA,
    readonly ledger: ItemLedger = new ItemLedger(),
  ) {}

  /** What one request attempt is billed, item by item. Applied writes update the ledger. */
  charges(o: RequestObservation): Charge[] {
    const input = (o.input ?? {}) as Req;
    const output = (o.output ?? {}) as Req;
    const ok = !o.error;
    switch (o.operation) {
      case 'PutItem':
        return this.writeAction(input.TableName, 'put', input, ok, 1);
      case 'UpdateItem':
        return this.writeAction(input.TableName, 'update', input, ok, 1);
      case 'DeleteItem':
        return this.writeAction(input.TableName, 'delete', input, ok, 1);
      case 'BatchWriteItem': {
        const charges: Charge[] = [];
        for (const [table, requests] of Object.entries(input.RequestItems ?? {}) as [string, Req[]][]) {
          // Unprocessed items were not written (nor billed); the caller's retry sends and counts them again.
          const unprocessed = new Set(((output.UnprocessedItems?.[table] ?? []) as Req[]).map((r) => this.requestKey(table, r)));
          for (const r of requests) {
            if (unprocessed.has(this.requestKey(table, r))) continue;
            if (r.PutRequest) charges.push(...this.writeAction(table, 'put', r.PutRequest, ok, 1));
            else if (r.DeleteRequest) charges.push(...this.writeAction(table, 'delete', r.DeleteRequest, ok, 1));
          }
        }
        return charges;
      }
      case 'TransactWriteItems': {
        const charges: Charge[] = [];
        for (const t of (input.TransactItems ?? []) as Req[]) {
          if (t.Put) charges.push(...this.writeAction(t.Put.TableName, 'put', t.Put, ok, TRANSACTIONAL));
          else if (t.Update) charges.push(...this.writeAction(t.Update.TableName, 'update', t.Update, ok, TRANSACTIONAL));
          else if (t.Delete) charges.push(...this.writeAction(t.Delete.TableName, 'delete', t.Delete, ok, TRANSACTIONAL));
          else if (t.ConditionCheck) charges.push(...this.writeAction(t.ConditionCheck.TableName, 'check', t.ConditionCheck, ok, TRANSACTIONAL));
        }
        return charges;
      }
      case 'GetItem':
        return [
          {
            index: null,
            wru: 0,
            rru: readUnits(itemSize(output.Item), Boolean(input.ConsistentRead)),
            pk: partitionKeyValue(input.Key, this.schema),
            after: output.Item,
          },
        ];
      case 'BatchGetItem': {
        const charges: Charge[] = [];
        for (const [table, req] of Object.entries(input.RequestItems ?? {}) as [string, Req][]) {
          const consistent = Boolean(req.ConsistentRead);
          const found: Item[] = output.Responses?.[table] ?? [];
          const foundKeys = new Set(found.map((i) => itemKey(table, i, this.schema)));
          const unprocessed = new Set(((output.UnprocessedKeys?.[table]?.Keys ?? []) as Item[]).map((k) => itemKey(table, k, this.schema)));
          for (const item of found)
            charges.push({ index: null, wru: 0, rru: readUnits(itemSize(item), consistent), pk: partitionKeyValue(item, this.schema), after: item });
          for (const k of (req.Keys ?? []) as Item[]) {
            const key = itemKey(table, k, this.schema);
            if (!foundKeys.has(key) && !unprocessed.has(key))
              charges.push({ index: null, wru: 0, rru: readUnits(0, consistent), pk: partitionKeyValue(k, this.schema) });
          }
        }
        return charges;
      }
      case 'Query':
      case 'Scan': {
        const bytes = ((output.Items ?? []) as Item[]).reduce((n, i) => n + itemSize(i), 0);
        return [{ index: input.IndexName ?? null, wru: 0, rru: readUnits(bytes, Boolean(input.ConsistentRead)), pk: this.queriedPartition(input) }];
      }
      case 'TransactGetItems':
        return ((output.Responses ?? []) as { Item?: Item }[]).map((r) => ({
          index: null,
          wru: 0,
          rru: 2 * readUnits(itemSize(r.Item), true),
          pk: partitionKeyValue(r.Item, this.schema),
          after: r.Item,
        }));
      default:
        return [];
    }
  }

  private requestKey(table: string, r: Req): string {
    return itemKey(table, (r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {}) as Item, this.schema);
  }

  /** The partition a Query reads, from `pk = :v` in its key condition. */
  private queriedPartition(input: Req): string | null {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    for (const m of String(input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const name = m[1].startsWith('#') ? names[m[1]] : m[1];
      const value = input.ExpressionAttributeValues?.[m[2]];
      if (name === this.schema.partitionKey && value !== undefined) return plainScalar(value);
    }
    return null;
  }

  /**
   * One write to the table: `factor` times the write units of the larger of the
   * item before and after (2 for transactions), plus each index's own writes.
   * Index writes caused by a transaction are counted once, not twice: the
   * transaction's two-phase write is what doubles its cost, and DynamoDB
   * propagates committed changes to indexes afterwards (Transactions: "How it
   * works"); the guide does not say that index writes are doubled.
   */
  private writeAction(table: string, kind: WriteKind, req: Req, applied: boolean, factor: number): Charge[] {
    const keyItem = (kind === 'put' ? req.Item : req.Key) as Item;
    const key = itemKey(table, keyItem ?? {}, this.schema);
    const before = this.ledger.get(key);
    const pk = partitionKeyValue(keyItem, this.schema);
    let after: Item | undefined;
    let estimate: Charge['estimate'];
    if (kind === 'put') after = req.Item;
    else if (kind === 'update') {
      const u = applyUpdate(before ?? keyItem, req);
      after = u.after;
      if (!u.exact) estimate = 'update-expression-approximated';
    } else if (kind === 'check') after = before;
    // Not written earlier in the run: a delete or check is billed the 1-unit minimum, an update as creating the item.
    if (kind !== 'put' && !before) estimate = 'stored-item-unknown';

    const size = Math.max(itemSize(before), kind === 'delete' ? 0 : itemSize(after));
    const charges: Charge[] = [{ index: null, wru: factor * writeUnits(size), rru: 0, pk, before, after, estimate }];
    if (!applied || kind === 'check') return charges;
    if (kind === 'delete') this.ledger.delete(key);
    else this.ledger.set(key, after!);
    for (const index of this.schema.indexes) {
      const wru = indexWriteUnits(before, kind === 'delete' ? undefined : after, index, this.schema);
      if (wru > 0) charges.push({ index: index.name, wru, rru: 0, pk, before, after: kind === 'delete' ? undefined : after });
    }
    return charges;
  }
}

/** The sum of a request's charges. */
export function sumUnits(charges: readonly Charge[]): CapacityUnits {
  return charges.reduce((s, c) => ({ wru: s.wru + c.wru, rru: s.rru + c.rru }), { wru: 0, rru: 0 });
}
