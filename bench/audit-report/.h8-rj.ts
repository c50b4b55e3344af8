// temporary measurement script for helper h8 (deleted at the end)
import { DuckDBInstance } from '@duckdb/node-api';
import { RECORD_SCHEMA, duckdbType } from '../../lib/query/record-schema';
async function main(): Promise<void> {
  const file = process.argv[2];
  const threads = process.argv[3] ?? '2';
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const inst = await DuckDBInstance.create(':memory:', { threads });
  const c = await inst.connect();
  await c.run('SET preserve_insertion_order = false');
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const rt = duckdbType(RECORD_SCHEMA);
  const variants: Record<string, string> = {
    full: `{"key": 'VARCHAR', "record": ${q(rt)}}`,
    rawvarchar: `{"key": 'VARCHAR', "record": ${q(rt.replace('"raw" JSON', '"raw" VARCHAR'))}}`,
    chainOnly: `{"key": 'VARCHAR', "record": ${q(rt.replace(/, "data" STRUCT.*$/, ')'))}}`,
    recordJson: `{"key": 'VARCHAR', "record": 'JSON'}`,
    recordVarchar: `{"key": 'VARCHAR', "record": 'VARCHAR'}`,
    keyOnly: `{"key": 'VARCHAR'}`,
  };
  for (const name of (process.argv[4] ?? Object.keys(variants).join(',')).split(',')) {
    for (const tbl of [false, true]) {
      const t0 = performance.now(), c0 = cpu();
      const sql = `FROM read_json(${q(file)}, format='newline_delimited', columns=${variants[name]}, maximum_object_size=${256 * 1024 * 1024})`;
      if (tbl) { await c.run(`CREATE OR REPLACE TABLE t AS SELECT * ${sql}`); } else { await c.runAndReadAll(`SELECT count(*) ${sql}`); }
      console.log(name.padEnd(14), tbl ? 'table' : 'count', ((performance.now() - t0) / 1000).toFixed(2), 's wall', (cpu() - c0).toFixed(2), 's cpu', Math.round(process.memoryUsage().rss / 1048576), 'MB');
    }
  }
}
void main();
