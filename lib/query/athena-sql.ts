import type { NamedQuery } from './named-queries';
import { athenaDialect, recordsPipeline, renderCtes } from './records-relation';
import { toQuestionMarks } from './sql-params';

/**
 * On Athena, `records` and `record_resources` are CTEs put in front of every
 * query: the Glue table holds the nested record as the OpenX SerDe reads it,
 * and a CTE needs no view object (Athena views cannot be declared through
 * CloudFormation without hand-encoding Presto view metadata).
 * A query that starts WITH has its own CTEs appended after ours.
 */
export function withRecordsRelation(database: string, table: string, sql: string): string {
  const dialect = athenaDialect(database, table);
  const pipeline = recordsPipeline(dialect);
  const ctes = renderCtes([...pipeline.ctes, ['records', pipeline.select], ['record_resources', dialect.recordResources]]);
  const body = stripLeadingComments(sql);
  const own = /^with(\s+recursive)?\s+/i.exec(body);
  if (!own) return `WITH ${ctes}\n${body}`;
  // RECURSIVE qualifies the whole WITH list, so it moves to the front
  return `WITH${own[1] ? ' RECURSIVE' : ''} ${ctes},\n${body.slice(own[0].length)}`;
}

/** The text saved as an Athena named query: the relation preamble and the body with `?` placeholders, which the console prompts for. */
export function athenaNamedQueryText(query: NamedQuery, database: string, table: string): string {
  return withRecordsRelation(database, table, toQuestionMarks(query.sql));
}

function stripLeadingComments(sql: string): string {
  let s = sql;
  for (;;) {
    const m = /^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)/.exec(s);
    if (!m || m[0] === '') return s.replace(/[\s;]+$/, '');
    s = s.slice(m[0].length);
  }
}
