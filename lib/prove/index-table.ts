/**
 * The few reads proofs and the seal's tile step need from the index table, so the same
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
  /** Read what was just written (the seal's tile step reads the batch log the heads it sealed commit). */
  consistent?: boolean;
}

export interface IndexTable {
  get(pk: string, sk: string, opts?: { consistent?: boolean }): Promise<IndexItem | undefined>;
  /** Every item in the range, following pages: each page is one request. */
  query(range: SkRange): Promise<IndexItem[]>;
}
