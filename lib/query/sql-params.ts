import { QueryError } from './errors';
import type { QueryParams } from './types';

/**
 * Named parameters (`:name`) are how the queries are written once; each engine
 * wants positional ones. This module finds the `:name` tokens outside string
 * literals, quoted identifiers and comments, and rewrites them for an engine:
 *
 *  - DuckDB: `$1`, `$2`, ... with one number per distinct name; the values are
 *    bound by the driver as VARCHAR, never spliced into the text.
 *  - Athena: `?` per occurrence, in order; the values go in ExecutionParameters.
 *    Athena reads each execution parameter as an SQL literal, so a string value
 *    must be sent as a quoted literal: athenaStringLiteral() doubles embedded
 *    quotes, which is the only escape Trino's string literal has.
 */

const NAME_RE = /^[a-z_][a-z0-9_]*$/;

interface Token {
  kind: 'param' | 'positional';
  start: number;
  end: number;
  name: string;
}

function scan(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // '' and "" inside a literal or identifier are escaped quotes: skipping to the next quote twice handles them
      const close = sql.indexOf(c, i + 1);
      i = close === -1 ? sql.length : close + 1;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === ':' && next === ':') {
      i += 2; // DuckDB cast operator
    } else if (c === ':' && next !== undefined && /[a-z_]/.test(next)) {
      let j = i + 1;
      while (j < sql.length && /[a-z0-9_]/.test(sql[j])) j++;
      tokens.push({ kind: 'param', start: i, end: j, name: sql.slice(i + 1, j) });
      i = j;
    } else if (c === '?' || (c === '$' && next !== undefined && /[0-9a-z_]/i.test(next))) {
      tokens.push({ kind: 'positional', start: i, end: i + 1, name: c });
      i++;
    } else {
      i++;
    }
  }
  return tokens;
}

/** Distinct parameter names in order of first use. */
export function parameterNames(sql: string): string[] {
  const names: string[] = [];
  for (const t of scan(sql)) if (t.kind === 'param' && !names.includes(t.name)) names.push(t.name);
  return names;
}

export interface PositionalSql {
  sql: string;
  /** Values in placeholder order: for DuckDB one per $n, for Athena one per `?`. */
  values: string[];
}

function rewrite(sql: string, values: QueryParams, placeholder: (name: string, occurrence: number) => string): string {
  const tokens = scan(sql);
  const positional = tokens.find((t) => t.kind === 'positional');
  if (positional) {
    throw new QueryError(
      'UNSUPPORTED_PLACEHOLDER',
      `positional placeholder "${positional.name}" at offset ${positional.start}: write named parameters (:name) instead`,
    );
  }
  let out = '';
  let last = 0;
  let occurrence = 0;
  for (const t of tokens) {
    if (!Object.prototype.hasOwnProperty.call(values, t.name)) {
      throw new QueryError('MISSING_PARAMETER', `missing value for parameter :${t.name}`);
    }
    out += sql.slice(last, t.start) + placeholder(t.name, occurrence++);
    last = t.end;
  }
  return out + sql.slice(last);
}

function checkNoExtra(sql: string, values: QueryParams): void {
  const used = new Set(parameterNames(sql));
  for (const name of Object.keys(values)) {
    if (!NAME_RE.test(name)) throw new QueryError('INVALID_PARAMETER', `invalid parameter name "${name}"`);
    if (!used.has(name)) throw new QueryError('UNKNOWN_PARAMETER', `the query has no parameter :${name}`);
  }
}

export function toDuckDbPositional(sql: string, values: QueryParams): PositionalSql {
  checkNoExtra(sql, values);
  const order = parameterNames(sql);
  const text = rewrite(sql, values, (name) => `$${order.indexOf(name) + 1}`);
  return { sql: text, values: order.map((n) => values[n]) };
}

export function toAthenaPositional(sql: string, values: QueryParams): PositionalSql {
  checkNoExtra(sql, values);
  const ordered: string[] = [];
  const text = rewrite(sql, values, (name) => {
    ordered.push(athenaStringLiteral(values[name]));
    return '?';
  });
  return { sql: text, values: ordered };
}

/** The SQL text of a Trino string literal holding `value` exactly. */
export function athenaStringLiteral(value: string): string {
  if (value.includes('\u0000')) throw new QueryError('INVALID_PARAMETER', 'parameter values cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Replaces each `:name` with `?` for the Athena console, which prompts for the values of a saved query. */
export function toQuestionMarks(sql: string): string {
  const values: Record<string, string> = {};
  for (const n of parameterNames(sql)) values[n] = '';
  return rewrite(sql, values, () => '?');
}
