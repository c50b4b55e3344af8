// temporary (h8)
import { DuckDBInstance } from '@duckdb/node-api';
async function main(): Promise<void> {
  const c = await (await DuckDBInstance.create(':memory:')).connect();
  for (const [f, t] of [['dup', 'BIGINT'], ['lenient', 'DOUBLE'], ['utf', 'VARCHAR']]) {
    try {
      const r = await c.runAndReadAll(`SELECT a FROM read_json('/tmp/h8/bad/${f}.ndjson', format='newline_delimited', columns={"a": '${t}'})`);
      console.log(f, 'OK', JSON.stringify(r.getRowsJson()));
    } catch (e) { console.log(f, 'ERR', (e as Error).message.replace(/\n/g, ' | ').slice(0, 200)); }
  }
}
void main();
