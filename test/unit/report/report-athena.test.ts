import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryParams } from '../../../lib/report/period';
import { REPORT_QUERIES } from '../../../lib/report/types';
import { cli } from '../../support/cli';

/**
 * `report --athena` runs the report's named queries where `query --athena`
 * runs them: the same SQL and parameters in the stack's workgroup and
 * database. The verifier still reads an archive (here the v1 fixture copy).
 */
const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'archive-v1-fifo');
const STACK = ['--stack', 'Immutrail-Prod', '--region', 'us-east-1'];
const PERIOD = { from: '2026-12-01', to: '2026-12-03' };
const WORKGROUP = 'immutrail-Immutrail-Prod';
const DATABASE = 'immutrail_immutrail_prod';

const athena = mockClient(AthenaClient);
const cfn = mockClient(CloudFormationClient);

/** What Athena "returns" per named query: rows a DuckDB run over the fixture could not produce. */
const ROWS: Partial<Record<string, { columns: [string, string][]; rows: string[][] }>> = {
  'activity-by-account': {
    columns: [
      ['account', 'varchar'],
      ['region', 'varchar'],
      ['events', 'bigint'],
    ],
    rows: [['444455556666', 'ap-southeast-2', '98765']],
  },
  'changes-by-principal': {
    columns: [
      ['change_day', 'varchar'],
      ['changed_by', 'varchar'],
      ['changes', 'bigint'],
      ['out_of_band', 'bigint'],
    ],
    rows: [['2026-12-02', 'arn:aws:iam::444455556666:role/athena-only-admin', '17', '3']],
  },
};

/** Athena on a mock: each started query remembers its input; results come from ROWS by the named query whose SQL it is. */
function fakeAthena(sqlToName: Map<string, string>): StartQueryExecutionCommandInput[] {
  const started: StartQueryExecutionCommandInput[] = [];
  athena.reset();
  athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
    started.push(input);
    return { QueryExecutionId: `q-${started.length - 1}` };
  });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const input = started[Number(QueryExecutionId.slice(2))];
    const result = ROWS[sqlToName.get(input.QueryString!) ?? ''] ?? { columns: [['n', 'bigint']], rows: [] };
    const cells = (values: string[]) => ({ Data: values.map((v) => ({ VarCharValue: v })) });
    return {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: result.columns.map(([Name, Type]) => ({ Name, Type })) },
        Rows: [cells(result.columns.map(([name]) => name)), ...result.rows.map(cells)],
      },
    };
  });
  return started;
}

describe('report --athena', () => {
  const viaQuery = new Map<string, StartQueryExecutionCommandInput>();
  let viaReport: StartQueryExecutionCommandInput[];
  let report: Awaited<ReturnType<typeof cli>>;
  let html: string;

  beforeAll(async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Immutrail-Prod' }).resolves({
      Stacks: [
        {
          StackName: 'Immutrail-Prod',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'AthenaWorkGroup', OutputValue: WORKGROUP },
            { OutputKey: 'GlueDatabaseName', OutputValue: DATABASE },
            { OutputKey: 'Origin', OutputValue: readFileSync(join(FIXTURE, 'origin.txt'), 'utf8').trim() },
          ],
        },
      ],
    });
    // What `immutrail query NAME --athena` sends for the report's period, query by query.
    const { from, to } = queryParams(PERIOD);
    for (const name of REPORT_QUERIES) {
      const started = fakeAthena(new Map());
      const r = await cli('query', name, '--athena', ...STACK, '--param', `from=${from}`, '--param', `to=${to}`, '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(started).toHaveLength(1);
      viaQuery.set(name, started[0]);
    }
    viaReport = fakeAthena(new Map([...viaQuery].map(([name, input]) => [input.QueryString!, name])));
    const out = join(mkdtempSync(join(tmpdir(), 'immutrail-report-athena-')), 'report.html');
    report = await cli(
      'report',
      '--athena',
      ...STACK,
      '--dir',
      join(FIXTURE, 'archive'),
      '--public-key',
      join(FIXTURE, 'public-key.pem'),
      '--from',
      PERIOD.from,
      '--to',
      PERIOD.to,
      '--out',
      out,
    );
    html = readFileSync(out, 'utf8');
  }, 60_000);

  it('verifies the archive and writes the report', () => {
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^verified; report written to .*report\.html\n$/);
  });

  it('sends exactly the named queries `query --athena` sends for the period: same SQL, parameters, workgroup and database', () => {
    expect(viaReport).toHaveLength(REPORT_QUERIES.length);
    expect(viaReport).toEqual(REPORT_QUERIES.map((name) => viaQuery.get(name)));
    for (const input of viaReport) {
      expect(input.WorkGroup).toBe(WORKGROUP);
      expect(input.QueryExecutionContext?.Database).toBe(DATABASE);
      // The period as the report's own DuckDB run binds it: from inclusive, the day after the last exclusive.
      expect(new Set(input.ExecutionParameters)).toEqual(new Set([`'2026-12-01T00:00:00Z'`, `'2026-12-04T00:00:00.000Z'`]));
    }
  });

  it("shows Athena's rows, not a local query's", () => {
    expect(html).toContain('444455556666');
    expect(html).toContain('ap-southeast-2');
    expect(html).toMatch(/<td class="num">98765<\/td>/);
    expect(html).toContain('arn:aws:iam::444455556666:role/athena-only-admin');
    expect(html).toContain(`Amazon Athena (workgroup ${WORKGROUP}, Glue database ${DATABASE})`);
    expect(html).toContain(`immutrail query changes-by-principal --athena --workgroup ${WORKGROUP} --database ${DATABASE}`);
  });

  it('asks for the workgroup without a stack that names one (exit 2) and sends nothing', async () => {
    const started = fakeAthena(new Map());
    const r = await cli(
      'report',
      '--athena',
      '--region',
      'us-east-1',
      '--dir',
      join(FIXTURE, 'archive'),
      '--public-key',
      join(FIXTURE, 'public-key.pem'),
      '--from',
      PERIOD.from,
      '--to',
      PERIOD.to,
      '--out',
      join(tmpdir(), 'never.html'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('immutrail: missing --workgroup (or --stack of a stack with the query catalog)\n');
    expect(started).toHaveLength(0);
  });
});
