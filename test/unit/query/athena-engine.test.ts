import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine } from '../../../lib/query/athena-engine';
import { AthenaQueryFailedError } from '../../../lib/query/errors';
import { findNamedQuery } from '../../../lib/query/named-queries';

const athena = mockClient(AthenaClient);

const status = (State: QueryExecutionState, StateChangeReason?: string) => ({
  QueryExecution: { QueryExecutionId: 'q-1', Status: { State, StateChangeReason } },
});
const text = (v: string | undefined) => ({ VarCharValue: v });
const COLUMNS = [
  { Name: 'event_time', Type: 'varchar' },
  { Name: 'seq', Type: 'bigint' },
  { Name: 'actor_console', Type: 'boolean' },
];

function engine(sleeps: number[] = [], extra: Partial<ConstructorParameters<typeof AthenaQueryEngine>[0]> = {}) {
  return new AthenaQueryEngine({
    client: new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'immutrail',
    database: 'immutrail',
    table: 'archive_records',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
}

describe('AthenaQueryEngine', () => {
  beforeEach(() => athena.reset());

  it('starts the named query in the workgroup with positional quoted parameters, polls QUEUED -> RUNNING -> SUCCEEDED, and reads every page', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(status('QUEUED'))
      .resolvesOnce(status('RUNNING'))
      .resolvesOnce(status('RUNNING'))
      .resolves(status('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [{ Data: COLUMNS.map((c) => text(c.Name)) }, { Data: [text('2026-03-01T10:00:00Z'), text('1'), text('false')] }],
        },
        NextToken: 'page-2',
      })
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [{ Data: [text('2026-03-01T10:05:00Z'), text('2'), text('true')] }] },
        NextToken: 'page-3',
      })
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [{ Data: [text(undefined), text('9007199254740993'), text('true')] }] },
      });

    const sleeps: number[] = [];
    const result = await engine(sleeps).run({ name: 'who-changed-resource', params: { resource: "sg-1' OR '1'='1" } });

    const start = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(start.WorkGroup).toBe('immutrail');
    expect(start.QueryExecutionContext).toEqual({ Database: 'immutrail', Catalog: 'AwsDataCatalog' });
    expect(start.QueryString).not.toMatch(/:resource/);
    const placeholders = start.QueryString!.match(/\?/g) ?? [];
    expect(start.ExecutionParameters).toHaveLength(placeholders.length);
    expect(start.ExecutionParameters).toEqual(placeholders.map(() => "'sg-1'' OR ''1''=''1'"));
    expect(start.QueryString).toContain('"immutrail"."archive_records"');
    expect(start.QueryString).toContain(findNamedQuery('who-changed-resource').sql.split('\n')[0]);

    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0]);

    const pages = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(pages).toEqual([undefined, 'page-2', 'page-3']);
    expect(result.columns).toEqual(['event_time', 'seq', 'actor_console']);
    expect(result.rows).toEqual([
      ['2026-03-01T10:00:00Z', 1, false],
      ['2026-03-01T10:05:00Z', 2, true],
      [null, '9007199254740993', true],
    ]);
  });

  it('sends no ExecutionParameters for a query without parameters and merges an ad-hoc WITH into the preamble', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(status('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] }, Rows: [] } });
    const r = await engine().run({ sql: '-- how many\nWITH e AS (SELECT * FROM records) SELECT count(*) AS n FROM e;' });
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.ExecutionParameters).toBeUndefined();
    expect(input.QueryString).toMatch(/^WITH archive AS \(/);
    expect(input.QueryString).toMatch(/,\ne AS \(SELECT \* FROM records\) SELECT count\(\*\) AS n FROM e$/);
    expect(r).toEqual({ columns: ['n'], rows: [] });
  });

  it('throws a typed error carrying the StateChangeReason when the query fails', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolvesOnce(status('RUNNING')).resolves(status('FAILED', "SYNTAX_ERROR: line 1:8: Column 'nope' cannot be resolved"));
    const err = await engine()
      .run({ sql: 'SELECT nope FROM records' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AthenaQueryFailedError);
    expect(err).toMatchObject({ code: 'ATHENA_QUERY_FAILED', state: 'FAILED', queryExecutionId: 'q-1' });
    expect((err as Error).message).toContain("Column 'nope' cannot be resolved");
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('reports a cancelled query as such', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(status('CANCELLED', 'Query cancelled by user'));
    await expect(engine().run({ name: 'iam-changes' })).rejects.toMatchObject({
      code: 'ATHENA_QUERY_FAILED',
      state: 'CANCELLED',
      reason: 'Query cancelled by user',
    });
  });

  it('stops the query and throws a timeout error at the deadline', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(status('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    let clock = 0;
    const e = engine([], { timeoutMs: 10_000, now: () => clock, sleep: async (ms) => void (clock += ms) });
    await expect(e.run({ name: 'iam-changes' })).rejects.toMatchObject({ code: 'ATHENA_QUERY_TIMEOUT' });
    expect(athena.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({ QueryExecutionId: 'q-1' });
  });

  it('checks parameters before calling Athena', async () => {
    await expect(engine().run({ name: 'who-changed-resource' })).rejects.toMatchObject({ code: 'MISSING_PARAMETER' });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
