/**
 * The few operations proofs and tiles need from the index table, so the same
 * code runs against DynamoDB and against an in-memory table (tests, and
 * measurements at a million records without a million writes to an emulator).
 */
export type IndexItem = { pk: string; sk: string } & Record<string, unknown>;

export interface SkRange {
  pk: string;
  /** Inclusive bounds on the sort key. */
  from: string;
  to: string;
  /** Newest (largest sort key) first. */
  descending?: boolean;
  /** Stop after this many items. */
  limit?: number;
  /** Read what was just written (the tile builder reads its own writes). */
  consistent?: boolean;
}

export interface IndexTable {
  get(pk: string, sk: string, opts?: { consistent?: boolean }): Promise<IndexItem | undefined>;
  /** Every item in the range, following pages: each page is one request. */
  query(range: SkRange): Promise<IndexItem[]>;
  /** Unconditional puts (tile items are deterministic, so rewriting one is harmless). */
  putAll(items: readonly IndexItem[]): Promise<void>;
  /**
   * Puts the item unless the stored item holds a larger value in one of
   * `counters`: counters only grow, whichever writer comes last. False when
   * the stored item was ahead.
   */
  putUnlessBehind(item: IndexItem, counters: readonly string[]): Promise<boolean>;
}
