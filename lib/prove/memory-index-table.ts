import type { IndexItem, IndexTable, SkRange } from './index-table';
import type { RequestMeter } from './request-meter';

// DynamoDB returns at most 1 MB of items per Query page.
const PAGE_BYTES = 1024 * 1024;

/** Roughly DynamoDB's item size: attribute names plus values (numbers count about a byte per two digits). */
function itemSize(item: IndexItem): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) {
    n += Buffer.byteLength(k);
    if (typeof v === 'string') n += Buffer.byteLength(v);
    else if (typeof v === 'number') n += Math.ceil(String(v).length / 2) + 1;
    else if (v instanceof Uint8Array) n += v.length;
    else n += Buffer.byteLength(JSON.stringify(v) ?? '');
  }
  return n;
}

/**
 * An index table in memory that pages and counts like DynamoDB: each Get, each
 * Query page and each batch of 25 writes is one request on the meter. For tests
 * and for measuring proofs over shards too large to write to an emulator.
 */
export class MemoryIndexTable implements IndexTable {
  private readonly partitions = new Map<string, Map<string, IndexItem>>();
  private readonly sorted = new Map<string, string[]>();

  constructor(private readonly meter?: RequestMeter) {}

  /** Writes an item without counting a request (to set up a table). */
  seed(item: IndexItem): void {
    let p = this.partitions.get(item.pk);
    if (!p) this.partitions.set(item.pk, (p = new Map()));
    if (!p.has(item.sk)) this.sorted.delete(item.pk);
    p.set(item.sk, { ...item });
  }

  /** Removes an item without counting a request (to damage a table in tests). */
  remove(pk: string, sk: string): void {
    this.partitions.get(pk)?.delete(sk);
    this.sorted.delete(pk);
  }

  private keys(pk: string): string[] {
    let keys = this.sorted.get(pk);
    if (!keys) {
      keys = [...(this.partitions.get(pk)?.keys() ?? [])].sort();
      this.sorted.set(pk, keys);
    }
    return keys;
  }

  async get(pk: string, sk: string): Promise<IndexItem | undefined> {
    const item = this.partitions.get(pk)?.get(sk);
    this.meter?.record('DynamoDB.GetItem', item ? 1 : 0);
    return item ? { ...item } : undefined;
  }

  async query(r: SkRange): Promise<IndexItem[]> {
    const keys = this.keys(r.pk);
    // Binary search for the first key >= from.
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < r.from) lo = mid + 1;
      else hi = mid;
    }
    const matching: string[] = [];
    for (let i = lo; i < keys.length && keys[i] <= r.to; i++) matching.push(keys[i]);
    if (r.descending) matching.reverse();
    const wanted = r.limit === undefined ? matching : matching.slice(0, r.limit);
    const part = this.partitions.get(r.pk);
    const out: IndexItem[] = [];
    let pageBytes = 0;
    let pageItems = 0;
    for (const sk of wanted) {
      const item = part!.get(sk)!;
      const size = itemSize(item);
      if (pageItems > 0 && pageBytes + size > PAGE_BYTES) {
        this.meter?.record('DynamoDB.Query', pageItems);
        pageBytes = 0;
        pageItems = 0;
      }
      pageBytes += size;
      pageItems++;
      out.push({ ...item });
    }
    this.meter?.record('DynamoDB.Query', pageItems);
    return out;
  }
}
