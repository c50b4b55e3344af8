import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli';

const athena = mockClient(AthenaClient);
const cfn = mockClient(CloudFormationClient);
const WHERE = ['--region', 'us-east-1'];

describe('query --athena', () => {
  beforeEach(() => {
    athena.reset();
    cfn.reset();
    cfn.on(DescribeStacksCommand, { StackName: 'Immutrail-Staging' }).resolves({
      Stacks: [
        {
          StackName: 'Immutrail-Staging',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'ArchiveBucketName', OutputValue: 'archive' },
            { OutputKey: 'AthenaWorkGroup', OutputValue: 'immutrail-Immutrail-Staging' },
            { OutputKey: 'GlueDatabaseName', OutputValue: 'immutrail_immutrail_staging' },
          ],
        },
      ],
    });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'q-1', Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
        Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '7' }] }],
      },
    });
  });

  it("runs in the workgroup and database of the stack's outputs", async () => {
    const r = await cli('query', '--athena', '--stack', 'Immutrail-Staging', ...WHERE, '--sql', 'SELECT count(*) AS n FROM records', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const start = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(start.WorkGroup).toBe('immutrail-Immutrail-Staging');
    expect(start.QueryExecutionContext).toMatchObject({ Database: 'immutrail_immutrail_staging' });
    expect(start.QueryString).toContain('FROM "immutrail_immutrail_staging"."archive_records"');
  });

  it('lets --workgroup and --database win over the stack, and asks for them without one (exit 2, one line)', async () => {
    const r = await cli(
      'query',
      '--athena',
      '--stack',
      'Immutrail-Staging',
      ...WHERE,
      '--workgroup',
      'wg',
      '--database',
      'db',
      '--sql',
      'SELECT 1 AS n',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toMatchObject({ WorkGroup: 'wg', QueryExecutionContext: { Database: 'db' } });

    const none = await cli('query', '--athena', ...WHERE, '--sql', 'SELECT 1 AS n');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('immutrail: missing --workgroup (or --stack of a stack with the query catalog)\n');
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });
});
