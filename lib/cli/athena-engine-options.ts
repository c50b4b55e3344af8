import { AthenaClient } from '@aws-sdk/client-athena';
import type { Command } from 'commander';
import { clientConfig } from '../aws/client-config';
import { AthenaQueryEngine } from '../query/athena-engine';
import { need, type ResolvedTarget } from './target';

/** The flags that send named queries to Athena instead of DuckDB (`query` and `report`). */
export interface AthenaFlags {
  athena?: boolean;
  workgroup?: string;
  database?: string;
  glueTable: string;
}

/** Adds --athena and where its queries run; `athenaHelp` says what runs there. */
export function athenaOptions(cmd: Command, athenaHelp: string): Command {
  return cmd
    .option('--athena', athenaHelp)
    .option('--workgroup <name>', 'Athena workgroup (default: the AthenaWorkGroup output of --stack)')
    .option('--database <name>', 'Glue database (default: the GlueDatabaseName output of --stack)')
    .option('--glue-table <name>', 'Glue table', 'archive_records');
}

/** The workgroup and Glue database the flags name: --workgroup and --database win, the query catalog outputs of --stack fill them otherwise. */
export function athenaCatalog(flags: AthenaFlags, target: ResolvedTarget): { workGroup: string; database: string } {
  // Each deployment has its own catalog (named after its stack): there is no name to guess.
  return {
    workGroup: need(flags.workgroup ?? target.workGroup, '--workgroup (or --stack of a stack with the query catalog)'),
    database: need(flags.database ?? target.database, '--database (or --stack of a stack with the query catalog)'),
  };
}

/** The Athena engine for the flags. One place, so `query --athena` and `report --athena` send the same SQL to the same catalog. */
export function athenaEngine(flags: AthenaFlags, target: ResolvedTarget): AthenaQueryEngine {
  const { workGroup, database } = athenaCatalog(flags, target);
  return new AthenaQueryEngine({ client: new AthenaClient(clientConfig(target.aws)), workGroup, database, table: flags.glueTable });
}
