import { QueryError } from './errors';
import { NAMED_QUERIES } from './named-queries';
import { renderResult, type OutputFormat } from './output';
import type { QueryEngine, QueryRequest } from './types';

/**
 * The pieces `immutrail query` is made of, so the CLI only wires options:
 *   immutrail query NAME [--param k=v ...] [--json|--csv]
 *   immutrail query --sql "SELECT ... :k" [--param k=v ...]
 */

/** `--param k=v` values (repeatable) to a parameter map; the value may contain "=". */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new QueryError('INVALID_PARAMETER', `--param expects name=value, got "${arg}"`);
    const name = arg.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(params, name)) throw new QueryError('INVALID_PARAMETER', `--param ${name} given twice`);
    params[name] = arg.slice(eq + 1);
  }
  return params;
}

export function queryRequest(nameOrUndefined: string | undefined, sql: string | undefined, params: Record<string, string>): QueryRequest {
  if ((nameOrUndefined === undefined) === (sql === undefined)) {
    throw new QueryError('UNKNOWN_QUERY', 'give either a named query or --sql, not both');
  }
  return sql !== undefined ? { sql, params } : { name: nameOrUndefined!, params };
}

export async function runAndRender(engine: QueryEngine, request: QueryRequest, format: OutputFormat): Promise<string> {
  return renderResult(await engine.run(request), format);
}

/** The named queries with their parameters, for `immutrail query --list`. */
export function describeNamedQueries(): string {
  return NAMED_QUERIES.map((q) => {
    const params = q.parameters.map(
      (p) => `    --param ${p.name}=...  ${p.description}${p.default === undefined ? ' (required)' : p.default === '' ? '' : ` (default ${p.default})`}`,
    );
    return [`${q.name}`, `    ${q.description}`, ...params].join('\n');
  }).join('\n\n');
}
