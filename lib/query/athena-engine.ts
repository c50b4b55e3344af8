import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type Row,
} from '@aws-sdk/client-athena';
import { withRecordsRelation } from './athena-sql';
import { AthenaQueryFailedError, QueryError } from './errors';
import { resolveRequest } from './named-queries';
import { toAthenaPositional } from './sql-params';
import type { Cell, QueryEngine, QueryRequest, QueryResult } from './types';

export interface AthenaEngineOptions {
  client: AthenaClient;
  /** The stack's workgroup: it enforces its own encrypted results location, so none is sent here. */
  workGroup: string;
  database: string;
  /** The Glue table over the archive's batch objects. */
  table: string;
  catalog?: string;
  /** Polling of GetQueryExecution: first delay, growth factor, ceiling (ms). */
  poll?: { initialDelayMs?: number; factor?: number; maxDelayMs?: number };
  /** Give up (and stop the query) after this long; default 30 minutes. */
  timeoutMs?: number;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const DEFAULT_POLL = { initialDelayMs: 250, factor: 1.6, maxDelayMs: 5_000 };
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'float', 'real']);

/**
 * Runs the shared SQL on Athena: the `records` relation is prepended as CTEs
 * (athena-sql.ts), named parameters become `?` with the values sent as
 * ExecutionParameters, and the results are read page by page.
 */
export class AthenaQueryEngine implements QueryEngine {
  constructor(private readonly options: AthenaEngineOptions) {}

  async run(request: QueryRequest): Promise<QueryResult> {
    const { sql, params } = resolveRequest(request);
    const positional = toAthenaPositional(sql, params);
    const id = await this.start(withRecordsRelation(this.options.database, this.options.table, positional.sql), positional.values);
    await this.waitForSuccess(id);
    return this.readResults(id);
  }

  async close(): Promise<void> {
    // the SDK client belongs to the caller
  }

  private async start(queryString: string, values: string[]): Promise<string> {
    const { client, workGroup, database, catalog } = this.options;
    const res = await client.send(
      new StartQueryExecutionCommand({
        QueryString: queryString,
        WorkGroup: workGroup,
        QueryExecutionContext: { Database: database, Catalog: catalog ?? 'AwsDataCatalog' },
        ...(values.length > 0 ? { ExecutionParameters: values } : {}),
      }),
    );
    if (!res.QueryExecutionId) throw new QueryError('SQL_FAILED', 'Athena returned no query execution id');
    return res.QueryExecutionId;
  }

  private async waitForSuccess(id: string): Promise<void> {
    const { client } = this.options;
    const poll = { ...DEFAULT_POLL, ...this.options.poll };
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.timeoutMs ?? 30 * 60_000);
    let delay = poll.initialDelayMs;
    for (;;) {
      const res = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = res.QueryExecution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return;
        case 'FAILED':
        case 'CANCELLED':
          throw new AthenaQueryFailedError(
            id,
            status.State,
            status.StateChangeReason ?? status.AthenaError?.ErrorMessage,
            status.AthenaError && {
              category: status.AthenaError.ErrorCategory,
              type: status.AthenaError.ErrorType,
              retryable: status.AthenaError.Retryable,
              message: status.AthenaError.ErrorMessage,
            },
          );
        default: // QUEUED, RUNNING
          if (now() >= deadline) {
            await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
            throw new QueryError('ATHENA_QUERY_TIMEOUT', `Athena query ${id} still ${status?.State ?? 'unknown'} at the deadline; stopped`);
          }
          await sleep(delay);
          delay = Math.min(poll.maxDelayMs, Math.round(delay * poll.factor));
      }
    }
  }

  private async readResults(id: string): Promise<QueryResult> {
    const { client } = this.options;
    let columnInfo: ColumnInfo[] | undefined;
    const rows: Cell[][] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
      columnInfo ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows = page.ResultSet?.Rows ?? [];
      // a SELECT's results start with a row of column names
      const skip = first && pageRows.length > 0 && isHeader(pageRows[0], columnInfo) ? 1 : 0;
      for (const row of pageRows.slice(skip)) rows.push(toCells(row, columnInfo));
      first = false;
      token = page.NextToken;
    } while (token);
    return { columns: (columnInfo ?? []).map((c) => c.Name ?? ''), rows };
  }
}

function isHeader(row: Row, columns: ColumnInfo[]): boolean {
  return columns.every((c, i) => row.Data?.[i]?.VarCharValue === c.Name);
}

function toCells(row: Row, columns: ColumnInfo[]): Cell[] {
  return columns.map((c, i) => {
    const text = row.Data?.[i]?.VarCharValue;
    if (text === undefined) return null;
    const type = (c.Type ?? 'varchar').toLowerCase();
    if (type === 'boolean') return text === 'true';
    if (INTEGER_TYPES.has(type)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    if (FLOAT_TYPES.has(type)) {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    return text;
  });
}
