// temporary (h8)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { RECORD_SCHEMA, duckdbType, type StructType } from '../../lib/query/record-schema';
import { BATCH_DT_SQL, duckdbDialect, recordsColumnList } from '../../lib/query/records-relation';
async function main(): Promise<void> {
  const dir = process.argv[2];
  const files = readdirSync(join(dir, 'records'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const inst = await DuckDBInstance.create(':memory:', process.argv[4] ? { threads: process.argv[4] } : {});
  const c = await inst.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const f = (RECORD_SCHEMA as StructType).fields;
  const t0 = performance.now(), c0 = cpu();
  let src: string;
  if (process.argv[3] === 'list') {
    src = `SELECT filename AS object_key, "chain", "data" FROM read_json([${files.map(q).join(',')}], format='newline_delimited', columns={"chain": ${q(duckdbType(f[0].type))}, "data": ${q(duckdbType(f[1].type))}}, filename=true, maximum_object_size=${Number(process.env.MOS ?? 256)*1024*1024})`;
  } else {
    src = `SELECT "key" AS object_key, "record"."chain" AS "chain", "record"."data" AS "data" FROM read_json('/tmp/h8/wrapped.ndjson', format='newline_delimited', columns={"key": 'VARCHAR', "record": ${q(duckdbType(RECORD_SCHEMA))}}, maximum_object_size=${Number(process.env.MOS ?? 256)*1024*1024})`;
  }
  const d = duckdbDialect(src, 'records');
  await c.run(`CREATE TABLE records AS SELECT ${recordsColumnList(d.lines, { objectKey: 'object_key', dt: BATCH_DT_SQL })} FROM (${src})`);
  const r = await c.runAndReadAll(`SELECT count(*) FROM records`);
  console.log(process.argv[3], r.getRowsJson()[0], ((performance.now() - t0) / 1000).toFixed(2), 's wall', (cpu() - c0).toFixed(2), 's cpu', Math.round(process.resourceUsage().maxRSS / 1024), 'MB');
}
void main();
