import type { JsonValue } from '../core/json';

/**
 * One result cell. Both engines return JSON-friendly values: integers as numbers
 * when they are safe (else decimal strings), booleans, strings, null; nested
 * values (DuckDB lists and structs) as JSON. Athena renders nested values as text.
 */
export type Cell = JsonValue;

export interface QueryResult {
  columns: string[];
  rows: Cell[][];
}

/** Parameter values always travel as strings; the SQL decides how to read them. */
export type QueryParams = Readonly<Record<string, string>>;

/** A named query from NAMED_QUERIES, or ad-hoc SQL over the `records` relation (named `:params` allowed). */
export type QueryRequest = { name: string; params?: QueryParams } | { sql: string; params?: QueryParams };

export interface QueryEngine {
  run(request: QueryRequest): Promise<QueryResult>;
  close(): Promise<void>;
}
